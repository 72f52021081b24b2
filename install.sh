#!/usr/bin/env bash
# One-command install of wattprint and its extras on a fresh machine.
#   bash install.sh          # wattprint with ML, report, export and Ray extras
#   bash install.sh --test   # the same, plus test tools and headless chromium
# torch is installed FIRST and pinned: an unpinned torch would pull CUDA wheels.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
TORCH_VERSION=${WATTPRINT_TORCH:-2.13.0}

if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('$TORCH_VERSION') else 1)" 2>/dev/null; then
    "$PY" -m pip install -q "torch==$TORCH_VERSION"
fi
"$PY" -m pip install -q -e ".[all]"

if [[ "${1:-}" == "--test" ]]; then
    # the browser tests need both the browser and its driver: install whichever is missing
    if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
        SUDO=""
        if [[ "$(id -u)" != 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
        if command -v apt-get >/dev/null 2>&1; then
            ($SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null) \
                || echo "install.sh: chromium/chromedriver not installed; the browser tests will skip (and fail under CI=true)" >&2
        else
            echo "install.sh: no apt-get; install chromium and chromedriver yourself for the browser tests" >&2
        fi
    fi
fi
echo "wattprint installed: $("$PY" -m wattprint.cli --version 2>/dev/null || echo '?')"
