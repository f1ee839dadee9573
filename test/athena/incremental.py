"""Incremental mode in the Athena lane: a DynamoDB table with PITR (the export model of the Glue
tests), the planner and the apply job's `main()` on real Spark and Iceberg, and the Iceberg table
registered in the Glue catalog as Iceberg's GlueCatalog registers it on commit, so Trino's Iceberg
connector reads the very files the apply job committed."""

from __future__ import annotations

import io
import json
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from fakes import LocalRuntime
from lake import BUCKET
from lake import DATABASE
from lake import Lake
from lake import PinnedWorkflowStart

import apply_changes
import incremental_exports
from exporting_table import ExportingTable
from job_arguments import JobEnvironment
from spark_runtime import SparkJobEnvironment

TABLE = "Orders"
ARN = f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}"
ICEBERG = "iceberg_orders"
SPARK_TABLE = f"glue_catalog.{DATABASE}.{ICEBERG}"
STATE = f"s3://{BUCKET}/state/orders"


def item(key: str, **attributes: object) -> dict:
    """A DynamoDB item: numbers (and number text such as "10.50") as N, other text as S."""
    image = {"pk": {"S": key}}
    for name, value in attributes.items():
        number = not isinstance(value, str) or value.replace(".", "", 1).isdigit()
        image[name] = {"N": str(value)} if number else {"S": value}
    return image


class IncrementalTable:
    START = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)

    def __init__(self, lake: Lake, start: datetime):
        self.lake, self.now = lake, start
        self.model = ExportingTable(
            ARN, self._put, lambda: self.now, pitr_since=start - timedelta(days=3)
        )
        lake.spark.sql(f"CREATE NAMESPACE IF NOT EXISTS glue_catalog.{DATABASE}")
        lake.spark.sql(f"DROP TABLE IF EXISTS {SPARK_TABLE}")
        # What the program declares: the table with only the merge's write-timestamp column.
        lake.spark.sql(f"CREATE TABLE {SPARK_TABLE} (_ddb_write_ts bigint) USING iceberg")
        self.commits: list[datetime] = []

    def _put(self, bucket: str, key: str, body: bytes) -> None:
        path = self.lake.storage.local(f"s3://{bucket}/{key}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    # The planner keeps its watermark through boto3's S3 calls.
    def put_object(self, Bucket, Key, Body):
        self._put(Bucket, Key, Body if isinstance(Body, bytes) else Body.encode())

    def get_object(self, Bucket, Key):
        text = self.lake.storage.read_text(f"s3://{Bucket}/{Key}", missing_ok=True)
        if text is None:
            raise ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject")
        return {"Body": io.BytesIO(text.encode())}

    def run(self) -> Any:
        """One scheduled run: planner, apply, the Glue catalog's view of the commit, refresh."""
        lake = self.lake
        workflow, run_id = lake.start_run("orders")
        glue = PinnedWorkflowStart(lake.glue, self.now)
        common = [f"--WORKFLOW_NAME={workflow}", f"--WORKFLOW_RUN_ID={run_id}"]
        incremental_exports.main(
            [
                f"--table_name={TABLE}",
                f"--table_arn={ARN}",
                f"--export_staging_path=s3://{BUCKET}/export-staging/orders",
                f"--state_path={STATE}",
                *common,
            ],
            JobEnvironment(
                glue=glue, dynamodb=self.model, s3=self, now=lambda: self.now, sleep=lambda _: None
            ),
        )
        result = apply_changes.main(
            [
                f"--table_name={TABLE}",
                f"--database={DATABASE}",
                f"--iceberg_table={ICEBERG}",
                f"--state_path={STATE}",
                "--column_types={}",
                "--JOB_NAME=ddbsnap-dev-orders-apply",
                *common,
            ],
            SparkJobEnvironment(
                runtime_factory=LocalRuntime(lake.spark), storage=lake.storage, glue=glue
            ),
        )
        self.commits.append(datetime.now(timezone.utc))
        self.register()
        # DynamoDB's ItemCount, for the refresh job's completeness gate.
        lake.put_table(TABLE, list(self.model.state_at(result.watermark).values()))
        lake.refresh(
            "orders",
            "parquet",
            TABLE,
            workflow,
            run_id,
            iceberg_table=ICEBERG,
            state_path=STATE,
            output_path=f"s3://{BUCKET}/iceberg/orders",
        )
        return result

    def register(self) -> None:
        """What Iceberg's GlueCatalog does on commit: the Glue table points at the new metadata
        file, with table_type ICEBERG and the schema as Glue columns."""
        location = self.lake.spark.sql(f"DESCRIBE TABLE EXTENDED {SPARK_TABLE}")
        path = location.where("col_name = 'Location'").first()["data_type"]
        folder = path.removeprefix("file:")
        version = Path(folder, "metadata", "version-hint.text").read_text().strip()
        schema = self.lake.spark.table(SPARK_TABLE).schema
        table = {
            "Name": ICEBERG,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {
                "table_type": "ICEBERG",
                "metadata_location": f"file:{folder}/metadata/v{version}.metadata.json",
            },
            "StorageDescriptor": {
                "Location": f"file:{folder}",
                "Columns": [{"Name": f.name, "Type": f.dataType.simpleString()} for f in schema],
            },
        }
        glue = self.lake.glue
        try:
            glue.update_table(DatabaseName=DATABASE, TableInput=table)
        except glue.exceptions.EntityNotFoundException:
            glue.create_table(DatabaseName=DATABASE, TableInput=table)

    def state(self, moment: datetime) -> dict[str, dict]:
        """The model's items as of `moment`, as the view's columns hold them."""
        from decimal import Decimal

        rows = {}
        for key, item in self.model.state_at(moment).items():
            rows[key] = {
                name.lower(): (Decimal(v["N"]) if "N" in v else v["S"]) for name, v in item.items()
            }
        return rows


def json_items(rows: list[dict]) -> str:
    return json.dumps(rows, default=str, sort_keys=True)
