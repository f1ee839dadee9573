#!/usr/bin/env bash
# The Spark suite (test/spark/): the Glue jobs' Spark code on a real local Spark session with
# Iceberg and spark-avro, on one of the two Spark lines the program supports (SPARK_LINE: 3.5 by
# default, or 4.1), each with its own virtualenv and jar set (scripts/spark-line.sh).
# conftest.py checks that the session runs the line's versions and prints them. Slower than the
# rest (a JVM starts), so `npm test` leaves it to its own lanes.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/spark-line.sh "${SPARK_LINE:-3.5}")"
export SPARK_JARS SPARK_LINE EXPECTED_SPARK_VERSION EXPECTED_ICEBERG_VERSION
export PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
"$PYTHON" -m pytest -q -p no:cacheprovider test/spark "$@"
"$PYTHON" -m ruff check --no-cache test/spark
