#!/usr/bin/env bash
# Install LayerLab into ./.venv on a fresh Debian/Ubuntu machine with Python 3.11.
#  - apt: the runtime libraries Qt needs (only those missing; uses sudo when not root)
#  - pip: the project (editable) with its test extra
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

qt_libs=(libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3)
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for pkg in "${qt_libs[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing Qt runtime libraries: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; assert sys.version_info >= (3, 11), "LayerLab needs Python 3.11 or newer"'
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
