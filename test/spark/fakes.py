"""Stand-ins for the Glue boundaries of the export job, for the Spark suite: a DynamoDB Scan
that serves a fixed corpus (it runs inside Spark's Python workers, so it must pickle), a
DynamoDB whose native export writes the files DynamoDB writes, a Glue catalog holding the
crawler's table, a Glue Job, and local folders standing in for S3."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from decimal import Decimal
from pathlib import Path
from typing import Any


def boto3_value(value: dict) -> dict:
    """DynamoDB JSON (binary as base64) -> what boto3's low-level client returns (bytes)."""
    (ddb_type, inner), *_ = value.items()
    if ddb_type == "B":
        return {"B": base64.b64decode(inner)}
    if ddb_type == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if ddb_type == "M":
        return {"M": {k: boto3_value(v) for k, v in inner.items()}}
    if ddb_type == "L":
        return {"L": [boto3_value(v) for v in inner]}
    return {ddb_type: inner}


def plain_value(value: dict) -> Any:
    """A DynamoDB value as its canonical JSON text parses back (item_types.to_json_text; numbers
    as Decimal, binary as base64 text, sets sorted): what a test compares a nested column with."""
    ((ddb_type, inner),) = value.items()
    if ddb_type in ("S", "B"):
        return inner
    if ddb_type == "N":
        return Decimal(inner)
    if ddb_type in ("BOOL", "NULL"):
        return inner if ddb_type == "BOOL" else None
    if ddb_type in ("SS", "BS"):
        return sorted(inner)
    if ddb_type == "NS":
        return sorted(Decimal(v) for v in inner)
    if ddb_type == "L":
        return [plain_value(v) for v in inner]
    return {k: plain_value(v) for k, v in inner.items()}


@dataclass
class CorpusScan:
    """A client factory (picklable) whose Scan serves `items` split into segments and pages."""

    items: list[dict]
    # A table in another account: the role every segment's client must assume.
    role_arn: str | None = None
    region: str = "ap-northeast-1"

    def __call__(self, region: str | None, role_arn: str | None = None) -> CorpusScan:
        assert region == self.region, "the table's region reaches the executors"
        assert role_arn == self.role_arn, "every segment's client assumes the table's source role"
        return self

    def scan(self, TableName, Segment, TotalSegments, Limit, ExclusiveStartKey=None, **_):
        mine = [i for n, i in enumerate(self.items) if n % TotalSegments == Segment]
        start = ExclusiveStartKey["position"]["N"] if ExclusiveStartKey else 0
        start = int(start)
        page = mine[start : start + Limit]
        result = {
            "Items": [{k: boto3_value(v) for k, v in item.items()} for item in page],
            "ConsumedCapacity": {"CapacityUnits": 0.5 * len(page)},
        }
        if start + Limit < len(mine):
            result["LastEvaluatedKey"] = {"position": {"N": str(start + Limit)}}
        return result


@dataclass
class RefusingScan:
    """A client factory (picklable) whose Scan DynamoDB refuses for good, as botocore leaves it
    once its retries run out."""

    def __call__(self, region: str | None, role_arn: str | None = None) -> RefusingScan:
        return self

    def scan(self, **_):
        from botocore.exceptions import ClientError

        error = {
            "Code": "ProvisionedThroughputExceededException",
            "Message": "The level of configured provisioned throughput for the table was exceeded.",
        }
        raise ClientError({"Error": error, "ResponseMetadata": {"RetryAttempts": 20}}, "Scan")


class LocalStorage:
    """s3://bucket/key -> <root>/bucket/key, for Spark (file://) and for the job's own calls."""

    def __init__(self, root: Path):
        self.root = root

    def local(self, uri: str) -> Path:
        return self.root / uri.removeprefix("s3://").rstrip("/")

    def spark_path(self, uri: str) -> str:
        return f"file://{self.local(uri)}/"

    def purge(self, uri: str) -> int:
        folder = self.local(uri)
        count = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
        shutil.rmtree(folder, ignore_errors=True)
        return count

    def read_text(self, uri: str, missing_ok: bool = False) -> str | None:
        path = self.local(uri)
        if missing_ok and not path.exists():
            return None
        return path.read_text()

    def write_text(self, uri: str, text: str) -> None:
        path = self.local(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def data_files(self, uri: str) -> list[Path]:
        folder = self.local(uri)
        if not folder.exists():
            return []
        return sorted(
            p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "_"))
        )

    def summarise(self, uri: str) -> tuple[int, int]:
        files = self.data_files(uri)
        return len(files), sum(p.stat().st_size for p in files)


@dataclass
class FakeDynamoDB:
    """DescribeTable, and a native export that writes DynamoDB's export layout
    (`<prefix>/AWSDynamoDB/<id>/data/*.json.gz`, lines `{"Item": ...}`) into local storage."""

    storage: LocalStorage
    items: list[dict]
    size_bytes: int | None = None
    meta: Any = field(default_factory=lambda: type("Meta", (), {"region_name": "ap-northeast-1"})())
    billing: str = "PROVISIONED"
    read_units: int = 100
    exports: list[dict] = field(default_factory=list)
    # A retry that finds the export an earlier attempt staged and deleted.
    files_gone: bool = False

    def describe_table(self, TableName):
        size = self.size_bytes if self.size_bytes is not None else 200 * len(self.items)
        return {
            "Table": {
                "TableName": TableName,
                "TableSizeBytes": size,
                "ItemCount": len(self.items),
                "BillingModeSummary": {"BillingMode": self.billing},
                "ProvisionedThroughput": {"ReadCapacityUnits": self.read_units},
            }
        }

    def export_table_to_point_in_time(self, **request):
        self.exports.append(request)
        export_id = f"0170000000000-{len(self.exports):08x}"
        folder = f"{request['S3Prefix']}/AWSDynamoDB/{export_id}"
        data = self.storage.local(f"s3://{request['S3Bucket']}/{folder}/data")
        data.mkdir(parents=True)
        for part in range(2):  # DynamoDB writes several files; two is enough to show it
            lines = [json.dumps({"Item": i}) for i in self.items[part::2]]
            (data / f"part{part}.json.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
        self.description = {
            "ExportArn": f"{request['TableArn']}/export/{export_id}",
            "ExportStatus": "IN_PROGRESS",
            "ExportManifest": f"{folder}/manifest-summary.json",
            "ItemCount": len(self.items),
        }
        return {"ExportDescription": dict(self.description)}

    def describe_export(self, ExportArn):
        self.description["ExportStatus"] = "COMPLETED"
        if self.files_gone:
            folder = self.description["ExportManifest"].rsplit("/", 1)[0]
            request = self.exports[-1]
            shutil.rmtree(self.storage.local(f"s3://{request['S3Bucket']}/{folder}/data"))
        return {"ExportDescription": dict(self.description)}


@dataclass
class FakeGlue:
    """The catalog's table snapshots_<table> (as the crawler made it from `columns`, until the
    export job declares it) and the workflow run's properties."""

    columns: list[tuple[str, str]] = field(default_factory=list)
    started: datetime = datetime(2026, 11, 24, 3, 0, 0, tzinfo=timezone.utc)
    run_properties: dict[str, str] = field(default_factory=dict)
    declared: dict | None = None  # the TableInput the export job declared last

    def get_workflow_run(self, **_):
        return {"Run": {"StartedOn": self.started}}

    def get_table(self, DatabaseName, Name):
        if self.declared is not None:
            return {"Table": self.declared}
        if not self.columns:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "EntityNotFoundException"}}, "GetTable")
        return {
            "Table": {
                "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in self.columns]}
            }
        }

    def update_table(self, DatabaseName, TableInput):
        if self.declared is None and not self.columns:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "EntityNotFoundException"}}, "UpdateTable")
        self.declared = TableInput

    def create_table(self, DatabaseName, TableInput):
        self.declared = TableInput

    def put_workflow_run_properties(self, Name, RunId, RunProperties):
        self.run_properties.update(RunProperties)

    def get_workflow_run_properties(self, Name, RunId):
        return {"RunProperties": dict(self.run_properties)}


class FakeJob:
    committed = False

    def commit(self):
        self.committed = True


@dataclass
class LocalRuntime:
    """What GlueRuntime gives main(): a Spark session (here a real local one) and the Job."""

    spark: Any
    job: FakeJob = field(default_factory=FakeJob)

    def __call__(self, _job_name: str) -> LocalRuntime:
        return self


@dataclass
class CountingScan(CorpusScan):
    """CorpusScan that adds every item it serves to a Spark accumulator."""

    served: Any = None

    def scan(self, **request):
        page = super().scan(**request)
        self.served.add(len(page["Items"]))
        return page
