#!/usr/bin/env bash
# npm run bench:spark: the export job's shaping path against native Spark on one seeded corpus
# (scripts/bench_spark.py). Figures only; exits non-zero only if a value check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(bash scripts/python-env.sh)}
SPARK_JARS=$(bash scripts/spark-jars.sh)
export SPARK_JARS PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
exec "$PYTHON" scripts/bench_spark.py "$@"
