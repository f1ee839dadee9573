"""The local Spark session the Spark suite and the Athena lane run the Glue jobs on, set up like
Glue's engine where it matters here, on the line the lane's script chose (scripts/spark-line.sh:
SPARK_JARS and the versions it expects): Java 17, Iceberg's catalog extensions with Hadoop
catalogs in a temporary folder (`local`, and `glue_catalog`, the apply job's catalog name: Glue's
catalog on AWS), spark-avro, UTC."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# A test JVM lives a couple of minutes on small data: compiling with C1 only and one GC thread
# costs less CPU than tiered C2 with parallel GC (measured in the lane's printed CPU seconds:
# the 4.1 line 112 -> 88 s, the 3.5 line 89 -> 71 s, on this 2-core machine). Tests only.
TEST_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def runtime_versions(session) -> dict[str, str]:
    jvm = session.sparkContext._jvm
    return {
        "Spark": session.version,
        "Scala": jvm.scala.util.Properties.versionNumberString(),
        "Iceberg": jvm.org.apache.iceberg.IcebergBuild.version(),
        "Java": jvm.java.lang.System.getProperty("java.version"),
        "Python": sys.version.split()[0],
    }


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of a process and its live descendants, with the children each has reaped (the
    JVM, and the Python worker daemon with the workers it forked): the lane's cost, which unlike
    its wall time does not grow with what else the machine runs."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0))[1]
        todo.extend(child for child, (parent, _) in stats.items() if parent == pid)
    return total / ticks


def local_spark_session(app_name: str, warehouse: Path) -> tuple[Any, dict[str, str]]:
    """The session and the versions it runs; raises if they are not the line's."""
    from pyspark.sql import SparkSession

    jars = os.environ.get("SPARK_JARS", "")
    if not jars:
        raise RuntimeError("SPARK_JARS is not set: run the lane with its scripts/test-*.sh")
    session = (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.jars", jars)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", TEST_JVM_OPTIONS)
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config(
            "spark.sql.extensions",
            "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        )
        .config("spark.sql.catalog.local", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.local.type", "hadoop")
        .config("spark.sql.catalog.local.warehouse", str(warehouse))
        .config("spark.sql.catalog.glue_catalog", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.glue_catalog.type", "hadoop")
        .config("spark.sql.catalog.glue_catalog.warehouse", str(warehouse / "glue"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    versions = runtime_versions(session)
    expected = {
        "Spark": os.environ.get("EXPECTED_SPARK_VERSION"),
        "Iceberg": os.environ.get("EXPECTED_ICEBERG_VERSION"),
    }
    wrong = {k: versions[k] for k, v in expected.items() if v and versions[k] != v}
    if wrong:
        session.stop()
        raise RuntimeError(f"the session runs {wrong}, but the lane's script expects {expected}")
    return session, versions
