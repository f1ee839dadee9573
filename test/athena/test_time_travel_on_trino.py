"""Incremental mode and `--as-of` on Athena's engine: the Iceberg table the apply job commits on
real Spark is read by Trino's Iceberg connector; the refresh job's view over it, the documented
`FOR TIMESTAMP AS OF` query and the SQL `ddbsnap query --as-of` rewrites to (for an incremental and
a snapshot table) return the rows of that moment."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from decimal import Decimal
from pathlib import Path

from incremental import item
from lake import DATABASE
from lake import NOW

REPO = Path(__file__).resolve().parents[2]


def as_of_sql(sql: str, at: datetime, tables: list[dict]) -> str:
    """What `ddbsnap query --as-of` sends to Athena (lib/as-of.ts, run by Node)."""
    moment = at.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    request = {"sql": sql, "at": moment, "database": DATABASE, "tables": tables}
    output = subprocess.run(
        ["node", "-r", "./cli/register.js", "test/athena/as-of-sql.ts", json.dumps(request)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)["sql"]


def keyed(rows: list[dict]) -> dict[str, dict]:
    return {
        r["pk"]: {k: v for k, v in r.items() if v is not None and not k.startswith("_ddb")}
        for r in rows
    }


def test_the_view_over_iceberg_shows_the_table_as_of_the_watermark(lake, orders):
    table, _, second = orders
    assert keyed(lake.select('SELECT * FROM "orders"')) == table.state(second.watermark)
    view = 'CREATE OR REPLACE VIEW "dynamodb_exports_dev"."orders" AS SELECT'
    statement = [s for s in lake.athena.statements() if s.startswith(view)][-1]
    assert "_ddb_write_ts" not in statement


def test_the_documented_time_travel_query_returns_that_moment(lake, orders):
    table, first, _ = orders
    between = table.commits[0] + (table.commits[1] - table.commits[0]) / 2
    documented = Path(REPO, "docs", "incremental.md").read_text()
    (example,) = [
        line for line in documented.splitlines() if "FOR TIMESTAMP AS OF TIMESTAMP" in line
    ]
    sql = example.replace("2026-11-20 06:00:00 UTC", between.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    assert sql != example, "the documented example's time is the one this test moves"
    assert keyed(lake.select(sql)) == table.state(first.watermark)


def test_as_of_reads_an_incremental_table_at_that_moment(lake, orders):
    table, first, second = orders
    between = table.commits[0] + (table.commits[1] - table.commits[0]) / 2
    tables = [{"name": "Orders", "mode": "incremental"}]
    then = as_of_sql("SELECT * FROM orders", between, tables)
    now = as_of_sql("SELECT * FROM orders", datetime.now(timezone.utc), tables)
    assert keyed(lake.select(then)) == table.state(first.watermark)
    assert keyed(lake.select(now)) == table.state(second.watermark)


def test_as_of_reads_a_snapshot_table_through_its_view_decoding_csv(lake):
    def items(note):
        return [item("x", stars=1, note=note), item("y", stars=2, note=f"{note}\nmore")]

    lake.put_table("History", items('old, "quoted"'))
    _, old = lake.snapshot_run("History", "history", "csv", NOW - timedelta(hours=5))
    lake.put_table("History", items("new"))
    _, new = lake.snapshot_run("History", "history", "csv", NOW - timedelta(hours=1))
    view_sql = lake.view_text("history")["originalSql"]
    tables = [{"name": "History", "mode": "scan", "viewSql": view_sql}]
    sql = as_of_sql("SELECT pk, note, stars FROM history", NOW - timedelta(hours=3), tables)
    rows = {r["pk"]: (r["note"], r["stars"]) for r in lake.select(sql)}
    assert rows == {"x": ('old, "quoted"', Decimal(1)), "y": ('old, "quoted"\nmore', Decimal(2))}
    assert old < new
