#!/usr/bin/env bash
# Usage: scripts/cached-venv.sh NAME "REQUIREMENTS" "PYTHON CHECK"
# Prints the path of the cached Python virtual environment NAME, creating it first when it is
# missing or its requirements changed: it lives in a cache folder outside the repository
# (SMART_TUNER_CACHE, default ~/.cache/smart-tuner) and is reused by every clone. PYTHON CHECK
# (a line of Python) must run in it before it counts as made. The environment scripts
# (python-env.sh, coqui-env.sh, tracking-env.sh) name what each holds and why.
set -euo pipefail
name="$1" requirements="$2" check="$3"
cache="${SMART_TUNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smart-tuner}"
venv="$cache/$name"
marker="$venv/.smart-tuner-requirements"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$marker" 2>/dev/null)" != "$requirements" ]; then
    mkdir -p "$cache"
    start=$(date +%s)
    echo "Creating the Python environment $venv ($requirements) ..." >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install --quiet $requirements >&2
    "$venv/bin/python" -c "$check" >&2
    echo "$requirements" > "$marker"
    echo "... installed in $(( $(date +%s) - start )) s" >&2
fi
echo "$venv"
