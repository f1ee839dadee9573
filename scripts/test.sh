#!/usr/bin/env bash
# Everything `npm test` checks: the Python environment (set up once); the type check (incremental:
# its cache is node_modules/.cache) and eslint + Prettier beside the Glue scripts' tests and lint;
# then the TypeScript tests on transpiled code in two parallel workers.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=$(bash scripts/python-env.sh)
export PYTHON # moto_server for the CLI tests runs on the same interpreter

typecheck_log=$(mktemp)
trap 'rm -f "$typecheck_log"' EXIT
{
  npx tsc --noEmit --incremental --tsBuildInfoFile node_modules/.cache/ddbsnap.tsbuildinfo &&
    npx eslint --cache --cache-location node_modules/.cache/eslint . &&
    npx prettier --check --log-level warn .
} >"$typecheck_log" 2>&1 &
typecheck=$!
python_status=0
bash scripts/test-python.sh || python_status=$?
typecheck_status=0
wait "$typecheck" || typecheck_status=$?
if [ "$typecheck_status" -ne 0 ]; then
  echo "type check, eslint or Prettier failed (npm run format fixes the formatting):" >&2
  cat "$typecheck_log" >&2
  exit "$typecheck_status"
fi
[ "$python_status" -eq 0 ] || exit "$python_status"
npx mocha
