"""Every snapshot format x every DynamoDB type, read back by Trino as Athena reads it: the export
job declares snapshots_<table> (its SerDe and types, never the crawler's guess), the crawler's
effect adds the partition, the refresh job points the view at it with its own SQL, and
`SELECT * FROM <view>` returns each value exactly as the type policy promises."""

from __future__ import annotations

import pytest
from corpus import ITEMS
from corpus import differences
from lake import FORMATS
from lake import view_of


def by_pk(rows):
    return {row["pk"]: row for row in rows}


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_value_comes_back_exactly_through_the_view(lake, snapshots, output_format):
    result, timestamp = snapshots[output_format]
    view = view_of(output_format)
    rows = by_pk(lake.select(f'SELECT * FROM "{view}"'))
    problems = [p for item in ITEMS for p in differences(item, rows.get(item["pk"]["S"], {}))]
    equal = sum(
        1 for item in ITEMS if not differences(item, rows.get(item["pk"]["S"], {"pk": None}))
    )
    lake.report[output_format] = (
        f"{output_format:8} items written {result.items:3}, read back {len(rows):3}, "
        f"with every value equal {equal:3}"
    )
    assert result.items == len(ITEMS)
    assert len(rows) == len(ITEMS)
    assert {row["snapshot_timestamp"] for row in rows.values()} == {timestamp}
    assert not problems, "\n".join(problems)
    assert result.misfits == 3  # n_big twice, code's one string


@pytest.mark.parametrize("output_format", ["parquet", "orc", "avro"])
def test_typed_formats_read_exactly_through_the_snapshot_table_too(lake, snapshots, output_format):
    _, timestamp = snapshots[output_format]
    rows = by_pk(
        lake.select(
            f'SELECT * FROM "snapshots_{view_of(output_format)}" '
            f"WHERE snapshot_timestamp = '{timestamp}'"
        )
    )
    problems = [p for item in ITEMS for p in differences(item, rows[item["pk"]["S"]])]
    assert not problems, "\n".join(problems)


def test_json_and_csv_keep_their_documented_text_in_the_snapshot_table(lake, snapshots):
    """Binary in JSON is base64 text; every CSV cell is text, NULL as \\N (the view decodes)."""
    json_rows = by_pk(lake.select('SELECT pk, blob, flag FROM "snapshots_reviews_json"'))
    assert json_rows["item-01"]["blob"] == "AAECCg0iLFz/"
    assert json_rows["item-01"]["flag"] is True
    csv_rows = by_pk(lake.select('SELECT pk, text, n_dec, nothing FROM "snapshots_reviews_csv"'))
    assert csv_rows["item-02"]["text"] == ""
    assert csv_rows["item-03"]["text"] == "\\\\N"  # the value \N, escaped
    assert csv_rows["item-01"]["nothing"] == "\\N"  # NULL
    assert csv_rows["item-01"]["n_dec"] == "19.9900000000"


@pytest.mark.parametrize("output_format", FORMATS)
def test_the_declared_table_is_the_jobs_not_the_crawlers(lake, snapshots, output_format):
    table = lake.glue.get_table(
        DatabaseName="dynamodb_exports_dev", Name=f"snapshots_{view_of(output_format)}"
    )["Table"]
    columns = {c["Name"]: c for c in table["StorageDescriptor"]["Columns"]}
    assert columns["n_dec"]["Parameters"]["ddbsnap.type"] == "decimal(38,10)"
    assert columns["blob"]["Parameters"]["ddbsnap.type"] == "binary"
    assert table["PartitionKeys"] == [{"Name": "snapshot_timestamp", "Type": "string"}]
