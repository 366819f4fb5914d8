#!/usr/bin/env bash
# The main job: installs what is missing, builds in release mode, and runs a short study of
# the built-in model (examples/builtin-study.yaml: 6 trials, 2 at once), ending with the best
# trial and its alignment metrics. Re-running resumes the study. Extra arguments go to
# `smart-tuner optimize` (e.g. --trials 10).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build -c release --product smart-tuner
exec .build/release/smart-tuner optimize --config examples/builtin-study.yaml "$@"
