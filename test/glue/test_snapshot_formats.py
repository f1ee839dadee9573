"""How each format declares and decodes the type policy's columns (snapshot_formats.py). What
Athena's engine actually reads back is checked end to end on Trino (test/athena/)."""

from __future__ import annotations

import json

import pytest

from snapshot_formats import avro_schema
from snapshot_formats import column_expression
from snapshot_formats import logical_columns
from snapshot_formats import table_input
from snapshot_formats import view_columns
from snapshot_formats import view_select_list

COLUMNS = [
    ("pk", "string"),
    ("price", "decimal(38,10)"),
    ("blob", "binary"),
    ("ok", "boolean"),
    ("tags", "array<string>"),
]


def declared(output_format, columns=COLUMNS):
    return table_input(
        "snapshots_orders",
        "s3://bucket/fmt/orders/",
        output_format,
        columns,
        "snapshot_timestamp",
    )


@pytest.mark.parametrize(
    ("output_format", "serde"),
    [
        ("parquet", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
        ("orc", "org.apache.hadoop.hive.ql.io.orc.OrcSerde"),
        ("avro", "org.apache.hadoop.hive.serde2.avro.AvroSerDe"),
        ("json", "org.apache.hive.hcatalog.data.JsonSerDe"),
        ("csv", "org.apache.hadoop.hive.serde2.OpenCSVSerde"),
    ],
)
def test_each_format_is_declared_with_athenas_serde_and_the_snapshot_partition(
    output_format, serde
):
    table = declared(output_format)
    descriptor = table["StorageDescriptor"]
    assert descriptor["SerdeInfo"]["SerializationLibrary"] == serde
    assert descriptor["Location"] == "s3://bucket/fmt/orders/"
    assert table["PartitionKeys"] == [{"Name": "snapshot_timestamp", "Type": "string"}]
    assert table["Parameters"]["classification"] == output_format
    # Every column keeps its logical type, whatever the format stores.
    assert [c["Parameters"]["ddbsnap.type"] for c in descriptor["Columns"]] == [
        t for _, t in COLUMNS
    ]


def test_typed_formats_store_the_logical_types_and_text_formats_store_text():
    def stored(output_format):
        return [c["Type"] for c in declared(output_format)["StorageDescriptor"]["Columns"]]

    logical = [t for _, t in COLUMNS]
    assert stored("parquet") == stored("orc") == stored("avro") == logical
    # The Hive JSON SerDe reads a JSON string into binary as its bytes: base64 stays text.
    assert stored("json") == ["string", "decimal(38,10)", "string", "boolean", "array<string>"]
    assert stored("csv") == ["string"] * len(COLUMNS)


def test_csv_quotes_are_doubled_and_no_backslash_is_the_serdes_escape():
    table = declared("csv")
    assert table["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {
        "separatorChar": ",",
        "quoteChar": '"',
        "escapeChar": "\x07",
    }
    assert table["Parameters"]["skip.header.line.count"] == "1"


def test_avro_declares_the_schema_the_job_writes_with_every_field_nullable():
    literal = declared("avro")["StorageDescriptor"]["SerdeInfo"]["Parameters"][
        "avro.schema.literal"
    ]
    schema = json.loads(literal)
    assert schema == avro_schema(COLUMNS)
    assert [f["name"] for f in schema["fields"]] == [n for n, _ in COLUMNS]
    assert all(f["type"][0] == "null" and f["default"] is None for f in schema["fields"])
    assert schema["fields"][1]["type"][1] == {
        "type": "bytes",
        "logicalType": "decimal",
        "precision": 38,
        "scale": 10,
    }


def test_the_view_selects_typed_columns_as_they_are():
    assert view_select_list("parquet", COLUMNS, "snapshot_timestamp") == (
        '"pk", "price", "blob", "ok", "tags", "snapshot_timestamp"'
    )


def test_the_view_decodes_json_binary_and_every_csv_column():
    assert column_expression("json", "blob", "binary") == 'from_base64("blob") AS "blob"'
    assert column_expression("json", "price", "decimal(38,10)") == '"price"'
    assert column_expression("csv", "price", "decimal(38,10)") == (
        """CASE WHEN "price" = '\\N' THEN NULL """
        """ELSE CAST("price" AS decimal(38,10)) END AS "price\""""
    )
    assert column_expression("csv", "tags", "array<string>") == (
        """CASE WHEN "tags" = '\\N' THEN NULL """
        """ELSE CAST(json_parse("tags") AS array(varchar)) END AS "tags\""""
    )
    text = column_expression("csv", "pk", "string")
    assert text.startswith("""CASE WHEN "pk" = '\\N' THEN NULL ELSE regexp_replace("pk", """)


def test_a_logical_type_that_is_not_the_policys_never_reaches_sql():
    with pytest.raises(ValueError, match="not a column type"):
        column_expression("csv", "x", "varchar) END; DROP TABLE t; --")


def test_declared_columns_keep_their_logical_types():
    assert logical_columns(declared("csv"), "csv") == COLUMNS
    assert view_columns(declared("json")) == ("json", COLUMNS)


def test_a_crawler_made_table_keeps_file_types_but_not_types_guessed_from_text():
    crawled = {
        "StorageDescriptor": {
            "Columns": [{"Name": "pk", "Type": "string"}, {"Name": "price", "Type": "double"}]
        }
    }
    assert logical_columns(crawled, "parquet") == [("pk", "string"), ("price", "double")]
    # The crawler typed a JSON number as double: the policy decides it again.
    assert logical_columns(crawled, "json") == [("pk", None), ("price", None)]
    assert logical_columns(crawled, "csv") == [("pk", None), ("price", None)]
