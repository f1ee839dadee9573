#!/usr/bin/env bash
# The Spark suite (test/spark/): the Glue jobs' Spark code on a real local Spark session with
# Iceberg and spark-avro, on one of the two Spark lines the program supports, each with its own
# virtualenv and jar set:
#   SPARK_LINE=3.5 (default)  Glue 5.0/5.1: Spark 3.5.4, Scala 2.12, Iceberg 1.7.1, spark-avro 3.5.4
#   SPARK_LINE=4.1            Glue 6.0/6.1: Spark 4.1.3, Scala 2.13, Iceberg 1.11.0, spark-avro 4.1.1
# (spark-avro_2.13 4.1.3 and 4.1.0 are not on Maven Central; 4.1.1 is, and reads and writes the
# same container files.) conftest.py checks that the session runs the versions named here and
# prints them. Slower than the rest (a JVM starts), so `npm test` leaves it to its own lanes.
set -euo pipefail
cd "$(dirname "$0")/.."
line=${SPARK_LINE:-3.5}
case "$line" in
  3.5)
    python_overrides=""
    EXPECTED_SPARK_VERSION=3.5.4 EXPECTED_ICEBERG_VERSION=1.7.1
    jars="org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.7.1 org.apache.spark:spark-avro_2.12:3.5.4"
    ;;
  4.1)
    python_overrides=requirements-spark-4.1.txt
    EXPECTED_SPARK_VERSION=4.1.3 EXPECTED_ICEBERG_VERSION=1.11.0
    jars="org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.11.0 org.apache.spark:spark-avro_2.13:4.1.1"
    ;;
  *) echo "test-spark: SPARK_LINE is '$line'; allowed: 3.5 or 4.1" >&2; exit 1 ;;
esac
if [ -n "$python_overrides" ]; then
  PYTHON=$(bash scripts/python-env.sh "$python_overrides")
else
  PYTHON=${PYTHON:-$(bash scripts/python-env.sh)}
fi
# shellcheck disable=SC2086 # the coordinates are words
SPARK_JARS=$(bash scripts/spark-jars.sh $jars)
export SPARK_JARS SPARK_LINE="$line" EXPECTED_SPARK_VERSION EXPECTED_ICEBERG_VERSION
export PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
"$PYTHON" -m pytest -q -p no:cacheprovider test/spark "$@"
"$PYTHON" -m ruff check --no-cache test/spark
