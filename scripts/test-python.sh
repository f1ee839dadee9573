#!/usr/bin/env bash
# Runs the Glue scripts' tests and lint with the python3 first on PATH (it has pytest, boto3, moto).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -m pytest -q -p no:cacheprovider test/glue
if "$PYTHON" -m ruff --version >/dev/null 2>&1; then
  "$PYTHON" -m ruff check --no-cache glue-scripts test/glue
else
  echo "ruff is not installed: skipping lint of glue-scripts (pip install ruff)" >&2
fi
