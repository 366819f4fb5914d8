#!/usr/bin/env bash
# Prints the path of the Python virtual environment the PostgreSQL store's interoperability
# tests and benchmarks use (docs/distributed.md): Optuna with psycopg (its RDB storage on
# PostgreSQL reads and writes the same tables as SmartTuner) and optuna-dashboard. Cached
# outside the repository by scripts/cached-venv.sh.
set -euo pipefail
exec "$(dirname "$0")/cached-venv.sh" postgres-venv \
    "optuna==5.0.0 optuna-dashboard==0.21.0 psycopg[binary]" \
    "import optuna, optuna_dashboard, psycopg, sqlalchemy"
