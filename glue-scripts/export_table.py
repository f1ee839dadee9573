"""Export one DynamoDB table to an S3 snapshot folder (AWS Glue 5.0 Spark job, Python 3.11).

The table's Glue workflow starts this job on its schedule. It writes

    <output_path>/snapshot_timestamp=<ts>/

and publishes <ts> and the number of items written as the workflow run properties
`snapshot_timestamp` and `snapshot_item_count`, which the refresh job reads once the crawler has
catalogued the folder.

How a run goes:

1. Stage the table as DynamoDB JSON lines in S3 (snapshot_staging.py): a paced parallel Scan in
   scan mode, DynamoDB's native export in export mode. Both keep every value's DynamoDB type,
   which the type policy needs (item_types.py). Sensitive columns (column_rules.py): a scan
   drops or hashes them in each segment, before the item is staged; DynamoDB's export stages
   whole items, so export mode applies the rules to what it reads, before anything is typed, and
   they stay clear in the staging prefix until step 4 (which the bucket policy lets only this
   table's role read: docs/security.md, "Sensitive attributes").
2. Read the staged lines once with Spark's JSON reader, take the inventory of the items
   (attribute x DynamoDB type: a Spark aggregation), read the Glue table's established column
   types, and plan the columns (item_types.plan_columns). (item_shaping.py)
3. Purge the snapshot folder (so a retry replaces, never adds to, an earlier attempt), shape every
   item into its row with Spark expressions, and write about one file per GiB of table data
   (plan_layout), in the form Athena reads back exactly (snapshot_formats.py). Items and misfits
   are counted while writing (a Spark observation), not by another pass. (snapshot_writing.py)
   Then declare the Glue table snapshots_<table> (columns, types, the format's SerDe) for the
   crawler to add the snapshot's partition to.
4. Delete the staged copy (the bucket's lifecycle rule removes what a failed run leaves behind),
   publish the run properties, commit the Glue job.

Rules this job keeps (the contract with the program is in DEVELOPMENT.md):

- Snapshot name: <ts> is the UTC start of the *workflow run*, `YYYYMMDDTHHMMSSZ`. Every attempt
  of one workflow run therefore writes the same folder. Started outside a workflow, the job uses its
  own run's start time (or the current time when it has no run id, e.g. run locally).
- Empty table: the snapshot folder is left empty and the job succeeds. (The crawler then adds no
  partition; the refresh job accepts that only with `snapshot_item_count` 0.)
- Only `Job.init`/`commit` need Glue's own libraries (spark_runtime.GlueRuntime): a security
  configuration takes effect only for an initialised job. Everything else is PySpark and boto3.

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
                   or SSM ARN): applied before anything is typed, and in a scan before staging
  set by Glue:     --JOB_NAME, --JOB_RUN_ID, --TempDir, and from a workflow --WORKFLOW_NAME,
                   --WORKFLOW_RUN_ID
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from typing import Any

from botocore.exceptions import ClientError

from column_rules import ColumnRuleError
from column_rules import column_rules
from column_rules import read_column_rules
from contract import CONTRACT
from item_shaping import Inventory
from item_shaping import apply_column_rules
from item_shaping import take_inventory
from item_types import ALLOWED_TYPES_TEXT
from item_types import ColumnPlan
from item_types import is_supported_type
from item_types import plan_columns
from job_arguments import ArgumentError
from job_arguments import read_job_arguments
from job_arguments import require
from job_arguments import run_job
from job_arguments import split_s3_uri
from job_arguments import start_job
from snapshot_formats import logical_columns
from snapshot_formats import table_input
from snapshot_staging import default_dynamodb_client
from snapshot_staging import read_staged
from snapshot_staging import stage_by_export
from snapshot_staging import stage_by_scan
from snapshot_writing import write_snapshot
from source_access import SOURCE_ARGUMENTS
from source_access import SourceTable
from source_access import read_source
from spark_runtime import SparkJobEnvironment

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


# --------------------------------------------------------------------------------------------
# Arguments, names, sizes: pure functions. No AWS, no Spark.
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


# --------------------------------------------------------------------------------------------
# The Glue catalog
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


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


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
        staged = stage_by_export(dynamodb, config, timestamp, env.sleep)

    items = read_staged(spark, storage, staged)
    inventory = take_inventory(items) if items is not None else Inventory({})
    shaped_items = items
    if items is not None and rules and not staged.rules_applied:
        shaped_items, inventory = apply_column_rules(items, inventory, rules)
    plan = plan_columns(inventory.stats, established_columns(glue, config), config.column_types)
    _log_plan(plan)
    written, misfits, files, size = write_snapshot(
        storage, shaped_items, plan, inventory, layout.files, target, config.output_format
    )
    if items is not None:
        items.unpersist()
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
