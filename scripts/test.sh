#!/usr/bin/env bash
# Everything `npm test` checks, in order: the Python environment (set up once), types, the
# TypeScript tests on transpiled code, then the Glue scripts' tests and lint.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=$(bash scripts/python-env.sh)
export PYTHON # moto_server for the CLI tests runs on the same interpreter
npx tsc --noEmit
npx mocha
bash scripts/test-python.sh
