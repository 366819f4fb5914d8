#!/usr/bin/env bash
# Prints the path of the Python virtual environment with the tracking servers and readers the
# tracking tests use (docs/tracking.md): `mlflow server` and MLflow's Python client, TensorBoard
# (its EventAccumulator reads SmartTuner's event files; no TensorFlow), optuna-dashboard,
# selenium (it drives Debian's headless Chromium for the docs' screenshots) and pytest. Cached
# outside the repository by scripts/cached-venv.sh (about 3 minutes the first time).
set -euo pipefail
exec "$(dirname "$0")/cached-venv.sh" tracking-venv \
    "mlflow==3.17.2 tensorboard==2.21.0 optuna-dashboard==0.21.0 optuna selenium pytest" \
    "import mlflow, tensorboard.backend.event_processing.event_accumulator, optuna_dashboard, selenium"
