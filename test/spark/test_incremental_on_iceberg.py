"""The incremental merge on real Iceberg: records shaped like DynamoDB's incremental export go
through the project's statements (CREATE, ADD COLUMNS, MERGE) on the local Iceberg catalog; the
table equals the model after each window and after re-applying one, and time travel returns the
earlier state."""

from __future__ import annotations

import json
from decimal import Decimal

from incremental_merge import IS_DELETE
from incremental_merge import change_rows
from incremental_merge import key_columns
from incremental_merge import latest_per_key
from incremental_merge import merge_statement
from incremental_merge import parse_change
from incremental_merge import plan_change_columns
from incremental_merge import schema_statements
from incremental_merge import table_columns

TABLE = "local.db.orders"


def record(ts: int, key: str, image: dict | None) -> str:
    line = {"Metadata": {"WriteTimestampMicros": {"N": str(ts)}}, "Keys": {"pk": {"S": key}}}
    if image is not None:
        line["NewImage"] = {"pk": {"S": key}, **image}
    return json.dumps(line)


WINDOW_1 = [
    record(1, "a", {"price": {"N": "10.50"}}),
    record(2, "b", {"price": {"N": "3"}}),
    record(3, "c", {"price": {"N": "7"}}),
]
WINDOW_2 = [
    record(4, "a", {"price": {"N": "11"}, "note": {"S": "repriced"}}),  # update, new attribute
    record(5, "b", None),  # delete
    record(6, "d", {"price": {"N": "1E+40"}}),  # insert; too big for decimal(38,10)
    record(7, "ghost", None),  # inserted and deleted inside the window
]


def columns_of(spark) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in spark.table(TABLE).schema.fields]


def apply_window(spark, lines: list[str]) -> None:
    records = latest_per_key(parse_change(line) for line in lines)
    established = columns_of(spark) if spark.catalog.tableExists(TABLE) else []
    plan = plan_change_columns(records, established)
    for statement in schema_statements(TABLE, established, plan, "spark"):
        spark.sql(statement)
    schema = ", ".join(f"`{n}` {t}" for n, t in [*table_columns(plan), (IS_DELETE, "boolean")])
    spark.createDataFrame(change_rows(records, plan), schema).createOrReplaceTempView("changes")
    spark.sql(
        merge_statement(
            TABLE, "changes", key_columns(records, plan), [n for n, _ in plan.schema], "spark"
        )
    )


def current(spark, version: int | None = None) -> list[tuple]:
    at = f" VERSION AS OF {version}" if version is not None else ""
    return sorted(
        tuple(r) for r in spark.sql(f"SELECT * FROM {TABLE}{at}").drop("_ddb_write_ts").collect()
    )


def test_windows_merge_into_iceberg_and_time_travel_returns_the_earlier_state(spark):
    apply_window(spark, WINDOW_1)
    after_1 = current(spark)
    assert after_1 == [
        ("a", Decimal("10.5000000000")),
        ("b", Decimal("3.0000000000")),
        ("c", Decimal("7.0000000000")),
    ]
    snapshot_1 = spark.sql(
        f"SELECT snapshot_id FROM {TABLE}.snapshots ORDER BY committed_at DESC LIMIT 1"
    ).collect()[0][0]

    apply_window(spark, WINDOW_2)
    assert [n for n, _ in columns_of(spark)] == ["pk", "price", "_ddb_write_ts", "note", "price__n"]
    expected_2 = [
        ("a", Decimal("11.0000000000"), "repriced", None),
        ("c", Decimal("7.0000000000"), None, None),
        ("d", None, None, "1E+40"),
    ]
    assert current(spark) == expected_2

    apply_window(spark, WINDOW_2)  # a crash after the commit: the same window again
    assert current(spark) == expected_2

    assert current(spark, snapshot_1) == after_1, "time travel to the first window's snapshot"
