"""Export one DynamoDB table to an S3 snapshot folder (AWS Glue 5.0 Spark job, Python 3.11).

The table's Glue workflow starts this job on its schedule. It reads the whole table with the
DynamoDB connector, writes it to

    <output_path>/snapshot_timestamp=<ts>/

and publishes <ts> as the workflow run property `snapshot_timestamp`, which the refresh job reads
once the crawler has catalogued the folder.

Rules this job keeps (see ../shared/design.md for the contract):

- Snapshot name: <ts> is the UTC start of the *workflow run*, `YYYYMMDDTHHMMSSZ`. Every attempt
  of one workflow run therefore writes the same folder. Started outside a workflow, the job uses its
  own run's start time (or the current time when it has no run id, e.g. run locally).
- Idempotent: the target folder is purged before writing, so a retry replaces a failed attempt's
  partial output instead of adding to it.
- Type conflicts: DynamoDB items need not agree on an attribute's type (a number in one item, a
  string in another); Glue reads such an attribute as a choice type, which no output format can
  store. Rule: every choice-typed column is cast to string, so numbers and booleans keep their exact
  text, and nothing is dropped. The column is then a string column in Athena.
- Empty table: the snapshot folder is left empty and the job succeeds. (The crawler then adds no
  partition; the refresh job recognises an empty snapshot folder and still moves the view.)

Arguments (`--name value` or `--name=value`):
  --table_name     DynamoDB table name, as in AWS
  --mode           scan | export
  --output_path    s3://<bucket>/<format>/<normalised table>
  --output_format  parquet | csv | json | orc | avro
  scan mode:       --read_percentage (0.1..1.5), --splits (>= 1)
  export mode:     --table_arn, --export_staging_path (s3://<bucket>/<prefix>)
  set by Glue:     --JOB_NAME, --JOB_RUN_ID, and from a workflow --WORKFLOW_NAME, --WORKFLOW_RUN_ID
"""

from __future__ import annotations

import logging
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.config import Config

LOG = logging.getLogger("export_table")

MODES = ("scan", "export")
OUTPUT_FORMATS = ("parquet", "csv", "json", "orc", "avro")
MIN_READ_PERCENTAGE = 0.1
MAX_READ_PERCENTAGE = 1.5

SNAPSHOT_PARTITION_KEY = "snapshot_timestamp"
SNAPSHOT_RUN_PROPERTY = "snapshot_timestamp"
SNAPSHOT_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"

# Glue's resolveChoice action applied to every choice-typed column (see the module docstring).
TYPE_CONFLICT_RULE = "cast:string"

COMMON_ARGUMENTS = ("table_name", "mode", "output_path", "output_format")
MODE_ARGUMENTS = {
    "scan": ("read_percentage", "splits"),
    "export": ("table_arn", "export_staging_path"),
}
GLUE_RUN_ARGUMENTS = ("JOB_NAME", "JOB_RUN_ID", "WORKFLOW_NAME", "WORKFLOW_RUN_ID")

# DynamoDB's own naming rules for tables.
DYNAMODB_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
DYNAMODB_TABLE_ARN = re.compile(
    r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/(?P<name>[A-Za-z0-9_.-]{3,255})"
)
S3_URI = re.compile(r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<key>.*))?")


class ArgumentError(ValueError):
    """A job argument is missing or invalid. main() turns it into a one-line exit message."""


# --------------------------------------------------------------------------------------------
# Pure functions: arguments, names, options. No AWS, no Spark.
# --------------------------------------------------------------------------------------------


def parse_job_arguments(argv: Sequence[str], names: Iterable[str]) -> dict[str, str]:
    """Pick the values of `names` out of a Glue job's argv (`--name value` or `--name=value`).

    Behaves like awsglue.utils.getResolvedOptions, which cannot be used here: it makes every name
    it is asked for required, while which of ours are required depends on --mode (and it is not
    installed outside Glue). Arguments Glue adds for itself (--JOB_ID, --TempDir,
    --enable-glue-datacatalog, ...) are skipped. A name given twice keeps its last value, as with
    argparse.
    """
    wanted = set(names)
    found: dict[str, str] = {}
    index = 0
    while index < len(argv):
        token = argv[index]
        index += 1
        if not token.startswith("--"):
            continue
        name, has_inline_value, inline_value = token[2:].partition("=")
        if has_inline_value:
            value = inline_value
        elif index < len(argv) and not argv[index].startswith("--"):
            value = argv[index]
            index += 1
        elif name in wanted:
            raise ArgumentError(f"argument --{name} needs a value")
        else:
            continue
        if name in wanted:
            found[name] = value
    return found


def missing_arguments(values: dict[str, str], names: Iterable[str]) -> list[str]:
    """The names (as `--name`) that are absent or empty, in the order given."""
    return [f"--{name}" for name in names if not values.get(name, "").strip()]


def normalise_name(name: str) -> str:
    """Lowercase, every character outside [a-z0-9_] becomes `_` (as lib/naming.ts does)."""
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def split_s3_uri(uri: str, argument: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> ("bucket", "some/prefix"); the prefix must not be empty."""
    match = S3_URI.fullmatch(uri.strip())
    key = (match.group("key") or "").strip("/") if match else ""
    if not match or not key:
        raise ArgumentError(
            f"--{argument} must be an S3 folder like s3://<bucket>/<prefix>, got {uri!r}"
        )
    return match.group("bucket"), key


def parse_read_percentage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not MIN_READ_PERCENTAGE <= value <= MAX_READ_PERCENTAGE:  # also rejects nan
        raise ArgumentError(
            f"--read_percentage must be a number from {MIN_READ_PERCENTAGE} to "
            f"{MAX_READ_PERCENTAGE} (share of the table's read capacity), got {text!r}"
        )
    return value


def parse_splits(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text.strip()) or int(text) < 1:
        raise ArgumentError(f"--splits must be a whole number >= 1, got {text!r}")
    return int(text)


@dataclass(frozen=True)
class ExportConfig:
    table_name: str
    mode: str
    output_path: str  # s3://bucket/<format>/<table>, no trailing slash
    output_format: str
    read_percentage: float | None = None  # scan mode
    splits: int | None = None  # scan mode
    table_arn: str | None = None  # export mode
    staging_bucket: str | None = None  # export mode
    staging_prefix: str | None = None  # export mode
    job_name: str | None = None
    job_run_id: str | None = None
    workflow_name: str | None = None
    workflow_run_id: str | None = None


def read_export_config(argv: Sequence[str]) -> ExportConfig:
    """Parse and validate the job's arguments; raises ArgumentError naming what is wrong."""
    all_names = (
        COMMON_ARGUMENTS + MODE_ARGUMENTS["scan"] + MODE_ARGUMENTS["export"] + GLUE_RUN_ARGUMENTS
    )
    values = parse_job_arguments(argv, all_names)

    mode = values.get("mode", "").strip()
    if mode and mode not in MODES:
        raise ArgumentError(f"--mode must be one of {', '.join(MODES)}, got {mode!r}")
    missing = missing_arguments(values, COMMON_ARGUMENTS + MODE_ARGUMENTS.get(mode, ()))
    if missing:
        hint = ""
        if not mode:
            hint = (
                " (scan mode also needs --read_percentage and --splits; "
                "export mode needs --table_arn and --export_staging_path)"
            )
        raise ArgumentError(f"missing required argument(s): {', '.join(missing)}{hint}")

    table_name = values["table_name"].strip()
    if not DYNAMODB_TABLE_NAME.fullmatch(table_name):
        raise ArgumentError(
            "--table_name must be a DynamoDB table name (3-255 characters from A-Z a-z 0-9 _ . -),"
            f" got {table_name!r}"
        )

    output_format = values["output_format"].strip()
    if output_format not in OUTPUT_FORMATS:
        raise ArgumentError(
            f"--output_format must be one of {', '.join(OUTPUT_FORMATS)}, got {output_format!r}"
        )

    bucket, key = split_s3_uri(values["output_path"], "output_path")
    # The crawler names its table after the last folder, and the refresh job looks for
    # snapshots_<normalised table>: any other folder name would silently break the view.
    expected_folder = normalise_name(table_name)
    if key.rsplit("/", 1)[-1] != expected_folder:
        raise ArgumentError(
            f"--output_path must end with the normalised table name {expected_folder!r} "
            f"(s3://<bucket>/<format>/{expected_folder}), got {values['output_path']!r}"
        )

    workflow_name = values.get("WORKFLOW_NAME") or None
    workflow_run_id = values.get("WORKFLOW_RUN_ID") or None
    if bool(workflow_name) != bool(workflow_run_id):
        raise ArgumentError("--WORKFLOW_NAME and --WORKFLOW_RUN_ID must be given together")

    common = {
        "table_name": table_name,
        "mode": mode,
        "output_path": f"s3://{bucket}/{key}",
        "output_format": output_format,
        "job_name": values.get("JOB_NAME") or None,
        "job_run_id": values.get("JOB_RUN_ID") or None,
        "workflow_name": workflow_name,
        "workflow_run_id": workflow_run_id,
    }
    if mode == "scan":
        return ExportConfig(
            **common,
            read_percentage=parse_read_percentage(values["read_percentage"]),
            splits=parse_splits(values["splits"]),
        )

    table_arn = values["table_arn"].strip()
    arn_match = DYNAMODB_TABLE_ARN.fullmatch(table_arn)
    if not arn_match:
        raise ArgumentError(
            "--table_arn must be a DynamoDB table ARN "
            f"(arn:aws:dynamodb:<region>:<account>:table/<name>), got {table_arn!r}"
        )
    if arn_match.group("name") != table_name:
        raise ArgumentError(
            f"--table_arn names table {arn_match.group('name')!r} but --table_name is "
            f"{table_name!r}"
        )
    staging_bucket, staging_prefix = split_s3_uri(
        values["export_staging_path"], "export_staging_path"
    )
    return ExportConfig(
        **common,
        table_arn=table_arn,
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


def connector_options(config: ExportConfig) -> dict[str, Any]:
    """Options for `create_dynamic_frame.from_options(connection_type="dynamodb", ...)`."""
    if config.mode == "scan":
        return {
            "dynamodb.input.tableName": config.table_name,
            "dynamodb.throughput.read.percent": str(config.read_percentage),
            "dynamodb.splits": str(config.splits),
        }
    # Native export: DynamoDB writes the table (from point-in-time recovery) to the staging
    # prefix and Glue reads those files; no read capacity is used. simplifyDDBJson turns
    # {"S": "x"}-style values into plain columns; it must not be combined with unnestDDBJson.
    return {
        "dynamodb.export": "ddb",
        "dynamodb.tableArn": config.table_arn,
        "dynamodb.s3.bucket": config.staging_bucket,
        "dynamodb.s3.prefix": config.staging_prefix,
        "dynamodb.simplifyDDBJson": True,
    }


def write_format_options(output_format: str) -> dict[str, Any]:
    """`format_options` for `write_dynamic_frame.from_options` per output format."""
    if output_format == "parquet":
        # Glue's own Parquet writer needs no precomputed schema (no extra pass over the table)
        # and writes nothing for an empty frame instead of failing on an empty schema.
        return {"useGlueParquetWriter": True, "compression": "snappy"}
    if output_format == "csv":
        # A header row lets the crawler name the columns.
        return {"writeHeader": True, "separator": ",", "quoteChar": '"'}
    return {}  # json (one object per line), orc and avro: Glue's defaults


def write_connection_options(path: str, output_format: str) -> dict[str, Any]:
    """`connection_options` for the S3 sink: the folder, plus gzip for the text formats
    (Athena and the crawler read .gz transparently; parquet, orc and avro compress inside)."""
    options: dict[str, Any] = {"path": path}
    if output_format in ("csv", "json"):
        options["compression"] = "gzip"
    return options


# --------------------------------------------------------------------------------------------
# Thin Spark/Glue layer: the only code that needs the Glue runtime. Tests hand main() a
# recording fake GlueContext instead of create_glue_context().
# --------------------------------------------------------------------------------------------


def create_glue_context() -> Any:  # pragma: no cover - needs the Glue runtime
    from awsglue.context import GlueContext
    from pyspark.context import SparkContext

    return GlueContext(SparkContext.getOrCreate())


def read_table(glue_context: Any, options: dict[str, Any]) -> Any:
    return glue_context.create_dynamic_frame.from_options(
        connection_type="dynamodb", connection_options=options
    )


def resolve_type_conflicts(frame: Any) -> Any:
    # One rule for every choice-typed column, including nested ones; a no-op without conflicts.
    return frame.resolveChoice(choice=TYPE_CONFLICT_RULE)


def purge_folder(glue_context: Any, path: str) -> None:
    # retentionPeriod is in hours; 0 deletes every object, however recent.
    glue_context.purge_s3_path(path, {"retentionPeriod": 0})


def write_frame(glue_context: Any, frame: Any, path: str, output_format: str) -> None:
    glue_context.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options=write_connection_options(path, output_format),
        format=output_format,
        format_options=write_format_options(output_format),
    )


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


def summarise_folder(s3: Any, path: str) -> tuple[int, int]:
    """(object count, total bytes) under an s3:// folder; paged, so any size is counted."""
    bucket, key = split_s3_uri(path, "output_path")
    objects = size = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{key}/"):
        for item in page.get("Contents", []):
            objects += 1
            size += item["Size"]
    return objects, size


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _configure_logging() -> None:
    logging.basicConfig(stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    LOG.setLevel(logging.INFO)


def main(
    argv: Sequence[str] | None = None,
    *,
    glue_context_factory: Callable[[], Any] = create_glue_context,
    glue: Any = None,
    s3: Any = None,
    now: Callable[[], datetime] = _utc_now,
) -> str:
    """Run the export; returns the snapshot folder written. Bad arguments exit with a message."""
    try:
        config = read_export_config(sys.argv[1:] if argv is None else argv)
    except ArgumentError as error:
        raise SystemExit(f"export_table: {error}") from None
    _configure_logging()

    client_config = Config(retries={"mode": "standard", "max_attempts": 10})
    glue = glue or boto3.client("glue", config=client_config)
    s3 = s3 or boto3.client("s3", config=client_config)

    timestamp = resolve_snapshot_timestamp(glue, config, now)
    target = snapshot_path(config.output_path, timestamp)
    if config.mode == "scan":
        LOG.info(
            "Exporting DynamoDB table %s by parallel scan (%s splits, %s of read capacity) "
            "to %s as %s",
            config.table_name,
            config.splits,
            config.read_percentage,
            target,
            config.output_format,
        )
    else:
        LOG.info(
            "Exporting DynamoDB table %s by native export via s3://%s/%s to %s as %s",
            config.table_arn,
            config.staging_bucket,
            config.staging_prefix,
            target,
            config.output_format,
        )

    glue_context = glue_context_factory()
    frame = resolve_type_conflicts(read_table(glue_context, connector_options(config)))
    LOG.info("Purging %s so that a retry replaces, never adds to, an earlier attempt", target)
    purge_folder(glue_context, target)
    write_frame(glue_context, frame, target, config.output_format)

    # Counting rows would read the whole table a second time; counting objects is one listing.
    objects, size = summarise_folder(s3, target)
    if size == 0:
        LOG.info("Table %s is empty: the snapshot %s is empty", config.table_name, target)
    else:
        LOG.info("Wrote %d objects (%d bytes) to %s", objects, size, target)

    if config.workflow_name and config.workflow_run_id:
        glue.put_workflow_run_properties(
            Name=config.workflow_name,
            RunId=config.workflow_run_id,
            RunProperties={SNAPSHOT_RUN_PROPERTY: timestamp},
        )
        LOG.info(
            "Set run property %s=%s on workflow %s run %s",
            SNAPSHOT_RUN_PROPERTY,
            timestamp,
            config.workflow_name,
            config.workflow_run_id,
        )
    else:
        LOG.info("Not started by a workflow: no run property to set")
    return target


if __name__ == "__main__":
    main()
