"""Applying DynamoDB incremental exports to a table: the records, their columns, and the SQL.

An incremental export is compacted: one record per changed key, with the key's final state in the
window (DynamoDB guide, "DynamoDB incremental export output format"):

    {"Metadata": {"WriteTimestampMicros": {"N": "..."}}, "Keys": {...},
     "NewImage": {...}, "OldImage": {...}}

A record without `NewImage` deletes its key. The columns come from the same type policy as scan
and export mode (item_types.py), so a table keeps its column types whichever mode wrote it.

The statements are generated for Spark SQL with Iceberg and for DuckDB from one plan, so the same
MERGE runs on a real engine in the fast tests and on real Iceberg in the Spark suite:
- new columns are added first (Spark 3.5's MERGE does not evolve the schema);
- one source row per key: several windows applied together keep each key's latest write;
- every branch is guarded by the write timestamp, so re-applying a window already merged changes
  nothing, and a delete whose key is not in the table inserts nothing.
Pure Python: no Spark, no AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from contract import CONTRACT
from item_types import ColumnPlan
from item_types import ItemShaper
from item_types import TypeStats
from item_types import item_inventory
from item_types import plan_columns

WRITE_TS = CONTRACT["iceberg"]["writeTimestampColumn"]
IS_DELETE = "_is_delete"
DIALECTS = ("spark", "duckdb")


@dataclass(frozen=True)
class ChangeRecord:
    keys: dict[str, Any]  # DynamoDB JSON
    new_image: dict[str, Any] | None  # None: the key was deleted
    write_ts: int  # microseconds

    @property
    def key(self) -> str:
        return json.dumps(self.keys, sort_keys=True)


def parse_change(line: str) -> ChangeRecord:
    record = json.loads(line)
    return ChangeRecord(
        keys=record["Keys"],
        new_image=record.get("NewImage"),
        write_ts=int(record["Metadata"]["WriteTimestampMicros"]["N"]),
    )


def latest_per_key(records: Iterable[ChangeRecord]) -> list[ChangeRecord]:
    """One record per key, the latest write winning (several windows applied in one run)."""
    latest: dict[str, ChangeRecord] = {}
    for record in records:
        kept = latest.get(record.key)
        if kept is None or record.write_ts >= kept.write_ts:
            latest[record.key] = record
    return [latest[k] for k in sorted(latest)]


def plan_change_columns(
    records: Sequence[ChangeRecord],
    established: Iterable[tuple[str, str]] = (),
    overrides: Mapping[str, str] | None = None,
) -> ColumnPlan:
    """The table's columns after these changes, by the type policy (keys and new images)."""
    inventory: dict[tuple[str, str], TypeStats] = {}
    for record in records:
        for key, stats in change_inventory(record):
            inventory[key] = inventory.get(key, TypeStats()).add(stats)
    return plan_columns(inventory, without_bookkeeping(established), overrides)


def change_inventory(record: ChangeRecord) -> list[tuple[tuple[str, str], TypeStats]]:
    """(attribute, DynamoDB type) entries of one record: its keys and its new image."""
    return [*item_inventory(record.keys), *item_inventory(record.new_image or {})]


def without_bookkeeping(established: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(n, t) for n, t in established if n not in (WRITE_TS, IS_DELETE)]


def change_row(shaper: ItemShaper, record: ChangeRecord) -> tuple:
    row, _ = shaper(record.new_image if record.new_image is not None else record.keys)
    return (*row, record.write_ts, record.new_image is None)


def change_rows(records: Sequence[ChangeRecord], plan: ColumnPlan) -> list[tuple]:
    """Source rows in `plan.schema` order, then the write timestamp and the delete flag."""
    shaper = ItemShaper(plan)
    return [change_row(shaper, record) for record in records]


def key_columns(records: Sequence[ChangeRecord], plan: ColumnPlan) -> list[str]:
    return key_columns_of({k for r in records for k in r.keys}, plan)


def key_columns_of(attributes: Iterable[str], plan: ColumnPlan) -> list[str]:
    """The columns of the table's key attributes (every record carries the full key)."""
    names = {c.attribute: c.name for c in plan.columns}
    return sorted({names[a] for a in attributes})


def _quote(name: str, dialect: str) -> str:
    return f"`{name}`" if dialect == "spark" else f'"{name}"'


def sql_type(column_type: str, dialect: str) -> str:
    if dialect == "spark":
        return column_type
    return {
        "string": "VARCHAR",
        "binary": "BLOB",
        "array<string>": "VARCHAR[]",
        "map<string,string>": "MAP(VARCHAR, VARCHAR)",
    }.get(column_type, column_type.upper())


def table_columns(plan: ColumnPlan) -> list[tuple[str, str]]:
    return [*plan.schema, (WRITE_TS, "bigint")]


def add_column_statements(
    table: str, existing: Iterable[str], plan: ColumnPlan, dialect: str
) -> list[str]:
    """ALTER TABLE statements for the columns the table lacks, in schema order."""
    have = set(existing)
    missing = [(n, t) for n, t in table_columns(plan) if n not in have]
    if not missing:
        return []
    if dialect == "spark":
        columns = ", ".join(f"{_quote(n, dialect)} {sql_type(t, dialect)}" for n, t in missing)
        return [f"ALTER TABLE {table} ADD COLUMNS ({columns})"]
    return [
        f"ALTER TABLE {table} ADD COLUMN {_quote(n, dialect)} {sql_type(t, dialect)}"
        for n, t in missing
    ]


# Merge-on-read: a run's changes (about 1 % of a table, keys spread at random) touch nearly every
# data file, so copy-on-write would rewrite the whole table each run; merge-on-read writes the
# changed rows and small delete files, and the managed compaction optimizer folds them in
# (Iceberg RowLevelOperationMode; AWS prescriptive guidance, "Best practices for writes").
TABLE_PROPERTIES = {
    "format-version": "2",
    "write.delete.mode": "merge-on-read",
    "write.update.mode": "merge-on-read",
    "write.merge.mode": "merge-on-read",
    "write.parquet.compression-codec": "zstd",
}


def _properties() -> str:
    return ", ".join(f"'{k}'='{v}'" for k, v in TABLE_PROPERTIES.items())


def create_statement(table: str, plan: ColumnPlan, dialect: str) -> str:
    columns = ", ".join(
        f"{_quote(n, dialect)} {sql_type(t, dialect)}" for n, t in table_columns(plan)
    )
    suffix = f" USING iceberg TBLPROPERTIES ({_properties()})" if dialect == "spark" else ""
    return f"CREATE TABLE IF NOT EXISTS {table} ({columns}){suffix}"


def schema_statements(
    table: str, established: Sequence[tuple[str, str]], plan: ColumnPlan, dialect: str
) -> list[str]:
    """What brings `table` to the plan's columns: CREATE while it has none, else ADD COLUMNS.
    (The apply job's table always exists, as the program declares it; the oracles start empty.)"""
    if not established:
        return [create_statement(table, plan, dialect)]
    return add_column_statements(table, [name for name, _ in established], plan, dialect)


def table_properties_statement(table: str) -> str:
    """Spark only: (re)sets the write modes on a table the program created (idempotent)."""
    return f"ALTER TABLE {table} SET TBLPROPERTIES ({_properties()})"


def merge_statement(
    table: str, source: str, keys: Sequence[str], columns: Sequence[str], dialect: str
) -> str:
    """MERGE the changes in `source` (one row per key, every table column, the write timestamp and
    the delete flag) into `table`. Written in the subset Spark SQL and DuckDB share."""
    q = lambda name: _quote(name, dialect)  # noqa: E731
    every = [*columns, WRITE_TS]
    on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
    newer = f"s.{q(WRITE_TS)} >= t.{q(WRITE_TS)}"
    updates = ", ".join(f"{q(c)} = s.{q(c)}" for c in every)
    return (
        f"MERGE INTO {table} AS t USING {source} AS s ON {on} "
        f"WHEN MATCHED AND s.{q(IS_DELETE)} AND {newer} THEN DELETE "
        f"WHEN MATCHED AND NOT s.{q(IS_DELETE)} AND {newer} THEN UPDATE SET {updates} "
        f"WHEN NOT MATCHED AND NOT s.{q(IS_DELETE)} THEN INSERT ({', '.join(q(c) for c in every)}) "
        f"VALUES ({', '.join(f's.{q(c)}' for c in every)})"
    )
