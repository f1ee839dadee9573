"""The Athena lane: what the export and apply jobs write, read back by Trino (the engine of Athena
engine version 3) through the Glue catalog the jobs themselves declare, and the refresh job's own
SQL run on it. One moto_server, one Trino and one local Spark session for the whole lane.
`scripts/test-athena.sh` provides the Spark jars (SPARK_JARS) and the Trino server (TRINO_HOME,
TRINO_JAVA_HOME)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SEARCH_PATH = [
    str(REPO_ROOT / "glue-scripts"),
    str(Path(__file__).resolve().parent),
    str(REPO_ROOT / "test" / "spark"),  # the Spark test bed's fakes (local storage, runtime)
    str(REPO_ROOT / "test" / "glue"),  # the DynamoDB export model the incremental jobs read
]
sys.path[:0] = SEARCH_PATH
os.environ["PYTHONPATH"] = os.pathsep.join(
    [*SEARCH_PATH, *filter(None, [os.environ.get("PYTHONPATH")])]
)

from datetime import timedelta  # noqa: E402

from corpus import COLUMN_TYPES  # noqa: E402
from corpus import ITEMS  # noqa: E402
from engines import Moto  # noqa: E402
from engines import Trino  # noqa: E402
from engines import stop  # noqa: E402
from incremental import IncrementalTable  # noqa: E402
from incremental import item  # noqa: E402
from lake import FORMATS  # noqa: E402
from lake import NOW  # noqa: E402
from lake import Lake  # noqa: E402
from lake import view_of  # noqa: E402
from local_spark import local_spark_session  # noqa: E402

REPORT: dict[str, str] = {}


def required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.fail(f"{name} is not set: run the Athena lane with scripts/test-athena.sh")
    return value


@pytest.fixture(scope="session")
def lake(tmp_path_factory):
    folder = tmp_path_factory.mktemp("athena-lane")
    moto = Moto.start(folder)
    (folder / "trino").mkdir()
    trino = Trino.launch(
        folder / "trino", required("TRINO_HOME"), required("TRINO_JAVA_HOME"), moto.endpoint
    )
    spark = None
    try:
        spark, versions = local_spark_session("ddbsnap-athena-lane", folder / "warehouse")
        REPORT["versions"] = (
            f"jobs on Spark line {os.environ.get('SPARK_LINE', '?')}: "
            + ", ".join(f"{name} {version}" for name, version in versions.items())
        )
        yield Lake(folder, moto, trino.ready(), spark, REPORT)
    except RuntimeError as error:
        pytest.fail(str(error))
    finally:
        if spark is not None:
            spark.stop()
        stop(trino.process)
        stop(moto.process)


@pytest.fixture(scope="session")
def snapshots(lake):
    """The table Reviews (the type corpus), one scheduled run per snapshot format."""
    lake.put_table("Reviews", ITEMS)
    return {
        output_format: lake.snapshot_run(
            "Reviews",
            view_of(output_format),
            output_format,
            NOW - timedelta(hours=6),
            column_types=json.dumps(COLUMN_TYPES),
        )
        for output_format in FORMATS
    }


@pytest.fixture(scope="session")
def orders(lake):
    """The incremental table Orders after two runs: the bootstrap, then a window of changes."""
    start = IncrementalTable.START
    table = IncrementalTable(lake, start)
    table.model.put(start - timedelta(hours=5), item("a", price="10.50", note="first"))
    table.model.put(start - timedelta(hours=4), item("b", price=3))
    first = table.run()  # bootstrap: a full export
    table.model.put(start + timedelta(minutes=10), item("a", price=11, note="repriced"))
    table.model.delete(start + timedelta(minutes=20), "b")
    table.model.put(start + timedelta(minutes=50), item("c", price=7, colour="red"))
    table.now = start + timedelta(hours=2)
    second = table.run()
    return table, first, second


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("what Trino read back, per snapshot format")
        for line in REPORT.values():
            terminalreporter.write_line(line)
