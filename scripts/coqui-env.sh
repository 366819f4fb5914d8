#!/usr/bin/env bash
# Prints the path of the Python virtual environment with Coqui TTS that the adapter's end-to-end
# test runs (docs/adapters.md), creating it first if it is missing or its requirements changed.
# Cached outside the repository by scripts/cached-venv.sh, like scripts/python-env.sh.
#
# What coqui-tts 0.28.0 needs beyond its own requirements, as seen on this kind of machine:
# torch and torchaudio (it does not pull them in), torchcodec plus Debian's ffmpeg (on torch
# ≥ 2.9 `import TTS` refuses to load without them; ffmpeg is installed by scripts/test.sh), and
# six, which it imports without declaring it. pytest runs the client's Coqui tests in it.
set -euo pipefail
exec "$(dirname "$0")/cached-venv.sh" coqui-venv \
    "coqui-tts==0.28.0 torch torchaudio torchcodec six pytest" \
    "import TTS.tts.models.tacotron2, trainer"
