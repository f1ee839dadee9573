"""Athena reads Iceberg format v1 and v2 only (AWS Prescriptive Guidance, "Iceberg table spec
v3"); Glue 6.x ships Iceberg 1.11, which can write v3, and an upgrade is one-way. The apply job
keeps iceberg_<table> at format-version 2: the table metadata Iceberg writes says so after every
commit, and a table upgraded to v3 stops the run with the reason before anything is merged."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from test_incremental_job_on_iceberg import TABLE
from test_incremental_job_on_iceberg import T
from test_incremental_job_on_iceberg import World
from test_incremental_job_on_iceberg import item


def metadata_folder(spark) -> Path:
    location = spark.sql(f"DESCRIBE TABLE EXTENDED {TABLE}").where("col_name = 'Location'")
    return Path(location.first()["data_type"].removeprefix("file:")) / "metadata"


def current_metadata(spark) -> dict:
    """The table's current metadata file, read as JSON (not through Spark or Iceberg's API)."""
    folder = metadata_folder(spark)
    version = (folder / "version-hint.text").read_text().strip()
    return json.loads((folder / f"v{version}.metadata.json").read_text())


def test_every_commit_of_the_apply_job_leaves_the_table_at_format_version_2(spark, tmp_path):
    world = World(spark, tmp_path)
    world.table.put(T - timedelta(hours=5), item("a", price=1))
    world.run()  # the bootstrap
    world.table.put(T + timedelta(minutes=5), item("a", price=2, note="new column"))
    world.table.delete(T + timedelta(minutes=6), "a")
    world.table.put(T + timedelta(minutes=7), item("b", price=3))
    world.now = T + timedelta(hours=1)
    world.run()  # ADD COLUMNS, then a MERGE with a delete
    files = sorted(metadata_folder(spark).glob("v*.metadata.json"))
    assert len(files) >= 3, "created, bootstrapped, merged"
    versions = {json.loads(f.read_text())["format-version"] for f in files}
    assert versions == {2}
    properties = current_metadata(spark)["properties"]
    assert properties["write.merge.mode"] == "merge-on-read"


def test_a_table_upgraded_to_v3_stops_the_run_before_anything_is_merged(spark, tmp_path):
    world = World(spark, tmp_path)
    world.table.put(T - timedelta(hours=5), item("a", price=1))
    world.run()
    spark.sql(f"ALTER TABLE {TABLE} SET TBLPROPERTIES ('format-version'='3')")
    before = spark.sql(f"SELECT count(*) FROM {TABLE}.snapshots").first()[0]
    world.table.put(T + timedelta(minutes=5), item("b", price=2))
    world.now = T + timedelta(hours=1)
    with pytest.raises(RuntimeError, match="format-version 3, which Athena cannot read"):
        world.run()
    assert current_metadata(spark)["format-version"] == 3
    assert spark.sql(f"SELECT count(*) FROM {TABLE}.snapshots").first()[0] == before
