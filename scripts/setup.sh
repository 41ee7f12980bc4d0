#!/usr/bin/env bash
# Create .venv and install classify with everything it needs (CPU torch first, so pip never pulls CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -c "import torch" 2>/dev/null || python -m pip install -q torch==2.13.0
python -m pip install -q -e '.[dev,transformer]'
echo "classify installed in $(pwd)/.venv" >&2
