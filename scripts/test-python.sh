#!/usr/bin/env bash
# The Glue scripts' tests and lint, with the interpreter scripts/python-env.sh provides.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(bash scripts/python-env.sh)}
"$PYTHON" -m pytest -q -p no:cacheprovider test/glue
"$PYTHON" -m ruff check --no-cache glue-scripts test/glue
