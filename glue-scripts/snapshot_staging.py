"""Staging a DynamoDB table as DynamoDB JSON lines (`{"Item": {"id": {"S": "a"}, ...}}`, gzip) in
S3, the format of DynamoDB's native export, so that every value keeps its DynamoDB type:

- scan mode: a parallel Scan on Spark, one task per segment, each paced to its share of
  `read_percentage` x the table's read capacity (on-demand tables count as 40,000 RCU, as in
  Glue's own connector), into `<TempDir>/scan/<ts>/`. The table is read exactly once.
- export mode: DynamoDB's native export (`ExportTableToPointInTime` of the latest restorable
  time, no read capacity, needs PITR), which writes the same format under
  `--export_staging_path`. The ClientToken comes from the run, so a retried attempt follows the
  same export instead of paying again.

Then `read_staged` reads what was staged with Spark's JSON reader (item_shaping). Part of the
export job (export_table.py); the program ships it beside the script (Glue 5.0, Python 3.11).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

import boto3
from botocore.config import Config

from contract import CONTRACT
from item_shaping import read_staged_items

if TYPE_CHECKING:
    from export_table import ExportConfig
    from export_table import Layout

LOG = logging.getLogger("export_table")

LAYOUT = CONTRACT["layout"]
GZIP_CODEC = "org.apache.hadoop.io.compress.GzipCodec"
EXPORT_POLL_FIRST = 15.0
EXPORT_POLL_MAX = 60.0

# Scan pages back off and retry throttling on their own; adaptive mode also slows the sender.
SCAN_CLIENT_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 20})


# --------------------------------------------------------------------------------------------
# Scan mode
# --------------------------------------------------------------------------------------------


def read_capacity(description: Mapping[str, Any]) -> int:
    """The table's read capacity units; on-demand tables count as 40,000, as in Glue's own
    DynamoDB connector (Glue guide, "dynamodb.throughput.read.percent")."""
    billing = description.get("BillingModeSummary", {}).get("BillingMode")
    units = description.get("ProvisionedThroughput", {}).get("ReadCapacityUnits", 0)
    if billing == "PAY_PER_REQUEST" or not units:
        return LAYOUT["onDemandReadCapacity"]
    return int(units)


def scan_page_limit(units_per_second: float, average_item_bytes: float) -> int:
    """Items per Scan page worth about one second of a segment's budget (an eventually
    consistent read unit covers 8 KiB; DynamoDB guide, "Read consumption for Scan")."""
    per_page = units_per_second * LAYOUT["bytesPerReadUnit"] / max(1.0, average_item_bytes)
    return int(min(10_000, max(1, per_page)))


def ddb_json(value: Mapping[str, Any]) -> dict[str, Any]:
    """A boto3 (low-level) attribute value as DynamoDB JSON, as DynamoDB's export writes it:
    binary as base64 text, everything else as it is."""
    (ddb_type, inner), *_ = value.items()
    if ddb_type == "B":
        return {"B": base64.b64encode(bytes(inner)).decode("ascii")}
    if ddb_type == "BS":
        return {"BS": [base64.b64encode(bytes(b)).decode("ascii") for b in inner]}
    if ddb_type == "M":
        return {"M": {k: ddb_json(v) for k, v in inner.items()}}
    if ddb_type == "L":
        return {"L": [ddb_json(v) for v in inner]}
    return {ddb_type: inner}


def item_line(item: Mapping[str, Any]) -> str:
    return json.dumps({"Item": {k: ddb_json(v) for k, v in item.items()}}, ensure_ascii=False)


def parse_item_line(line: str) -> dict[str, Any]:
    return json.loads(line)["Item"]


class ReadPacer:
    """Keeps one scan segment at or under its share of read units per second, by the capacity
    each page reports it consumed (ReturnConsumedCapacity=TOTAL)."""

    def __init__(
        self,
        units_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate = units_per_second
        self.clock, self.sleep = clock, sleep
        self.start = clock()
        self.spent = 0.0

    def spend(self, units: float) -> None:
        self.spent += units
        ahead = self.spent / self.rate - (self.clock() - self.start)
        if ahead > 0:
            self.sleep(ahead)


@dataclass(frozen=True)
class ScanPlan:
    table_name: str
    segments: int
    units_per_segment: float
    page_limit: int
    region: str | None = None


def default_dynamodb_client(region: str | None) -> Any:  # pragma: no cover - fakes in tests
    # The region comes from the driver: executors need not have one configured.
    return boto3.client("dynamodb", region_name=region, config=SCAN_CLIENT_CONFIG)


def scan_segment(
    segment: int,
    plan: ScanPlan,
    client_factory: Callable[[str | None], Any] = default_dynamodb_client,
    pacer_factory: Callable[[float], ReadPacer] = ReadPacer,
    consumed: Any = None,
) -> Iterator[str]:
    """Every item of one segment, as DynamoDB JSON lines, paced to the segment's share. The read
    units each page consumed are added to `consumed` (a Spark accumulator) when given."""
    client = client_factory(plan.region)
    pacer = pacer_factory(plan.units_per_segment)
    request: dict[str, Any] = {
        "TableName": plan.table_name,
        "Segment": segment,
        "TotalSegments": plan.segments,
        "ReturnConsumedCapacity": "TOTAL",
        "Limit": plan.page_limit,
    }
    while True:
        page = client.scan(**request)
        for item in page.get("Items", []):
            yield item_line(item)
        units = page.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0)
        pacer.spend(units)
        if consumed is not None:
            consumed.add(units)
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stage_scan(
    spark: Any,
    plan: ScanPlan,
    staging_path: str,
    client_factory: Callable[[str | None], Any] = default_dynamodb_client,
) -> float:
    """Scan the table once, one Spark task per segment, into gzip DynamoDB JSON lines; returns
    the read units the scan consumed, as DynamoDB reported them page by page."""
    consumed = spark.sparkContext.accumulator(0.0)
    segments = spark.sparkContext.parallelize(range(plan.segments), plan.segments)
    lines = segments.flatMap(
        lambda segment: scan_segment(segment, plan, client_factory, consumed=consumed)
    )
    lines.saveAsTextFile(staging_path, compressionCodecClass=GZIP_CODEC)
    return float(consumed.value)


@dataclass(frozen=True)
class Staged:
    """The table's items staged as DynamoDB JSON lines, and what staging them cost."""

    path: str
    exported_items: int = 0  # export mode: DynamoDB's count
    read_units: float | None = None  # scan mode: what the scan consumed


def stage_by_scan(
    spark: Any,
    storage: Any,
    config: ExportConfig,
    table: dict[str, Any],
    layout: Layout,
    *,
    staging: str,
    region: str,
    client_factory: Callable[[str | None], Any],
) -> Staged:
    """Scan mode: the paced parallel scan, staged as DynamoDB JSON lines in `staging`."""
    table_bytes, table_items = int(table.get("TableSizeBytes", 0)), int(table.get("ItemCount", 0))
    capacity = read_capacity(table)
    units = capacity * config.read_percentage / layout.concurrent_segments
    scan_plan = ScanPlan(
        region=region,
        table_name=config.table_name,
        segments=layout.segments,
        units_per_segment=units,
        page_limit=scan_page_limit(units, table_bytes / max(1, table_items)),
    )
    LOG.info(
        "Scanning %s (about %d items, %d bytes) in %d segments, %d at a time, each at up "
        "to %.1f of the table's %d read units per second, into %s",
        config.table_name,
        table_items,
        table_bytes,
        layout.segments,
        layout.concurrent_segments,
        units,
        capacity,
        staging,
    )
    storage.purge(staging)
    started = time.monotonic()
    read_units = stage_scan(spark, scan_plan, storage.spark_path(staging), client_factory)
    LOG.info("The scan consumed %.0f read units in %.0f s", read_units, time.monotonic() - started)
    return Staged(staging, read_units=read_units)


# --------------------------------------------------------------------------------------------
# Export mode
# --------------------------------------------------------------------------------------------


def export_client_token(config: ExportConfig, timestamp: str) -> str:
    """The same for every attempt of one run, so a retry follows the export already started
    (DynamoDB keeps a ClientToken for 8 hours; API reference, ExportTableToPointInTime)."""
    run = config.workflow_run_id or config.job_run_id or timestamp
    return hashlib.sha256(f"{config.table_arn}|{run}|{timestamp}".encode()).hexdigest()[:64]


def export_data_folder(bucket: str, prefix: str, manifest_key: str) -> str:
    """`s3://bucket/<prefix>/AWSDynamoDB/<export id>/data/` from the export's manifest key
    (DynamoDB guide, "DynamoDB table export output format")."""
    folder = manifest_key.rsplit("/", 1)[0]
    if not folder.startswith(f"{prefix}/"):
        folder = f"{prefix}/{folder}"
    return f"s3://{bucket}/{folder}/data/"


def run_export(
    dynamodb: Any,
    config: ExportConfig,
    timestamp: str,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, int]:
    """Export the table and wait for it; returns (data folder, items). No ExportTime: DynamoDB
    then exports "the latest time with data available" (API reference). The run's start would
    usually be later than LatestRestorableDateTime, which trails the present by minutes."""
    export = dynamodb.export_table_to_point_in_time(
        TableArn=config.table_arn,
        ClientToken=export_client_token(config, timestamp),
        S3Bucket=config.staging_bucket,
        S3Prefix=config.staging_prefix,
        ExportFormat="DYNAMODB_JSON",
        ExportType="FULL_EXPORT",
    )["ExportDescription"]
    arn, delay = export["ExportArn"], EXPORT_POLL_FIRST
    LOG.info("Started export %s of %s at %s", arn, config.table_arn, timestamp)
    while export["ExportStatus"] == "IN_PROGRESS":
        sleep(delay)
        delay = min(delay * 2, EXPORT_POLL_MAX)
        export = dynamodb.describe_export(ExportArn=arn)["ExportDescription"]
    if export["ExportStatus"] != "COMPLETED":
        raise RuntimeError(
            f"DynamoDB export {arn} ended {export['ExportStatus']}: "
            f"{export.get('FailureCode', '')} {export.get('FailureMessage', '')}".strip()
        )
    folder = export_data_folder(
        config.staging_bucket, config.staging_prefix, export["ExportManifest"]
    )
    return folder, int(export.get("ItemCount", 0))


def stage_by_export(
    dynamodb: Any, config: ExportConfig, timestamp: str, sleep: Callable[[float], None]
) -> Staged:
    """Export mode: DynamoDB's native export of the table, staged where it writes it."""
    LOG.info(
        "Exporting %s via s3://%s/%s",
        config.table_arn,
        config.staging_bucket,
        config.staging_prefix,
    )
    path, exported = run_export(dynamodb, config, timestamp, sleep)
    LOG.info("Export wrote %d items to %s", exported, path)
    return Staged(path, exported_items=exported)


# --------------------------------------------------------------------------------------------
# Reading what was staged
# --------------------------------------------------------------------------------------------


# Rows per batch of Spark's in-memory cache. An item is a map of about a kilobyte, so Spark's
# default of 10,000 rows builds 10 MB buffers by doubling and copying; batches of 200 rows
# made the run about 0.3 s (6 %) faster at 240,000 items (npm run bench:spark).
CACHE_BATCH_ROWS = ("spark.sql.inMemoryColumnarStorage.batchSize", "200")


def read_staged(spark: Any, storage: Any, staged: Staged) -> Any:
    """The staged items (column `item`), or None when nothing was staged (an empty table). Kept
    in memory where they fit (MEMORY_ONLY), so that the inventory and the shaping parse the JSON
    once; a partition that does not fit is read again, never spilled. Unpersist after writing."""
    staged_files, _ = storage.summarise(staged.path)
    if staged_files == 0 and staged.exported_items > 0:
        # A retry whose ClientToken found the export an earlier attempt staged, then deleted.
        raise RuntimeError(
            f"DynamoDB exported {staged.exported_items} items, but {staged.path} holds none: the "
            "staged files are gone. Start a new workflow run (a new run gets a new export)."
        )
    # An empty table's export may stage no file at all, and Spark refuses a missing folder.
    if not staged_files:
        return None
    from pyspark import StorageLevel

    items = read_staged_items(spark, [storage.spark_path(staged.path)])
    spark.conf.set(*CACHE_BATCH_ROWS)
    return items.persist(StorageLevel.MEMORY_ONLY)
