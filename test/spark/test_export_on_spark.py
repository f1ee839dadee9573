"""The export job's writer on a real local Spark session: files of every snapshot format read
back by readers that are not Spark (DuckDB, pyarrow, gzip), and Iceberg time travel."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pyarrow.orc as orc
import pytest
from fakes import RefusingScan

from snapshot_staging import ScanFailed
from snapshot_staging import ScanPlan
from snapshot_staging import stage_scan
from snapshot_writing import compact
from snapshot_writing import write_frame

ROWS = [{"id": f"r{i}", "stars": i % 5, "title": f"Review {i}"} for i in range(50)]
SCHEMA = [("id", "string"), ("stars", "bigint"), ("title", "string")]


def counted_source(spark, rows):
    """A DataFrame whose rows are produced by a map that counts how often it runs, standing in
    for the DynamoDB connector: the count is how many times the table would be read."""
    produced = spark.sparkContext.accumulator(0)

    def produce(row):
        produced.add(1)
        return row

    rdd = spark.sparkContext.parallelize([tuple(r.values()) for r in rows], 4).map(produce)
    return spark.createDataFrame(rdd, "id string, stars long, title string"), produced


def files(folder: Path, suffix: str) -> list[Path]:
    return sorted(p for p in folder.rglob(f"*{suffix}") if not p.name.startswith("."))


def test_parquet_snapshots_are_snappy_and_read_back_by_duckdb(spark, tmp_path):
    frame, _ = counted_source(spark, ROWS)
    write_frame(frame, f"file://{tmp_path}/parquet/", "parquet", SCHEMA)
    parts = files(tmp_path / "parquet", ".parquet")
    assert parts
    assert all(".snappy." in p.name for p in parts)
    rows = duckdb.sql(
        f"SELECT id, stars, title FROM read_parquet('{tmp_path}/parquet/*.parquet') ORDER BY id"
    ).fetchall()
    assert sorted(rows) == sorted((r["id"], r["stars"], r["title"]) for r in ROWS)
    codecs = duckdb.sql(
        f"SELECT DISTINCT compression FROM parquet_metadata('{tmp_path}/parquet/*.parquet')"
    ).fetchall()
    assert codecs == [("SNAPPY",)]


@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_text_snapshots_are_gzip_files_and_csv_has_a_header(spark, tmp_path, output_format):
    frame, _ = counted_source(spark, ROWS)
    write_frame(frame, f"file://{tmp_path}/{output_format}/", output_format, SCHEMA)
    parts = files(tmp_path / output_format, ".gz")
    assert parts, "gzip-compressed parts"
    lines = [line for p in parts for line in gzip.decompress(p.read_bytes()).decode().splitlines()]
    if output_format == "json":
        assert sorted(json.loads(line)["id"] for line in lines) == sorted(r["id"] for r in ROWS)
    else:
        headers = [line for line in lines if line == "id,stars,title"]
        assert len(headers) == len(parts), "one header row per file"
        assert len(lines) - len(headers) == len(ROWS)


def test_orc_and_avro_snapshots_hold_every_row(spark, tmp_path):
    frame, _ = counted_source(spark, ROWS)
    write_frame(frame, f"file://{tmp_path}/orc/", "orc", SCHEMA)
    table = [orc.read_table(p) for p in files(tmp_path / "orc", ".orc")]
    assert sum(t.num_rows for t in table) == len(ROWS)
    write_frame(frame, f"file://{tmp_path}/avro/", "avro", SCHEMA)
    parts = files(tmp_path / "avro", ".avro")
    assert parts
    assert all(p.read_bytes()[:4] == b"Obj\x01" for p in parts)  # Avro container files
    assert spark.read.format("avro").load(f"file://{tmp_path}/avro/").count() == len(ROWS)


@pytest.mark.parametrize("output_format", ["parquet", "orc", "avro", "json", "csv"])
def test_parts_are_compacted_into_one_file_that_holds_every_row(spark, tmp_path, output_format):
    """What a small table's snapshot goes through: four tasks write parts, compaction makes one
    file of them without decoding a row; readers that are not Spark read it whole."""
    rows = spark.createDataFrame(
        [tuple(r.values()) for r in ROWS], "id string, stars long, title string"
    )
    folder = tmp_path / output_format
    write_frame(rows.repartition(4), f"file://{folder}/", output_format, SCHEMA, csv_header=False)
    assert len(data_files(folder)) == 4
    compact(spark, f"file://{folder}/", 1, output_format, [name for name, _ in SCHEMA])
    (single,) = data_files(folder)
    assert single.name.startswith("part-00000-compacted")
    if output_format == "parquet":
        got = duckdb.sql(f"SELECT id, stars, title FROM read_parquet('{single}')").fetchall()
    elif output_format == "orc":
        got = [tuple(r.values()) for r in orc.read_table(single).to_pylist()]
    elif output_format == "avro":
        frame = spark.read.format("avro").load(f"file://{single}")
        got = [tuple(r) for r in frame.select("id", "stars", "title").collect()]
    else:
        lines = gzip.decompress(single.read_bytes()).decode().splitlines()
        if output_format == "csv":
            assert lines[0] == "id,stars,title", "one header, first"
            got = [(i, int(s), t) for i, s, t in (line.split(",") for line in lines[1:])]
        else:
            got = [(r["id"], r["stars"], r["title"]) for r in map(json.loads, lines)]
    assert sorted(got) == sorted((r["id"], r["stars"], r["title"]) for r in ROWS)


def data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_")))


def test_a_retry_appends_nothing_when_the_folder_was_purged(spark, tmp_path):
    target = tmp_path / "retry"
    frame, _ = counted_source(spark, ROWS)
    write_frame(frame, f"file://{target}/", "parquet", SCHEMA)
    for part in target.iterdir():  # what purge_s3_path does before a retry writes again
        part.unlink()
    write_frame(frame, f"file://{target}/", "parquet", SCHEMA)
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{target}/*.parquet')").fetchone() == (
        len(ROWS),
    )


def test_the_iceberg_catalog_keeps_snapshots_for_time_travel(spark):
    spark.sql("CREATE TABLE local.db.reviews (id string, stars bigint) USING iceberg")
    spark.sql("INSERT INTO local.db.reviews VALUES ('r1', 5), ('r2', 3)")
    first = spark.sql("SELECT snapshot_id FROM local.db.reviews.snapshots").collect()[0][0]
    spark.sql("UPDATE local.db.reviews SET stars = 4 WHERE id = 'r2'")
    now = sorted(tuple(r) for r in spark.sql("SELECT id, stars FROM local.db.reviews").collect())
    then = sorted(
        tuple(r)
        for r in spark.sql(
            f"SELECT id, stars FROM local.db.reviews VERSION AS OF {first}"
        ).collect()
    )
    assert now == [("r1", 5), ("r2", 4)]
    assert then == [("r1", 5), ("r2", 3)]


def test_a_scan_out_of_retries_fails_in_one_line_not_a_page_of_java(spark, tmp_path):
    """Reported by the team, reproduced by the fault suite: a segment's Scan out of retries
    failed the job with Spark's Py4JJavaError, the worker's traceback inside a Java stack trace
    (153 lines before the fix)."""
    plan = ScanPlan("Reviews", segments=2, units_per_segment=10.0, page_limit=5)
    with pytest.raises(ScanFailed) as caught:
        stage_scan(spark, plan, f"file://{tmp_path}/staged/", RefusingScan())
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("the table's scan failed: segment ")
    assert "Scan failed after 21 attempt(s): ProvisionedThroughputExceededException" in message
