"""One local Spark 3.5 session for the whole Spark suite, set up like Glue 5.0's engine where it
matters here: Spark 3.5.4, Python 3.11, Java 17, Iceberg 1.7.1 with a local Hadoop catalog, and
spark-avro. `scripts/test-spark.sh` fetches the jars and passes their paths in SPARK_JARS."""

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
    yield session
    session.stop()
