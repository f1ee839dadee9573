#!/usr/bin/env bash
# Every test lane, one after the other, each timed: the fast suite (`npm test`), then the slow
# lanes that start engines of their own. All lanes run even if one fails, so a CI log shows every
# failure at once; the exit status is the first failing lane's. `.ci/run` calls this after `npm ci`.
set -uo pipefail
cd "$(dirname "$0")/.."

lanes=(
  "fast:npm test"
  "spark-3.5:npm run test:spark"
  "spark-4.1:npm run test:spark-4.1"
  "athena:npm run test:athena"
  "faults:npm run test:faults"
)

status=0
summary=()
for lane in "${lanes[@]}"; do
  name=${lane%%:*}
  command=${lane#*:}
  echo "== lane $name: $command"
  started=$(date +%s)
  code=0
  bash -c "$command" || code=$?
  seconds=$(($(date +%s) - started))
  result=$([ "$code" -eq 0 ] && echo passed || echo "FAILED (exit $code)")
  echo "== lane $name $result in ${seconds} s"
  summary+=("$(printf '%-10s %-20s %4d s' "$name" "$result" "$seconds")")
  [ "$code" -eq 0 ] || [ "$status" -ne 0 ] || status=$code
done
echo "== lanes:"
printf '   %s\n' "${summary[@]}"
exit "$status"
