#!/usr/bin/env bash
# Prints the path of the Python virtual environment that the Python client's tests and the
# PyTorch example use, creating it first if it is missing or its requirements changed. It lives
# in a cache folder outside the repository (SMART_TUNER_CACHE, default ~/.cache/smart-tuner) and
# is reused by every clone: torch is large (about 5 GB with its CUDA libraries from PyPI; about
# 95 s to install on the machine this was written on).
set -euo pipefail
cache="${SMART_TUNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smart-tuner}"
venv="$cache/python-venv"
requirements="numpy pytest torch"
marker="$venv/.smart-tuner-requirements"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$marker" 2>/dev/null)" != "$requirements" ]; then
    mkdir -p "$cache"
    start=$(date +%s)
    echo "Creating the Python environment $venv ($requirements) ..." >&2
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install --quiet $requirements >&2
    echo "$requirements" > "$marker"
    echo "... installed in $(( $(date +%s) - start )) s" >&2
fi
echo "$venv"
