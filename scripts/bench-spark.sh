#!/usr/bin/env bash
# npm run bench:spark: the export job's shaping path against native Spark on one seeded corpus
# (scripts/bench_spark.py), on a Spark line (SPARK_LINE: 3.5 by default, or 4.1;
# scripts/spark-line.sh). Figures only; exits non-zero only if a value check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/spark-line.sh "${SPARK_LINE:-3.5}")"
export SPARK_JARS PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
exec "$PYTHON" scripts/bench_spark.py "$@"
