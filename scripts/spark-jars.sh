#!/usr/bin/env bash
# Puts the jars one line of the Spark suite needs in Maven's local repository (~/.m2, reused by
# every run and by CI on the same machine) and prints their paths, comma-separated, for spark.jars.
# Arguments: the Maven coordinates (group:artifact:version) of the line's jars; scripts/test-spark.sh
# names them per line: Iceberg's Spark runtime at the version that Glue ships, and spark-avro for
# the avro snapshot format (Glue bundles it; PySpark does not).
set -euo pipefail
command -v java >/dev/null || { echo "spark-jars: Java 17 is needed for the Spark suite (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "spark-jars: Maven is needed to fetch the Spark suite's jars (apt-get install maven)" >&2; exit 1; }
[ "$#" -gt 0 ] || { echo "spark-jars: name the jars, e.g. org.apache.spark:spark-avro_2.12:3.5.4" >&2; exit 1; }
repo="${HOME}/.m2/repository"
jars=()
for artifact in "$@"; do
  IFS=: read -r group name version <<<"$artifact"
  jar="$repo/${group//.//}/$name/$version/$name-$version.jar"
  if [ ! -f "$jar" ]; then
    mvn -q -B dependency:get -Dartifact="$artifact" -Dtransitive=false >&2 ||
      { echo "spark-jars: could not fetch $artifact from Maven Central" >&2; exit 1; }
  fi
  jars+=("$jar")
done
(IFS=,; echo "${jars[*]}")
