#!/usr/bin/env bash
# The Spark suite: the export job's Spark code on a real local Spark 3.5 session with Iceberg
# (test/spark/). Slower than the rest (a JVM starts), so `npm test` runs it after the fast suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(bash scripts/python-env.sh)}
SPARK_JARS=$(bash scripts/spark-jars.sh)
export SPARK_JARS PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
"$PYTHON" -m pytest -q -p no:cacheprovider test/spark "$@"
"$PYTHON" -m ruff check --no-cache test/spark
