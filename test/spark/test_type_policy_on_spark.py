"""The export job end to end on a real local Spark session: a corpus of awkward DynamoDB items
goes through main() in scan mode and in export mode (only the Glue boundaries are fakes), and
the files are read back by DuckDB, which is not Spark. Then snapshots whose attribute types
drift are read together through the Glue table's schema, as Athena reads Parquet: by name, each
column at the table's type (Spark with an explicit schema stands in for Athena here: like
Athena's Parquet reader it fails when a file's column has another type than the table's)."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest
from fakes import CorpusScan
from fakes import FakeDynamoDB
from fakes import FakeGlue
from fakes import LocalRuntime
from fakes import LocalStorage

import export_table
from item_types import exact_text
from item_types import to_json_text
from spark_runtime import SparkJobEnvironment

BUCKET = "snapshots"
OUTPUT = f"s3://{BUCKET}/parquet/awkward"

N38 = "12345678901234567890123456789012345678"  # 38 digits: more than decimal(38,10) holds
N28 = "1234567890123456789012345678"  # 28 digits: the most decimal(38,10) holds
ID64 = "9223372036854775807"

# Every DynamoDB type, and the attribute names and values that break snapshot tables.
CORPUS = [
    {
        "pk": {"S": "item-1"},
        "price": {"N": "19.99"},
        "id64": {"N": ID64},
        "n28": {"N": N28},
        "n38": {"N": N38},
        "huge": {"N": "1E+125"},
        "tiny": {"N": "1E-130"},
        "blob": {"B": "AAEC/w=="},
        "ok": {"BOOL": True},
        "nothing": {"NULL": True},
        "colours": {"SS": ["red", "blue"]},
        "sizes": {"NS": ["10", "2.5"]},
        "hashes": {"BS": ["AQ==", "Ag=="]},
        "profile": {"M": {"name": {"S": "Ann"}, "age": {"N": "41"}}},
        "history": {"L": [{"S": "a"}, {"N": "1"}, {"BOOL": False}, {"NULL": True}]},
        "user.id": {"S": "dots"},
        "first name": {"S": "spaces"},
        "UserId": {"S": "upper"},
        "userid": {"S": "lower"},
        "größe": {"S": "non-ascii"},
        "名前": {"S": "no latin letters"},
        "select": {"S": "reserved word"},
        "code": {"N": "7"},
    },
    {
        "pk": {"S": "item-2"},
        "price": {"N": "0.0000000001"},
        "empty": {"S": ""},
        "emptyBlob": {"B": ""},
        "emptyList": {"L": []},
        "emptyMap": {"M": {}},
        "profile": {"M": {"name": {"S": "Bo"}, "age": {"N": "7"}, "city": {"S": "Oslo"}}},
        "code": {"S": "A-7"},
    },
    {"pk": {"S": "item-3"}, "code": {"N": "8"}, "sparse": {"BOOL": False}},
]


def by_pk(rows, columns):
    return {row[columns.index("pk")]: dict(zip(columns, row, strict=True)) for row in rows}


def duckdb_rows(storage, snapshot):
    files = [str(p) for p in storage.data_files(snapshot)]
    relation = duckdb.read_parquet(files)
    types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    return by_pk(relation.fetchall(), relation.columns), types


def run_export(spark, tmp_path, mode, items, glue=None, column_types=None, **describe):
    storage = LocalStorage(tmp_path / "s3")
    dynamodb = FakeDynamoDB(storage, items, **describe)
    glue = glue or FakeGlue()
    runtime = LocalRuntime(spark)
    args = {
        "table_name": "Awkward",
        "mode": mode,
        "output_path": OUTPUT,
        "output_format": "parquet",
        "database": "exports",
        "WORKFLOW_NAME": "ddbsnap-dev-awkward",
        "WORKFLOW_RUN_ID": "wr_1",
        **({"column_types": json.dumps(column_types)} if column_types else {}),
    }
    if mode == "scan":
        args |= {"read_percentage": "1.5", "splits": "4", "TempDir": f"s3://{BUCKET}/tmp/awkward/"}
    else:
        args |= {
            "table_arn": "arn:aws:dynamodb:ap-northeast-1:123456789012:table/Awkward",
            "export_staging_path": f"s3://{BUCKET}/export-staging/awkward/",
        }
    result = export_table.main(
        [token for name, value in args.items() for token in (f"--{name}", value)],
        SparkJobEnvironment(
            runtime_factory=runtime,
            storage=storage,
            glue=glue,
            dynamodb=dynamodb,
            sleep=lambda _: None,
        ),
        scan_client_factory=CorpusScan(items),
    )
    return result, storage, glue, runtime


@pytest.fixture(scope="module")
def scan_snapshot(spark, tmp_path_factory):
    return run_export(spark, tmp_path_factory.mktemp("scan"), "scan", CORPUS)


def test_every_dynamodb_type_gets_its_policy_type_in_the_files(scan_snapshot):
    result, storage, glue, runtime = scan_snapshot
    _, types = duckdb_rows(storage, result.snapshot)
    assert types["pk"] == "VARCHAR"
    assert types["price"] == "DECIMAL(38,10)"
    assert types["blob"] == "BLOB"
    assert types["ok"] == "BOOLEAN"
    for nested in ("colours", "sizes", "hashes", "profile", "history", "emptylist", "emptymap"):
        assert types[nested] == "VARCHAR", nested
    assert types["nothing"] == "VARCHAR"  # only ever NULL: a string column of NULLs
    assert result.items == 3
    assert glue.run_properties["snapshot_timestamp"] == "20261124T030000Z"
    assert glue.run_properties["snapshot_item_count"] == "3"
    assert glue.run_properties["snapshot_export_seconds"].isdigit()
    # CorpusScan reports half a read unit per item; the job adds up what DynamoDB reported.
    assert glue.run_properties["snapshot_read_units"] == "2"
    assert runtime.job.committed


def test_numbers_are_exact_and_what_does_not_fit_is_kept_as_text(scan_snapshot):
    result, storage, *_ = scan_snapshot
    rows, types = duckdb_rows(storage, result.snapshot)
    one, two = rows["item-1"], rows["item-2"]
    assert one["price"] == Decimal("19.99")
    assert two["price"] == Decimal("0.0000000001")
    assert one["id64"] == Decimal(ID64)
    assert one["n28"] == Decimal(N28), "28-digit integers survive exactly"
    # 38 digits, 1E+125 and 1E-130 do not fit decimal(38,10): their exact text is beside them.
    assert one["n38"] is None
    assert one["n38__n"] == N38
    assert one["huge"] is None
    assert one["huge__n"] == "1E+125"
    assert one["tiny"] is None
    assert one["tiny__n"] == "1E-130"
    assert types["n38__n"] == "VARCHAR"
    assert result.misfits == 4  # n38, huge, tiny, and code's one string (below)


def test_nested_values_are_deterministic_json_and_a_map_gaining_a_key_keeps_its_type(scan_snapshot):
    result, storage, *_ = scan_snapshot
    rows, _ = duckdb_rows(storage, result.snapshot)
    one, two = rows["item-1"], rows["item-2"]
    assert json.loads(one["profile"]) == {"age": 41, "name": "Ann"}
    assert json.loads(two["profile"]) == {"age": 7, "city": "Oslo", "name": "Bo"}
    assert one["colours"] == '["blue","red"]'
    assert one["sizes"] == "[2.5,10]"
    assert one["history"] == '["a",1,false,null]'
    assert two["emptylist"] == "[]"
    assert two["emptymap"] == "{}"
    assert two["empty"] == ""
    assert two["emptyblob"] == b""
    assert one["blob"] == bytes([0, 1, 2, 255])


def test_awkward_names_become_athena_names_without_losing_a_column(scan_snapshot):
    result, storage, *_ = scan_snapshot
    rows, _ = duckdb_rows(storage, result.snapshot)
    one = rows["item-1"]
    assert one["user_id"] == "dots"
    assert one["first_name"] == "spaces"
    assert one["userid"] == "lower", "the attribute already in normal form keeps the name"
    assert one["userid_2"] == "upper"
    assert one["grosse"] == "non-ascii"
    assert one["select"] == "reserved word"
    texts = {v for v in one.values() if isinstance(v, str)}
    assert {"non-ascii", "no latin letters"} <= texts
    assert all(name == name.lower() and "." not in name and " " not in name for name in one)


def test_mixed_and_sparse_attributes(scan_snapshot):
    result, storage, *_ = scan_snapshot
    rows, types = duckdb_rows(storage, result.snapshot)
    # code is a number in two items and a string in one: the majority type wins the column.
    assert types["code"] == "DECIMAL(38,10)"
    assert [rows[k]["code"] for k in ("item-1", "item-3")] == [Decimal(7), Decimal(8)]
    assert rows["item-2"]["code"] is None
    assert rows["item-2"]["code__s"] == "A-7"
    assert rows["item-3"]["sparse"] is False
    assert rows["item-1"]["sparse"] is None


def test_every_value_is_recoverable_from_its_row(scan_snapshot):
    """Each attribute's value is in its column or, exactly, in the column's sidecar."""
    result, storage, *_ = scan_snapshot
    rows, _ = duckdb_rows(storage, result.snapshot)
    plan_names = {
        "pk": "pk",
        "user.id": "user_id",
        "first name": "first_name",
        "UserId": "userid_2",
        "emptyBlob": "emptyblob",
        "emptyList": "emptylist",
        "emptyMap": "emptymap",
    }
    for item in CORPUS:
        row = rows[item["pk"]["S"]]
        for attribute, value in item.items():
            column = plan_names.get(attribute, attribute)
            if column not in row:
                continue  # non-ASCII names: checked by value above
            (ddb_type,) = value
            sidecar = row.get(f"{column}__{ddb_type.lower()}")
            if sidecar is not None:
                assert sidecar == exact_text(value)
            elif ddb_type == "NULL":
                assert row[column] is None
            elif ddb_type in ("M", "L", "SS", "NS", "BS"):
                assert row[column] == to_json_text(value)
            elif ddb_type == "N":
                assert row[column] == Decimal(value["N"])
            elif ddb_type == "S":
                assert row[column] == value["S"]


def test_export_mode_gives_the_same_columns_and_rows_as_scan_mode(spark, tmp_path, scan_snapshot):
    scan_result, scan_storage, *_ = scan_snapshot
    result, storage, glue, _ = run_export(spark, tmp_path, "export", CORPUS)
    assert duckdb_rows(storage, result.snapshot) == duckdb_rows(scan_storage, scan_result.snapshot)
    assert glue.run_properties["snapshot_item_count"] == "3"
    assert not storage.data_files(f"s3://{BUCKET}/export-staging/awkward"), "staging removed"


def test_a_small_table_is_one_file(scan_snapshot):
    result, storage, *_ = scan_snapshot
    assert result.files == 1 == len(storage.data_files(result.snapshot))
    (part,) = storage.data_files(result.snapshot)
    assert result.bytes == part.stat().st_size > 0
    assert not storage.data_files(f"s3://{BUCKET}/tmp/awkward"), "the staged scan is removed"


def test_a_big_table_is_written_in_about_a_file_per_gib(spark, tmp_path):
    items = [{"pk": {"S": f"k{i}"}, "v": {"N": str(i)}} for i in range(40)]
    result, *_ = run_export(spark, tmp_path, "scan", items, size_bytes=3 * 2**30)
    assert result.files == 3
    assert result.items == 40


def test_an_empty_table_writes_nothing_and_counts_zero(spark, tmp_path):
    result, _, glue, _ = run_export(spark, tmp_path, "scan", [])
    assert (result.items, result.files) == (0, 0)
    assert glue.run_properties["snapshot_item_count"] == "0"


DRIFT_1 = [
    {"pk": {"S": "a"}, "score": {"N": "10"}, "meta": {"M": {"x": {"N": "1"}}}},
    {"pk": {"S": "b"}, "score": {"N": "11"}},
]
DRIFT_2 = [
    {"pk": {"S": "a"}, "score": {"S": "high"}, "meta": {"M": {"x": {"N": "1"}, "y": {"S": "new"}}}},
    {"pk": {"S": "b"}, "score": {"S": "low"}},
    {"pk": {"S": "c"}, "score": {"N": "12.5"}, "added": {"BOOL": True}},
]


def crawl(storage, snapshot, table_columns):
    """What the crawler does to the Glue table: keep every column's first type, add new ones."""
    relation = duckdb.read_parquet([str(p) for p in storage.data_files(snapshot)])
    duck_to_glue = {"VARCHAR": "string", "BOOLEAN": "boolean", "BLOB": "binary"}
    known = dict(table_columns)
    for name, duck_type in zip(relation.columns, relation.types, strict=True):
        glue_type = duck_to_glue.get(str(duck_type), str(duck_type).lower().replace(" ", ""))
        known.setdefault(name, glue_type)
    return list(known.items())


def read_through_table(spark, storage, snapshots, table_columns):
    schema = ", ".join(f"`{n}` {t}" for n, t in table_columns)
    paths = [storage.spark_path(s) for s in snapshots]
    return spark.read.schema(schema).parquet(*paths)


def test_two_snapshots_with_drifting_types_read_through_the_glue_tables_schema(spark, tmp_path):
    first, storage, *_ = run_export(spark, tmp_path / "1", "scan", DRIFT_1)
    table = crawl(storage, first.snapshot, [])
    assert dict(table)["score"] == "decimal(38,10)"
    # Snapshot 2: most scores are strings now. The column keeps the table's type regardless.
    second, storage2, _, _ = run_export(
        spark, tmp_path / "2", "scan", DRIFT_2, glue=FakeGlue(table)
    )
    table = crawl(storage2, second.snapshot, table)
    assert dict(table)["score"] == "decimal(38,10)"
    assert dict(table)["score__s"] == "string"
    both = read_through_table(spark, storage, [first.snapshot], table).unionByName(
        read_through_table(spark, storage2, [second.snapshot], table)
    )
    got = sorted(
        ((r["pk"], r["score"], r["score__s"], r["meta"]) for r in both.collect()),
        key=lambda row: (row[0], row[1] is None),
    )
    assert got == [
        ("a", Decimal("10"), None, '{"x":1}'),
        ("a", None, "high", '{"x":1,"y":"new"}'),
        ("b", Decimal("11"), None, None),
        ("b", None, "low", None),
        ("c", Decimal("12.5"), None, None),
    ]


def test_without_the_policy_a_drifted_type_breaks_the_read(spark, tmp_path):
    """The failure the policy prevents: a file whose column has another type than the table's."""
    path = f"file://{tmp_path}/drifted/"
    spark.createDataFrame([("a", 1.5)], "pk string, score double").write.parquet(path)
    with pytest.raises(Exception, match=r"(?i)parquet|convert|decimal"):
        spark.read.schema("pk string, score decimal(38,10)").parquet(path).collect()


def test_scan_then_export_then_scan_keeps_the_tables_types(spark, tmp_path):
    table: list[tuple[str, str]] = []
    snapshots = []
    for step, mode in enumerate(["scan", "export", "scan"]):
        result, storage, _, _ = run_export(
            spark,
            tmp_path / str(step),
            mode,
            DRIFT_1 if step != 1 else DRIFT_2,
            glue=FakeGlue(list(table)),
        )
        table = crawl(storage, result.snapshot, table)
        snapshots.append((storage, result.snapshot))
    assert dict(table)["score"] == "decimal(38,10)"
    total = sum(read_through_table(spark, s, [p], table).count() for s, p in snapshots)
    assert total == 7


def test_a_scan_reads_each_item_once_although_the_job_passes_over_the_items_twice(spark, tmp_path):
    from fakes import CountingScan

    served = spark.sparkContext.accumulator(0)
    storage = LocalStorage(tmp_path / "s3")
    result = export_table.main(
        [
            "--table_name",
            "Awkward",
            "--mode",
            "scan",
            "--output_path",
            OUTPUT,
            "--output_format",
            "parquet",
            "--database",
            "exports",
            "--read_percentage",
            "0.5",
            "--splits",
            "3",
            "--TempDir",
            f"s3://{BUCKET}/tmp/awkward/",
        ],
        SparkJobEnvironment(
            runtime_factory=LocalRuntime(spark),
            storage=storage,
            glue=FakeGlue(),
            dynamodb=FakeDynamoDB(storage, CORPUS),
        ),
        scan_client_factory=CountingScan(CORPUS, served=served),
    )
    assert result.items == len(CORPUS)
    assert served.value == len(CORPUS), (
        "one Scan of the table: inventory and write read the staged copy"
    )


def test_an_export_whose_staged_files_are_gone_fails_instead_of_writing_an_empty_snapshot(
    spark, tmp_path
):
    with pytest.raises(RuntimeError, match=r"DynamoDB exported 3 items, but .* holds none"):
        run_export(spark, tmp_path, "export", CORPUS, files_gone=True)


def test_an_empty_tables_export_that_staged_no_file_gives_an_empty_snapshot(spark, tmp_path):
    result, _, glue, _ = run_export(spark, tmp_path, "export", [], files_gone=True)
    assert result.items == 0
    assert glue.run_properties["snapshot_item_count"] == "0"


def test_column_overrides_write_their_types(spark, tmp_path):
    items = [
        {
            "pk": {"S": "a"},
            "price": {"N": "12.34"},
            "createdAt": {"S": "2026-11-24T03:00:00Z"},
            "tags": {"SS": ["b", "a"]},
            "attrs": {"M": {"colour": {"S": "red"}}},
            "count": {"N": "42"},
        },
        {"pk": {"S": "b"}, "price": {"N": "1.005"}, "createdAt": {"S": "soon"}},
    ]
    overrides = {
        "price": "decimal(18,2)",
        "createdAt": "timestamp",
        "tags": "array<string>",
        "attrs": "map<string,string>",
        "count": "bigint",
    }
    result, storage, *_ = run_export(spark, tmp_path, "scan", items, column_types=overrides)
    rows, types = duckdb_rows(storage, result.snapshot)
    assert types["price"] == "DECIMAL(18,2)"
    assert types["createdat"] == "TIMESTAMP WITH TIME ZONE" or types["createdat"] == "TIMESTAMP"
    assert types["tags"] == "VARCHAR[]"
    assert types["attrs"] == "MAP(VARCHAR, VARCHAR)"
    assert types["count"] == "BIGINT"
    a, b = rows["a"], rows["b"]
    assert a["price"] == Decimal("12.34")
    assert a["tags"] == ["a", "b"]
    assert a["attrs"] == {"colour": "red"}
    assert a["count"] == 42
    assert a["createdat"].isoformat().startswith("2026-11-24T03:00:00")
    # 1.005 has three decimals and "soon" is no time: both kept as text beside their columns.
    assert b["price"] is None
    assert b["price__n"] == "1.005"
    assert b["createdat"] is None
    assert b["createdat__s"] == "soon"
