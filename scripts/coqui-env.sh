#!/usr/bin/env bash
# Prints the path of the Python virtual environment with Coqui TTS that the adapter's end-to-end
# test runs (docs/adapters.md), creating it first if it is missing or its requirements changed.
# Like scripts/python-env.sh it lives in a cache folder outside the repository
# (SMART_TUNER_CACHE, default ~/.cache/smart-tuner) and is reused by every clone.
#
# What coqui-tts 0.28.0 needs beyond its own requirements, as seen on this kind of machine:
# torch and torchaudio (it does not pull them in), torchcodec plus Debian's ffmpeg (on torch
# ≥ 2.9 `import TTS` refuses to load without them; ffmpeg is installed by scripts/test.sh), and
# six, which it imports without declaring it. pytest runs the client's Coqui tests in it.
set -euo pipefail
cache="${SMART_TUNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smart-tuner}"
venv="$cache/coqui-venv"
requirements="coqui-tts==0.28.0 torch torchaudio torchcodec six pytest"
marker="$venv/.smart-tuner-requirements"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$marker" 2>/dev/null)" != "$requirements" ]; then
    mkdir -p "$cache"
    start=$(date +%s)
    echo "Creating the Coqui TTS environment $venv ($requirements) ..." >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install --quiet $requirements >&2
    "$venv/bin/python" -c "import TTS.tts.models.tacotron2, trainer" >&2
    echo "$requirements" > "$marker"
    echo "... installed in $(( $(date +%s) - start )) s" >&2
fi
echo "$venv"
