#!/usr/bin/env bash
# The Athena lane: snapshots written by the export and apply jobs on real Spark, read back by
# Trino (the engine Athena engine version 3 is built on) through the Glue catalog the jobs
# declare (moto_server stands in for Glue and S3), and the refresh job's SQL and the documented
# queries run on it (test/athena/). The jobs run on the Spark line of the default Glue version
# (6.1: Spark 4.1, scripts/spark-line.sh), on Java 17; Trino runs on Java 24+.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/spark-line.sh "${SPARK_LINE:-4.1}")"
{ read -r TRINO_HOME; read -r TRINO_JAVA_HOME; } < <(bash scripts/trino-server.sh)
export SPARK_JARS SPARK_LINE EXPECTED_SPARK_VERSION EXPECTED_ICEBERG_VERSION TRINO_HOME TRINO_JAVA_HOME
export PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
"$PYTHON" -m pytest -q -p no:cacheprovider test/athena "$@"
"$PYTHON" -m ruff check --no-cache test/athena
