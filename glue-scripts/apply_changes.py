"""Merge one table's DynamoDB exports into its Apache Iceberg table (AWS Glue 5.0 Spark job with
`--datalake-formats iceberg`, Python 3.11). The incremental mode's second step: the planner job
(incremental_exports.py) has exported and listed the exports in the run property
`incremental_exports`; the refresh job reads the table back afterwards.

- A full export (bootstrap at T0) replaces the table's rows in one commit; every row's write
  timestamp is T0. The watermark becomes T0.
- Incremental exports (windows that chain from the watermark) are read from exactly the data files
  their `manifest-files.json` lists, never a folder glob. Each record is a key's final state in
  its window; across several windows the latest `WriteTimestampMicros` wins. The new images are
  shaped by the same type policy as scan and export mode (item_types.py), new columns are added
  first (Spark 3.5's MERGE does not evolve a schema), then one MERGE applies them: a record
  without `NewImage` deletes its key, and every branch is guarded by the write timestamp, so
  re-applying a window already merged changes nothing (incremental_merge.py).
- Only after the commit is the watermark written (export_windows.advance checks that the windows
  chain from it). A run that dies between the two leaves the watermark behind; the next run
  exports from it again and the guarded MERGE re-applies that window without effect.
- Run properties for the refresh job: `snapshot_timestamp` (the watermark: the table's state is
  as of that time), `snapshot_item_count`, `incremental_watermark`.

Only Job.init/commit need Glue's own libraries (spark_runtime.GlueRuntime). The Iceberg catalog is
Glue's, configured by the job's `--conf` (lib/job-arguments.ts), named `glue_catalog`.

Arguments (`--name value` or `--name=value`):
  --table_name     the DynamoDB table's name (for messages)
  --database       the Glue database
  --iceberg_table  the Iceberg table's name in that database (iceberg_<table>)
  --state_path     s3://<bucket>/state/<table>: where the watermark is kept
  --column_types   JSON object: attribute -> column type (the table's `columns` setting)
  --column_rules, --hash_key  sensitive columns (column_rules.py): excluded or hashed in every
                   record before anything is typed or merged; the merged exports are then deleted
  set by Glue:     --JOB_NAME, --WORKFLOW_NAME, --WORKFLOW_RUN_ID
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from column_rules import ColumnRuleError
from column_rules import ColumnRules
from column_rules import column_rules
from column_rules import read_column_rules
from contract import CONTRACT
from export_table import format_snapshot_timestamp
from export_table import read_column_types
from export_windows import Watermark
from export_windows import advance
from export_windows import parse_watermark_document
from export_windows import watermark_document
from incremental_merge import IS_DELETE
from incremental_merge import TABLE_PROPERTIES
from incremental_merge import WRITE_TS
from incremental_merge import add_column_statements
from incremental_merge import key_columns_of
from incremental_merge import merge_statement
from incremental_merge import table_properties_statement
from incremental_merge import without_bookkeeping
from item_shaping import ITEM
from item_shaping import MISFITS
from item_shaping import STAGED_ITEM_SCHEMA
from item_shaping import apply_column_rules
from item_shaping import read_staged_items
from item_shaping import shape_items
from item_shaping import take_inventory
from item_types import DDB_TYPES
from item_types import SIDECAR_SEPARATOR
from item_types import ColumnPlan
from item_types import plan_columns
from job_arguments import ArgumentError
from job_arguments import read_workflow_job_arguments
from job_arguments import run_job
from job_arguments import split_s3_uri
from job_arguments import start_job
from spark_runtime import SparkJobEnvironment

LOG = logging.getLogger("apply_changes")
ARGUMENTS = tuple(CONTRACT["incrementalArguments"]["apply"])
COLUMN_RULE_ARGUMENTS = tuple(CONTRACT["columnRuleArguments"])
RUN_PROPERTY = CONTRACT["runProperties"]
ICEBERG = CONTRACT["iceberg"]
CHANGES_VIEW = "ddbsnap_changes"


@dataclass(frozen=True)
class ApplyConfig:
    table_name: str
    table: str  # glue_catalog.<database>.<iceberg table>
    state_uri: str
    column_types: dict[str, str]
    job_name: str | None
    workflow_name: str
    workflow_run_id: str
    # Attributes to exclude or hash before anything is merged, and the key (column_rules.py).
    column_rules: dict[str, str] = field(default_factory=dict)
    hash_key: str | None = None


def read_apply_config(argv: Sequence[str]) -> ApplyConfig:
    values = read_workflow_job_arguments(
        argv, ARGUMENTS, optional=("JOB_NAME", *COLUMN_RULE_ARGUMENTS)
    )
    bucket, prefix = split_s3_uri(values["state_path"], "state_path")
    try:
        rules = read_column_rules(values.get("column_rules"))
    except ColumnRuleError as error:
        raise ArgumentError(str(error)) from None
    return ApplyConfig(
        table_name=values["table_name"],
        table=f"{ICEBERG['catalog']}.{values['database']}.{values['iceberg_table']}",
        state_uri=f"s3://{bucket}/{prefix}/{ICEBERG['watermarkFile']}",
        column_types=read_column_types(values["column_types"]),
        job_name=values.get("JOB_NAME"),
        workflow_name=values["WORKFLOW_NAME"],
        workflow_run_id=values["WORKFLOW_RUN_ID"],
        column_rules=rules,
        hash_key=values.get("hash_key"),
    )


@dataclass(frozen=True)
class ExportEntry:
    kind: str  # "full" | "incremental"
    start: datetime | None
    end: datetime
    manifest: str

    @property
    def window(self) -> tuple[datetime, datetime]:
        assert self.start is not None
        return self.start, self.end


def read_export_entries(glue: Any, config: ApplyConfig) -> list[ExportEntry]:
    properties = glue.get_workflow_run_properties(
        Name=config.workflow_name, RunId=config.workflow_run_id
    ).get("RunProperties", {})
    if RUN_PROPERTY["incrementalExports"] not in properties:
        raise RuntimeError(
            f"workflow {config.workflow_name} run {config.workflow_run_id} has no run property "
            f"{RUN_PROPERTY['incrementalExports']!r}: the planner job sets it when it succeeds"
        )
    entries = [
        ExportEntry(
            kind=e["kind"],
            start=datetime.fromisoformat(e["from"]) if e.get("from") else None,
            end=datetime.fromisoformat(e["to"]),
            manifest=e["manifest"],
        )
        for e in json.loads(properties[RUN_PROPERTY["incrementalExports"]])
    ]
    if any(e.kind == "full" for e in entries[1:]) or any(
        e.kind not in ("full", "incremental") for e in entries
    ):
        raise RuntimeError(
            f"run property {RUN_PROPERTY['incrementalExports']!r} is malformed: {entries}"
        )
    return entries


def data_files(storage: Any, manifest_uri: str) -> list[str]:
    """The data files `manifest-files.json` lists (JSON lines with `dataFileS3Key`), skipping the
    empty ones DynamoDB writes for empty partitions."""
    bucket, _ = split_s3_uri(manifest_uri, "manifest")
    files = []
    for line in storage.read_text(manifest_uri).splitlines():
        if line.strip():
            entry = json.loads(line)
            if int(entry.get("itemCount", 1)) > 0:
                files.append(f"s3://{bucket}/{entry['dataFileS3Key']}")
    return files


def staged_paths(storage: Any, manifests: Iterable[str]) -> list[str]:
    return [storage.spark_path(f).rstrip("/") for m in manifests for f in data_files(storage, m)]


def keep_format_version_2(spark: Any, table: str) -> None:
    """Athena reads Iceberg format v1 and v2 only (AWS Prescriptive Guidance, "Iceberg table
    spec v3"); Glue 6.x's Iceberg can write v3, and an upgrade cannot be undone. So every run
    sets the table's properties, `format-version` 2 among them, and a table someone upgraded to
    v3 stops the run with the reason instead of Iceberg's "Cannot downgrade v3 table to v2"."""
    rows = spark.sql(f"SHOW TBLPROPERTIES {table}").collect()
    version = int({row[0]: row[1] for row in rows}.get("format-version", "2"))
    if version > int(TABLE_PROPERTIES["format-version"]):
        raise RuntimeError(
            f"{table} is at Iceberg format-version {version}, which Athena cannot read (it "
            "reads v1 and v2), and Iceberg cannot downgrade a table. Recreate it: delete the "
            "table (pulumi up declares it again at v2) and the watermark, and the next run "
            "rebuilds it from a full export."
        )
    spark.sql(table_properties_statement(table))


def established_columns(spark: Any, table: str) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in spark.table(table).schema.fields]


def evolve_schema(spark: Any, table: str, plan: ColumnPlan) -> None:
    have = [name for name, _ in established_columns(spark, table)]
    for statement in add_column_statements(table, have, plan, "spark"):
        LOG.info("Adding columns: %s", statement)
        spark.sql(statement)


def drop_excluded_columns(spark: Any, table: str, rules: ColumnRules) -> None:
    """A rebuild under rules that exclude an attribute the table has a column for (and its
    sidecars): the column goes from the table's schema. Iceberg drops it in the metadata only:
    the older snapshots' files keep their values until they expire (docs/security.md)."""
    sidecar_suffixes = {f"{SIDECAR_SEPARATOR}{t.lower()}" for t in DDB_TYPES}

    def column_of(name: str) -> str:
        """A sidecar `<column>__<type>` belongs to its column; any other name is its own."""
        stem, _, suffix = name.rpartition(SIDECAR_SEPARATOR)
        return stem if stem and f"{SIDECAR_SEPARATOR}{suffix}" in sidecar_suffixes else name

    excluded = [
        name
        for name, _ in without_bookkeeping(established_columns(spark, table))
        if rules.rule_for(column_of(name)) == "exclude"
    ]
    for name in excluded:
        LOG.info("Dropping column %s: its attribute is excluded", name)
        spark.sql(f"ALTER TABLE {table} DROP COLUMN `{name}`")


def bootstrap(
    spark: Any, storage: Any, config: ApplyConfig, entry: ExportEntry, rules: ColumnRules
) -> None:
    """Replace the table's rows with the full export's items, in one commit."""
    from pyspark.sql import functions as F

    paths = staged_paths(storage, [entry.manifest])
    items = (
        read_staged_items(spark, paths)
        if paths
        else spark.createDataFrame([], f"{ITEM} {STAGED_ITEM_SCHEMA.split(' ', 1)[1]}")
    )
    inventory = take_inventory(items)
    if rules:
        items, inventory = apply_column_rules(items, inventory, rules)
        drop_excluded_columns(spark, config.table, rules)
    established = without_bookkeeping(established_columns(spark, config.table))
    plan = plan_columns(inventory.stats, established, config.column_types)
    evolve_schema(spark, config.table, plan)
    written_at = int(entry.end.timestamp() * 1_000_000)
    frame = shape_items(items, plan, inventory).drop(MISFITS)
    frame = frame.withColumn(WRITE_TS, F.lit(written_at).cast("bigint"))
    frame.writeTo(config.table).overwrite(F.lit(True))
    LOG.info("Bootstrapped %s from the full export at %s", config.table, entry.end.isoformat())


# Each changed key's record as Spark reads it: its write time, its keys, its new image (NULL for
# a delete), keys and images as the export job's items are (item_shaping.STAGED_ITEM_SCHEMA).
CHANGE_SCHEMA = (
    "Metadata struct<WriteTimestampMicros: struct<N: string>>, "
    "Keys map<string, map<string, string>>, NewImage map<string, map<string, string>>"
)


def latest_changes(spark: Any, paths: list[str]) -> Any:
    """One record per key across the windows: the latest write wins."""
    from pyspark.sql import functions as F

    records = spark.read.schema(CHANGE_SCHEMA).option("mode", "FAILFAST").json(paths)
    records = records.select(
        F.col("Keys").alias("keys"),
        F.col("NewImage").alias("image"),
        F.col("Metadata.WriteTimestampMicros.N").cast("bigint").alias(WRITE_TS),
    )
    # A key as comparable text: its attributes and their values' JSON, sorted.
    key = F.expr(
        "to_json(array_sort(transform(map_entries(keys), "
        "e -> named_struct('a', e.key, 'v', to_json(e.value)))))"
    )
    latest = records.groupBy(key.alias("key")).agg(
        F.max_by(F.struct("keys", "image", WRITE_TS), F.col(WRITE_TS)).alias("r")
    )
    return latest.select("r.*")


def merge_windows(
    spark: Any,
    storage: Any,
    config: ApplyConfig,
    entries: list[ExportEntry],
    rules: ColumnRules,
):
    """One MERGE for every window of the run: each key's latest record across them."""
    from pyspark.sql import functions as F

    paths = staged_paths(storage, [e.manifest for e in entries])
    if not paths:
        LOG.info("The windows hold no changes")
        return 0
    records = latest_changes(spark, paths).cache()
    # The inventory counts keys and new images, as the type policy's oracle does
    # (incremental_merge.change_inventory).
    images = records.where(F.col("image").isNotNull()).select(F.col("image").alias(ITEM))
    inventory = take_inventory(records.select(F.col("keys").alias(ITEM)).unionAll(images))
    if not inventory.stats:
        LOG.info("The windows hold no changes")
        records.unpersist()
        return 0
    key_attributes = [
        row[0] for row in records.select(F.explode(F.map_keys("keys"))).distinct().collect()
    ]
    changed_records = records
    if rules:
        # A key attribute cannot be excluded (the merge matches rows by it); a hashed one is
        # hashed in the keys as in the image, so the merge still matches (column_rules.py).
        rules.check_keys(key_attributes)
        changed_records, inventory = apply_column_rules(
            records, inventory, rules, columns=("keys", "image")
        )
    established = without_bookkeeping(established_columns(spark, config.table))
    plan = plan_columns(inventory.stats, established, config.column_types)
    evolve_schema(spark, config.table, plan)
    keys = key_columns_of(key_attributes, plan)
    changes = changed_records.select(
        F.coalesce("image", "keys").alias(ITEM), WRITE_TS, F.col("image").isNull().alias(IS_DELETE)
    )
    frame = shape_items(changes, plan, inventory, keep=[WRITE_TS, IS_DELETE]).drop(MISFITS)
    frame.createOrReplaceTempView(CHANGES_VIEW)
    columns = [name for name, _ in plan.schema]
    spark.sql(merge_statement(config.table, CHANGES_VIEW, keys, columns, "spark"))
    changed = records.count()
    records.unpersist()
    LOG.info("Merged %d changed keys into %s (key %s)", changed, config.table, ", ".join(keys))
    return changed


def live_rows(spark: Any, table: str) -> int:
    """The table's rows, from its current snapshot's summary: its records less its position
    deletes (merge-on-read MERGE writes only position deletes, each removing one live row). A
    count(*) would read every data and delete file until compaction has folded them in."""
    latest = spark.sql(
        f"SELECT summary FROM {table}.snapshots ORDER BY committed_at DESC LIMIT 1"
    ).collect()
    summary = latest[0]["summary"] if latest else {}
    if "total-records" in summary and summary.get("total-equality-deletes", "0") == "0":
        return int(summary["total-records"]) - int(summary.get("total-position-deletes", "0"))
    return spark.table(table).count()


def read_state(storage: Any, uri: str) -> Watermark | None:
    text = storage.read_text(uri, missing_ok=True)
    return parse_watermark_document(text) if text is not None else None


@dataclass(frozen=True)
class ApplyResult:
    watermark: datetime | None
    items: int
    changed_keys: int


def main(argv: Sequence[str] | None = None, env: SparkJobEnvironment | None = None) -> ApplyResult:
    """Merge the planner's exports into the Iceberg table, then move the watermark."""
    config = start_job("apply_changes", read_apply_config, argv, LOG)
    env = env or SparkJobEnvironment()
    glue, storage = env.client("glue"), env.storage
    rules = column_rules(env, config.column_rules, config.hash_key)

    entries = all_entries = read_export_entries(glue, config)
    state = read_state(storage, config.state_uri)
    runtime = env.runtime_factory(config.job_name or "apply_changes")
    spark = runtime.spark
    if not spark.catalog.tableExists(config.table):
        raise RuntimeError(
            f"{config.table} does not exist: the program creates it (pulumi up), and this job "
            "only merges into it. If it was deleted, run pulumi up, then delete "
            f"{config.state_uri} so that the next run rebuilds it from a full export."
        )
    keep_format_version_2(spark, config.table)

    watermark = state.watermark if state else None
    bootstrapped_at = state.bootstrapped_at if state else None
    changed = 0
    if entries and entries[0].kind == "full":
        bootstrap(spark, storage, config, entries[0], rules)
        watermark = bootstrapped_at = entries[0].end
        entries = entries[1:]
    if entries:
        if watermark is None:
            raise RuntimeError(
                f"{config.table_name}: incremental exports but no watermark at {config.state_uri}"
                ": the table was never bootstrapped (was the state object deleted?). Delete the "
                "exports' run and start the workflow again: with no watermark it bootstraps."
            )
        target = watermark
        for entry in entries:  # refuses a gap or an overlap before anything is merged
            target = advance(target, entry.window)
        changed = merge_windows(spark, storage, config, entries, rules)
        watermark = target
    digest = rules.digest(config.hash_key)
    if watermark is not None and (
        state is None or watermark != state.watermark or digest != state.column_rules
    ):
        # Only now, after the commit: a crash before this line re-applies the windows harmlessly.
        assert bootstrapped_at is not None
        storage.write_text(
            config.state_uri,
            watermark_document(
                watermark, bootstrapped_at, config.workflow_run_id, column_rules=digest
            ),
        )
        LOG.info("Watermark moved to %s", watermark.isoformat())
    if rules and all_entries:
        # The exports hold the clear values (DynamoDB writes whole items): once merged and past
        # the watermark, nothing needs them. (A failed run leaves them to the lifecycle rule.)
        for entry in all_entries:
            storage.purge(entry.manifest.rsplit("/", 1)[0])
        LOG.info("Deleted the %d merged export(s)", len(all_entries))
    items = live_rows(spark, config.table) if watermark is not None else 0
    properties = {RUN_PROPERTY["itemCount"]: str(items)}
    if watermark is not None:
        properties[RUN_PROPERTY["snapshotTimestamp"]] = format_snapshot_timestamp(watermark)
        properties[RUN_PROPERTY["watermark"]] = watermark.isoformat()
    glue.put_workflow_run_properties(
        Name=config.workflow_name, RunId=config.workflow_run_id, RunProperties=properties
    )
    runtime.job.commit()
    return ApplyResult(watermark, items, changed)


if __name__ == "__main__":
    run_job("apply_changes", main)
