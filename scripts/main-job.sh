#!/usr/bin/env bash
# The main job: installs what is missing, builds in release mode, and runs SmartTuner's
# current main workload. Extra arguments are passed to it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build -c release --product smart-tuner
exec .build/release/smart-tuner train "$@"
