#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, and runs every test target.
# The training fixtures (real 1 500-step trainings of the built-in model) run in release mode;
# everything else runs in debug mode.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
python3 -c "import safetensors, numpy, optuna" 2>/dev/null || python3 -m pip install --quiet safetensors numpy optuna

swift test --skip TrainingFixtureTests "$@"
swift test -c release -Xswiftc -enable-testing --filter TrainingFixtureTests "$@"
