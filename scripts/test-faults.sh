#!/usr/bin/env bash
# The fault lane: the jobs' whole chains against AWS that throttles, fails, drops connections,
# answers slowly and kills job attempts (test/faults). It starts moto_server and the fault proxy
# on loopback, and Spark runners with the Spark suite's jars; each is stopped by PID at the end.
# The seed is random unless given (--seed N, or FAULT_SEED); the first line prints it, the last
# gives the figures. Replay a failure: npm run test:faults -- --seed N
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(bash scripts/python-env.sh)}
SPARK_JARS=$(bash scripts/spark-jars.sh)
export SPARK_JARS PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
"$PYTHON" -m pytest -q -p no:cacheprovider test/faults
"$PYTHON" test/faults/suite.py "$@"
"$PYTHON" -m ruff check --no-cache test/faults
