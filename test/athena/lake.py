"""One stack's data lake for the Athena lane: a DynamoDB table in moto, the export job's `main()` on
real Spark (its files mirrored into moto's S3, where Trino reads them), the crawler's effect, the
refresh job's `main()` with its Athena statements run on Trino, and the incremental jobs writing
Iceberg. Only the workflow run's start time is pinned (so snapshot names are deterministic); every
other AWS call the jobs make goes to moto_server as it would go to AWS."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Any

import boto3
from engines import CATALOG
from engines import CREDENTIALS
from engines import REGION
from engines import AthenaOnTrino
from engines import Moto
from engines import Trino
from fakes import LocalRuntime
from fakes import LocalStorage
from fakes import boto3_value

import export_table
import refresh_view
from job_arguments import JobEnvironment
from snapshot_staging import SCAN_RETRIES
from spark_runtime import SparkJobEnvironment

STACK = "dev"
DATABASE = "dynamodb_exports_dev"  # the names the docs' SQL uses
BUCKET = "ddbsnap-dev-snapshots"
WORKGROUP = "ddbsnap-dev"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
FORMATS = ["parquet", "orc", "avro", "json", "csv"]


def view_of(output_format: str) -> str:
    """The table `Reviews` exported in each format: `reviews` (Parquet, the docs' examples) and
    `reviews_<format>`."""
    return "reviews" if output_format == "parquet" else f"reviews_{output_format}"


@dataclass
class MotoScanClients:
    """The export job's scan client factory (it runs in Spark's Python workers, so it pickles):
    DynamoDB clients of moto_server, with the job's own retry settings."""

    endpoint: str

    def __call__(self, _region: str | None, _role_arn: str | None = None) -> Any:
        from botocore.config import Config

        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name=REGION,
            config=Config(retries=dict(SCAN_RETRIES)),
            **CREDENTIALS,
        )


class PinnedWorkflowStart:
    """moto's Glue, but a workflow run starts when the test says (moto stamps the wall clock)."""

    def __init__(self, glue: Any, started: datetime):
        self._glue, self._started = glue, started

    def get_workflow_run(self, Name, RunId, **_):
        run = self._glue.get_workflow_run(Name=Name, RunId=RunId)["Run"]
        return {"Run": {**run, "StartedOn": self._started}}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._glue, name)


def snapshot_timestamp(uri: str) -> str:
    return uri.rstrip("/").rsplit("=", 1)[1]


class Lake:
    def __init__(self, folder: Path, moto: Moto, trino: Trino, spark: Any, report: dict):
        self.folder, self.moto, self.trino, self.spark, self.report = (
            folder,
            moto,
            trino,
            spark,
            report,
        )
        self.glue, self.s3 = moto.client("glue"), moto.client("s3")
        self.dynamodb, self.cloudwatch = moto.client("dynamodb"), moto.client("cloudwatch")
        self.athena = AthenaOnTrino(trino)
        self.storage = LocalStorage(folder / "s3")
        self.s3.create_bucket(Bucket=BUCKET)
        self.glue.create_database(DatabaseInput={"Name": DATABASE})

    # --- DynamoDB ---------------------------------------------------------------------------

    def put_table(self, name: str, items: list[dict]) -> None:
        """A DynamoDB table holding exactly `items` (DynamoDB JSON)."""
        if name not in self.dynamodb.list_tables()["TableNames"]:
            self.dynamodb.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        scan = self.dynamodb.get_paginator("scan").paginate(TableName=name)
        for page in scan:
            for old in page["Items"]:
                self.dynamodb.delete_item(TableName=name, Key={"pk": old["pk"]})
        for item in items:
            self.dynamodb.put_item(
                TableName=name, Item={k: boto3_value(v) for k, v in item.items()}
            )

    # --- the workflow's steps ---------------------------------------------------------------

    def start_run(self, view: str) -> tuple[str, str]:
        workflow = f"ddbsnap-{STACK}-{view}"
        with contextlib.suppress(self.glue.exceptions.AlreadyExistsException):
            self.glue.create_workflow(Name=workflow)
        return workflow, self.glue.start_workflow_run(Name=workflow)["RunId"]

    def export(
        self, table_name: str, view: str, output_format: str, started: datetime, **arguments
    ) -> tuple[Any, str, str]:
        """The export job's main() in scan mode, on Spark; its snapshot is then in moto's S3."""
        workflow, run_id = self.start_run(view)
        args = {
            "table_name": table_name,
            "mode": "scan",
            "output_path": f"s3://{BUCKET}/{output_format}/{view}",
            "output_format": output_format,
            "database": DATABASE,
            "read_percentage": "0.5",
            "splits": "2",
            "TempDir": f"s3://{BUCKET}/tmp/{view}/",
            "WORKFLOW_NAME": workflow,
            "WORKFLOW_RUN_ID": run_id,
            **arguments,
        }
        result = export_table.main(
            [token for name, value in args.items() for token in (f"--{name}", value)],
            SparkJobEnvironment(
                runtime_factory=LocalRuntime(self.spark),
                storage=self.storage,
                glue=PinnedWorkflowStart(self.glue, started),
                dynamodb=self.dynamodb,
                sleep=lambda _: None,
            ),
            scan_client_factory=MotoScanClients(self.moto.endpoint),
        )
        self.mirror(result.snapshot)
        return result, workflow, run_id

    def mirror(self, folder: str) -> None:
        """What the job wrote to the (local) snapshot folder, as S3 holds it."""
        bucket, prefix = folder.removeprefix("s3://").split("/", 1)
        listed = self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        for old in listed:
            self.s3.delete_object(Bucket=bucket, Key=old["Key"])
        local = self.storage.local(folder)
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            key = f"{prefix}{path.relative_to(local).as_posix()}"
            self.s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())

    def crawl(self, view: str, snapshot: str) -> None:
        """The crawler's effect on the declared table: the snapshot folder becomes a partition
        that inherits the table's schema and SerDe (CrawlerOutput Partitions InheritFromTable)."""
        table = self.glue.get_table(DatabaseName=DATABASE, Name=f"snapshots_{view}")["Table"]
        descriptor = {**table["StorageDescriptor"], "Location": snapshot}
        value = snapshot_timestamp(snapshot)
        try:
            self.glue.get_partition(
                DatabaseName=DATABASE, TableName=f"snapshots_{view}", PartitionValues=[value]
            )
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_partition(
                DatabaseName=DATABASE,
                TableName=f"snapshots_{view}",
                PartitionInput={"Values": [value], "StorageDescriptor": descriptor},
            )

    def refresh(
        self, view: str, output_format: str, table_name: str, workflow: str, run_id: str, **extra
    ) -> Any:
        """The refresh job's main(): its catalog, S3, DynamoDB and CloudWatch calls to moto, its
        Athena statements to Trino."""
        args = {
            "database": DATABASE,
            "table": view,
            "workgroup": WORKGROUP,
            "output_path": f"s3://{BUCKET}/{output_format}/{view}",
            "retention_days": "30",
            "table_name": table_name,
            "min_item_ratio": "0.5",
            "stack": STACK,
            "WORKFLOW_NAME": workflow,
            "WORKFLOW_RUN_ID": run_id,
            **extra,
        }
        return refresh_view.main(
            [token for name, value in args.items() for token in (f"--{name}", value)],
            JobEnvironment(
                glue=self.glue,
                athena=self.athena,
                s3=self.s3,
                dynamodb=self.dynamodb,
                cloudwatch=self.cloudwatch,
                now=lambda: NOW,
                sleep=lambda _: None,
            ),
        )

    def snapshot_run(
        self, table_name: str, view: str, output_format: str, started: datetime, **arguments
    ) -> tuple[Any, str]:
        """One scheduled run: export, crawl, refresh. Returns the export's result and the
        snapshot's timestamp."""
        result, workflow, run_id = self.export(
            table_name, view, output_format, started, **arguments
        )
        self.crawl(view, result.snapshot)
        self.refresh(view, output_format, table_name, workflow, run_id)
        return result, snapshot_timestamp(result.snapshot)

    # --- reading through Trino --------------------------------------------------------------

    def select(self, sql: str) -> list[dict[str, Any]]:
        names, rows = self.trino.columns(sql, DATABASE)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def view_text(self, view: str) -> dict[str, Any]:
        """What the catalog keeps for a view: the Presto view's decoded JSON and the raw text."""
        import base64
        import re

        text = self.glue.get_table(DatabaseName=DATABASE, Name=view)["Table"]["ViewOriginalText"]
        body = re.fullmatch(r"/\* Presto View: (.*) \*/", text).group(1)
        return {"text": text, **json.loads(base64.b64decode(body))}

    @property
    def catalog(self) -> str:
        return CATALOG
