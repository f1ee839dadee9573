"""The incremental mode's two jobs end to end on real Spark and Iceberg: the planner job exports
from a table that behaves like DynamoDB (its export rules enforced, compacted NEW_IMAGE records),
then the apply job merges exactly the files the manifests list into the Iceberg table. After
every run the table equals the DynamoDB table as of the watermark, including after a crash
between the commit and the watermark write, and Iceberg time travel returns earlier states."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone
from decimal import Decimal
from pathlib import Path

import pytest
from fakes import FakeGlue
from fakes import LocalRuntime
from fakes import LocalStorage

import apply_changes
import incremental_exports
from exporting_table import ExportingTable
from job_arguments import JobEnvironment
from spark_runtime import SparkJobEnvironment

T = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
ARN = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/Orders"
TABLE = "glue_catalog.analytics.iceberg_orders"
COMMON = ["--WORKFLOW_NAME=ddbsnap-dev-orders", "--WORKFLOW_RUN_ID=wr_1"]
PLANNER_ARGS = [
    "--table_name=Orders",
    f"--table_arn={ARN}",
    "--export_staging_path=s3://snap-bucket/export-staging/orders",
    "--state_path=s3://snap-bucket/state/orders",
    *COMMON,
]
APPLY_ARGS = [
    "--table_name=Orders",
    "--database=analytics",
    "--iceberg_table=iceberg_orders",
    "--state_path=s3://snap-bucket/state/orders",
    '--column_types={"qty": "bigint"}',
    "--JOB_NAME=ddbsnap-dev-orders-apply",
    *COMMON,
]


class World:
    def __init__(self, spark, tmp_path):
        self.spark = spark
        self.now = T
        self.storage = LocalStorage(tmp_path)
        self.table = ExportingTable(
            ARN, self.put, lambda: self.now, pitr_since=T - timedelta(days=3)
        )
        spark.sql(f"DROP TABLE IF EXISTS {TABLE}")
        # What the program declares: the Iceberg table with only the write-timestamp column.
        spark.sql(f"CREATE TABLE {TABLE} (_ddb_write_ts bigint) USING iceberg")

    def put(self, bucket: str, key: str, body: bytes) -> None:
        path = self.storage.local(f"s3://{bucket}/{key}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    def run(self, crash_before_watermark: bool = False):
        glue = FakeGlue()
        env = JobEnvironment(
            glue=glue, dynamodb=self.table, s3=self, now=lambda: self.now, sleep=lambda _: None
        )
        incremental_exports.main(PLANNER_ARGS, env)
        before = self.storage.read_text("s3://snap-bucket/state/orders/watermark.json", True)
        spark_env = SparkJobEnvironment(
            runtime_factory=LocalRuntime(self.spark), storage=self.storage, glue=glue
        )
        result = apply_changes.main(APPLY_ARGS, spark_env)
        if crash_before_watermark:  # the merge committed, the watermark write never happened
            path = self.storage.local("s3://snap-bucket/state/orders/watermark.json")
            if before is None:
                path.unlink()
            else:
                path.write_text(before)
        return result, glue.run_properties

    # the planner reads and writes the state through boto3's S3 calls
    def put_object(self, Bucket, Key, Body):
        self.put(Bucket, Key, Body)

    def get_object(self, Bucket, Key):
        import io

        from botocore.exceptions import ClientError

        text = self.storage.read_text(f"s3://{Bucket}/{Key}", missing_ok=True)
        if text is None:
            raise ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject")
        return {"Body": io.BytesIO(text.encode())}

    def rows(self, as_of: datetime | None = None) -> dict[str, dict]:
        at = f" TIMESTAMP AS OF '{as_of.strftime('%Y-%m-%d %H:%M:%S.%f')}'" if as_of else ""
        frame = self.spark.sql(f"SELECT * FROM {TABLE}{at}")
        return {
            r["pk"]: {k: v for k, v in r.asDict().items() if k != "_ddb_write_ts" and v is not None}
            for r in frame.collect()
        }

    def expected(self, moment: datetime) -> dict[str, dict]:
        """The model's items as of `moment`, in the column types the policy gives them."""
        out = {}
        for key, item in self.table.state_at(moment).items():
            row = {}
            for name, value in item.items():
                ((ddb_type, inner),) = value.items()
                if ddb_type == "S":
                    row[name.lower()] = inner
                elif name == "qty":
                    row["qty"] = int(inner)
                else:
                    row[name.lower()] = Decimal(inner)
            out[key] = row
        return out


def item(key: str, **attributes) -> dict:
    image = {"pk": {"S": key}}
    for name, value in attributes.items():
        image[name] = (
            {"N": str(value)} if isinstance(value, (int, float, Decimal)) else {"S": value}
        )
    return image


def test_bootstrap_then_windows_keep_the_table_equal_to_dynamodb(spark, tmp_path):
    world = World(spark, tmp_path)
    world.table.put(T - timedelta(hours=5), item("a", price=Decimal("10.50"), qty=1))
    world.table.put(T - timedelta(hours=4), item("b", price=3, qty=2))

    result, properties = world.run()  # first run: full export at T - 15 min
    watermark = T - timedelta(minutes=15)
    assert result.watermark == watermark
    assert world.rows() == world.expected(watermark)
    assert properties["snapshot_item_count"] == "2"
    assert properties["snapshot_timestamp"] == "20261120T014500Z"
    after_bootstrap = datetime.now(timezone.utc)

    # Changes: an update with a new attribute, a delete, an insert and delete inside one
    # window, a TTL expiry (a delete like any other), and an insert.
    world.table.put(T + timedelta(minutes=10), item("a", price=11, qty=1, note="repriced"))
    world.table.delete(T + timedelta(minutes=20), "b")
    world.table.put(T + timedelta(minutes=30), item("ghost", price=1))
    world.table.delete(T + timedelta(minutes=40), "ghost")
    world.table.put(T + timedelta(minutes=50), item("c", price=7, qty=3))
    world.table.put(T + timedelta(hours=1), item("ttl", price=5))
    world.table.delete(T + timedelta(hours=26), "ttl")  # expired by TTL a day later
    world.now = T + timedelta(hours=30)
    result, properties = world.run()
    assert result.watermark == world.now - timedelta(minutes=15)
    assert world.rows() == world.expected(result.watermark)
    assert "note" in {f.name: f.dataType.simpleString() for f in spark.table(TABLE).schema.fields}
    assert ("qty", "bigint") in [
        (f.name, f.dataType.simpleString()) for f in spark.table(TABLE).schema.fields
    ]
    assert properties["snapshot_item_count"] == "2"  # a and c

    # Time travel: the state right after the bootstrap.
    assert world.rows(as_of=after_bootstrap) == world.expected(watermark)


def test_a_crash_between_the_commit_and_the_watermark_write_re_applies_harmlessly(spark, tmp_path):
    world = World(spark, tmp_path)
    world.table.put(T - timedelta(hours=5), item("a", price=1))
    world.run()
    world.table.put(T + timedelta(minutes=5), item("a", price=2))
    world.table.put(T + timedelta(minutes=6), item("b", price=9))
    world.now = T + timedelta(hours=2)
    world.run(crash_before_watermark=True)  # merged; the watermark still says T - 15 min
    first_merge = world.rows()

    world.table.delete(T + timedelta(hours=2, minutes=5), "b")
    world.table.put(T + timedelta(hours=2, minutes=6), item("a", price=3))
    world.now = T + timedelta(hours=4)
    result, properties = world.run()  # re-applies the crashed window exactly, then goes on
    assert world.rows() == world.expected(result.watermark)
    # The row count comes from the snapshot summary (records less position deletes).
    assert int(properties["snapshot_item_count"]) == len(world.rows())
    assert first_merge != world.rows()
    assert world.rows()["a"]["price"] == Decimal(3)


def test_a_run_with_nothing_to_export_changes_nothing(spark, tmp_path):
    world = World(spark, tmp_path)
    world.table.put(T - timedelta(hours=5), item("a", price=1))
    world.run()
    snapshots = spark.sql(f"SELECT count(*) FROM {TABLE}.snapshots").first()[0]
    world.now = T + timedelta(minutes=10)
    result, properties = world.run()
    assert result.changed_keys == 0
    assert properties["snapshot_item_count"] == "1"
    assert spark.sql(f"SELECT count(*) FROM {TABLE}.snapshots").first()[0] == snapshots


def test_merge_on_read_is_set_on_the_table_once(spark, tmp_path):
    world = World(spark, tmp_path)
    world.table.put(T - timedelta(hours=5), item("a", price=1))
    world.run()
    properties = dict(spark.sql(f"SHOW TBLPROPERTIES {TABLE}").collect())
    assert properties["write.merge.mode"] == "merge-on-read"
    assert properties["write.delete.mode"] == "merge-on-read"
    assert properties["write.update.mode"] == "merge-on-read"
    # A run with nothing to merge commits nothing: the write modes it sets again change nothing,
    # and Iceberg writes no metadata for that.
    location = spark.sql(f"DESCRIBE TABLE EXTENDED {TABLE}").where("col_name = 'Location'")
    metadata = Path(location.first()["data_type"].removeprefix("file:")) / "metadata"
    before = sorted(metadata.glob("*.metadata.json"))
    world.now = T + timedelta(minutes=5)
    world.run()
    assert sorted(metadata.glob("*.metadata.json")) == before


def test_a_missing_iceberg_table_fails_saying_how_to_recover(spark, tmp_path):
    world = World(spark, tmp_path)
    world.table.put(T - timedelta(hours=5), item("a", price=1))
    spark.sql(f"DROP TABLE {TABLE}")
    with pytest.raises(RuntimeError, match="run pulumi up, then delete s3://snap-bucket/state"):
        world.run()


@pytest.mark.parametrize("missing", ["--WORKFLOW_RUN_ID=wr_1"])
def test_the_apply_job_needs_its_workflow(missing):
    with pytest.raises(SystemExit, match="start the workflow"):
        apply_changes.main([a for a in APPLY_ARGS if a != missing])
