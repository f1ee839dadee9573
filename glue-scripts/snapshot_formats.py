"""How each snapshot format holds the type policy's columns, and how Athena reads them back
exactly. Pure (no AWS, no Spark); the export job declares the Glue table with it, the refresh job
builds the view's select list with it. Python 3.9 compatible: the refresh job runs on Python shell.

The export job, not the crawler, owns the table `snapshots_<table>`: it knows every column's type,
while the crawler guesses JSON and CSV types from the text (a number becomes `double`, base64 stays
text). Each column is declared with its *storage* type (what Athena reads from the files) and
keeps its *logical* type (the type policy's) in the column parameter `ddbsnap.type`. Where the two
differ, the view decodes, so `SELECT * FROM <table>` returns the policy's types in every format:

- parquet, orc: the files carry the types; storage type = logical type.
- avro: Spark writes decimals as Avro `fixed` by default, which Athena/Trino's Avro reader cannot
  resolve against the `bytes` decimal that Hive derives from a `decimal(p,s)` column; the job writes
  with an explicit schema (decimals as `bytes` + logicalType decimal, timestamps in milliseconds,
  every field a nullable union with a null default, so older files read under a newer schema) and
  declares the same schema as `avro.schema.literal`.
- json: the Hive JSON SerDe (`org.apache.hive.hcatalog.data.JsonSerDe`), which Athena recommends
  over OpenX, whose results "can be non-deterministic" (Athena guide, "OpenX JSON SerDe"). It reads
  a JSON string into a binary column as the string's bytes, not base64-decoded, so binary columns
  are stored as base64 text (`string`) and the view applies `from_base64`.
- csv: OpenCSVSerde (the crawler's choice for quoted CSV, and the only Athena CSV SerDe that reads
  quoted fields; Athena guide, "Open CSV SerDe for processing CSV"). It reads every column as text
  in Trino, cannot tell NULL from an empty string, and splits a value that holds a line break
  (Athena guide: "does not support embedded line breaks"). So every CSV column is declared
  `string`, and each cell is documented text: NULL is `\\N`; in text a backslash is `\\\\`, a line
  feed `\\n`, a carriage return `\\r` and a BEL `\\a`; decimals as plain digits, binary is
  base64, booleans `true`/`false`, timestamps `YYYY-MM-DD HH:MM:SS.ffffff`, collections JSON. The
  SerDe's escape character is BEL, which the writer never leaves in a cell, so OpenCSV consumes
  no backslash; quotes are doubled (RFC 4180). The view decodes every column to its logical type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from contract import CONTRACT

FORMATS = ("parquet", "orc", "avro", "json", "csv")

# Glue column and table parameters this project writes on the tables it owns.
LOGICAL_TYPE_PARAMETER = "ddbsnap.type"
FORMAT_PARAMETER = "ddbsnap.format"

CSV_NULL = "\\N"
CSV_ESCAPES = (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), ("\x07", "\\a"))
CSV_ESCAPE_CHARACTER = "\x07"  # BEL: never left in a cell by the writer (escaped as \a)
CSV_TIMESTAMP_FORMAT = "yyyy-MM-dd HH:mm:ss.SSSSSS"  # Spark's pattern; Athena's timestamp text

HIVE = "org.apache.hadoop.hive"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = f"{HIVE}.ql.io.HiveIgnoreKeyTextOutputFormat"


@dataclass(frozen=True)
class StorageFormat:
    """The Glue storage descriptor of one format: Athena's documented SerDe for it."""

    input_format: str
    output_format: str
    serde: str
    serde_parameters: tuple[tuple[str, str], ...] = ()
    table_parameters: tuple[tuple[str, str], ...] = ()


STORAGE_FORMATS: dict[str, StorageFormat] = {
    "parquet": StorageFormat(
        f"{HIVE}.ql.io.parquet.MapredParquetInputFormat",
        f"{HIVE}.ql.io.parquet.MapredParquetOutputFormat",
        f"{HIVE}.ql.io.parquet.serde.ParquetHiveSerDe",
        (("serialization.format", "1"),),
    ),
    "orc": StorageFormat(
        f"{HIVE}.ql.io.orc.OrcInputFormat",
        f"{HIVE}.ql.io.orc.OrcOutputFormat",
        f"{HIVE}.ql.io.orc.OrcSerde",
    ),
    "avro": StorageFormat(
        f"{HIVE}.ql.io.avro.AvroContainerInputFormat",
        f"{HIVE}.ql.io.avro.AvroContainerOutputFormat",
        f"{HIVE}.serde2.avro.AvroSerDe",
    ),
    "json": StorageFormat(TEXT_INPUT, TEXT_OUTPUT, "org.apache.hive.hcatalog.data.JsonSerDe"),
    "csv": StorageFormat(
        TEXT_INPUT,
        TEXT_OUTPUT,
        f"{HIVE}.serde2.OpenCSVSerde",
        (("separatorChar", ","), ("quoteChar", '"'), ("escapeChar", CSV_ESCAPE_CHARACTER)),
        # Every file starts with a header row naming the columns (for tools other than Athena).
        (("skip.header.line.count", "1"),),
    ),
}

# The types a column can have: the contract's (the same list `columns` overrides are checked with).
DECIMAL = re.compile(CONTRACT["columnTypes"]["decimalPattern"])
LOGICAL_TYPES = (*CONTRACT["columnTypes"]["simple"], *CONTRACT["columnTypes"]["collections"])


def check_logical_type(logical_type: str) -> str:
    """A logical type reaches SQL (CAST) only if it is one the type policy writes."""
    if logical_type not in LOGICAL_TYPES and not DECIMAL.fullmatch(logical_type):
        raise ValueError(f"not a column type this project writes: {logical_type!r}")
    return logical_type


def storage_type(output_format: str, logical_type: str) -> str:
    """The type a column is declared with in the Glue table, for one format."""
    if output_format == "csv":
        return "string"
    if output_format == "json" and logical_type == "binary":
        return "string"
    return logical_type


def needs_decoding(output_format: str, logical_type: str) -> bool:
    return storage_type(output_format, logical_type) != logical_type or output_format == "csv"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _athena_type(logical_type: str) -> str:
    """The logical type in Athena's (Trino's) DML spelling, for CAST."""
    if logical_type == "string":
        return "varchar"
    if logical_type == "binary":
        return "varbinary"
    if logical_type == "array<string>":
        return "array(varchar)"
    if logical_type == "map<string,string>":
        return "map(varchar, varchar)"
    return logical_type  # bigint, int, double, boolean, timestamp, decimal(p,s)


def _csv_unescape(column: str) -> str:
    """Undoes the CSV text escapes (\\\\, \\n, \\r, \\a) in one left-to-right pass."""
    return (
        f"regexp_replace({column}, '\\\\(.)', x -> CASE x[1] WHEN 'n' THEN chr(10) "
        "WHEN 'r' THEN chr(13) WHEN 'a' THEN chr(7) ELSE x[1] END)"
    )


def column_expression(output_format: str, name: str, logical_type: str) -> str:
    """The view's expression for one column: the column itself where the files hold the logical
    type, otherwise the decoding of its documented text."""
    column = quote_identifier(name)
    check_logical_type(logical_type)
    if not needs_decoding(output_format, logical_type):
        return column
    if output_format == "json":  # binary as base64 text
        return f"from_base64({column}) AS {column}"
    if logical_type == "string":
        value = _csv_unescape(column)
    elif logical_type == "binary":
        value = f"from_base64({column})"
    elif logical_type in ("array<string>", "map<string,string>"):
        value = f"CAST(json_parse({column}) AS {_athena_type(logical_type)})"
    else:
        value = f"CAST({column} AS {_athena_type(logical_type)})"
    return f"CASE WHEN {column} = '{CSV_NULL}' THEN NULL ELSE {value} END AS {column}"


def view_select_list(
    output_format: str, columns: Sequence[tuple[str, str]], partition_key: str
) -> str:
    """The view's select list over the snapshot table: every column at its logical type, then the
    partition key (the snapshot the row belongs to)."""
    parts = [column_expression(output_format, name, logical) for name, logical in columns]
    return ", ".join([*parts, quote_identifier(partition_key)])


# ------------------------------------------------------------------------------------------
# The Glue table
# ------------------------------------------------------------------------------------------


def avro_field_type(logical_type: str) -> Any:
    """The Avro type a column is written as (Hive's mapping of the column type)."""
    decimal = DECIMAL.fullmatch(logical_type)
    if decimal:
        precision, scale = (int(g) for g in decimal.groups())
        return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}
    simple = {
        "string": "string",
        "bigint": "long",
        "int": "int",
        "double": "double",
        "boolean": "boolean",
        "binary": "bytes",
        # Hive's Avro timestamps are milliseconds: Trino reads timestamp-micros as if they were
        # milliseconds (2026 becomes year 58856), and Athena's timestamps are milliseconds anyway.
        "timestamp": {"type": "long", "logicalType": "timestamp-millis"},
        "array<string>": {"type": "array", "items": ["null", "string"]},
        "map<string,string>": {"type": "map", "values": ["null", "string"]},
    }
    return simple[logical_type]


def avro_schema(columns: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The writer's and the table's Avro schema: every field nullable with a null default, so a
    file written before a column existed reads that column as NULL."""
    return {
        "type": "record",
        "name": "snapshot",
        "namespace": "ddbsnap",
        "fields": [
            {"name": name, "type": ["null", avro_field_type(logical)], "default": None}
            for name, logical in columns
        ],
    }


def table_input(
    name: str,
    location: str,
    output_format: str,
    columns: Sequence[tuple[str, str]],
    partition_key: str,
) -> dict[str, Any]:
    """The Glue TableInput of a snapshot table: its columns (storage type, with the logical type
    as a parameter), the format's SerDe, and the snapshot partition key. The crawler adds
    partitions to it and, with its schema change policy at LOG, never changes it."""
    fmt = STORAGE_FORMATS[output_format]
    serde_parameters = dict(fmt.serde_parameters)
    if output_format == "avro":
        serde_parameters["avro.schema.literal"] = json.dumps(avro_schema(columns))
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            "classification": output_format,
            FORMAT_PARAMETER: output_format,
            **dict(fmt.table_parameters),
        },
        "PartitionKeys": [{"Name": partition_key, "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [
                {
                    "Name": column,
                    "Type": storage_type(output_format, logical),
                    "Parameters": {LOGICAL_TYPE_PARAMETER: logical},
                }
                for column, logical in columns
            ],
            "Location": location,
            "InputFormat": fmt.input_format,
            "OutputFormat": fmt.output_format,
            "SerdeInfo": {
                "SerializationLibrary": fmt.serde,
                "Parameters": serde_parameters,
            },
            "Parameters": {"classification": output_format},
        },
    }


def declared_format(table: Mapping[str, Any]) -> str | None:
    """The format this project declared the table with; None for a table it did not declare
    (made by the crawler before the export job owned the schema)."""
    value = (table.get("Parameters") or {}).get(FORMAT_PARAMETER)
    return value if value in STORAGE_FORMATS else None


def logical_columns(table: Mapping[str, Any], output_format: str) -> list[tuple[str, str | None]]:
    """(name, logical type) of a snapshot table's columns, in table order. A column's logical type
    is the one this project declared; for a table the crawler made, Parquet, ORC and Avro column
    types came from the files and are kept, while a JSON or CSV column's type was the crawler's
    guess from the text and is not (None: the type policy decides it again)."""
    columns = (table.get("StorageDescriptor") or {}).get("Columns") or []
    declared = declared_format(table) is not None
    result: list[tuple[str, str | None]] = []
    for column in columns:
        logical = (column.get("Parameters") or {}).get(LOGICAL_TYPE_PARAMETER)
        if logical is None and not declared and output_format in ("parquet", "orc", "avro"):
            logical = re.sub(r"\s+", "", column["Type"].lower())
        result.append((column["Name"], logical))
    return result


def view_columns(table: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """The format and (name, logical type) columns a view over this snapshot table decodes. A
    table this project did not declare is read as it is (its declared type as the logical one)."""
    output_format = declared_format(table) or "parquet"
    columns = (table.get("StorageDescriptor") or {}).get("Columns") or []
    return output_format, [
        (c["Name"], (c.get("Parameters") or {}).get(LOGICAL_TYPE_PARAMETER) or c["Type"])
        for c in columns
    ]
