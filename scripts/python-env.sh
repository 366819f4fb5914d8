#!/usr/bin/env bash
# Prints the path of the Python virtual environment that the Python client's tests and the
# PyTorch example use, creating it first if it is missing or its requirements changed. Cached
# outside the repository by scripts/cached-venv.sh and reused by every clone: torch is large
# (about 5 GB with its CUDA libraries from PyPI; about 95 s to install on the machine this was
# written on).
set -euo pipefail
exec "$(dirname "$0")/cached-venv.sh" python-venv "numpy pytest torch" "import numpy, torch"
