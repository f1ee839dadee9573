"""Point a table's Athena view at the snapshot its workflow run just exported, then prune old
snapshots (AWS Glue Python shell job, Python 3.9, boto3 only).

The workflow starts this job once the crawler has catalogued the export. Steps:

1. Read the run property `snapshot_timestamp` the export job set on this workflow run.
2. Check that `<database>.snapshots_<table>` has that partition. If it does not, it accepts the
   snapshot only when the run property `snapshot_item_count` is 0 (the DynamoDB table was empty,
   and the crawler adds no partition for an empty folder): the view then returns no rows. A
   missing count, or a count above 0, means the crawler has not caught up: fail, and leave the
   view alone.
3. Completeness gate: compare `snapshot_item_count` with the DynamoDB table's `ItemCount`
   (DescribeTable; DynamoDB refreshes it about every six hours). Fewer than
   `min_item_ratio` x ItemCount items fails the run before the view moves. 0 turns it off.
4. Read back what the view would show, before it shows it: the view's own query asked for rows
   (`SELECT * FROM (<the view's SELECT>) LIMIT 10`), which makes Athena open the data files
   (`CREATE VIEW` itself reads no data, so a snapshot Athena cannot read would otherwise pass).
   If Athena cannot, fail with its reason: the view was not touched, nothing is pruned.
5. Only then run `CREATE OR REPLACE VIEW "<database>"."<table>" AS SELECT <columns> FROM
   "<database>"."snapshots_<table>" WHERE snapshot_timestamp = '<ts>'` in the workgroup, waiting
   with capped exponential back-off. The select list comes from the table the export job
   declared: each column, decoded where the format stores it as documented text (CSV, and
   binary in JSON; snapshot_formats.py), then snapshot_timestamp. It is the one step that moves
   the view, and it comes last: throttled, failed or killed anywhere, a run leaves the view on
   the previous snapshot or on this one, read back.
6. Publish the run's metrics to CloudWatch (namespace ddb-athena-snapshots, dimensions Stack and
   Table): SnapshotSucceeded 1, SnapshotAgeSeconds (the snapshot's age as the view moved),
   SnapshotItems, SnapshotBytes, SnapshotObjects, ExportDurationSeconds, and for a scan
   ScanReadUnitsPerSecond (the read units DynamoDB reported, over the export job's time). The
   stale-snapshot alarm counts SnapshotSucceeded.
7. Only then prune: every snapshot strictly older than now - retention_days, found either as a
   catalog partition or as an S3 folder, loses its S3 objects and its partition. The snapshot the
   view now shows (and anything newer) is never pruned. Partition values that are not snapshot
   timestamps are left alone. A failure here or in step 6 fails the run (PruneError), saying
   that the view has moved; the next run publishes and prunes again.

The database and table names and the timestamp are checked against strict patterns where they
enter SQL, so no argument or run property can inject SQL. Other arguments are the program's to
get right (lib/job-arguments.ts).

Arguments (`--name value` or `--name=value`):
  --database        Glue database (normalised name)
  --table           normalised table name: the view's name; the crawler's table is snapshots_<table>
  --workgroup       Athena workgroup (it enforces the query result location)
  --output_path     s3://<bucket>/<format>/<table>, as given to the export job
  --retention_days  whole number >= 0
  --table_name      the DynamoDB table's name, for DescribeTable
  --min_item_ratio  0..1: the completeness gate (0: off)
  --stack           the stack's name, a metric dimension
  --source_region, --source_role_arn
                    a table elsewhere (source_access.py): DescribeTable goes there, with that role
  --heartbeat true  heartbeat mode (the table's freshness trigger, every 6 hours): only publish
                    ViewAgeSeconds, the age of the snapshot the view shows; no workflow needed
  set by Glue:      --WORKFLOW_NAME, --WORKFLOW_RUN_ID
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

from botocore.exceptions import ClientError

from contract import CONTRACT
from job_arguments import WORKFLOW_ARGUMENTS
from job_arguments import WORKFLOW_HINT
from job_arguments import ArgumentError
from job_arguments import JobEnvironment
from job_arguments import describe_failure
from job_arguments import read_job_arguments
from job_arguments import read_object
from job_arguments import require
from job_arguments import run_job
from job_arguments import split_s3_uri
from job_arguments import start_job
from snapshot_formats import view_columns
from snapshot_formats import view_select_list
from source_access import SOURCE_ARGUMENTS
from source_access import SourceTable
from source_access import read_source

LOG = logging.getLogger("refresh_view")

SNAPSHOT_PARTITION_KEY = CONTRACT["snapshotPartitionKey"]
RUN_PROPERTY = CONTRACT["runProperties"]
ICEBERG = CONTRACT["iceberg"]
METRICS_NAMESPACE = CONTRACT["metrics"]["namespace"]
METRIC_NAMES = CONTRACT["metrics"]["names"]
METRIC_DIMENSIONS = tuple(CONTRACT["metrics"]["dimensions"])
SNAPSHOT_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
CRAWLER_TABLE_PREFIX = CONTRACT["crawlerTablePrefix"]

# Explicit ASCII classes and fullmatch(): `\d` would accept other scripts' digits and `$` a
# trailing newline.
IDENTIFIER = re.compile(CONTRACT["identifierPattern"])
SNAPSHOT_TIMESTAMP = re.compile(CONTRACT["snapshotTimestampPattern"])

ARGUMENTS = tuple(CONTRACT["refreshArguments"])
INCREMENTAL_ARGUMENTS = tuple(CONTRACT["refreshIncrementalArguments"])

# AWS limits per call.
S3_DELETE_BATCH = 1000
GLUE_DELETE_PARTITION_BATCH = 25

# Athena polling: 0.5 s, 1 s, 2 s, ... capped at 10 s, giving up after 15 minutes.
POLL_FIRST_DELAY = 0.5
POLL_MAX_DELAY = 10.0
POLL_TIMEOUT = 15 * 60.0
ATHENA_FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")


class RefreshError(RuntimeError):
    """The view could not be moved; it still shows the previous snapshot and nothing was pruned."""


class PruneError(RuntimeError):
    """The view was moved to the new snapshot (read back first), but a step after that failed:
    publishing the metrics, or deleting expired snapshots. The next run retries both."""


# --------------------------------------------------------------------------------------------
# Pure functions: arguments, names, SQL, retention. No AWS.
# --------------------------------------------------------------------------------------------


def validate_identifier(value: str, what: str) -> str:
    """Glue/Athena names we put in SQL: lowercase letters, digits and `_` only."""
    if not IDENTIFIER.fullmatch(value):
        raise ArgumentError(
            f"{what} must be a normalised name (lowercase a-z, 0-9 and _ only), got {value!r}"
        )
    return value


def parse_snapshot_timestamp(value: str) -> datetime:
    """`YYYYMMDDTHHMMSSZ` -> aware UTC datetime; ValueError if it is anything else."""
    if not SNAPSHOT_TIMESTAMP.fullmatch(value):
        raise ValueError(f"not a snapshot timestamp (YYYYMMDDTHHMMSSZ): {value!r}")
    return datetime.strptime(value, SNAPSHOT_TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class RefreshConfig:
    database: str
    table: str
    workgroup: str
    bucket: str
    snapshots_prefix: str  # "<format>/<table>", no slashes at either end
    retention_days: int
    table_name: str
    min_item_ratio: float
    stack: str
    workflow_name: str | None  # None in heartbeat mode
    workflow_run_id: str | None
    heartbeat: bool = False
    # Incremental mode: the Iceberg table the view shows, and where its watermark is kept.
    iceberg_table: str | None = None
    state_uri: str | None = None
    # The DynamoDB table's region and role, when not the stack's (source_access.py).
    source: SourceTable = field(default_factory=SourceTable)

    @property
    def crawler_table(self) -> str:
        return CRAWLER_TABLE_PREFIX + self.table


def read_refresh_config(argv: Sequence[str]) -> RefreshConfig:
    """The job's arguments. The program guarantees their values (lib/job-arguments.ts); the
    names that reach SQL are checked again where they are used (build_view_sql)."""
    values = read_job_arguments(
        argv,
        (*ARGUMENTS, *WORKFLOW_ARGUMENTS, *INCREMENTAL_ARGUMENTS, *SOURCE_ARGUMENTS, "heartbeat"),
    )
    heartbeat = values.get("heartbeat") == "true"
    if heartbeat:
        require(values, ARGUMENTS)
    else:
        require(values, (*ARGUMENTS, *WORKFLOW_ARGUMENTS), WORKFLOW_HINT)
    table = validate_identifier(values["table"], "--table")
    bucket, key = split_s3_uri(values["output_path"], "output_path")
    try:
        min_item_ratio = float(values["min_item_ratio"])
    except ValueError:
        min_item_ratio = -1.0
    if not 0 <= min_item_ratio <= 1:
        raise ArgumentError(
            f"--min_item_ratio must be a number from 0 to 1, got {values['min_item_ratio']!r}"
        )
    if not values["retention_days"].isdigit():
        raise ArgumentError(
            f"--retention_days must be a whole number of days, got {values['retention_days']!r}"
        )
    return RefreshConfig(
        database=validate_identifier(values["database"], "--database"),
        table=table,
        workgroup=values["workgroup"],
        bucket=bucket,
        snapshots_prefix=key,
        retention_days=int(values["retention_days"]),
        table_name=values["table_name"],
        min_item_ratio=min_item_ratio,
        stack=values["stack"],
        workflow_name=values.get("WORKFLOW_NAME"),
        workflow_run_id=values.get("WORKFLOW_RUN_ID"),
        heartbeat=heartbeat,
        iceberg_table=(
            validate_identifier(values["iceberg_table"], "--iceberg_table")
            if values.get("iceberg_table")
            else None
        ),
        state_uri=(
            "s3://{}/{}/{}".format(
                *split_s3_uri(values["state_path"], "state_path"), ICEBERG["watermarkFile"]
            )
            if values.get("state_path")
            else None
        ),
        source=read_source(values),
    )


def build_view_sql(
    database: str, table: str, timestamp: str, snapshot_table: dict[str, Any] | None = None
) -> str:
    """The statement that points the view at one snapshot. Every part is validated here, at the
    point of use, so that nothing but [a-z0-9_] names and a fixed-shape literal reach Athena. The
    select list decodes the columns a format stores as documented text (snapshot_formats.py), from
    the Glue table the export job declared; `*` when there is no table to read it from."""
    validate_identifier(database, "database")
    validate_identifier(table, "table")
    parse_snapshot_timestamp(timestamp)
    select = "*"
    if snapshot_table is not None:
        output_format, columns = view_columns(snapshot_table)
        for name, _ in columns:
            validate_identifier(name, "column")
        select = view_select_list(output_format, columns, SNAPSHOT_PARTITION_KEY)
    return (
        f'CREATE OR REPLACE VIEW "{database}"."{table}" AS '
        f'SELECT {select} FROM "{database}"."{CRAWLER_TABLE_PREFIX}{table}" '
        f"WHERE {SNAPSHOT_PARTITION_KEY} = '{timestamp}'"
    )


def build_iceberg_view_sql(
    database: str, table: str, iceberg_table: str, columns: Sequence[str]
) -> str:
    """Incremental mode: the view shows the Iceberg table's current state, every column but the
    write timestamp the merge keeps for itself. Listed, so it is rebuilt as columns are added."""
    for name in (database, table, iceberg_table, *columns):
        validate_identifier(name, "name")
    listed = ", ".join(f'"{c}"' for c in columns if c != ICEBERG["writeTimestampColumn"])
    return (
        f'CREATE OR REPLACE VIEW "{database}"."{table}" AS '
        f'SELECT {listed} FROM "{database}"."{iceberg_table}"'
    )


def snapshot_folder_key(snapshots_prefix: str, timestamp: str) -> str:
    """S3 key prefix of one snapshot, with the trailing slash so it cannot match a sibling."""
    return f"{snapshots_prefix}/{SNAPSHOT_PARTITION_KEY}={timestamp}/"


def timestamp_from_folder(folder_key: str) -> str | None:
    """`<prefix>/snapshot_timestamp=<value>/` -> `<value>`; None for any other folder."""
    name = folder_key.rstrip("/").rsplit("/", 1)[-1]
    key, sep, value = name.partition("=")
    return value if sep and key == SNAPSHOT_PARTITION_KEY else None


def select_expired(
    timestamps: Iterable[str], current: str, now: datetime, retention_days: int
) -> tuple[list[str], list[str]]:
    """Split snapshot names into (expired, not timestamps).

    Expired means strictly older than `now - retention_days`: a snapshot exactly at the cutoff
    is kept. The current snapshot and anything at or after it are never expired, whatever the
    retention, so the view always has its data.
    """
    cutoff = now.astimezone(timezone.utc) - timedelta(days=retention_days)
    current_moment = parse_snapshot_timestamp(current)
    expired: list[str] = []
    invalid: list[str] = []
    for value in sorted(set(timestamps)):
        try:
            moment = parse_snapshot_timestamp(value)
        except ValueError:
            invalid.append(value)
            continue
        if moment < cutoff and moment < current_moment:
            expired.append(value)
    return expired, invalid


def next_poll_delay(previous: float | None) -> float:
    """Capped exponential back-off for polling Athena."""
    if previous is None:
        return POLL_FIRST_DELAY
    return min(previous * 2, POLL_MAX_DELAY)


def batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def read_run_properties(glue: Any, config: RefreshConfig) -> tuple[str, int | None]:
    """The snapshot this run's export wrote, and how many items (None if it did not say)."""
    properties = glue.get_workflow_run_properties(
        Name=config.workflow_name, RunId=config.workflow_run_id
    ).get("RunProperties", {})
    name = RUN_PROPERTY["snapshotTimestamp"]
    value = properties.get(name)
    if not value:
        raise RefreshError(
            f"workflow {config.workflow_name} run {config.workflow_run_id} has no run property "
            f"{name!r}: the export job sets it when it succeeds, so this run's "
            "export did not succeed (or this job was started outside the export's run)"
        )
    try:
        parse_snapshot_timestamp(value)
    except ValueError as error:
        raise RefreshError(
            f"run property {name!r} of workflow {config.workflow_name} run "
            f"{config.workflow_run_id} is malformed: {error}"
        ) from None
    count = properties.get(RUN_PROPERTY["itemCount"], "")
    return value, int(count) if count.isdigit() else None


def read_export_figures(glue: Any, config: RefreshConfig) -> tuple[float | None, float | None]:
    """(export seconds, read units per second of the scan): what the export job measured; None
    for what it did not say (an export-mode run reads no capacity)."""
    properties = glue.get_workflow_run_properties(
        Name=config.workflow_name, RunId=config.workflow_run_id
    ).get("RunProperties", {})

    def number(name: str) -> float | None:
        try:
            return float(properties[name])
        except (KeyError, ValueError):
            return None

    seconds, units = number(RUN_PROPERTY["exportSeconds"]), number(RUN_PROPERTY["readUnits"])
    rate = units / seconds if units is not None and seconds else None
    return seconds, rate


def metric_data(
    config: RefreshConfig, values: dict[str, float | None], at: datetime
) -> list[dict[str, Any]]:
    """CloudWatch datums for one table (dimensions Stack and Table); values that are None are
    left out."""
    dimensions = [
        {"Name": name, "Value": value}
        # Python shell 3.9: zip() has no strict yet.
        for name, value in zip(METRIC_DIMENSIONS, (config.stack, config.table))
    ]
    units = {"Seconds": "Seconds", "Bytes": "Bytes"}
    return [
        {
            "MetricName": METRIC_NAMES[key],
            "Dimensions": dimensions,
            "Timestamp": at,
            "Value": float(value),
            "Unit": next(
                (u for suffix, u in units.items() if METRIC_NAMES[key].endswith(suffix)), "Count"
            ),
        }
        for key, value in values.items()
        if value is not None
    ]


def publish_snapshot_metrics(
    cloudwatch: Any,
    s3: Any,
    glue: Any,
    config: RefreshConfig,
    timestamp: str,
    item_count: int | None,
    now: datetime,
) -> dict[str, float | None]:
    """What the dashboard and the stale-snapshot alarm read, once the view has moved."""
    objects = size = 0
    for item in list_objects(
        s3, config.bucket, snapshot_folder_key(config.snapshots_prefix, timestamp)
    ):
        objects += 1
        size += item["Size"]
    export_seconds, read_rate = read_export_figures(glue, config)
    values: dict[str, float | None] = {
        "succeeded": 1,
        "age": (now - parse_snapshot_timestamp(timestamp)).total_seconds(),
        "items": item_count,
        "bytes": size,
        "objects": objects,
        "exportSeconds": export_seconds,
        "readUnitsPerSecond": read_rate,
    }
    cloudwatch.put_metric_data(
        Namespace=METRICS_NAMESPACE, MetricData=metric_data(config, values, now)
    )
    LOG.info("Published %s to CloudWatch namespace %s", values, METRICS_NAMESPACE)
    return values


def heartbeat(glue: Any, cloudwatch: Any, config: RefreshConfig, now: datetime) -> float | None:
    """Publish the age of the snapshot the view shows (ViewAgeSeconds), so a table whose
    schedule fires too rarely for an alarm on successful runs (weekly, monthly) still has an age
    to alarm on. Nothing is published without a view: the alarm then treats the data as missing,
    which counts as stale."""
    _, shown = current_view(glue, config)
    if shown is None:
        LOG.warning(
            "View %s.%s shows no snapshot yet: no age to publish", config.database, config.table
        )
        return None
    age = (now - parse_snapshot_timestamp(shown)).total_seconds()
    cloudwatch.put_metric_data(
        Namespace=METRICS_NAMESPACE, MetricData=metric_data(config, {"viewAge": age}, now)
    )
    LOG.info("View %s.%s shows snapshot %s, %.0f s old", config.database, config.table, shown, age)
    return age


def list_objects(s3: Any, bucket: str, prefix: str) -> Iterator[dict]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def partition_exists(glue: Any, config: RefreshConfig, timestamp: str) -> bool:
    try:
        glue.get_partition(
            DatabaseName=config.database,
            TableName=config.crawler_table,
            PartitionValues=[timestamp],
        )
    except ClientError as error:
        if _error_code(error) == "EntityNotFoundException":
            return False
        raise
    return True


VIEW_STATEMENT = re.compile(
    r'CREATE OR REPLACE VIEW "[a-z0-9_]+"\."[a-z0-9_]+" AS (?P<query>.+)', re.S
)


def build_read_back_sql(view_sql: str) -> str:
    """The query the view statement `view_sql` defines, asked for rows: what the view would show,
    read before it shows it. Rows, so that Athena opens the data files (CREATE VIEW reads none,
    and neither would LIMIT 0)."""
    found = VIEW_STATEMENT.fullmatch(view_sql)
    if not found:
        raise ValueError(f"not a view statement: {view_sql[:120]!r}")
    return f"SELECT * FROM ({found.group('query')}) LIMIT 10"


def replace_view(
    athena: Any, config: RefreshConfig, sql: str, sleep: Callable[[float], None]
) -> tuple[str | None, RefreshError | None]:
    """Read back what the view statement `sql` would show; only if Athena can, run it. Returns
    the statement's query id, or the read-back's error (the view then was not touched).

    The statement is the only step that changes the view, and it comes last: a failure or a
    kill anywhere leaves the view on the snapshot it showed, or on the new one once it has been
    read back, never on one Athena was not seen to read."""
    try:
        run_athena_query(athena, build_read_back_sql(sql), config.workgroup, config.database, sleep)
    except RefreshError as error:
        return None, error
    return run_athena_query(athena, sql, config.workgroup, config.database, sleep), None


PRESTO_VIEW = re.compile(r"/\*\s*Presto View:\s*(?P<body>[A-Za-z0-9+/=\s]+?)\s*\*/")
VIEW_SNAPSHOT = re.compile(
    SNAPSHOT_PARTITION_KEY + r" = '(?P<ts>" + SNAPSHOT_TIMESTAMP.pattern + ")'"
)


def snapshot_of_view(view_original_text: str) -> str | None:
    """The snapshot a view made by this job shows, from the Glue table's ViewOriginalText.
    Athena keeps a view there as `/* Presto View: <base64 JSON with originalSql> */` (inferred
    from what Athena writes: the format is not documented)."""
    match = PRESTO_VIEW.fullmatch(view_original_text.strip())
    if not match:
        return None
    try:
        sql = json.loads(base64.b64decode("".join(match.group("body").split())))["originalSql"]
    except (ValueError, KeyError, TypeError):
        return None
    found = VIEW_SNAPSHOT.search(sql)
    return found.group("ts") if found else None


def current_view(glue: Any, config: RefreshConfig) -> tuple[bool, str | None]:
    """(the view exists, the snapshot it shows if it is one of ours)."""
    try:
        view = glue.get_table(DatabaseName=config.database, Name=config.table)["Table"]
    except ClientError as error:
        if _error_code(error) == "EntityNotFoundException":
            return False, None
        raise
    return True, snapshot_of_view(view.get("ViewOriginalText", ""))


def check_completeness(
    dynamodb: Any,
    config: RefreshConfig,
    item_count: int | None,
    outcome: str = "The view still shows the previous snapshot.",
) -> None:
    """Refuse a snapshot with fewer than min_item_ratio x the table's ItemCount items."""
    if config.min_item_ratio == 0:
        return
    table = dynamodb.describe_table(TableName=config.table_name)["Table"]
    expected = int(table.get("ItemCount", 0))
    if item_count is None:
        raise RefreshError(
            f"the export did not say how many items it wrote (no run property "
            f"{RUN_PROPERTY['itemCount']!r}), so the completeness check cannot run. {outcome}"
        )
    if item_count < config.min_item_ratio * expected:
        raise RefreshError(
            f"the export wrote {item_count} items, but DynamoDB's ItemCount for "
            f"{config.table_name} is {expected} (refreshed about every six hours): fewer than "
            f"minItemRatio {config.min_item_ratio:g} x {expected}. {outcome} If the table "
            f"really shrank, lower minItemRatio for "
            f"{config.table_name} in Pulumi.<stack>.yaml (0 turns the check off), or run again "
            "once ItemCount has caught up."
        )
    LOG.info(
        "Completeness: %d items written, ItemCount %d, minItemRatio %g",
        item_count,
        expected,
        config.min_item_ratio,
    )


def snapshot_table(glue: Any, config: RefreshConfig) -> dict[str, Any] | None:
    """The Glue table snapshots_<table>, as the export job declared it; None if it is missing."""
    try:
        return glue.get_table(DatabaseName=config.database, Name=config.crawler_table)["Table"]
    except ClientError as error:
        if _error_code(error) == "EntityNotFoundException":
            return None
        raise


def table_exists(glue: Any, config: RefreshConfig) -> bool:
    return snapshot_table(glue, config) is not None


def check_snapshot_catalogued(
    glue: Any, config: RefreshConfig, timestamp: str, item_count: int | None
) -> bool:
    """True if the view can be pointed at the snapshot; False if there is nothing to point at
    (an empty snapshot of a table that has never had data). Raises if the crawler is behind.

    A snapshot without a catalog partition is accepted only when the export wrote 0 items: the
    crawler adds no partition for an empty folder. Any other count, or none, means the crawler
    missed it."""
    if partition_exists(glue, config, timestamp):
        return True
    where = f"{config.database}.{config.crawler_table}"
    if item_count != 0:
        written = (
            f"the export wrote {item_count} items"
            if item_count is not None
            else f"the export did not say how many items it wrote (no run property "
            f"{RUN_PROPERTY['itemCount']!r})"
        )
        raise RefreshError(
            f"partition {SNAPSHOT_PARTITION_KEY}={timestamp} is not in {where}, and {written}: "
            "the crawler has not catalogued this snapshot (it failed, or is still running). "
            "Resume the workflow run from the crawler (docs/operations.md). The view still "
            "shows the previous snapshot."
        )
    LOG.warning(
        "Snapshot %s has 0 items: the DynamoDB table was empty when exported, so the crawler "
        "added no partition for it",
        timestamp,
    )
    if table_exists(glue, config):
        return True
    LOG.warning(
        "%s does not exist yet (the crawler creates it from the first non-empty snapshot): "
        "nothing to point the view at, nothing to prune",
        where,
    )
    return False


def run_athena_query(
    athena: Any,
    sql: str,
    workgroup: str,
    database: str,
    sleep: Callable[[float], None],
    timeout: float = POLL_TIMEOUT,
) -> str:
    """Run one statement in the workgroup and wait for it; returns the query execution id.

    The stack's database is the query's context, so Athena resolves names there rather than in
    `default`. The workgroup enforces its result location, so none is passed. Raises
    RefreshError with Athena's StateChangeReason if the query fails or is cancelled, or if it
    outlasts `timeout` seconds (it is then stopped).
    """
    query_id = athena.start_query_execution(
        QueryString=sql,
        WorkGroup=workgroup,
        QueryExecutionContext={"Catalog": "AwsDataCatalog", "Database": database},
    )["QueryExecutionId"]
    LOG.info("Started Athena query %s in workgroup %s: %s", query_id, workgroup, sql)
    waited = 0.0
    delay: float | None = None
    while True:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        state = status["State"]
        if state == "SUCCEEDED":
            LOG.info("Athena query %s succeeded", query_id)
            return query_id
        if state in ("FAILED", "CANCELLED"):
            reason = status.get("StateChangeReason") or "Athena gave no reason"
            raise RefreshError(f"Athena query {query_id} {state}: {reason}")
        delay = next_poll_delay(delay)
        if waited + delay > timeout:
            athena.stop_query_execution(QueryExecutionId=query_id)
            raise RefreshError(
                f"Athena query {query_id} was still {state} after {waited:.0f} s: stopped it"
            )
        sleep(delay)
        waited += delay


def list_partition_values(glue: Any, config: RefreshConfig) -> list[str]:
    """The crawler table's partition values (it has one partition key)."""
    values: list[str] = []
    paginator = glue.get_paginator("get_partitions")
    pages = paginator.paginate(DatabaseName=config.database, TableName=config.crawler_table)
    try:
        for page in pages:
            for partition in page.get("Partitions", []):
                if len(partition["Values"]) == 1:
                    values.append(partition["Values"][0])
                else:
                    LOG.warning(
                        "Leaving partition %s alone: expected one value", partition["Values"]
                    )
    except ClientError as error:
        if _error_code(error) == "EntityNotFoundException":
            return []  # no crawler table yet: no partitions
        raise
    return values


def list_snapshot_folders(s3: Any, config: RefreshConfig) -> list[str]:
    """Timestamps of the `snapshot_timestamp=<ts>/` folders under the table's prefix (including
    any the crawler never catalogued, e.g. from failed exports)."""
    timestamps: list[str] = []
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=config.bucket, Prefix=f"{config.snapshots_prefix}/", Delimiter="/"
    )
    for page in pages:
        for common_prefix in page.get("CommonPrefixes", []):
            value = timestamp_from_folder(common_prefix["Prefix"])
            if value is None:
                LOG.warning(
                    "Leaving s3://%s/%s alone: not a snapshot folder",
                    config.bucket,
                    common_prefix["Prefix"],
                )
            else:
                timestamps.append(value)
    return timestamps


def delete_partitions(glue: Any, config: RefreshConfig, timestamps: Sequence[str]) -> list[str]:
    """Delete catalog partitions in batches; returns error descriptions (already gone is fine)."""
    errors: list[str] = []
    for batch in batches(list(timestamps), GLUE_DELETE_PARTITION_BATCH):
        response = glue.batch_delete_partition(
            DatabaseName=config.database,
            TableName=config.crawler_table,
            PartitionsToDelete=[{"Values": [value]} for value in batch],
        )
        for failure in response.get("Errors", []):
            detail = failure.get("ErrorDetail", {})
            if detail.get("ErrorCode") != "EntityNotFoundException":
                errors.append(
                    f"partition {failure.get('PartitionValues')}: "
                    f"{detail.get('ErrorCode')} {detail.get('ErrorMessage')}"
                )
    return errors


def delete_folder(s3: Any, bucket: str, prefix: str) -> tuple[int, list[str]]:
    """Delete every object under a prefix; returns (objects deleted, error descriptions)."""
    keys = [item["Key"] for item in list_objects(s3, bucket, prefix)]
    deleted = 0
    errors: list[str] = []
    for batch in batches(keys, S3_DELETE_BATCH):
        response = s3.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
        )
        failures = response.get("Errors", [])
        deleted += len(batch) - len(failures)
        errors.extend(
            f"s3://{bucket}/{failure.get('Key')}: {failure.get('Code')} {failure.get('Message')}"
            for failure in failures
        )
    return deleted, errors


def prune_snapshots(
    glue: Any, s3: Any, config: RefreshConfig, current: str, now: datetime
) -> list[str]:
    """Delete expired snapshots (catalog partitions first, then S3 objects); returns the expired
    timestamps. Raises PruneError after trying them all if anything could not be deleted."""
    partitions = list_partition_values(glue, config)
    folders = list_snapshot_folders(s3, config)
    expired, invalid = select_expired(
        set(partitions) | set(folders), current, now, config.retention_days
    )
    for value in invalid:
        LOG.warning("Leaving snapshot %r alone: its name is not a snapshot timestamp", value)
    if not expired:
        LOG.info("No snapshot is older than %d day(s)", config.retention_days)
        return []

    LOG.info(
        "Pruning %d snapshot(s) older than %d day(s): %s",
        len(expired),
        config.retention_days,
        ", ".join(expired),
    )
    # Partitions first: if the job dies half-way, the orphaned S3 folders are found (by listing)
    # and deleted by the next run, while a partition without data would mislead queries.
    catalogued = set(partitions)
    errors = delete_partitions(glue, config, [value for value in expired if value in catalogued])
    for value in expired:
        folder = snapshot_folder_key(config.snapshots_prefix, value)
        deleted, folder_errors = delete_folder(s3, config.bucket, folder)
        LOG.info("Deleted %d object(s) under s3://%s/%s", deleted, config.bucket, folder)
        errors.extend(folder_errors)
    if errors:
        raise PruneError(
            f"the view shows snapshot {current}, but {len(errors)} deletion(s) failed while "
            "pruning (the next run retries them): " + "; ".join(errors[:20])
        )
    return expired


@dataclass
class RefreshResult:
    snapshot_timestamp: str
    query_execution_id: str | None = None
    pruned: list[str] = field(default_factory=list)
    metrics: dict[str, float | None] = field(default_factory=dict)
    view_age_seconds: float | None = None


def what_the_view_shows(existed: bool, previous: str | None) -> str:
    if previous is not None:
        return f"snapshot {previous}"
    return "what it showed (a view this job did not make)" if existed else "nothing (no view yet)"


def iceberg_columns(glue: Any, config: RefreshConfig) -> list[str]:
    """The Iceberg table's columns, as the Glue catalog lists them after the merge's commit."""
    table = glue.get_table(DatabaseName=config.database, Name=config.iceberg_table)["Table"]
    return [c["Name"] for c in table.get("StorageDescriptor", {}).get("Columns", [])]


def refresh_iceberg_view(
    glue: Any,
    athena: Any,
    dynamodb: Any,
    cloudwatch: Any,
    config: RefreshConfig,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> RefreshResult:
    """Incremental mode: the merge has committed; rebuild the view over the Iceberg table, read
    it back, publish the metrics. Nothing to prune: the retention optimizer expires snapshots."""
    timestamp, item_count = read_run_properties(glue, config)
    outcome = (
        "The merge has committed: the Iceberg table holds it (time travel reaches the state "
        "before it)."
    )
    check_completeness(dynamodb, config, item_count, outcome)
    result = RefreshResult(snapshot_timestamp=timestamp)
    sql = build_iceberg_view_sql(
        config.database, config.table, config.iceberg_table, iceberg_columns(glue, config)
    )
    result.query_execution_id, failed = replace_view(athena, config, sql, sleep)
    if failed:
        raise RefreshError(
            f"Athena cannot read {config.database}.{config.iceberg_table} as the view would: "
            f"{failed}. The view was not changed. {outcome} See docs/operations.md, 'The "
            "read-back failed'."
        )
    values: dict[str, float | None] = {
        "succeeded": 1,
        "age": (now() - parse_snapshot_timestamp(timestamp)).total_seconds(),
        "items": item_count,
    }
    cloudwatch.put_metric_data(
        Namespace=METRICS_NAMESPACE, MetricData=metric_data(config, values, now())
    )
    LOG.info(
        "View %s.%s shows %s as of %s",
        config.database,
        config.table,
        config.iceberg_table,
        timestamp,
    )
    result.metrics = values
    return result


def iceberg_heartbeat(s3: Any, cloudwatch: Any, config: RefreshConfig, at: datetime):
    """Incremental mode: the age of the watermark (the time the table is current to)."""
    bucket, key = config.state_uri[len("s3://") :].split("/", 1)
    try:
        document = json.loads(read_object(s3, bucket, key))
    except ClientError as error:
        if _error_code(error) in ("NoSuchKey", "404"):
            LOG.warning("No watermark yet at %s: no age to publish", config.state_uri)
            return None
        raise
    age = (at - datetime.fromisoformat(document["watermark"])).total_seconds()
    cloudwatch.put_metric_data(
        Namespace=METRICS_NAMESPACE, MetricData=metric_data(config, {"viewAge": age}, at)
    )
    LOG.info("Table %s is current to %s, %.0f s ago", config.table, document["watermark"], age)
    return age


def main(argv: Sequence[str] | None = None, env: JobEnvironment | None = None) -> RefreshResult:
    """Move the view, then prune. Exits with a message on bad arguments."""
    config = start_job("refresh_view", read_refresh_config, argv, LOG)
    env = env or JobEnvironment()
    glue, athena, s3 = env.client("glue"), env.client("athena"), env.client("s3")
    cloudwatch = env.client("cloudwatch")
    now, sleep = env.now, env.sleep

    if config.heartbeat and config.iceberg_table:
        age = iceberg_heartbeat(s3, cloudwatch, config, now())
        return RefreshResult(snapshot_timestamp="", view_age_seconds=age)
    if config.heartbeat:
        age = heartbeat(glue, cloudwatch, config, now())
        return RefreshResult(snapshot_timestamp="", view_age_seconds=age)
    # DescribeTable in the table's own account and region (its source role's, for another one).
    dynamodb = env.source_client("dynamodb", config.source)
    if config.iceberg_table:
        return refresh_iceberg_view(glue, athena, dynamodb, cloudwatch, config, now, sleep)

    timestamp, item_count = read_run_properties(glue, config)
    result = RefreshResult(snapshot_timestamp=timestamp)
    LOG.info(
        "Workflow %s run %s exported snapshot %s",
        config.workflow_name,
        config.workflow_run_id,
        timestamp,
    )
    if not check_snapshot_catalogued(glue, config, timestamp, item_count):
        return result
    check_completeness(dynamodb, config, item_count)

    existed, previous = current_view(glue, config)
    table = snapshot_table(glue, config)
    sql = build_view_sql(config.database, config.table, timestamp, table)
    result.query_execution_id, failed = replace_view(athena, config, sql, sleep)
    if failed:
        raise RefreshError(
            f"Athena could not read snapshot {timestamp}: {failed}; the view was not moved: it "
            f"still shows {what_the_view_shows(existed, previous)}"
        )
    LOG.info("View %s.%s now shows snapshot %s", config.database, config.table, timestamp)
    try:
        result.metrics = publish_snapshot_metrics(
            cloudwatch, s3, glue, config, timestamp, item_count, now()
        )
        result.pruned = prune_snapshots(glue, s3, config, timestamp, now())
    except PruneError:
        raise
    except Exception as error:
        raise PruneError(
            f"the view shows snapshot {timestamp}, which Athena read back; after that "
            f"{describe_failure(error)}"
        ) from error
    return result


if __name__ == "__main__":
    run_job("refresh_view", main)
