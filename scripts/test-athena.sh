#!/usr/bin/env bash
# The Athena lane: snapshots written by the export and apply jobs on real Spark, read back by
# Trino (the engine Athena engine version 3 is built on) through the Glue catalog the jobs
# declare (moto_server stands in for Glue and S3), and the refresh job's SQL and the documented
# queries run on it (test/athena/). Trino runs on Java 24+; Spark on the machine's Java 17.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(bash scripts/python-env.sh)}
SPARK_JARS=$(bash scripts/spark-jars.sh)
{ read -r TRINO_HOME; read -r TRINO_JAVA_HOME; } < <(bash scripts/trino-server.sh)
export SPARK_JARS TRINO_HOME TRINO_JAVA_HOME PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON"
"$PYTHON" -m pytest -q -p no:cacheprovider test/athena "$@"
"$PYTHON" -m ruff check --no-cache test/athena
