"""Export one DynamoDB table to an S3 snapshot folder (AWS Glue 5.0 Spark job, Python 3.11).

The table's Glue workflow starts this job on its schedule. It writes

    <output_path>/snapshot_timestamp=<ts>/

and publishes <ts> and the number of items written as the workflow run properties
`snapshot_timestamp` and `snapshot_item_count`, which the refresh job reads once the crawler has
catalogued the folder.

How a run goes:

1. Stage the table as DynamoDB JSON lines (`{"Item": {"id": {"S": "a"}, ...}}`, gzip) in S3:
   - scan mode: a parallel Scan on Spark, one task per segment, each paced to its share of
     `read_percentage` x the table's read capacity (on-demand tables count as 40,000 RCU, as in
     Glue's own connector), into `<TempDir>/scan/<ts>/`. The table is read exactly once.
   - export mode: DynamoDB's native export (`ExportTableToPointInTime` of the latest restorable
     time, no read capacity, needs PITR), which writes the same format under
     `--export_staging_path`. The ClientToken
     comes from the run, so a retried attempt follows the same export instead of paying again.
   Both modes keep every value's DynamoDB type, which the type policy needs (item_types.py).
   Sensitive columns (column_rules.py): a scan drops or hashes them in each segment, before the
   item is staged; DynamoDB's export stages whole items, so export mode applies the rules as it
   reads the staged files, and they stay clear in the staging prefix until step 4 (which the
   bucket policy lets only this table's role read: docs/security.md, "Sensitive attributes").
2. Take an inventory of the staged items (attribute x DynamoDB type), read the Glue table's
   established column types, and plan the columns (item_types.plan_columns).
3. Purge the snapshot folder (so a retry replaces, never adds to, an earlier attempt), shape every
   item into its row, and write about one file per GiB of table data (plan_layout), in the form
   Athena reads back exactly (snapshot_formats.py). Items and misfits are counted while writing
   (a Spark observation), not by another pass. Then declare the Glue table snapshots_<table>
   (columns, types, the format's SerDe) for the crawler to add the snapshot's partition to.
4. Delete the staged copy (the bucket's lifecycle rule removes what a failed run leaves behind),
   publish the run properties, commit the Glue job.

Rules this job keeps (the contract with the program is in DEVELOPMENT.md):

- Snapshot name: <ts> is the UTC start of the *workflow run*, `YYYYMMDDTHHMMSSZ`. Every attempt
  of one workflow run therefore writes the same folder. Started outside a workflow, the job uses its
  own run's start time (or the current time when it has no run id, e.g. run locally).
- Empty table: the snapshot folder is left empty and the job succeeds. (The crawler then adds no
  partition; the refresh job accepts that only with `snapshot_item_count` 0.)
- Only `Job.init`/`commit` need Glue's own libraries (GlueRuntime): a security configuration
  takes effect only for an initialised job. Everything else is PySpark and boto3.

Arguments (`--name value` or `--name=value`):
  --table_name     DynamoDB table name, as in AWS
  --mode           scan | export
  --output_path    s3://<bucket>/<format>/<normalised table>
  --output_format  parquet | csv | json | orc | avro
  --database       Glue database of the crawler's table snapshots_<normalised table>
  --column_types   JSON object: attribute -> column type (the table's `columns` setting)
  scan mode:       --read_percentage (0.1..1.5), --splits (>= 1)
  export mode:     --table_arn, --export_staging_path (s3://<bucket>/<prefix>)
  a table elsewhere: --source_region, --source_role_arn, --bucket_owner (source_access.py): every
                   DynamoDB call, the scan's segments included, goes to that region with that role
  sensitive:       --column_rules (JSON attribute -> exclude | hash), --hash_key (a Secrets Manager
                   or SSM ARN): applied before the inventory, and in a scan before staging
  set by Glue:     --JOB_NAME, --JOB_RUN_ID, --TempDir, and from a workflow --WORKFLOW_NAME,
                   --WORKFLOW_RUN_ID
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from typing import Any

from botocore.exceptions import ClientError

from column_rules import ColumnRuleError
from column_rules import ColumnRules
from column_rules import column_rules
from column_rules import read_column_rules
from contract import CONTRACT
from item_types import ALLOWED_TYPES_TEXT
from item_types import ColumnPlan
from item_types import ItemShaper
from item_types import TypeStats
from item_types import is_supported_type
from item_types import item_inventory
from item_types import plan_columns
from job_arguments import ArgumentError
from job_arguments import JobEnvironment
from job_arguments import aws_client
from job_arguments import describe_failure
from job_arguments import read_job_arguments
from job_arguments import read_object
from job_arguments import require
from job_arguments import run_job
from job_arguments import split_s3_uri
from job_arguments import start_job
from snapshot_formats import CSV_ESCAPES
from snapshot_formats import CSV_NULL
from snapshot_formats import CSV_TIMESTAMP_FORMAT
from snapshot_formats import avro_schema
from snapshot_formats import logical_columns
from snapshot_formats import table_input
from source_access import SOURCE_ARGUMENTS
from source_access import SourceTable
from source_access import read_source
from source_access import source_client

LOG = logging.getLogger("export_table")

MODES = tuple(CONTRACT["modes"])
SNAPSHOT_PARTITION_KEY = CONTRACT["snapshotPartitionKey"]
RUN_PROPERTY = CONTRACT["runProperties"]
CRAWLER_TABLE_PREFIX = CONTRACT["crawlerTablePrefix"]
SNAPSHOT_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
LAYOUT = CONTRACT["layout"]

COMMON_ARGUMENTS = tuple(CONTRACT["exportArguments"]["common"])
MODE_ARGUMENTS = {mode: tuple(CONTRACT["exportArguments"][mode]) for mode in MODES}
GLUE_RUN_ARGUMENTS = tuple(CONTRACT["glueRunArguments"])
COLUMN_RULE_ARGUMENTS = tuple(CONTRACT["columnRuleArguments"])

GZIP_CODEC = "org.apache.hadoop.io.compress.GzipCodec"
S3_DELETE_BATCH = 1000
EXPORT_POLL_FIRST = 15.0
EXPORT_POLL_MAX = 60.0

# Scan pages back off and retry throttling on their own; adaptive mode also slows the sender.
# 21 attempts in all (max_attempts counts the retries).
SCAN_RETRIES = {"mode": "adaptive", "max_attempts": 20}
SCAN_FAILED = re.compile(r"ScanFailed: (.+)")
SPARK_TASK_TRIES = re.compile(r"failed (\d+) times")


# --------------------------------------------------------------------------------------------
# Pure functions: arguments, names, sizes. No AWS, no Spark.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportConfig:
    table_name: str
    mode: str
    output_path: str  # s3://bucket/<format>/<table>, no trailing slash
    output_format: str
    database: str
    column_types: dict[str, str] = field(default_factory=dict)
    read_percentage: float | None = None  # scan mode
    splits: int | None = None  # scan mode
    table_arn: str | None = None  # export mode
    staging_bucket: str | None = None  # export mode
    staging_prefix: str | None = None  # export mode
    temp_dir: str | None = None  # scan mode stages under it
    job_name: str | None = None
    job_run_id: str | None = None
    workflow_name: str | None = None
    workflow_run_id: str | None = None
    # The table's region and role, when not the stack's (source_access.py).
    source: SourceTable = field(default_factory=SourceTable)
    # Attributes to exclude or hash before anything is written, and the key (column_rules.py).
    column_rules: dict[str, str] = field(default_factory=dict)
    hash_key: str | None = None

    @property
    def catalog_table(self) -> str:
        return CRAWLER_TABLE_PREFIX + self.output_path.rsplit("/", 1)[-1]


def read_column_types(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ArgumentError(f"--column_types must be a JSON object: {error}") from None
    if not isinstance(value, dict) or not all(isinstance(t, str) for t in value.values()):
        raise ArgumentError("--column_types must be a JSON object of attribute -> type")
    for attribute, column_type in value.items():
        if not is_supported_type(column_type):
            raise ArgumentError(
                f"--column_types: {attribute} has type {column_type!r}; "
                f"allowed: {ALLOWED_TYPES_TEXT}"
            )
    return value


def read_export_config(argv: Sequence[str]) -> ExportConfig:
    """The job's arguments. The program guarantees their values (lib/job-arguments.ts); only
    what steers this script's own branches is checked here, with a message naming what is wrong."""
    names = (
        COMMON_ARGUMENTS
        + MODE_ARGUMENTS["scan"]
        + MODE_ARGUMENTS["export"]
        + GLUE_RUN_ARGUMENTS
        + SOURCE_ARGUMENTS
        + COLUMN_RULE_ARGUMENTS
    )
    values = read_job_arguments(argv, names)
    mode = values.get("mode", "")
    if mode and mode not in MODES:
        raise ArgumentError(f"--mode must be one of {', '.join(MODES)}, got {mode!r}")
    hint = (
        ""
        if mode
        else (
            " (scan mode also needs --read_percentage and --splits; "
            "export mode needs --table_arn and --export_staging_path)"
        )
    )
    optional = {"column_types"}
    required = [n for n in COMMON_ARGUMENTS + MODE_ARGUMENTS.get(mode, ()) if n not in optional]
    require(values, required, hint)
    split_s3_uri(values["output_path"], "output_path")
    common = {
        "table_name": values["table_name"],
        "mode": mode,
        "output_path": values["output_path"].rstrip("/"),
        "output_format": values["output_format"],
        "database": values["database"],
        "column_types": read_column_types(values.get("column_types") or "{}"),
        "temp_dir": values.get("TempDir"),
        "job_name": values.get("JOB_NAME"),
        "job_run_id": values.get("JOB_RUN_ID"),
        "workflow_name": values.get("WORKFLOW_NAME"),
        "workflow_run_id": values.get("WORKFLOW_RUN_ID"),
        "source": read_source(values),
        "hash_key": values.get("hash_key"),
    }
    try:
        common["column_rules"] = read_column_rules(values.get("column_rules"))
    except ColumnRuleError as error:
        raise ArgumentError(str(error)) from None
    if mode == "scan":
        require(values, ["TempDir"], " (Glue sets it from the job's --TempDir)")
        split_s3_uri(values["TempDir"], "TempDir")
        return ExportConfig(
            **common,
            read_percentage=float(values["read_percentage"]),
            splits=int(values["splits"]),
        )
    staging_bucket, staging_prefix = split_s3_uri(
        values["export_staging_path"], "export_staging_path"
    )
    return ExportConfig(
        **common,
        table_arn=values["table_arn"],
        staging_bucket=staging_bucket,
        staging_prefix=staging_prefix,
    )


def format_snapshot_timestamp(moment: datetime) -> str:
    """`YYYYMMDDTHHMMSSZ` in UTC. A naive datetime is taken to be UTC already (boto3 always
    returns aware ones); an aware one is converted. Sub-second parts are dropped."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime(SNAPSHOT_TIMESTAMP_FORMAT)


def snapshot_path(output_path: str, timestamp: str) -> str:
    """The snapshot's folder, with a trailing slash so that purging it cannot touch a sibling."""
    return f"{output_path.rstrip('/')}/{SNAPSHOT_PARTITION_KEY}={timestamp}/"


@dataclass(frozen=True)
class Layout:
    """How a snapshot is read and written, from the table's size (the same rule as
    lib/layout.ts, which `ddbsnap plan` and `estimate` print)."""

    segments: int  # parallel scan segments (scan mode)
    files: int  # output files at most
    concurrent_segments: int  # segments that run at once: one per task slot


def plan_layout(table_bytes: int, splits: int) -> Layout:
    """About one file per GiB of table data (128-512 MB once compressed), one file for a small
    table; at least one scan segment per task slot, and none bigger than a file, so that every
    task streams at most about a GiB of items (a G.1X worker has 16 GB for 4 tasks)."""
    per_file = LAYOUT["tableBytesPerFile"]
    files = max(1, math.ceil(max(0, table_bytes) / per_file))
    segments = max(splits, files)
    return Layout(segments=segments, files=files, concurrent_segments=min(segments, splits))


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


# --------------------------------------------------------------------------------------------
# Storage: the S3 calls the job makes besides Spark's own reads and writes. Tests use a local
# folder instead (test/spark).
# --------------------------------------------------------------------------------------------


class S3Storage:
    def __init__(self, s3: Any):
        self.s3 = s3

    def spark_path(self, uri: str) -> str:
        return uri

    def _objects(self, uri: str) -> Iterator[dict]:
        bucket, key = split_s3_uri(uri, "path")
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{key}/"
        ):
            yield from page.get("Contents", [])

    def purge(self, uri: str) -> int:
        """Deletes every object under a folder; returns how many."""
        bucket, _ = split_s3_uri(uri, "path")
        keys = [o["Key"] for o in self._objects(uri)]
        for start in range(0, len(keys), S3_DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start : start + S3_DELETE_BATCH]]
            result = self.s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            if result.get("Errors"):
                first = result["Errors"][0]
                raise RuntimeError(
                    f"could not delete s3://{bucket}/{first['Key']}: {first['Message']}"
                )
        return len(keys)

    def read_text(self, uri: str, missing_ok: bool = False) -> str | None:
        """One object's text (a manifest, the watermark); None if missing and `missing_ok`."""
        bucket, key = split_s3_uri(uri, "object")
        try:
            return read_object(self.s3, bucket, key).decode("utf-8")
        except ClientError as error:
            if missing_ok and error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def write_text(self, uri: str, text: str) -> None:
        bucket, key = split_s3_uri(uri, "object")
        self.s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))

    def summarise(self, uri: str) -> tuple[int, int]:
        """(data files, bytes) under a folder; Spark's `_SUCCESS` marker is not a data file."""
        files = size = 0
        for item in self._objects(uri):
            if not item["Key"].endswith("/_SUCCESS"):
                files += 1
                size += item["Size"]
        return files, size


# --------------------------------------------------------------------------------------------
# Glue and Spark: the only code that needs a cluster. Tests hand main() a runtime with a real
# local Spark session and a fake Job.
# --------------------------------------------------------------------------------------------


class GlueRuntime:  # pragma: no cover - needs the Glue runtime
    """The Glue job and its Spark session. Only Job.init/commit need Glue's own libraries."""

    def __init__(self, job_name: str):
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from pyspark.context import SparkContext

        glue_context = GlueContext(SparkContext.getOrCreate())
        self.spark = glue_context.spark_session
        self.job = Job(glue_context)
        # A security configuration takes effect only for a job that calls init (Glue guide,
        # "Encrypting data written by AWS Glue").
        self.job.init(job_name, {"JOB_NAME": job_name})


class SparkJobEnvironment(JobEnvironment):
    """A Spark job's surroundings: JobEnvironment's, plus the Spark runtime (Glue's, or a local
    session in tests) and the storage the job reads and writes through (S3, or a folder)."""

    def __init__(
        self,
        runtime_factory: Callable[[str], Any] = GlueRuntime,
        storage: Any = None,
        **rest: Any,
    ) -> None:
        super().__init__(**rest)
        self.runtime_factory = runtime_factory
        self.storage = storage or S3Storage(self.client("s3"))


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


def read_items(spark: Any, data_path: str) -> Any:
    """The staged items (an RDD of DynamoDB JSON dicts), one partition per gzip file."""
    return spark.sparkContext.textFile(data_path).filter(bool).map(parse_item_line)


def take_inventory(items: Any) -> dict[tuple[str, str], TypeStats]:
    """(attribute, DynamoDB type) -> how many items have it, over the whole snapshot."""
    return dict(items.flatMap(item_inventory).reduceByKey(lambda a, b: a.add(b)).collect())


def spark_schema(plan: ColumnPlan) -> Any:
    from pyspark.sql.types import _parse_datatype_string

    fields = ", ".join(f"`{name}` {column_type}" for name, column_type in plan.schema)
    return _parse_datatype_string(f"struct<{fields}>")


def shape_frame(spark: Any, items: Any, plan: ColumnPlan, files: int) -> tuple[Any, Callable]:
    """The items as a DataFrame in the plan's schema, at most `files` partitions, observed: the
    returned function gives (items, misfits) once the frame has been written."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType

    def rows(partition: Iterable[dict]) -> Iterator[list]:
        shaper = ItemShaper(plan)
        for item in partition:
            row, misfits = shaper(item)
            yield [*row, misfits]

    schema = spark_schema(plan).add("__misfits", IntegerType(), nullable=False)
    frame = spark.createDataFrame(items.mapPartitions(rows), schema, verifySchema=False)
    if frame.rdd.getNumPartitions() > files:
        frame = frame.coalesce(files)
    observation = Observation("snapshot")
    observed = frame.observe(
        observation,
        F.count(F.lit(1)).alias("items"),
        F.coalesce(F.sum("__misfits"), F.lit(0)).alias("misfits"),
    ).drop("__misfits")
    return observed, lambda: (int(observation.get["items"]), int(observation.get["misfits"]))


def writer_options(output_format: str, schema: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Options for Spark's DataFrameWriter per output format (snapshot_formats.py says why):
    snappy Parquet, ORC and Avro, every codec named (Spark 4 changed ORC's default from snappy to
    zstd, and a table's snapshots keep one codec across a Glue upgrade); Avro with the declared
    schema (decimals as `bytes`); gzip text formats (Athena and the crawler read .gz
    transparently), JSON timestamps in Athena's text form, and CSV with a header row, doubled
    quotes and nothing trimmed."""
    if output_format in ("parquet", "orc"):
        return {"compression": "snappy"}
    if output_format == "avro":
        return {"compression": "snappy", "avroSchema": json.dumps(avro_schema(schema))}
    if output_format == "csv":
        return {
            "header": "true",
            "compression": "gzip",
            "sep": ",",
            "quote": '"',
            "escape": '"',
            "ignoreLeadingWhiteSpace": "false",
            "ignoreTrailingWhiteSpace": "false",
        }
    if output_format == "json":
        return {"compression": "gzip", "timestampFormat": CSV_TIMESTAMP_FORMAT}
    return {}


def csv_cell(column: Any, logical_type: str) -> Any:
    """One column as the documented text of a CSV cell (snapshot_formats.py): NULL as \\N, text
    with its backslashes and line breaks escaped, binary as base64, collections as JSON."""
    from pyspark.sql import functions as F

    if logical_type == "string":
        text = column
        for raw, escaped in CSV_ESCAPES:  # the backslash first, so no escape is escaped twice
            text = F.replace(text, F.lit(raw), F.lit(escaped))
    elif logical_type == "binary":
        text = F.base64(column)
    elif logical_type == "timestamp":
        text = F.date_format(column, CSV_TIMESTAMP_FORMAT)
    elif logical_type in ("array<string>", "map<string,string>"):
        text = F.to_json(column)
    elif logical_type.startswith("decimal("):
        # Plain digits on every Spark line: casting a decimal to text gives 1E-10 on Spark 3.5
        # and 0.0000000001 on Spark 4. format_number keeps the column's scale exactly (US locale).
        scale = int(logical_type.rstrip(")").split(",")[1])
        text = F.regexp_replace(F.format_number(column, scale), ",", "")
    else:
        text = column.cast("string")
    return F.when(column.isNull(), F.lit(CSV_NULL)).otherwise(text)


def encode_frame(frame: Any, output_format: str, schema: Sequence[tuple[str, str]]) -> Any:
    """The shaped rows as the format stores them: as they are, but for CSV (every cell text)."""
    if output_format != "csv":
        return frame
    from pyspark.sql import functions as F

    return frame.select(
        [csv_cell(F.col(f"`{name}`"), logical).alias(name) for name, logical in schema]
    )


def write_frame(
    frame: Any, path: str, output_format: str, schema: Sequence[tuple[str, str]]
) -> None:
    encoded = encode_frame(frame, output_format, schema)
    encoded.write.mode("append").format(output_format).options(
        **writer_options(output_format, schema)
    ).save(path)


# --------------------------------------------------------------------------------------------
# boto3 calls
# --------------------------------------------------------------------------------------------


def resolve_snapshot_timestamp(glue: Any, config: ExportConfig, now: Callable[[], datetime]) -> str:
    """The workflow run's start; outside a workflow the job run's start; failing that, now."""
    if config.workflow_name and config.workflow_run_id:
        run = glue.get_workflow_run(
            Name=config.workflow_name, RunId=config.workflow_run_id, IncludeGraph=False
        )["Run"]
        return format_snapshot_timestamp(run["StartedOn"])
    if config.job_name and config.job_run_id:
        job_run = glue.get_job_run(JobName=config.job_name, RunId=config.job_run_id)["JobRun"]
        return format_snapshot_timestamp(job_run["StartedOn"])
    return format_snapshot_timestamp(now())


def catalog_table(glue: Any, config: ExportConfig) -> dict[str, Any] | None:
    """The table snapshots_<table> as the Glue catalog has it; None before the first snapshot."""
    try:
        return glue.get_table(DatabaseName=config.database, Name=config.catalog_table)["Table"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "EntityNotFoundException":
            return None
        raise


def established_columns(glue: Any, config: ExportConfig) -> list[tuple[str, str | None]]:
    """The table's columns (name, logical type) in order; none before the first snapshot."""
    table = catalog_table(glue, config)
    return logical_columns(table, config.output_format) if table else []


def declare_snapshot_table(glue: Any, config: ExportConfig, plan: ColumnPlan) -> None:
    """Declares snapshots_<table> with this snapshot's columns, their types and the format's SerDe
    (snapshot_formats.table_input), before the crawler adds the snapshot as a partition: the schema
    is the job's, never the crawler's guess. Columns are only ever added, so every older snapshot
    still reads through the table."""
    table = table_input(
        config.catalog_table,
        f"{config.output_path}/",
        config.output_format,
        plan.schema,
        SNAPSHOT_PARTITION_KEY,
    )
    try:
        glue.update_table(DatabaseName=config.database, TableInput=table)
        action = "Updated"
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "EntityNotFoundException":
            raise
        glue.create_table(DatabaseName=config.database, TableInput=table)
        action = "Created"
    LOG.info(
        "%s %s.%s: %d columns, %s",
        action,
        config.database,
        config.catalog_table,
        len(plan.schema),
        table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"],
    )


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


def _log_plan(plan: ColumnPlan) -> None:
    for attribute, column in sorted(plan.renamed.items()):
        LOG.info("Attribute %r is column %s", attribute, column)
    for column in plan.columns:
        for ddb_type, sidecar in column.sidecars.items():
            LOG.info(
                "Values of type %s in column %s that do not fit %s go to %s",
                ddb_type,
                column.name,
                column.type,
                sidecar,
            )
    for attribute, override in sorted(plan.ignored_overrides.items()):
        LOG.warning(
            "columns: %s asks for %s, but the Glue table already has another type, which "
            "every snapshot keeps; to change it, delete the table and let the crawler re-create it",
            attribute,
            override,
        )


@dataclass(frozen=True)
class ExportResult:
    snapshot: str
    items: int
    misfits: int
    files: int
    bytes: int


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


def read_staged(spark: Any, storage: Any, staged: Staged, rules: ColumnRules) -> Any:
    """The staged items as an RDD of DynamoDB JSON dicts (empty for an empty table), with the
    column rules applied to what DynamoDB's export staged."""
    staged_files, _ = storage.summarise(staged.path)
    if staged_files == 0 and staged.exported_items > 0:
        # A retry whose ClientToken found the export an earlier attempt staged, then deleted.
        raise RuntimeError(
            f"DynamoDB exported {staged.exported_items} items, but {staged.path} holds none: the "
            "staged files are gone. Start a new workflow run (a new run gets a new export)."
        )
    # An empty table's export may stage no file at all, and Spark refuses a missing folder.
    if not staged_files:
        return spark.sparkContext.emptyRDD()
    items = read_items(spark, storage.spark_path(staged.path))
    return items if staged.rules_applied or not rules else items.map(rules.apply)


def write_snapshot(
    spark: Any, storage: Any, items: Any, plan: ColumnPlan, files: int, target: str, fmt: str
) -> tuple[int, int, int, int]:
    """Replaces the snapshot folder with the shaped items: (items, misfits, files, bytes)."""
    LOG.info("Purging %s so that a retry replaces, never adds to, an earlier attempt", target)
    storage.purge(target)
    written = misfits = 0
    if plan.schema:
        frame, counts = shape_frame(spark, items, plan, files)
        write_frame(frame, storage.spark_path(target), fmt, plan.schema)
        written, misfits = counts()
    file_count, size = storage.summarise(target)
    if written == 0:
        LOG.info("The table is empty: the snapshot %s is empty", target)
    else:
        LOG.info(
            "Wrote %d items in %d files (%d bytes) to %s; %d values went to sidecar columns",
            written,
            file_count,
            size,
            target,
            misfits,
        )
    return written, misfits, file_count, size


def publish_run_properties(glue: Any, config: ExportConfig, properties: dict[str, str]) -> None:
    """Tells the refresh job which snapshot this run wrote (the workflow's run properties)."""
    if not (config.workflow_name and config.workflow_run_id):
        LOG.info("Not started by a workflow: no run property to set")
        return
    glue.put_workflow_run_properties(
        Name=config.workflow_name, RunId=config.workflow_run_id, RunProperties=properties
    )
    LOG.info(
        "Set run properties %s on workflow %s run %s",
        properties,
        config.workflow_name,
        config.workflow_run_id,
    )


def main(
    argv: Sequence[str] | None = None,
    env: SparkJobEnvironment | None = None,
    *,
    scan_client_factory: Callable[[str | None, str | None], Any] = default_dynamodb_client,
) -> ExportResult:
    """Stage the table (scan or export), shape and write the snapshot, then tell the workflow."""
    config = start_job("export_table", read_export_config, argv, LOG)
    started = time.monotonic()
    env = env or SparkJobEnvironment()
    rules = column_rules(env, config.column_rules, config.hash_key)
    # DynamoDB in the table's own account and region (its source role's, for another account).
    dynamodb = env.source_client("dynamodb", config.source)
    glue, storage = env.client("glue"), env.storage

    timestamp = resolve_snapshot_timestamp(glue, config, env.now)
    target = snapshot_path(config.output_path, timestamp)
    table = dynamodb.describe_table(TableName=config.table_name)["Table"]
    layout = plan_layout(int(table.get("TableSizeBytes", 0)), config.splits or 1)
    runtime = env.runtime_factory(config.job_name or "export_table")
    spark = runtime.spark

    if config.mode == "scan":
        staged = stage_by_scan(
            spark,
            storage,
            config,
            table,
            layout,
            staging=f"{config.temp_dir.rstrip('/')}/scan/{timestamp}/",
            region=dynamodb.meta.region_name,
            client_factory=scan_client_factory,
            rules=rules,
        )
    else:
        staging = f"s3://{config.staging_bucket}/{config.staging_prefix}"
        LOG.info("Exporting %s via %s", config.table_arn, staging)
        path, exported = run_export(dynamodb, config, timestamp, env.sleep)
        LOG.info("Export wrote %d items to %s", exported, path)
        staged = Staged(path, exported_items=exported)

    items = read_staged(spark, storage, staged, rules)
    plan = plan_columns(
        take_inventory(items), established_columns(glue, config), config.column_types
    )
    _log_plan(plan)
    written, misfits, files, size = write_snapshot(
        spark, storage, items, plan, layout.files, target, config.output_format
    )
    if plan.schema:
        declare_snapshot_table(glue, config, plan)
    properties = {
        RUN_PROPERTY["snapshotTimestamp"]: timestamp,
        RUN_PROPERTY["itemCount"]: str(written),
        RUN_PROPERTY["exportSeconds"]: f"{time.monotonic() - started:.0f}",
    }
    if staged.read_units is not None:
        properties[RUN_PROPERTY["readUnits"]] = f"{staged.read_units:.0f}"
    publish_run_properties(glue, config, properties)
    # Only now: a retry after any earlier failure still finds what was staged.
    storage.purge(staged.path)
    runtime.job.commit()
    return ExportResult(target, written, misfits, files, size)


if __name__ == "__main__":
    run_job("export_table", main)
