#!/usr/bin/env bash
# Puts Trino's server (the engine Athena engine version 3 is built on) where the Athena lane finds
# it, once, and prints two lines: the server's folder and the JAVA_HOME to run it with.
# - The tarball comes from Maven Central into Maven's local repository (~/.m2, reused by every
#   run and by CI on the same machine) and is unpacked once into ~/.cache/ddbsnap (whole: its
#   plugins share files as hard links, so one cannot be unpacked alone). The lane loads only the
#   Hive and Iceberg connectors.
# - Trino 476 needs Java 24 or later; Spark and everything else stay on the machine's Java 17.
#   TRINO_JAVA_HOME overrides the search.
set -euo pipefail
version=476
artifact="io.trino:trino-server:${version}:tar.gz"
tarball="${HOME}/.m2/repository/io/trino/trino-server/${version}/trino-server-${version}.tar.gz"
home="${HOME}/.cache/ddbsnap/trino-server-${version}"

fail() { echo "trino-server: $*" >&2; exit 1; }

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
find_java() {
  local candidate
  for candidate in ${TRINO_JAVA_HOME:-} /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -x "$candidate/bin/java" ] || continue
    [ "$(java_major "$candidate")" -ge 24 ] 2>/dev/null && { echo "$candidate"; return 0; }
  done
  return 1
}
java_home=$(find_java) ||
  fail "Trino ${version} needs Java 24 or later: install a JDK 25 (apt-get install temurin-25-jdk, or openjdk-25-jdk-headless) or set TRINO_JAVA_HOME"

if [ ! -x "$home/bin/launcher" ]; then
  if [ ! -f "$tarball" ]; then
    command -v mvn >/dev/null || fail "Maven is needed to fetch ${artifact} (apt-get install maven)"
    echo "trino-server: fetching ${artifact} (about 820 MB, once) into ~/.m2" >&2
    mvn -q -B dependency:get -Dartifact="$artifact" -Dtransitive=false >&2 ||
      fail "could not fetch ${artifact} from Maven Central"
  fi
  echo "trino-server: unpacking $tarball into $home (once)" >&2
  mkdir -p "$(dirname "$home")"
  staging=$(mktemp -d "${home}.XXXXXX")
  tar -xzf "$tarball" -C "$staging" --strip-components=1 ||
    { rm -rf "$staging"; fail "could not unpack $tarball: delete it and run again"; }
  rm -rf "$home" && mv "$staging" "$home"
fi
echo "$home"
echo "$java_home"
