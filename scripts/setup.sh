#!/usr/bin/env bash
# Sets up what this machine is missing to run NetworkNodes, and nothing it already has:
# Debian packages (cairo, pango, ffmpeg, LaTeX; Chromium for the web page's browser test), the project's own Python environment with the
# pinned Manim, and the npm packages. Safe to run again.
# --check changes nothing: it prints the Debian packages it would install (missing=…) and the Python it
# would use (python=…, empty when there is none >= 3.11), for `networknodes deploy`'s pre-flight.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

APT_PACKAGES=(build-essential python3-dev python3-venv pkg-config libcairo2-dev libpango1.0-dev ffmpeg chromium
  texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm)

# Manim 0.22 needs Python >= 3.11.
find_python() {
  for candidate in ${NN_SETUP_PYTHON:-} python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
}

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ "${1:-}" = --check ]; then
  echo "missing=${missing[*]}"
  echo "python=$(find_python)"
  exit 0
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=$(find_python)
[ -n "$PYTHON" ] || { echo "setup: Python 3.11 or newer is needed (apt-get install python3)" >&2; exit 1; }

LOCK=driver/requirements.lock
STAMP=.venv/.requirements.lock
if [ ! -x .venv/bin/python ] || ! cmp -s "$LOCK" "$STAMP"; then
  say "creating .venv with $($PYTHON --version) and the pinned render stack (manim $(grep -i '^manim==' $LOCK | cut -d= -f3))"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$LOCK"
  cp "$LOCK" "$STAMP"
fi

# By content, as for the venv: files that `deploy` sends carry no meaningful modification times.
NPM_STAMP=node_modules/.nn-package-lock.json
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$NPM_STAMP"; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$NPM_STAMP"
fi
# The CLI built once (dist/cli/), so a command starts without compiling TypeScript; it is used
# while it matches the sources (bin/cli-build.js), and `npm test` rebuilds it.
node bin/cli-build.js >/dev/null
say "ready: $(node bin/networknodes.js doctor >/dev/null 2>&1 && echo 'doctor is happy' || echo 'run: node bin/networknodes.js doctor')"
