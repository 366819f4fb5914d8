#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, and runs every test target.
# The training fixtures (real 1 500-step trainings of the built-in model) run in release mode;
# everything else runs in debug mode.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
python3 -c "import safetensors, numpy, optuna" 2>/dev/null || python3 -m pip install --quiet safetensors numpy optuna

# A throw-away PostgreSQL 15 server for the PostgreSQL study store (the contract suite runs on
# every backend), on a free loopback port; stopped and removed when the tests end.
pgdir="$(mktemp -d /tmp/smart-tuner-postgres.XXXXXX)"
trap './scripts/postgres-server.sh stop "$pgdir" || true; rm -rf "$pgdir"' EXIT
pgport="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SMART_TUNER_POSTGRES_URL="$(./scripts/postgres-server.sh start "$pgdir" "$pgport")"
export SMART_TUNER_POSTGRES_URL PGPASSWORD=smarttuner
# Optuna with psycopg and optuna-dashboard, reading and writing the same PostgreSQL studies.
SMART_TUNER_POSTGRES_PYTHON="$(./scripts/postgres-env.sh)/bin/python"
export SMART_TUNER_POSTGRES_PYTHON

# The study tests that run whole studies (in-process, killed with SIGKILL, 8 processes on one
# file) load both cores; they run on their own so that the timing-sensitive supervision tests
# (heartbeat timeouts of a few hundred milliseconds) never share the machine with them.
swift test --skip TrainingFixtureTests --skip PyTorchExampleTests --skip CoquiAdapterTests --skip CoquiCallbackTests --skip StudyCrashTests --skip HostFailureTests --skip StudyRunnerTests --skip StudyCommandTests --skip AutoRunTests --skip TrackingTests --skip PostgresStudyTests "$@"
swift test --filter "StudyCrashTests|StudyRunnerTests|StudyCommandTests|AutoRunTests|PostgresStudyTests" "$@"
# Hosts that fail (needs root: network namespaces as hosts, PostgreSQL in a fourth): six worker
# processes on one PostgreSQL study, one host killed, one cut off; on its own, as it loads both cores.
swift test --filter HostFailureTests "$@"
swift test -c release -Xswiftc -enable-testing --filter TrainingFixtureTests "$@"

# The Python client: installed offline (no package index: its build backend is in the tree),
# then its tests (pytest) in the cached virtual environment that also holds torch.
venv="$(./scripts/python-env.sh)"
"$venv/bin/python" -m pip install --quiet --no-index --force-reinstall ./python
(cd /tmp && "$venv/bin/python" -c "import smart_tuner, sys; sys.exit(0 if 'site-packages' in smart_tuner.__file__ else 1)")
"$venv/bin/python" -m pytest -q python/tests

# Tracking against the real thing (docs/tracking.md): mlflow server, TensorBoard's
# EventAccumulator and optuna-dashboard from their own cached environment, each reading back
# what studies of the built-in model sent them.
tracking="$(./scripts/tracking-env.sh)"
SMART_TUNER_TRACKING_PYTHON="$tracking/bin/python" swift test --filter TrackingTests "$@"

# The PyTorch Tacotron 2 example through smart-tuner optimize (minutes of real training on the
# espeak-ng corpus, made on first use into data/espeak-corpus): on its own, with the environment's torch.
SMART_TUNER_PYTHON="$venv/bin/python" swift test --filter PyTorchExampleTests "$@"

# Coqui TTS's Tacotron 2, unmodified, under the coqui adapter preset (minutes of real training;
# its own cached environment: coqui-tts 0.28.0 with torch, torchaudio, torchcodec and six).
# Then a Coqui recipe with the client's one-line callback (smart_tuner.coqui), the client
# installed into that environment as a user would.
coqui="$(./scripts/coqui-env.sh)"
"$coqui/bin/python" -m pip install --quiet --no-index --force-reinstall --no-deps ./python
"$coqui/bin/python" -m pytest -q python/tests/test_coqui.py
# (one after the other: two Coqui trainings at once on two cores take longer than both in turn)
SMART_TUNER_COQUI_PYTHON="$coqui/bin/python" swift test --filter CoquiAdapterTests "$@"
SMART_TUNER_COQUI_PYTHON="$coqui/bin/python" swift test --filter CoquiCallbackTests "$@"
