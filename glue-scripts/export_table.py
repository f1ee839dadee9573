"""Export one DynamoDB table to an S3 snapshot folder (AWS Glue 5.0 Spark job, Python 3.11).

The table's Glue workflow starts this job on its schedule. It reads the whole table with the
DynamoDB connector, writes it to

    <output_path>/snapshot_timestamp=<ts>/

and publishes <ts> as the workflow run property `snapshot_timestamp`, which the refresh job reads
once the crawler has catalogued the folder.

Rules this job keeps (the contract with the program is in DEVELOPMENT.md):

- Snapshot name: <ts> is the UTC start of the *workflow run*, `YYYYMMDDTHHMMSSZ`. Every attempt
  of one workflow run therefore writes the same folder. Started outside a workflow, the job uses its
  own run's start time (or the current time when it has no run id, e.g. run locally).
- Idempotent: the target folder is purged before writing, so a retry replaces a failed attempt's
  partial output instead of adding to it.
- Read once: on Glue 5.x a scan goes through Glue's DataFrame-based DynamoDB connector
  (`--reader dataframe`; the job has the stack's DYNAMODB connection attached), which reads the
  table once. The older DynamicFrame connector (Glue 4.0, and export mode, whose files it reads
  from S3) computes a schema in a pass of its own before the write reads again.
- Items written are counted while writing (a Spark observation), never by a second read, and
  published as the run property `snapshot_item_count`.
- Type conflicts: DynamoDB items need not agree on an attribute's type (a number in one item, a
  string in another); the DynamicFrame connector reads such an attribute as a choice type, which
  no output format can store. Rule: every choice-typed column is cast to string, so numbers and
  booleans keep their exact text, and nothing is dropped. The column is then a string column in
  Athena.
- Empty table: the snapshot folder is left empty and the job succeeds. (The crawler then adds no
  partition; the refresh job accepts that only with `snapshot_item_count` 0.)
- The Glue job is initialised and committed (`Job.init`/`commit`): a security configuration
  takes effect only for an initialised job.

Arguments (`--name value` or `--name=value`):
  --table_name     DynamoDB table name, as in AWS
  --mode           scan | export
  --output_path    s3://<bucket>/<format>/<normalised table>
  --output_format  parquet | csv | json | orc | avro
  scan mode:       --read_percentage (0.1..1.5), --splits (>= 1),
                   --reader (dataframe | dynamicframe)
  export mode:     --table_arn, --export_staging_path (s3://<bucket>/<prefix>)
  set by Glue:     --JOB_NAME, --JOB_RUN_ID, and from a workflow --WORKFLOW_NAME, --WORKFLOW_RUN_ID
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.config import Config

from contract import CONTRACT
from job_arguments import (
    ArgumentError,
    configure_logging,
    read_job_arguments,
    require,
    split_s3_uri,
)

LOG = logging.getLogger("export_table")

MODES = tuple(CONTRACT["modes"])

SNAPSHOT_PARTITION_KEY = CONTRACT["snapshotPartitionKey"]
SNAPSHOT_RUN_PROPERTY = CONTRACT["runProperties"]["snapshotTimestamp"]
ITEM_COUNT_RUN_PROPERTY = CONTRACT["runProperties"]["itemCount"]
READERS = tuple(CONTRACT["readers"])
SNAPSHOT_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"

# Glue's resolveChoice action applied to every choice-typed column (see the module docstring).
TYPE_CONFLICT_RULE = "cast:string"

COMMON_ARGUMENTS = tuple(CONTRACT["exportArguments"]["common"])
MODE_ARGUMENTS = {mode: tuple(CONTRACT["exportArguments"][mode]) for mode in MODES}
GLUE_RUN_ARGUMENTS = tuple(CONTRACT["glueRunArguments"])


# --------------------------------------------------------------------------------------------
# Pure functions: arguments, names, options. No AWS, no Spark.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportConfig:
    table_name: str
    mode: str
    output_path: str  # s3://bucket/<format>/<table>, no trailing slash
    output_format: str
    read_percentage: float | None = None  # scan mode
    splits: int | None = None  # scan mode
    reader: str = "dynamicframe"  # scan mode: which Glue DynamoDB connector reads the table
    table_arn: str | None = None  # export mode
    staging_bucket: str | None = None  # export mode
    staging_prefix: str | None = None  # export mode
    job_name: str | None = None
    job_run_id: str | None = None
    workflow_name: str | None = None
    workflow_run_id: str | None = None


def read_export_config(argv: Sequence[str]) -> ExportConfig:
    """The job's arguments. The program guarantees their values (lib/job-arguments.ts); only
    what steers this script's own branches is checked here, with a message naming what is wrong."""
    names = (
        COMMON_ARGUMENTS + MODE_ARGUMENTS["scan"] + MODE_ARGUMENTS["export"] + GLUE_RUN_ARGUMENTS
    )
    values = read_job_arguments(argv, names)
    mode = values.get("mode", "")
    if mode and mode not in MODES:
        raise ArgumentError(f"--mode must be one of {', '.join(MODES)}, got {mode!r}")
    hint = (
        ""
        if mode
        else (
            " (scan mode also needs --read_percentage, --splits and --reader; "
            "export mode needs --table_arn and --export_staging_path)"
        )
    )
    require(values, COMMON_ARGUMENTS + MODE_ARGUMENTS.get(mode, ()), hint)
    split_s3_uri(values["output_path"], "output_path")
    common = {
        "table_name": values["table_name"],
        "mode": mode,
        "output_path": values["output_path"].rstrip("/"),
        "output_format": values["output_format"],
        "job_name": values.get("JOB_NAME"),
        "job_run_id": values.get("JOB_RUN_ID"),
        "workflow_name": values.get("WORKFLOW_NAME"),
        "workflow_run_id": values.get("WORKFLOW_RUN_ID"),
    }
    if mode == "scan":
        if values["reader"] not in READERS:
            raise ArgumentError(
                f"--reader must be one of {', '.join(READERS)}, got {values['reader']!r}"
            )
        return ExportConfig(
            **common,
            read_percentage=float(values["read_percentage"]),
            splits=int(values["splits"]),
            reader=values["reader"],
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


def dataframe_reader_options(config: ExportConfig) -> dict[str, str]:
    """Options for Glue 5's `spark.read.format("dynamodb")`. Its option names follow the
    DynamicFrame connector's (Glue guide, "DynamoDB connector with Spark DataFrame support");
    the read share is `dynamodb.throughput.read.ratio` there (inferred from AWS's own
    awslabs/amazon-dynamodb-tools bulk executor, which names it as the connector's default)."""
    return {
        "dynamodb.input.tableName": config.table_name,
        "dynamodb.throughput.read.ratio": str(config.read_percentage),
        "dynamodb.splits": str(config.splits),
        "dynamodb.consistentRead": "false",
    }


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


def writer_options(output_format: str) -> dict[str, str]:
    """Options for Spark's DataFrameWriter per output format: snappy Parquet, gzip for the text
    formats (Athena and the crawler read .gz transparently), a header row for CSV (so the crawler
    can name the columns); ORC and Avro compress inside with Spark's defaults."""
    if output_format == "parquet":
        return {"compression": "snappy"}
    if output_format == "csv":
        return {"header": "true", "compression": "gzip", "sep": ",", "quote": '"'}
    if output_format == "json":
        return {"compression": "gzip"}
    return {}


# --------------------------------------------------------------------------------------------
# Thin Spark/Glue layer: the only code that needs the Glue runtime. Tests hand main() a
# recording fake runtime instead of GlueRuntime.
# --------------------------------------------------------------------------------------------


class GlueRuntime:  # pragma: no cover - needs the Glue runtime
    """The Glue job, its GlueContext and Spark session: everything that needs Glue's jars.
    Tests hand main() a fake with the same four members."""

    def __init__(self, job_name: str):
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from pyspark.context import SparkContext

        self.glue_context = GlueContext(SparkContext.getOrCreate())
        self.spark = self.glue_context.spark_session
        self.job = Job(self.glue_context)
        # A security configuration takes effect only for a job that calls init (Glue guide,
        # "Encrypting data written by AWS Glue").
        self.job.init(job_name, {"JOB_NAME": job_name})

    def count_while_writing(self, frame: Any) -> tuple[Any, Callable[[], int]]:
        return with_item_count(frame)


def with_item_count(frame: Any) -> tuple[Any, Callable[[], int]]:
    """The frame, observed: the number of rows the next action (the write) passes through is
    known once that action has run, without a second pass over the source (Spark's
    Dataset.observe)."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    observation = Observation("snapshot")
    observed = frame.observe(observation, F.count(F.lit(1)).alias("items"))
    return observed, lambda: int(observation.get["items"])


def read_source(runtime: Any, config: ExportConfig) -> Any:
    """The table as a DataFrame. The DataFrame connector reads it once; the DynamicFrame one
    infers a schema (a read) and resolves choice types before the write reads it again."""
    if config.mode == "scan" and config.reader == "dataframe":
        return (
            runtime.spark.read.format("dynamodb").options(**dataframe_reader_options(config)).load()
        )
    frame = runtime.glue_context.create_dynamic_frame.from_options(
        connection_type="dynamodb", connection_options=connector_options(config)
    )
    # One rule for every choice-typed column, including nested ones; a no-op without conflicts.
    return frame.resolveChoice(choice=TYPE_CONFLICT_RULE).toDF()


def purge_folder(glue_context: Any, path: str) -> None:
    # retentionPeriod is in hours; 0 deletes every object, however recent.
    glue_context.purge_s3_path(path, {"retentionPeriod": 0})


def write_frame(frame: Any, path: str, output_format: str) -> None:
    frame.write.mode("append").format(output_format).options(**writer_options(output_format)).save(
        path
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


def main(
    argv: Sequence[str] | None = None,
    *,
    runtime_factory: Callable[[str], Any] = GlueRuntime,
    glue: Any = None,
    s3: Any = None,
    now: Callable[[], datetime] = _utc_now,
) -> str:
    """Run the export; returns the snapshot folder written. Bad arguments exit with a message."""
    try:
        config = read_export_config(sys.argv[1:] if argv is None else argv)
    except ArgumentError as error:
        raise SystemExit(f"export_table: {error}") from None
    configure_logging(LOG)

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

    runtime = runtime_factory(config.job_name or "export_table")
    frame = read_source(runtime, config)
    LOG.info("Purging %s so that a retry replaces, never adds to, an earlier attempt", target)
    purge_folder(runtime.glue_context, target)
    if frame.columns:
        observed, items_written = runtime.count_while_writing(frame)
        write_frame(observed, target, config.output_format)
        items = items_written()
    else:
        # No item had any attribute: there is nothing to write (Parquet cannot hold no columns).
        items = 0
    objects, size = summarise_folder(s3, target)
    if items == 0:
        LOG.info("Table %s is empty: the snapshot %s is empty", config.table_name, target)
    else:
        LOG.info("Wrote %d items in %d objects (%d bytes) to %s", items, objects, size, target)

    if config.workflow_name and config.workflow_run_id:
        glue.put_workflow_run_properties(
            Name=config.workflow_name,
            RunId=config.workflow_run_id,
            RunProperties={SNAPSHOT_RUN_PROPERTY: timestamp, ITEM_COUNT_RUN_PROPERTY: str(items)},
        )
        LOG.info(
            "Set run properties %s=%s, %s=%d on workflow %s run %s",
            SNAPSHOT_RUN_PROPERTY,
            timestamp,
            ITEM_COUNT_RUN_PROPERTY,
            items,
            config.workflow_name,
            config.workflow_run_id,
        )
    else:
        LOG.info("Not started by a workflow: no run property to set")
    runtime.job.commit()
    return target


if __name__ == "__main__":
    main()
