#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, and runs every test target.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift test "$@"
