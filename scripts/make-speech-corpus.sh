#!/usr/bin/env bash
# Builds a small real-speech corpus offline (LJSpeech layout, espeak-ng voices, phoneme timings
# as the true alignment): scripts/make-speech-corpus.sh [--out DIR] [--size N] [--seed S] …
# Installs Debian's espeak-ng when it is missing. See scripts/speech_corpus.py for the options.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg-query -W -f='${Status}' espeak-ng 2>/dev/null | grep -q "install ok installed"; then
    as_root=()
    [ "$(id -u)" -ne 0 ] && as_root=(sudo)
    "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq espeak-ng >&2
fi
args=("$@")
[[ " $* " == *" --out "* ]] || args+=(--out data/espeak-corpus)
exec python3 scripts/speech_corpus.py "${args[@]}"
