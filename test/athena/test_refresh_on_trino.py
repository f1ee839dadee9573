"""The refresh job's own statements on Athena's engine: its read-back and CREATE OR REPLACE VIEW
run on Trino unchanged; the view shows exactly the snapshot it was pointed at while a newer one
sits beside it; a snapshot the engine cannot read never moves the view; and the job's decoder of
what the catalog keeps for a view (Trino writes the Presto view format into the Glue table, as
Athena does) and its view statement round-trip."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
from lake import NOW
from lake import snapshot_timestamp

import refresh_view
from refresh_view import RefreshError
from refresh_view import build_read_back_sql
from refresh_view import build_view_sql

TABLE = "Pinned"


def item(pk: str, stars: str, note: str) -> dict:
    return {"pk": {"S": pk}, "stars": {"N": stars}, "note": {"S": note}, "photo": {"B": "AAE="}}


FIRST = [item("a", "1", 'one,\n"first"'), item("b", "2", "two")]
SECOND = [item("a", "5", "changed"), item("b", "2", "two"), item("c", "3", "new")]


def rows(lake, view):
    return sorted(
        (r["pk"], r["stars"], r["note"], bytes(r["photo"]))
        for r in lake.select(f'SELECT * FROM "{view}"')
    )


def expected(items):
    from decimal import Decimal

    return sorted(
        (i["pk"]["S"], Decimal(i["stars"]["N"]), i["note"]["S"], b"\x00\x01") for i in items
    )


@pytest.mark.parametrize("output_format", ["parquet", "csv"])
def test_the_view_shows_its_snapshot_while_a_newer_one_exists(lake, output_format):
    view = f"pinned_{output_format}"
    lake.put_table(TABLE, FIRST)
    _, first = lake.snapshot_run(TABLE, view, output_format, NOW - timedelta(hours=3))
    statements = lake.athena.statements()[-2:]
    table = lake.glue.get_table(DatabaseName="dynamodb_exports_dev", Name=f"snapshots_{view}")
    # The job's exact statements ran on Trino: what the view would show, read back; then the view.
    statement = build_view_sql("dynamodb_exports_dev", view, first, table["Table"])
    assert statements == [build_read_back_sql(statement), statement]
    assert rows(lake, view) == expected(FIRST)

    # The next run exports and the crawler catalogues, but the refresh has not run yet.
    lake.put_table(TABLE, SECOND)
    result, workflow, run_id = lake.export(TABLE, view, output_format, NOW - timedelta(hours=2))
    lake.crawl(view, result.snapshot)
    second = snapshot_timestamp(result.snapshot)
    partitions = lake.select(f'SELECT DISTINCT snapshot_timestamp FROM "snapshots_{view}"')
    assert sorted(p["snapshot_timestamp"] for p in partitions) == [first, second]
    assert rows(lake, view) == expected(FIRST), "the view stays on the snapshot it was given"

    lake.refresh(view, output_format, TABLE, workflow, run_id)
    assert rows(lake, view) == expected(SECOND)


def test_a_snapshot_the_engine_cannot_read_never_moves_the_view(lake):
    view = "guarded"
    lake.put_table(TABLE, FIRST)
    _, first = lake.snapshot_run(TABLE, view, "json", NOW - timedelta(hours=3))
    before = lake.view_text(view)
    # What Trino stored for the view decodes to the snapshot the job pointed it at.
    assert refresh_view.snapshot_of_view(before["text"]) == first
    assert [c["name"] for c in before["columns"]] == [
        "note",
        "photo",
        "pk",
        "stars",
        "snapshot_timestamp",
    ]

    # The next snapshot's file is not JSON: Athena's engine fails the read-back.
    lake.put_table(TABLE, SECOND)
    result, workflow, run_id = lake.export(TABLE, view, "json", NOW - timedelta(hours=2))
    bucket, prefix = result.snapshot.removeprefix("s3://").split("/", 1)
    for listed in lake.s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
        if listed["Key"].endswith(".gz"):
            lake.s3.put_object(Bucket=bucket, Key=listed["Key"], Body=gzip.compress(b"{not json\n"))
    lake.crawl(view, result.snapshot)
    with pytest.raises(
        RefreshError, match=f"the view was not moved: it still shows snapshot {first}"
    ):
        lake.refresh(view, "json", TABLE, workflow, run_id)

    assert lake.view_text(view)["text"] == before["text"]
    assert rows(lake, view) == expected(FIRST)


def test_the_jobs_view_decoder_reads_what_the_engine_stores_for_any_snapshot(lake):
    """Round trip of the restore path: SQL the job builds -> text the engine stores -> snapshot
    the job decodes -> SQL the job builds again, for a view with decoded (CSV) columns."""
    view = "pinned_csv"
    table = lake.glue.get_table(DatabaseName="dynamodb_exports_dev", Name=f"snapshots_{view}")
    stored = lake.view_text(view)
    timestamp = refresh_view.snapshot_of_view(stored["text"])
    assert timestamp is not None
    lake.athena.start_query_execution(
        QueryString=build_view_sql("dynamodb_exports_dev", view, timestamp, table["Table"]),
        WorkGroup="ddbsnap-dev",
        QueryExecutionContext={"Catalog": "AwsDataCatalog", "Database": "dynamodb_exports_dev"},
    )
    again = lake.view_text(view)
    assert (again["originalSql"], again["columns"]) == (stored["originalSql"], stored["columns"])
