#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, and runs every test target.
# The training fixtures (real 1 500-step trainings of the built-in model) run in release mode;
# everything else runs in debug mode.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
python3 -c "import safetensors, numpy, optuna" 2>/dev/null || python3 -m pip install --quiet safetensors numpy optuna

# The study tests that run whole studies (in-process, killed with SIGKILL, 8 processes on one
# file) load both cores; they run on their own so that the timing-sensitive supervision tests
# (heartbeat timeouts of a few hundred milliseconds) never share the machine with them.
swift test --skip TrainingFixtureTests --skip StudyCrashTests --skip StudyRunnerTests --skip StudyCommandTests --skip AutoRunTests "$@"
swift test --filter "StudyCrashTests|StudyRunnerTests|StudyCommandTests|AutoRunTests" "$@"
swift test -c release -Xswiftc -enable-testing --filter TrainingFixtureTests "$@"
