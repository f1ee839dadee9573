"""One local Spark session for the whole Spark suite, set up like Glue's engine where it matters
here, on the line `scripts/test-spark.sh` chose (SPARK_LINE): 3.5 is Glue 5.0's Spark 3.5.4 with
Iceberg 1.7.1, 4.1 is Glue 6.1's Spark 4.1.3 with Iceberg 1.11.0; both with Java 17, a local Hadoop
catalog and spark-avro. The script fetches the line's jars and passes their paths in SPARK_JARS and
the versions it expects; the session fails the suite if it runs others, and the run's summary
prints what it ran on."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SEARCH_PATH = [
    str(REPO_ROOT / "glue-scripts"),
    str(Path(__file__).resolve().parent),
    str(REPO_ROOT / "test" / "glue"),  # the DynamoDB export model the planner's tests use
]
sys.path[:0] = SEARCH_PATH
# Spark's Python workers import the job's modules (and the suite's fakes) by name.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [*SEARCH_PATH, *filter(None, [os.environ.get("PYTHONPATH")])]
)


RUNTIME: dict[str, str] = {}
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


def pytest_terminal_summary(terminalreporter):
    if RUNTIME:
        line = os.environ.get("SPARK_LINE", "?")
        versions = ", ".join(f"{name} {version}" for name, version in RUNTIME.items())
        terminalreporter.write_line(f"Spark line {line}: {versions}")


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    jars = os.environ.get("SPARK_JARS", "")
    if not jars:
        pytest.fail("SPARK_JARS is not set: run the Spark suite with scripts/test-spark.sh")
    warehouse = tmp_path_factory.mktemp("iceberg-warehouse")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("ddbsnap-spark-tests")
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
        # The incremental apply job's catalog name (Glue's catalog on AWS, a Hadoop one here).
        .config("spark.sql.catalog.glue_catalog", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.glue_catalog.type", "hadoop")
        .config("spark.sql.catalog.glue_catalog.warehouse", str(warehouse / "glue"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    RUNTIME.update(runtime_versions(session))
    jvm_pid = session.sparkContext._gateway.proc.pid
    expected = {
        "Spark": os.environ.get("EXPECTED_SPARK_VERSION"),
        "Iceberg": os.environ.get("EXPECTED_ICEBERG_VERSION"),
    }
    wrong = {k: RUNTIME[k] for k, v in expected.items() if v and RUNTIME[k] != v}
    if wrong:
        pytest.fail(f"the session runs {wrong}, but scripts/test-spark.sh expects {expected}")
    yield session
    if Path("/proc/self/stat").exists():
        cpu = tree_cpu_seconds(jvm_pid) + sum(os.times()[:2])
        RUNTIME["CPU"] = f"{cpu:.0f} s (driver, JVM and Python workers)"
    session.stop()
