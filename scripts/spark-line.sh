#!/usr/bin/env bash
# One place for what each Spark line the program supports runs on. Usage, in a lane's script:
#   eval "$(bash scripts/spark-line.sh 4.1)"
# sets SPARK_LINE, PYTHON (the line's interpreter, set up by scripts/python-env.sh), SPARK_JARS
# (its jars, fetched into ~/.m2 by scripts/spark-jars.sh), EXPECTED_SPARK_VERSION and
# EXPECTED_ICEBERG_VERSION.
#   3.5  Glue 5.0/5.1: Spark 3.5.4, Scala 2.12, Iceberg 1.7.1, spark-avro 3.5.4, in .venv/
#   4.1  Glue 6.0/6.1: Spark 4.1.3, Scala 2.13, Iceberg 1.11.0, spark-avro_2.13 4.1.1 (4.1.3 and
#        4.1.0 are not on Maven Central; 4.1.1 reads and writes the same files), in .venv-spark-4.1/
set -euo pipefail
cd "$(dirname "$0")/.."
line=${1:-3.5}
case "$line" in
  3.5)
    python=$(bash scripts/python-env.sh)
    spark=3.5.4 iceberg=1.7.1
    jars="org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.7.1 org.apache.spark:spark-avro_2.12:3.5.4"
    ;;
  4.1)
    python=$(bash scripts/python-env.sh requirements-spark-4.1.txt)
    spark=4.1.3 iceberg=1.11.0
    jars="org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.11.0 org.apache.spark:spark-avro_2.13:4.1.1"
    ;;
  *) echo "spark-line: the Spark line is '$line'; allowed: 3.5 or 4.1" >&2; exit 1 ;;
esac
# shellcheck disable=SC2086 # the coordinates are words
jar_paths=$(bash scripts/spark-jars.sh $jars)
printf 'SPARK_LINE=%q PYTHON=%q SPARK_JARS=%q EXPECTED_SPARK_VERSION=%q EXPECTED_ICEBERG_VERSION=%q\n' \
  "$line" "$python" "$jar_paths" "$spark" "$iceberg"
