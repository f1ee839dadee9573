"""Every SQL example in the README and docs/ runs on Athena's engine against a lake that has what
the examples name (dynamodb_exports_dev: reviews and snapshots_reviews, orders and iceberg_orders),
so no published query can rot. Taken from the pages: ```sql blocks, `ddbsnap query "<sql>"` (with
its --as-of rewritten as the CLI rewrites it), and the ready-to-paste `# SELECT ...` output lines.
Examples with a placeholder (`<table>`, `…`) are prose, not queries. A time in an example is moved
to one this lake has: the query is the same, the moment is the fixture's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_time_travel_on_trino import as_of_sql

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
CLI_QUERY = re.compile(r'ddbsnap query "([^"]+)"(\s+--as-of\s+\S+)?')
TIMESTAMP = re.compile(r"TIMESTAMP '[^']*'")


def examples() -> list[tuple[str, str, bool]]:
    """(where, sql, as of) for every example in the pages."""
    found = []
    for page in PAGES:
        text = page.read_text()
        name = page.relative_to(REPO).as_posix()
        for language, body in FENCE.findall(text):
            if language == "sql":
                found += [(name, sql, False) for sql in body.split(";\n") if sql.strip()]
            for line in body.splitlines():
                if re.match(r"#\s*SELECT\b", line):
                    found.append((name, line.lstrip("# "), False))
        found += [(name, sql, bool(as_of)) for sql, as_of in CLI_QUERY.findall(text)]
    return [
        (where, sql.strip().rstrip(";"), as_of)
        for where, sql, as_of in found
        if not re.search(r"<[a-z]+>|…|\.\.\.", sql)
    ]


EXAMPLES = examples()


def test_the_pages_have_examples_of_each_kind():
    kinds = {(as_of, "FOR TIMESTAMP AS OF" in sql) for _, sql, as_of in EXAMPLES}
    assert kinds == {(False, False), (False, True), (True, False)}
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize(
    ("where", "sql", "as_of"), EXAMPLES, ids=[f"{w}:{s[:40]}" for w, s, _ in EXAMPLES]
)
def test_every_documented_query_runs_and_returns_rows(lake, snapshots, orders, where, sql, as_of):
    table, *_ = orders
    moment = table.commits[0] + (table.commits[1] - table.commits[0]) / 2
    if as_of:
        tables = [
            {"name": "Orders", "mode": "incremental"},
            {
                "name": "Reviews",
                "mode": "scan",
                "viewSql": lake.view_text("reviews")["originalSql"],
            },
        ]
        sql = as_of_sql(sql, moment, tables)
    sql = TIMESTAMP.sub(f"TIMESTAMP '{moment.strftime('%Y-%m-%d %H:%M:%S.%f UTC')}'", sql)
    assert lake.select(sql), f"{where}: no rows from {sql}"
