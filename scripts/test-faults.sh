#!/usr/bin/env bash
# The fault lane: the jobs' whole chains against AWS that throttles, fails, drops connections,
# answers slowly and kills job attempts (test/faults). It starts moto_server and the fault proxy
# on loopback, and Spark runners on the Spark suite's 3.5 line (scripts/spark-line.sh; the Athena
# lane runs the jobs on the 4.1 line); each is stopped by PID at the end.
# The seed is random unless given (--seed N, or FAULT_SEED); the first line prints it, the last
# gives the figures. Replay a failure: npm run test:faults -- --seed N
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/spark-line.sh "${SPARK_LINE:-3.5}")"
export SPARK_JARS SPARK_LINE PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
"$PYTHON" -m pytest -q -p no:cacheprovider test/faults
"$PYTHON" test/faults/suite.py "$@"
"$PYTHON" -m ruff check --no-cache test/faults
