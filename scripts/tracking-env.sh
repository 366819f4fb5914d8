#!/usr/bin/env bash
# Prints the path of the Python virtual environment with the tracking servers and readers the
# tracking tests use (docs/tracking.md): `mlflow server` and MLflow's Python client, TensorBoard
# (its EventAccumulator reads SmartTuner's event files; no TensorFlow), optuna-dashboard, and
# pytest. Like scripts/python-env.sh it lives in a cache folder outside the repository
# (SMART_TUNER_CACHE, default ~/.cache/smart-tuner), is reused by every clone, and is made again
# only when the requirements below change.
set -euo pipefail
cache="${SMART_TUNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smart-tuner}"
venv="$cache/tracking-venv"
requirements="mlflow==3.17.2 tensorboard==2.21.0 optuna-dashboard==0.21.0 optuna pytest"
marker="$venv/.smart-tuner-requirements"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$marker" 2>/dev/null)" != "$requirements" ]; then
    mkdir -p "$cache"
    start=$(date +%s)
    echo "Creating the tracking environment $venv ($requirements) ..." >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install --quiet $requirements >&2
    "$venv/bin/python" -c "import mlflow, tensorboard.backend.event_processing.event_accumulator, optuna_dashboard" >&2
    echo "$requirements" > "$marker"
    echo "... installed in $(( $(date +%s) - start )) s" >&2
fi
echo "$venv"
