"""A long-lived process holding one local Spark 3.5 session (Iceberg, spark-avro; as the Spark
suite's conftest) that runs the Spark jobs' main(argv, env) on request.

    python spark_runner.py <answer fd> <work folder>

Commands, one JSON object per line on stdin; one JSON answer per line on the answer fd:
  {"job": "export_table" | "apply_changes", "argv": [...], "now": iso}
      -> {"ok": bool, "error": what Glue would show, "result": {...}}
  {"state": "<table>", "columns": [...]}
      -> {"ok": true, "result": {"schema": [[name, type], ...], "rows": [[...], ...]}}
  {"sql": "<statement>"}                  -> {"ok": true}
The AWS calls go to AWS_ENDPOINT_URL (the fault proxy). S3 is a folder the proxy serves: the
job's boto3 S3 calls go through the proxy, Spark reads and writes the same files directly.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import datetime
from pathlib import Path

from job_host import dilate_botocore_sleep
from job_host import dilated_sleep
from job_host import glue_error


class FolderStorage:
    """spark_runtime.S3Storage (every S3 call through the proxy), with Spark's paths on the folder
    the proxy serves S3 from."""

    def __init__(self, s3, root: Path):
        from spark_runtime import S3Storage

        self._s3 = S3Storage(s3)
        self.root = root

    def spark_path(self, uri: str) -> str:
        return f"file://{self.root}/{uri.removeprefix('s3://')}"

    def __getattr__(self, name):
        return getattr(self._s3, name)


class ScanClients:
    """The scan's client factory for Spark's workers: the product's own client
    (snapshot_staging.default_dynamodb_client), with botocore's back-off waits shortened there
    too."""

    def __call__(self, region, role_arn=None):
        from snapshot_staging import default_dynamodb_client

        dilate_botocore_sleep()
        return default_dynamodb_client(region, role_arn)


def spark_session(work: Path):
    from pyspark.sql import SparkSession

    warehouse = work / "iceberg"
    session = (
        # Four attempts per task, as Spark on a cluster (Glue) makes; local mode makes one.
        SparkSession.builder.master("local[2,4]")
        .appName("ddbsnap-faults")
        .config("spark.jars", os.environ["SPARK_JARS"])
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        # Tiny tables: compiling generated code and re-planning cost more CPU than they save.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        # Scratch space in the suite's work folder: a killed runner leaves it there, not in /tmp.
        .config("spark.local.dir", str(work / "spark-local"))
        .config(
            "spark.sql.extensions",
            "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        )
        .config("spark.sql.catalog.glue_catalog", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.glue_catalog.type", "hadoop")
        .config("spark.sql.catalog.glue_catalog.warehouse", str(warehouse))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def run_job(spark, work: Path, command: dict) -> dict:
    from fakes import LocalRuntime

    import apply_changes
    import export_table
    from spark_runtime import SparkJobEnvironment

    now = datetime.fromisoformat(command["now"])
    env = SparkJobEnvironment(
        runtime_factory=LocalRuntime(spark), now=lambda: now, sleep=dilated_sleep
    )
    env.storage = FolderStorage(env.client("s3"), work / "s3")
    from job_arguments import run_job

    def export(argv, env):
        return export_table.main(argv, env, scan_client_factory=ScanClients())

    main = export if command["job"] == "export_table" else apply_changes.main
    try:  # as the script's `__main__` runs it
        result = run_job(command["job"], main, command["argv"], env)
        return {"ok": True, "result": {k: str(v) for k, v in vars(result).items()}}
    except BaseException as error:
        traceback.print_exc()
        return {"ok": False, "error": glue_error(error)}


def query(spark, command: dict):
    if "state" in command:  # the table's schema, and its rows if it has the columns yet
        table = spark.table(command["state"])
        schema = [[f.name, f.dataType.simpleString()] for f in table.schema.fields]
        have = {name for name, _ in schema}
        rows = []
        if set(command["columns"]) <= have:
            rows = [list(row) for row in table.select(*command["columns"]).collect()]
        return {"schema": schema, "rows": rows}
    spark.sql(command["sql"])
    return None


def main() -> None:
    answers = os.fdopen(int(sys.argv[1]), "w")
    work = Path(sys.argv[2])
    dilate_botocore_sleep()
    spark = spark_session(work)
    spark.sparkContext.parallelize(range(2), 2).count()  # start the Python workers now

    def answer(document: dict) -> None:
        answers.write(json.dumps(document, default=str) + "\n")
        answers.flush()

    answer({"ready": True})
    for line in sys.stdin:
        command = json.loads(line)
        if "job" in command:
            answer(run_job(spark, work, command))
            continue
        try:
            answer({"ok": True, "result": query(spark, command)})
        except Exception as error:  # the suite's question was wrong: say so
            answer({"ok": False, "error": repr(error)})
    spark.stop()


if __name__ == "__main__":
    main()
