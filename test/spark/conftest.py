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


from local_spark import local_spark_session  # noqa: E402
from local_spark import tree_cpu_seconds  # noqa: E402

RUNTIME: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter):
    if RUNTIME:
        line = os.environ.get("SPARK_LINE", "?")
        versions = ", ".join(f"{name} {version}" for name, version in RUNTIME.items())
        terminalreporter.write_line(f"Spark line {line}: {versions}")


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    try:
        session, versions = local_spark_session(
            "ddbsnap-spark-tests", tmp_path_factory.mktemp("iceberg-warehouse")
        )
    except RuntimeError as error:
        pytest.fail(str(error))
    RUNTIME.update(versions)
    jvm_pid = session.sparkContext._gateway.proc.pid
    yield session
    if Path("/proc/self/stat").exists():
        cpu = tree_cpu_seconds(jvm_pid) + sum(os.times()[:2])
        RUNTIME["CPU"] = f"{cpu:.0f} s (driver, JVM and Python workers)"
    session.stop()
