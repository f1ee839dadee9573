"""The incremental merge against an oracle: a model DynamoDB table takes random puts, updates,
deletes (TTL deletes look the same) and inserts deleted within the same window; each window
becomes the compacted records DynamoDB's incremental export writes; the project's generated
ALTER TABLE and MERGE statements apply them on a real SQL engine (DuckDB); after every window,
and after re-applying the window just merged, the table equals the model."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from incremental_merge import ChangeRecord
from incremental_merge import add_column_statements
from incremental_merge import change_rows
from incremental_merge import create_statement
from incremental_merge import key_columns
from incremental_merge import latest_per_key
from incremental_merge import merge_statement
from incremental_merge import parse_change
from incremental_merge import plan_change_columns
from incremental_merge import schema_statements
from incremental_merge import sql_type
from incremental_merge import table_columns
from item_types import ItemShaper
from item_types import TypeStats
from item_types import item_inventory
from item_types import plan_columns

TABLE = "snapshot"

values = st.one_of(
    st.builds(lambda s: {"S": s}, st.sampled_from(["a", "b", "", "long text"])),
    st.builds(lambda n: {"N": n}, st.sampled_from(["1", "2.5", "-7", "12345678901234567890"])),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda v: {"M": {"k": v}}, st.sampled_from([{"S": "x"}, {"N": "3"}])),
)
items = st.dictionaries(st.sampled_from(["price", "name", "tags", "flag"]), values, max_size=3)
operations = st.lists(
    st.tuples(st.sampled_from(["put", "delete"]), st.sampled_from(["k1", "k2", "k3", "k4"]), items),
    min_size=1,
    max_size=8,
)
histories = st.lists(operations, min_size=1, max_size=4)


def compacted(model_before: dict, ops: list, clock: list[int]) -> tuple[dict, list[str]]:
    """Apply a window's operations to the model; return the model after it and the export's
    lines: one per changed key, its final state, or Keys only when it no longer exists."""
    model = dict(model_before)
    last_write: dict[str, int] = {}
    for op, key, attributes in ops:
        clock[0] += 1
        last_write[key] = clock[0]
        if op == "put":
            model[key] = {"pk": {"S": key}, **attributes}
        else:
            model.pop(key, None)
    lines = []
    for key, ts in sorted(last_write.items()):
        record = {
            "Metadata": {"WriteTimestampMicros": {"N": str(ts)}},
            "Keys": {"pk": {"S": key}},
        }
        if key in model:
            record["NewImage"] = model[key]
        lines.append(json.dumps(record))
    return model, lines


def table_schema(db) -> list[tuple[str, str]]:
    rows = db.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_name = '{TABLE}' ORDER BY ordinal_position"
    ).fetchall()
    back = {"VARCHAR": "string", "BOOLEAN": "boolean", "BIGINT": "bigint", "BLOB": "binary"}
    return [(n, back.get(t, t.lower().replace(" ", ""))) for n, t in rows]


def apply_window(db, lines: list[str]) -> None:
    records = latest_per_key(parse_change(line) for line in lines)
    if not records:
        return
    established = table_schema(db)
    plan = plan_change_columns(records, established)
    for statement in schema_statements(TABLE, established, plan, "duckdb"):
        db.execute(statement)
    source_columns = [*table_columns(plan), ("_is_delete", "boolean")]
    db.execute("DROP TABLE IF EXISTS changes")
    db.execute(
        "CREATE TEMP TABLE changes ("
        + ", ".join(f'"{n}" {sql_type(t, "duckdb")}' for n, t in source_columns)
        + ")"
    )
    db.executemany(
        f"INSERT INTO changes VALUES ({', '.join('?' for _ in source_columns)})",
        change_rows(records, plan),
    )
    db.execute(
        merge_statement(
            TABLE, "changes", key_columns(records, plan), [n for n, _ in plan.schema], "duckdb"
        )
    )


def table_rows(db) -> dict[str, dict]:
    if not table_schema(db):
        return {}
    relation = db.sql(f"SELECT * FROM {TABLE}")
    rows = [dict(zip(relation.columns, r, strict=True)) for r in relation.fetchall()]
    return {row["pk"]: {k: v for k, v in row.items() if k != "_ddb_write_ts"} for row in rows}


def expected_rows(db, model: dict) -> dict[str, dict]:
    """The model, shaped by the type policy with the table's established columns."""
    established = [(n, t) for n, t in table_schema(db) if n != "_ddb_write_ts"]
    inventory: dict = {}
    for item in model.values():
        for key, stats in item_inventory(item):
            inventory[key] = inventory.get(key, TypeStats()).add(stats)
    plan = plan_columns(inventory, established)
    shaper = ItemShaper(plan)
    names = [n for n, _ in plan.schema]
    expected = {}
    for key, item in model.items():
        row, _ = shaper(item)
        shaped = dict(zip(names, row, strict=True))
        expected[key] = {n: shaped.get(n) for n, _ in established}
    return expected


def normalise(rows: dict[str, dict]) -> dict[str, dict]:
    return {
        k: {c: (Decimal(v) if isinstance(v, Decimal) else v) for c, v in row.items()}
        for k, row in rows.items()
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories)
def test_the_table_equals_the_model_after_every_window_and_every_reapplied_one(history):
    db = duckdb.connect()
    model: dict = {}
    clock = [1_700_000_000_000_000]
    for ops in history:
        model, lines = compacted(model, ops, clock)
        apply_window(db, lines)
        assert normalise(table_rows(db)) == normalise(expected_rows(db, model))
        # A crash between the commit and the watermark write re-applies the same window. (An
        # older window is never replayed: the watermark only moves forward, and a replayed old
        # put would bring back a key deleted since, because a delete leaves no row behind.)
        apply_window(db, lines)
        assert normalise(table_rows(db)) == normalise(expected_rows(db, model))


def test_several_windows_at_once_keep_each_keys_latest_write():
    records = [
        ChangeRecord({"pk": {"S": "a"}}, {"pk": {"S": "a"}, "v": {"N": "1"}}, 10),
        ChangeRecord({"pk": {"S": "a"}}, None, 20),
        ChangeRecord({"pk": {"S": "b"}}, {"pk": {"S": "b"}, "v": {"N": "2"}}, 15),
    ]
    latest = latest_per_key(records)
    assert [(r.keys["pk"]["S"], r.write_ts, r.new_image is None) for r in latest] == [
        ("a", 20, True),
        ("b", 15, False),
    ]


def test_a_delete_of_a_key_never_loaded_inserts_nothing():
    db = duckdb.connect()
    apply_window(
        db,
        [
            json.dumps(
                {
                    "Metadata": {"WriteTimestampMicros": {"N": "5"}},
                    "Keys": {"pk": {"S": "a"}},
                    "NewImage": {"pk": {"S": "a"}},
                }
            )
        ],
    )
    apply_window(
        db,
        [
            json.dumps(
                {"Metadata": {"WriteTimestampMicros": {"N": "6"}}, "Keys": {"pk": {"S": "ghost"}}}
            )
        ],
    )
    assert list(table_rows(db)) == ["a"]


def test_the_spark_statement_adds_columns_in_one_alter_and_guards_every_branch():
    records = [ChangeRecord({"pk": {"S": "a"}}, {"pk": {"S": "a"}, "price": {"N": "1.5"}}, 1)]
    plan = plan_change_columns(records, [("pk", "string")])
    assert add_column_statements("local.db.t", ["pk"], plan, "spark") == [
        "ALTER TABLE local.db.t ADD COLUMNS (`price` decimal(38,10), `_ddb_write_ts` bigint)"
    ]
    sql = merge_statement("local.db.t", "changes", ["pk"], ["pk", "price"], "spark")
    assert (
        "WHEN MATCHED AND s.`_is_delete` AND s.`_ddb_write_ts` >= t.`_ddb_write_ts` THEN DELETE"
        in sql
    )
    assert "WHEN NOT MATCHED AND NOT s.`_is_delete` THEN INSERT" in sql


@pytest.mark.parametrize("dialect", ["spark", "duckdb"])
def test_reserved_words_are_quoted(dialect):
    records = [ChangeRecord({"pk": {"S": "a"}}, {"pk": {"S": "a"}, "select": {"S": "x"}}, 1)]
    plan = plan_change_columns(records)
    statement = create_statement("t", plan, dialect)
    assert ("`select`" if dialect == "spark" else '"select"') in statement
