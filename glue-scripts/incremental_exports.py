"""Plan and run one table's DynamoDB exports for the incremental mode (AWS Glue Python shell job,
Python 3.9, boto3 only). The table's workflow starts it on its schedule; the apply job
(apply_changes.py) merges what it exported once it succeeds.

1. Read the stored watermark (`state/<table>/watermark.json`; none before the first run) and
   what DescribeContinuousBackups says about point-in-time recovery (PITR).
2. Plan (export_windows.plan_exports):
   - bootstrap: a full export at a fixed time T0 (first run, or PITR lost the watermark);
   - windows: incremental exports that chain exactly from the watermark, each 15 minutes to
     24 hours, ending at least 15 minutes before now and not after LatestRestorableDateTime;
   - nothing: less than 15 minutes since the watermark; the run succeeds and merges nothing;
   - blocked: PITR is off; the run fails and says how to turn it on.
3. Start each export with a ClientToken derived from the table, the kind and the window, and wait
   for it. DynamoDB keeps a token for 8 hours (API reference, ExportTableToPointInTime), so a
   retried or repeated run follows the export already started instead of paying again. A token
   whose export FAILED is followed by the next attempt's token (up to three new failures per
   run), never reused.
   Before exporting, the planned windows are stored beside the watermark as `pending`: a run
   after a crash plans exactly those windows again, never a longer one over the same time.
4. Record the completed exports, in order, as the run property `incremental_exports` (JSON: kind,
   window, the `manifest-files.json` URI, item count). The watermark is not touched here: only
   the apply job moves it, after its merge has committed.

Incremental exports use the NEW_IMAGE view: the merge needs only the new image, and a deleted
key then arrives as its keys alone (DynamoDB guide, "DynamoDB incremental export output format").

Arguments (`--name value` or `--name=value`):
  --table_name           the DynamoDB table's name
  --table_arn            its ARN
  --export_staging_path  s3://<bucket>/export-staging/<table>: where DynamoDB writes the exports
  --state_path           s3://<bucket>/state/<table>: where the watermark is kept
  a table elsewhere:     --source_region, --source_role_arn, --bucket_owner (source_access.py)
  sensitive columns:     --column_rules, --hash_key (column_rules.py): when they differ from the
                         rules the table's rows were written with, the run plans a full export
  set by Glue:           --WORKFLOW_NAME, --WORKFLOW_RUN_ID
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from column_rules import ColumnRuleError
from column_rules import read_column_rules
from column_rules import rules_digest
from contract import CONTRACT
from export_windows import Pitr
from export_windows import Watermark
from export_windows import parse_watermark_document
from export_windows import plan_exports
from export_windows import watermark_document
from job_arguments import ArgumentError
from job_arguments import JobEnvironment
from job_arguments import read_object
from job_arguments import read_workflow_job_arguments
from job_arguments import run_job
from job_arguments import split_s3_uri
from job_arguments import start_job
from source_access import SOURCE_ARGUMENTS
from source_access import SourceTable
from source_access import read_source

LOG = logging.getLogger("incremental_exports")
ARGUMENTS = tuple(CONTRACT["incrementalArguments"]["exports"])
COLUMN_RULE_ARGUMENTS = tuple(CONTRACT["columnRuleArguments"])
RUN_PROPERTY = CONTRACT["runProperties"]
ICEBERG = CONTRACT["iceberg"]
POLL_FIRST = 15.0
POLL_MAX = 60.0
MAX_NEW_FAILURES = 3
MAX_ATTEMPTS = 10


class ExportFailed(RuntimeError):
    """An export DynamoDB could not complete; nothing was merged and the watermark stays."""


@dataclass(frozen=True)
class PlannerConfig:
    table_name: str
    table_arn: str
    staging_bucket: str
    staging_prefix: str
    state_bucket: str
    state_key: str
    workflow_name: str
    workflow_run_id: str
    source: SourceTable = field(default_factory=SourceTable)
    # The digest of the column rules and their key: when it changes, the table is rebuilt.
    column_rules: str | None = None


def read_planner_config(argv: Sequence[str]) -> PlannerConfig:
    values = read_workflow_job_arguments(
        argv, ARGUMENTS, optional=(*SOURCE_ARGUMENTS, *COLUMN_RULE_ARGUMENTS)
    )
    try:
        rules = read_column_rules(values.get("column_rules"))
    except ColumnRuleError as error:
        raise ArgumentError(str(error)) from None
    staging_bucket, staging_prefix = split_s3_uri(
        values["export_staging_path"], "export_staging_path"
    )
    state_bucket, state_prefix = split_s3_uri(values["state_path"], "state_path")
    return PlannerConfig(
        table_name=values["table_name"],
        table_arn=values["table_arn"],
        staging_bucket=staging_bucket,
        staging_prefix=staging_prefix,
        state_bucket=state_bucket,
        state_key=f"{state_prefix}/{ICEBERG['watermarkFile']}",
        workflow_name=values["WORKFLOW_NAME"],
        workflow_run_id=values["WORKFLOW_RUN_ID"],
        source=read_source(values),
        column_rules=rules_digest(rules, values.get("hash_key")),
    )


def read_watermark(s3: Any, bucket: str, key: str) -> Watermark | None:
    try:
        body = read_object(s3, bucket, key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return parse_watermark_document(body.decode("utf-8"))


def describe_pitr(dynamodb: Any, table_name: str) -> Pitr:
    description = dynamodb.describe_continuous_backups(TableName=table_name)[
        "ContinuousBackupsDescription"
    ]
    pitr = description.get("PointInTimeRecoveryDescription", {})
    return Pitr(
        enabled=pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
        earliest=pitr.get("EarliestRestorableDateTime"),
        latest=pitr.get("LatestRestorableDateTime"),
    )


def client_token(table_arn: str, kind: str, start: datetime | None, end: datetime, attempt: int):
    """The same for the same export in every run; attempt n+1 only after attempt n FAILED."""
    window = f"{start.isoformat() if start else ''}|{end.isoformat()}"
    return hashlib.sha256(f"{table_arn}|{kind}|{window}|{attempt}".encode()).hexdigest()[:64]


def manifest_files_uri(bucket: str, prefix: str, export_manifest: str) -> str:
    """`manifest-files.json` beside the summary manifest DescribeExport names (DynamoDB guide,
    "DynamoDB table export output format"): the list of data files, never a folder glob."""
    folder = export_manifest.rsplit("/", 1)[0]
    if not folder.startswith(f"{prefix}/"):
        folder = f"{prefix}/{folder}"
    return f"s3://{bucket}/{folder}/manifest-files.json"


def export_request(
    config: PlannerConfig, kind: str, start: datetime | None, end: datetime, attempt: int
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableArn": config.table_arn,
        "ClientToken": client_token(config.table_arn, kind, start, end, attempt),
        "S3Bucket": config.staging_bucket,
        "S3Prefix": f"{config.staging_prefix}/{kind}",
        "ExportFormat": "DYNAMODB_JSON",
        **config.source.export_destination(),
    }
    if kind == "full":
        request.update(ExportType="FULL_EXPORT", ExportTime=end)
    else:
        request.update(
            ExportType="INCREMENTAL_EXPORT",
            IncrementalExportSpecification={
                "ExportFromTime": start,
                "ExportToTime": end,
                "ExportViewType": "NEW_IMAGE",
            },
        )
    return request


def run_export(
    dynamodb: Any,
    config: PlannerConfig,
    kind: str,
    start: datetime | None,
    end: datetime,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    """Start (or follow) the export and wait for it; its completed ExportDescription."""
    new_failures, last = 0, ""
    for attempt in range(MAX_ATTEMPTS):
        request = export_request(config, kind, start, end, attempt)
        export = dynamodb.export_table_to_point_in_time(**request)["ExportDescription"]
        if export["ExportStatus"] == "FAILED":
            last = f"{export.get('FailureCode', '')} {export.get('FailureMessage', '')}".strip()
            continue  # an earlier run's failed attempt: its token is spent
        LOG.info(
            "Export %s (%s %s..%s) is %s",
            export["ExportArn"],
            kind,
            start,
            end,
            export["ExportStatus"],
        )
        delay = POLL_FIRST
        while export["ExportStatus"] == "IN_PROGRESS":
            sleep(delay)
            delay = min(delay * 2, POLL_MAX)
            export = dynamodb.describe_export(ExportArn=export["ExportArn"])["ExportDescription"]
        if export["ExportStatus"] == "COMPLETED":
            return export
        last = f"{export.get('FailureCode', '')} {export.get('FailureMessage', '')}".strip()
        LOG.warning("Export %s FAILED: %s", export["ExportArn"], last)
        new_failures += 1
        if new_failures >= MAX_NEW_FAILURES:
            break
    window = f"{start.isoformat()}..{end.isoformat()}" if start else f"at {end.isoformat()}"
    raise ExportFailed(
        f"the {kind} export of {config.table_name} {window} failed ({last or 'no reason'}). "
        "Nothing was merged and the watermark did not move: the next run exports the same "
        "window again (docs/operations.md, 'An incremental export fails')."
    )


def export_entry(
    config: PlannerConfig, kind: str, start: datetime | None, end: datetime, export: dict
) -> dict[str, Any]:
    return {
        "kind": kind,
        "from": start.isoformat() if start else None,
        "to": end.isoformat(),
        "exportArn": export["ExportArn"],
        "manifest": manifest_files_uri(
            config.staging_bucket, f"{config.staging_prefix}/{kind}", export["ExportManifest"]
        ),
        "items": int(export.get("ItemCount", 0)),
        "billedBytes": int(export.get("BilledSizeBytes", 0)),
    }


def main(
    argv: Sequence[str] | None = None, env: JobEnvironment | None = None
) -> list[dict[str, Any]]:
    """Plan, export, record. Exits with a message on bad arguments."""
    config = start_job("incremental_exports", read_planner_config, argv, LOG)
    env = env or JobEnvironment()
    # DynamoDB in the table's own account and region (its source role's, for another account).
    dynamodb = env.source_client("dynamodb", config.source)
    s3, now, sleep = env.client("s3"), env.now, env.sleep

    stored = read_watermark(s3, config.state_bucket, config.state_key)
    pitr = describe_pitr(dynamodb, config.table_name)
    plan = plan_exports(
        stored.watermark if stored else None, now(), pitr, pending=stored.pending if stored else ()
    )
    if stored and stored.column_rules != config.column_rules and plan.action != "blocked":
        # Rows written under other rules may hold a value the new rules exclude or hash: rebuild
        # every row from a full export instead of merging changes into them.
        rebuild = plan_exports(None, now(), pitr)
        plan = replace(
            rebuild,
            reason="the table's exclude/hash columns (or their key) changed: every row is "
            f"rebuilt from a full export; {rebuild.reason}",
        )
    LOG.info("Watermark %s; plan: %s (%s)", stored and stored.watermark, plan.action, plan.reason)
    if plan.action == "blocked":
        raise ExportFailed(
            f"{config.table_name}: {plan.reason}. aws dynamodb update-continuous-backups "
            f"--table-name {config.table_name} --point-in-time-recovery-specification "
            "PointInTimeRecoveryEnabled=true"
        )
    entries: list[dict[str, Any]] = []
    if plan.action == "bootstrap":
        assert plan.bootstrap_at is not None
        export = run_export(dynamodb, config, "full", None, plan.bootstrap_at, sleep)
        entries.append(export_entry(config, "full", None, plan.bootstrap_at, export))
    if plan.windows and stored is not None:
        # Before any export: a later run must plan these exact windows again (plan_exports).
        s3.put_object(
            Bucket=config.state_bucket,
            Key=config.state_key,
            Body=watermark_document(
                stored.watermark,
                stored.bootstrapped_at,
                config.workflow_run_id,
                plan.windows,
                stored.column_rules,
            ).encode("utf-8"),
        )
    for start, end in plan.windows:
        export = run_export(dynamodb, config, "incremental", start, end, sleep)
        entries.append(export_entry(config, "incremental", start, end, export))
    env.client("glue").put_workflow_run_properties(
        Name=config.workflow_name,
        RunId=config.workflow_run_id,
        RunProperties={
            RUN_PROPERTY["incrementalExports"]: json.dumps(entries, separators=(",", ":"))
        },
    )
    LOG.info("Recorded %d export(s) for the apply job: %s", len(entries), entries)
    return entries


if __name__ == "__main__":
    run_job("incremental_exports", main)
