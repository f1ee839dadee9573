"""Staging a DynamoDB table as DynamoDB JSON lines (`{"Item": {"id": {"S": "a"}, ...}}`, gzip) in
S3, the format of DynamoDB's native export, so that every value keeps its DynamoDB type:

- scan mode: a parallel Scan on Spark, one task per segment, each paced to its share of
  `read_percentage` x the table's read capacity (on-demand tables count as 40,000 RCU, as in
  Glue's own connector), into `<TempDir>/scan/<ts>/`. The table is read exactly once.
- export mode: DynamoDB's native export (`ExportTableToPointInTime` of the latest restorable
  time, no read capacity, needs PITR), which writes the same format under
  `--export_staging_path`. The ClientToken comes from the run, so a retried attempt follows the
  same export instead of paying again.

Sensitive columns (column_rules.py): a scan drops or hashes them in each segment, before the
item is staged; DynamoDB's export stages whole items, so export mode applies the rules as it
reads the staged files (item_shaping.apply_column_rules), and they stay clear in the staging
prefix until the job deletes it (which the bucket policy lets only this table's role read:
docs/security.md, "Sensitive attributes").

Then `read_staged` reads what was staged with Spark's JSON reader (item_shaping). Part of the
export job (export_table.py); the program ships it beside the script (Glue 5.0, Python 3.11).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from column_rules import ColumnRules
from contract import CONTRACT
from item_shaping import read_staged_items
from job_arguments import aws_client
from job_arguments import describe_failure
from source_access import SourceTable
from source_access import source_client

if TYPE_CHECKING:
    from export_table import ExportConfig
    from export_table import Layout

LOG = logging.getLogger("export_table")

LAYOUT = CONTRACT["layout"]
GZIP_CODEC = "org.apache.hadoop.io.compress.GzipCodec"
EXPORT_POLL_FIRST = 15.0
EXPORT_POLL_MAX = 60.0

# Scan pages back off and retry throttling on their own; adaptive mode also slows the sender.
# 21 attempts in all (max_attempts counts the retries).
SCAN_RETRIES = {"mode": "adaptive", "max_attempts": 20}
SCAN_FAILED = re.compile(r"ScanFailed: (.+)")
SPARK_TASK_TRIES = re.compile(r"failed (\d+) times")


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


def item_line(item: Mapping[str, Any], rules: ColumnRules | None = None) -> str:
    """One staged line; with `rules`, the item without its excluded attributes and with its
    hashed ones' HMAC, so that no clear value reaches the staged file (column_rules.py)."""
    converted = {k: ddb_json(v) for k, v in item.items()}
    if rules:
        converted = rules.apply(converted)
    return json.dumps({"Item": converted}, ensure_ascii=False)


def parse_item_line(line: str) -> dict[str, Any]:
    return json.loads(line)["Item"]


class ReadPacer:
    """Keeps one scan segment at or under its share of read units per second, by the capacity
    each page reports it consumed (ReturnConsumedCapacity=TOTAL): after a page, the next waits
    until the page's units fit the rate. Time lost to a slow or throttled page is not banked:
    catching up on it would read faster than the share for as long as the page was late."""

    def __init__(
        self,
        units_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate = units_per_second
        self.clock, self.sleep = clock, sleep
        self.next_page = clock()

    def spend(self, units: float) -> None:
        now = self.clock()
        self.next_page = max(self.next_page, now) + units / self.rate
        if self.next_page > now:
            self.sleep(self.next_page - now)


@dataclass(frozen=True)
class ScanPlan:
    table_name: str
    segments: int
    units_per_segment: float
    page_limit: int
    region: str | None = None
    # A table in another account: every segment's client assumes this role (source_access.py).
    role_arn: str | None = None
    # Applied in the executors before an item is staged; it carries the HMAC key to them, in
    # the task's memory only (column_rules.py).
    rules: ColumnRules = field(default_factory=ColumnRules)


class ScanFailed(RuntimeError):
    """A segment's Scan failed for good: botocore's retries and Spark's task attempts are spent."""


def default_dynamodb_client(region: str | None, role_arn: str | None = None) -> Any:
    # The region comes from the driver: executors need not have one configured. A table in
    # another account is read with its role (source_access), with the same retries.
    if role_arn:
        return source_client("dynamodb", SourceTable(region, role_arn), SCAN_RETRIES)
    return aws_client("dynamodb", region, SCAN_RETRIES)


def scan_segment(
    segment: int,
    plan: ScanPlan,
    client_factory: Callable[[str | None, str | None], Any] = default_dynamodb_client,
    pacer_factory: Callable[[float], ReadPacer] = ReadPacer,
    consumed: Any = None,
) -> Iterator[str]:
    """Every item of one segment, as DynamoDB JSON lines, paced to the segment's share. The read
    units each page consumed are added to `consumed` (a Spark accumulator) when given."""
    client = client_factory(plan.region, plan.role_arn)
    pacer = pacer_factory(plan.units_per_segment)
    request: dict[str, Any] = {
        "TableName": plan.table_name,
        "Segment": segment,
        "TotalSegments": plan.segments,
        "ReturnConsumedCapacity": "TOTAL",
        "Limit": plan.page_limit,
    }
    while True:
        try:
            page = client.scan(**request)
        except Exception as error:
            # Spark shows the driver only this exception's text, inside a Java stack trace.
            raise ScanFailed(
                f"segment {segment} of {plan.segments}: {describe_failure(error)}"
            ) from None
        for item in page.get("Items", []):
            yield item_line(item, plan.rules)
        units = page.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0)
        # A page botocore had to send again may have been read before: DynamoDB charges a read
        # whose answer a dropped connection lost. Paced as if every attempt read it, the scan
        # keeps its share even then (and after throttling, which consumed nothing, slows down).
        pacer.spend(units * (1 + page.get("ResponseMetadata", {}).get("RetryAttempts", 0)))
        if consumed is not None:
            consumed.add(units)
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stage_scan(
    spark: Any,
    plan: ScanPlan,
    staging_path: str,
    client_factory: Callable[[str | None, str | None], Any] = default_dynamodb_client,
) -> float:
    """Scan the table once, one Spark task per segment, into gzip DynamoDB JSON lines; returns
    the read units the scan consumed, as DynamoDB reported them page by page."""
    consumed = spark.sparkContext.accumulator(0.0)
    segments = spark.sparkContext.parallelize(range(plan.segments), plan.segments)
    lines = segments.flatMap(
        lambda segment: scan_segment(segment, plan, client_factory, consumed=consumed)
    )
    try:
        lines.saveAsTextFile(staging_path, compressionCodecClass=GZIP_CODEC)
    except Exception as error:
        raise scan_failure(error) from None
    return float(consumed.value)


def scan_failure(error: Exception) -> Exception:
    """A failed scan as one line: the segment's ScanFailed, out of the pages of Java and Python
    traceback Spark wraps it in; any other failure of the Spark job as it is."""
    text = str(error)
    found = SCAN_FAILED.search(text)
    if not found:
        return error
    tries = SPARK_TASK_TRIES.search(text)
    told = f" (Spark tried the segment {tries.group(1)} times)" if tries else ""
    return ScanFailed(f"the table's scan failed: {found.group(1).strip()}{told}")


@dataclass(frozen=True)
class Staged:
    """The table's items staged as DynamoDB JSON lines, and what staging them cost."""

    path: str
    exported_items: int = 0  # export mode: DynamoDB's count
    read_units: float | None = None  # scan mode: what the scan consumed
    # Scan mode stages items with the column rules already applied; DynamoDB's export cannot.
    rules_applied: bool = False


def stage_by_scan(
    spark: Any,
    storage: Any,
    config: ExportConfig,
    table: dict[str, Any],
    layout: Layout,
    *,
    staging: str,
    region: str,
    client_factory: Callable[[str | None, str | None], Any],
    rules: ColumnRules,
) -> Staged:
    """Scan mode: the paced parallel scan, staged as DynamoDB JSON lines in `staging`."""
    table_bytes, table_items = int(table.get("TableSizeBytes", 0)), int(table.get("ItemCount", 0))
    capacity = read_capacity(table)
    units = capacity * config.read_percentage / layout.concurrent_segments
    scan_plan = ScanPlan(
        region=region,
        role_arn=config.source.role_arn,
        rules=rules,
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
    return Staged(staging, read_units=read_units, rules_applied=True)


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
        **config.source.export_destination(),
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
