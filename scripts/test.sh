#!/usr/bin/env bash
# Everything `npm test` checks, in three lanes at once (each prints its output when it ends):
# - the type check (skipped when no input changed since the last clean one), eslint and Prettier
#   (both cached in node_modules/.cache);
# - the Glue scripts' tests and lint, on the interpreter scripts/python-env.sh sets up once, with
#   bytecode caching on (so pytest keeps its rewritten test modules between runs);
# - the TypeScript tests on transpiled code, in one mocha worker: with the other two lanes busy,
#   a second worker only competes for the same two cores and starts a second moto_server.
# The exit status is the first failing lane's. `npx mocha` alone still uses two workers.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=$(bash scripts/python-env.sh)
export PYTHON # moto_server for the CLI tests runs on the same interpreter

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
cache=node_modules/.cache
# The type check's inputs: every TypeScript and JSON file in the tree, the lockfile, tsconfig. When
# they are byte for byte those of the last clean check, its answer cannot have changed.
typecheck_inputs() {
  git ls-files -z --cached --others --exclude-standard -- '*.ts' '*.json' |
    xargs -0 sha256sum
  node --version
}
typecheck_stamp="$cache/typecheck.sha256"
typecheck() {
  mkdir -p "$cache"
  if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    npx tsc --noEmit --incremental --tsBuildInfoFile "$cache/ddbsnap.tsbuildinfo"
    return
  fi
  local inputs
  inputs=$(typecheck_inputs | sha256sum)
  if [ -f "$typecheck_stamp" ] && [ "$(cat "$typecheck_stamp")" = "$inputs" ]; then
    echo "tsc: no TypeScript or JSON file changed since the last clean check"
    return 0
  fi
  rm -f "$typecheck_stamp"
  npx tsc --noEmit --incremental --tsBuildInfoFile "$cache/ddbsnap.tsbuildinfo" &&
    echo "$inputs" >"$typecheck_stamp"
}
{
  typecheck &&
    npx eslint --cache --cache-location "$cache/eslint" . &&
    npx prettier --check --cache --cache-location "$cache/prettier-check.json" --log-level warn .
} >"$logs/typecheck" 2>&1 &
typecheck=$!
env -u PYTHONDONTWRITEBYTECODE bash scripts/test-python.sh >"$logs/python" 2>&1 &
python=$!
npx mocha --jobs 1 >"$logs/mocha" 2>&1 &
mocha=$!

status=0
lane() { # name pid hint
  local code=0
  wait "$2" || code=$?
  if [ "$code" -ne 0 ]; then
    echo "== $1 failed$3:" >&2
    cat "$logs/$1" >&2
    [ "$status" -ne 0 ] || status=$code
  else
    cat "$logs/$1"
  fi
}
lane typecheck "$typecheck" " (npm run format fixes the formatting)"
lane python "$python" ""
lane mocha "$mocha" ""
exit "$status"
