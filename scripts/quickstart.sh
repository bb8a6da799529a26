#!/usr/bin/env bash
# The README's first command: set up what is missing, then render the bundled example on a local
# cluster (embedded Postgres, one worker per core) and say where the videos are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/networknodes.js render examples/showcase.py -q "${NN_QUALITY:-m}" --out-dir renders "$@"
