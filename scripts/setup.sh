#!/usr/bin/env bash
# Sets up what this machine is missing to run NetworkNodes, and nothing it already has:
# Debian packages (cairo, pango, ffmpeg, LaTeX; Chromium for the web page's browser test), the project's own Python environment with the
# pinned Manim, and the npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

APT_PACKAGES=(build-essential python3-dev python3-venv pkg-config libcairo2-dev libpango1.0-dev ffmpeg chromium
  texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm)

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Manim 0.22 needs Python >= 3.11.
PYTHON=""
for candidate in ${NN_SETUP_PYTHON:-} python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PYTHON="$candidate"; break
  fi
done
[ -n "$PYTHON" ] || { echo "setup: Python 3.11 or newer is needed (apt-get install python3)" >&2; exit 1; }

LOCK=driver/requirements.lock
STAMP=.venv/.requirements.lock
if [ ! -x .venv/bin/python ] || ! cmp -s "$LOCK" "$STAMP"; then
  say "creating .venv with $($PYTHON --version) and the pinned render stack (manim $(grep -i '^manim==' $LOCK | cut -d= -f3))"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$LOCK"
  cp "$LOCK" "$STAMP"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The CLI built once (dist/cli/), so a command starts without compiling TypeScript; it is used
# while it matches the sources (bin/cli-build.js), and `npm test` rebuilds it.
node bin/cli-build.js >/dev/null
say "ready: $(node bin/networknodes.js doctor >/dev/null 2>&1 && echo 'doctor is happy' || echo 'run: node bin/networknodes.js doctor')"
