"""Tests of glue-scripts/refresh_view.py: its pure functions, and main() end to end against moto
(Glue catalog and workflow, Athena workgroup, S3). moto's Athena queries always succeed at once,
so the failure and polling cases wrap the moto client and script get_query_execution."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

import refresh_view
from conftest import REGION
from conftest import SCRIPTS_DIR
from conftest import client
from export_table import format_snapshot_timestamp
from job_arguments import JobEnvironment
from refresh_view import ArgumentError
from refresh_view import PruneError
from refresh_view import RefreshError
from refresh_view import build_read_back_sql
from refresh_view import build_view_sql
from refresh_view import next_poll_delay
from refresh_view import parse_snapshot_timestamp
from refresh_view import read_refresh_config
from refresh_view import select_expired
from refresh_view import snapshot_of_view
from refresh_view import timestamp_from_folder
from refresh_view import validate_identifier
from snapshot_formats import table_input

BUCKET = "ddbsnap-dev-snapshots-1234"
DATABASE = "dynamodb_exports_dev"
WORKGROUP = "ddbsnap-dev"
WORKFLOW = "ddbsnap-dev-reviews"
NOW = datetime(2026, 11, 23, 10, 5, 0, tzinfo=timezone.utc)
CURRENT = "20261123T100000Z"
RETENTION_DAYS = 7  # cutoff: 2026-11-16 10:05:00 UTC
JST = timezone(timedelta(hours=9))


def refresh_args(**overrides: str) -> list[str]:
    values = {
        "database": DATABASE,
        "table": "reviews",
        "workgroup": WORKGROUP,
        "output_path": f"s3://{BUCKET}/parquet/reviews",
        "retention_days": str(RETENTION_DAYS),
        "table_name": "Reviews",
        "min_item_ratio": "0.5",
        "stack": "dev",
        "WORKFLOW_NAME": WORKFLOW,
        "WORKFLOW_RUN_ID": "wr_1",
        **overrides,
    }
    return [token for name, value in values.items() for token in (f"--{name}", value)]


# --- pure functions ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reviews", "dynamodb_exports_dev", "t2026", "_"])
def test_normalised_identifiers_are_accepted(name):
    assert validate_identifier(name, "--table") == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Reviews",
        "my-table",
        "my.table",
        'x"y',
        "x';--",
        "a b",
        "\uff52eviews",
        "reviews\n",
        "\u00e9",
    ],
)
def test_anything_but_lowercase_letters_digits_and_underscore_is_rejected(name):
    with pytest.raises(ArgumentError, match="--table must be a normalised name"):
        validate_identifier(name, "--table")


def test_snapshot_timestamps_parse_as_utc():
    assert parse_snapshot_timestamp("20261123T100005Z") == datetime(
        2026, 11, 23, 10, 0, 5, tzinfo=timezone.utc
    )


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-23T10:00:05Z",
        "20261123T100005",
        "20261123T100005Z\n",
        "20261399T000000Z",  # month 13
        "20261123T250000Z",
        "\u0662\u0660\u0662\u0666\u0661\u0661\u0662\u0663T100005Z",  # Arabic-Indic digits
        "20261123T100005Z' OR '1'='1",
    ],
)
def test_anything_else_is_not_a_snapshot_timestamp(value):
    with pytest.raises(ValueError, match=r"snapshot timestamp|does not match|out of range"):
        parse_snapshot_timestamp(value)


def test_the_export_jobs_timestamps_are_the_refresh_jobs_timestamps():
    moment = datetime(2026, 11, 23, 19, 0, 5, tzinfo=JST)
    assert parse_snapshot_timestamp(format_snapshot_timestamp(moment)) == moment


def test_view_sql():
    assert build_view_sql(DATABASE, "reviews", CURRENT) == (
        'CREATE OR REPLACE VIEW "dynamodb_exports_dev"."reviews" AS '
        'SELECT * FROM "dynamodb_exports_dev"."snapshots_reviews" '
        "WHERE snapshot_timestamp = '20261123T100000Z'"
    )


def test_view_sql_decodes_what_the_declared_format_stores_as_text():
    table = table_input(
        "snapshots_reviews",
        f"s3://{BUCKET}/json/reviews/",
        "json",
        [("id", "string"), ("photo", "binary")],
        "snapshot_timestamp",
    )
    assert build_view_sql(DATABASE, "reviews", CURRENT, table) == (
        'CREATE OR REPLACE VIEW "dynamodb_exports_dev"."reviews" AS '
        'SELECT "id", from_base64("photo") AS "photo", "snapshot_timestamp" '
        'FROM "dynamodb_exports_dev"."snapshots_reviews" '
        "WHERE snapshot_timestamp = '20261123T100000Z'"
    )


def test_view_sql_refuses_a_column_name_that_could_inject():
    table = table_input(
        "snapshots_reviews",
        f"s3://{BUCKET}/parquet/reviews/",
        "parquet",
        [('x" FROM t; --', "string")],
        "snapshot_timestamp",
    )
    with pytest.raises(ValueError, match="normalised name"):
        build_view_sql(DATABASE, "reviews", CURRENT, table)


@pytest.mark.parametrize(
    ("database", "table", "timestamp"),
    [
        ('db"; DROP TABLE x; --', "reviews", CURRENT),
        (DATABASE, 'reviews" AS SELECT 1; --', CURRENT),
        (DATABASE, "reviews", "20261123T100000Z' OR '1'='1"),
    ],
)
def test_view_sql_refuses_anything_that_could_inject(database, table, timestamp):
    with pytest.raises(ValueError, match=r"normalised name|snapshot timestamp"):
        build_view_sql(database, table, timestamp)


def test_retention_cutoff_is_strict():
    cutoff = NOW - timedelta(days=RETENTION_DAYS)
    at_cutoff = format_snapshot_timestamp(cutoff)
    just_before = format_snapshot_timestamp(cutoff - timedelta(seconds=1))
    expired, invalid = select_expired([at_cutoff, just_before], CURRENT, NOW, RETENTION_DAYS)
    assert expired == [just_before]  # older than N days: strictly before the cutoff
    assert invalid == []


def test_the_current_snapshot_and_newer_ones_are_never_expired():
    old_current = "20250101T000000Z"
    newer = "20250102T000000Z"
    older = "20241231T000000Z"
    expired, _ = select_expired([old_current, newer, older], old_current, NOW, 0)
    assert expired == [older]


def test_names_that_are_not_timestamps_are_set_apart_and_duplicates_counted_once():
    expired, invalid = select_expired(
        ["20261001T000000Z", "manual_backup", "20261001T000000Z", CURRENT], CURRENT, NOW, 7
    )
    assert expired == ["20261001T000000Z"]
    assert invalid == ["manual_backup"]


def test_retention_is_measured_in_utc_whatever_the_clocks_zone():
    # The same instant as NOW, seen from Tokyo.
    expired, _ = select_expired(
        ["20261116T100459Z", "20261116T100500Z"], CURRENT, NOW.astimezone(JST), 7
    )
    assert expired == ["20261116T100459Z"]


def test_polling_backs_off_exponentially_up_to_a_cap():
    delays = [next_poll_delay(None)]
    for _ in range(6):
        delays.append(next_poll_delay(delays[-1]))
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_snapshot_folders_are_recognised_by_name():
    assert timestamp_from_folder("parquet/reviews/snapshot_timestamp=20261123T100000Z/") == CURRENT
    assert timestamp_from_folder("parquet/reviews/notes/") is None
    assert timestamp_from_folder("parquet/reviews/snapshot_timestamp/") is None


def test_config_is_parsed():
    config = read_refresh_config(refresh_args(output_path=f"s3://{BUCKET}/csv/reviews/"))
    assert (config.bucket, config.snapshots_prefix) == (BUCKET, "csv/reviews")
    assert config.crawler_table == "snapshots_reviews"
    assert config.retention_days == RETENTION_DAYS
    assert (config.workflow_name, config.workflow_run_id) == (WORKFLOW, "wr_1")


def test_missing_arguments_are_all_named_with_a_hint_about_the_workflow():
    with pytest.raises(ArgumentError) as caught:
        read_refresh_config(["--database", DATABASE, "--table=reviews"])
    message = str(caught.value)
    assert message.startswith(
        "missing required argument(s): --workgroup, --output_path, --retention_days, "
        "--table_name, --min_item_ratio, --stack, --WORKFLOW_NAME, --WORKFLOW_RUN_ID"
    )
    assert "start the workflow, not this job" in message


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"table": "Reviews"}, "--table must be a normalised name"),
        ({"database": "exports-dev"}, "--database must be a normalised name"),
        ({"output_path": "parquet/reviews"}, "--output_path must be an S3 folder"),
        ({"retention_days": "-1"}, "--retention_days must be a whole number of days"),
        ({"retention_days": "1.5"}, "--retention_days must be a whole number of days"),
        ({"retention_days": "a week"}, "--retention_days must be a whole number of days"),
    ],
)
def test_invalid_arguments_are_rejected_with_what_is_allowed(override, message):
    with pytest.raises(ArgumentError, match=message):
        read_refresh_config(refresh_args(**override))


# --- main() end to end against moto --------------------------------------------------------

EXPIRED = "20261116T100459Z"  # one second older than the cutoff
AT_CUTOFF = "20261116T100500Z"  # exactly at the cutoff: kept
RECENT = "20261120T100000Z"
ORPHAN = "20261010T000000Z"  # an S3 folder the crawler never catalogued (a failed export)
SIBLING_OF_EXPIRED = f"parquet/reviews/snapshot_timestamp={EXPIRED}_copy/part-0.parquet"


def snapshot_key(timestamp: str, name: str, table: str = "reviews") -> str:
    return f"parquet/{table}/snapshot_timestamp={timestamp}/{name}"


def moved(view_sql: str) -> list[str]:
    """The queries that move the view: what it would show read back, then the statement."""
    return [build_read_back_sql(view_sql), view_sql]


class World(SimpleNamespace):
    def empty_the_table(self):
        for item in ("r1", "r2"):
            self.dynamodb.delete_item(TableName="Reviews", Key={"id": {"S": item}})

    def view_sql(self, timestamp: str) -> str:
        """The job's view statement over the snapshot table the export job declared."""
        table = self.glue.get_table(DatabaseName=DATABASE, Name="snapshots_reviews")["Table"]
        return build_view_sql(DATABASE, "reviews", timestamp, table)

    def make_view(self, timestamp: str):
        """The view as Athena leaves it in the Glue catalog after CREATE VIEW."""
        sql = self.view_sql(timestamp).split(" AS ", 1)[1]
        body = base64.b64encode(json.dumps({"originalSql": sql}).encode()).decode()
        self.glue.create_table(
            DatabaseName=DATABASE,
            TableInput={
                "Name": "reviews",
                "TableType": "VIRTUAL_VIEW",
                "ViewOriginalText": f"/* Presto View: {body} */",
            },
        )

    def put_snapshot(self, timestamp: str, files: int = 2, catalogued: bool = True):
        for index in range(files):
            self.s3.put_object(
                Bucket=BUCKET, Key=snapshot_key(timestamp, f"part-{index:05d}.parquet"), Body=b"1"
            )
        if catalogued:
            self.add_partition(timestamp)

    def add_partition(self, value: str):
        self.glue.batch_create_partition(
            DatabaseName=DATABASE,
            TableName="snapshots_reviews",
            PartitionInputList=[
                {
                    "Values": [value],
                    "StorageDescriptor": {
                        "Location": f"s3://{BUCKET}/parquet/reviews/snapshot_timestamp={value}/"
                    },
                }
            ],
        )

    def partitions(self) -> list[str]:
        pages = self.glue.get_paginator("get_partitions").paginate(
            DatabaseName=DATABASE, TableName="snapshots_reviews"
        )
        return sorted(p["Values"][0] for page in pages for p in page["Partitions"])

    def object_keys(self, prefix: str = "") -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def queries(self) -> list[str]:
        ids = self.athena.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
        return [
            self.athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Query"]
            for query_id in ids
        ]

    def run(self, argv=None, **clients):
        services = ("glue", "athena", "s3", "dynamodb", "cloudwatch")
        env = JobEnvironment(
            now=lambda: NOW,
            sleep=clients.pop("sleep", self.sleeps.append),
            **{service: getattr(self, service) for service in services} | clients,
        )
        return refresh_view.main(argv or refresh_args(WORKFLOW_RUN_ID=self.run_id), env)


@pytest.fixture
def world(aws):
    """Catalog table with partitions for the current, a recent, an at-cutoff and an expired
    snapshot; an orphan S3 folder; things that are not snapshots; a workflow run whose export
    set the run property; the workgroup."""
    glue = client("glue")
    s3 = client("s3")
    athena = client("athena")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    glue.create_database(DatabaseInput={"Name": DATABASE})
    glue.create_table(  # as the export job declares it
        DatabaseName=DATABASE,
        TableInput=table_input(
            "snapshots_reviews",
            f"s3://{BUCKET}/parquet/reviews/",
            "parquet",
            [("id", "string")],
            "snapshot_timestamp",
        ),
    )
    athena.create_work_group(
        Name=WORKGROUP,
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{BUCKET}/athena-results/"},
            "EnforceWorkGroupConfiguration": True,
        },
    )
    glue.create_workflow(Name=WORKFLOW)
    run_id = glue.start_workflow_run(Name=WORKFLOW)["RunId"]
    dynamodb = client("dynamodb")
    dynamodb.create_table(
        TableName="Reviews",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for item in ("r1", "r2"):
        dynamodb.put_item(TableName="Reviews", Item={"id": {"S": item}})
    world = World(
        glue=glue,
        s3=s3,
        athena=athena,
        dynamodb=dynamodb,
        cloudwatch=client("cloudwatch"),
        run_id=run_id,
        sleeps=[],
    )

    glue.put_workflow_run_properties(
        Name=WORKFLOW,
        RunId=run_id,
        RunProperties={
            "snapshot_timestamp": CURRENT,
            "snapshot_item_count": "2",
            "snapshot_export_seconds": "312",
            "snapshot_read_units": "1560",
        },
    )
    for timestamp in (CURRENT, RECENT, AT_CUTOFF, EXPIRED):
        world.put_snapshot(timestamp)
    world.put_snapshot(ORPHAN, catalogued=False)
    world.add_partition("manual_backup")  # not a timestamp: left alone
    s3.put_object(Bucket=BUCKET, Key="parquet/reviews/notes/README.txt", Body=b"hi")
    # A hand-made folder whose name starts with an expired snapshot's: not a snapshot.
    s3.put_object(Bucket=BUCKET, Key=SIBLING_OF_EXPIRED, Body=b"keep")
    # Another table whose name starts with this one's, with an old snapshot: not ours.
    s3.put_object(
        Bucket=BUCKET, Key=snapshot_key(EXPIRED, "part-0.parquet", "reviews_v2"), Body=b"1"
    )
    return world


def test_moves_the_view_then_prunes_exactly_the_expired_snapshots(world, recording):
    old = "20261001T100000Z"
    # More than one page and more than one delete batch. Put straight into moto's S3 store:
    # 1,001 PutObject calls would take seconds, and the job's own calls are what is tested.
    store = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for index in range(1001):
        store.put_object(BUCKET, snapshot_key(old, f"part-{index:05d}.parquet"), b"1")
    world.add_partition(old)
    s3 = recording(world.s3)
    glue = recording(world.glue)

    result = world.run(s3=s3, glue=glue)

    assert world.queries() == moved(world.view_sql(CURRENT))
    assert result.snapshot_timestamp == CURRENT
    assert result.pruned == [old, ORPHAN, EXPIRED]
    assert world.partitions() == sorted([AT_CUTOFF, CURRENT, RECENT, "manual_backup"])
    assert world.object_keys("parquet/") == sorted(
        [
            "parquet/reviews/notes/README.txt",
            SIBLING_OF_EXPIRED,
            *(
                snapshot_key(ts, f"part-{i:05d}.parquet")
                for ts in (CURRENT, RECENT, AT_CUTOFF)
                for i in range(2)
            ),
            snapshot_key(EXPIRED, "part-0.parquet", "reviews_v2"),
        ]
    )
    delete_batches = [len(call["Delete"]["Objects"]) for call in s3.calls_to("delete_objects")]
    assert sorted(delete_batches) == [1, 2, 2, 1000]
    assert [
        len(call["PartitionsToDelete"]) for call in glue.calls_to("batch_delete_partition")
    ] == [2]


def test_every_query_runs_in_the_stacks_database_so_athena_resolves_names_there(world, recording):
    athena = recording(world.athena)
    world.run(athena=athena)
    starts = athena.calls_to("start_query_execution")
    assert len(starts) == 2  # the read-back, then the view
    for start in starts:
        assert start["QueryExecutionContext"] == {
            "Catalog": "AwsDataCatalog",
            "Database": DATABASE,
        }
        assert start["WorkGroup"] == WORKGROUP


def test_partitions_are_deleted_in_batches_of_25(world, recording):
    expired = [f"202610{day:02d}T000000Z" for day in range(1, 31)]
    for timestamp in expired:
        world.add_partition(timestamp)
    glue = recording(world.glue)

    result = world.run(glue=glue)

    assert set(expired) <= set(result.pruned)
    batch_sizes = [
        len(call["PartitionsToDelete"]) for call in glue.calls_to("batch_delete_partition")
    ]
    assert batch_sizes == [25, 6]  # 30 + EXPIRED
    assert world.partitions() == sorted([AT_CUTOFF, CURRENT, RECENT, "manual_backup"])


def everything(world) -> tuple[list[str], list[str]]:
    return world.partitions(), world.object_keys()


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "has no run property 'snapshot_timestamp'"), ("yesterday", "is malformed")],
)
def test_without_a_valid_run_property_it_fails_and_changes_nothing(world, value, message):
    world.glue.put_workflow_run_properties(
        Name=WORKFLOW, RunId=world.run_id, RunProperties={"snapshot_timestamp": value}
    )
    before = everything(world)
    with pytest.raises(RefreshError, match=message):
        world.run()
    assert world.queries() == []
    assert everything(world) == before


@pytest.mark.parametrize(
    ("count", "said"),
    # moto merges run properties, so an empty value stands for one the export never set.
    [("2", "the export wrote 2 items"), ("", "did not say how many items it wrote")],
)
def test_a_snapshot_the_crawler_has_not_catalogued_fails_and_changes_nothing(world, count, said):
    latest = "20261123T110000Z"
    world.put_snapshot(latest, catalogued=False)
    world.glue.put_workflow_run_properties(
        Name=WORKFLOW,
        RunId=world.run_id,
        RunProperties={"snapshot_timestamp": latest, "snapshot_item_count": count},
    )
    before = everything(world)
    with pytest.raises(RefreshError, match="the crawler has not catalogued this snapshot") as e:
        world.run()
    assert said in str(e.value)
    assert world.queries() == []
    assert everything(world) == before


def test_an_empty_snapshot_still_moves_the_view(world):
    empty = "20261123T110000Z"  # the export wrote nothing; the crawler added no partition
    world.glue.put_workflow_run_properties(
        Name=WORKFLOW,
        RunId=world.run_id,
        RunProperties={"snapshot_timestamp": empty, "snapshot_item_count": "0"},
    )
    world.empty_the_table()
    result = world.run()
    assert world.queries() == moved(world.view_sql(empty))
    assert result.pruned == [ORPHAN, EXPIRED]


def test_an_empty_first_snapshot_leaves_nothing_to_point_at(world):
    world.glue.delete_table(DatabaseName=DATABASE, Name="snapshots_reviews")
    world.glue.put_workflow_run_properties(
        Name=WORKFLOW,
        RunId=world.run_id,
        RunProperties={"snapshot_timestamp": "20261123T110000Z", "snapshot_item_count": "0"},
    )
    keys = world.object_keys()
    result = world.run()
    assert result.query_execution_id is None
    assert world.queries() == []
    assert world.object_keys() == keys


class ScriptedAthena:
    """moto's Athena for starting queries (so the SQL is recorded there), with the states that
    get_query_execution reports scripted by the test."""

    def __init__(self, athena, *statuses: dict):
        self._athena = athena
        self._statuses = list(statuses)
        self.stopped: list[str] = []

    def start_query_execution(self, **kwargs):
        return self._athena.start_query_execution(**kwargs)

    def get_query_execution(self, QueryExecutionId):
        status = self._statuses.pop(0) if len(self._statuses) > 1 else self._statuses[0]
        return {"QueryExecution": {"QueryExecutionId": QueryExecutionId, "Status": status}}

    def stop_query_execution(self, QueryExecutionId):
        self.stopped.append(QueryExecutionId)
        return self._athena.stop_query_execution(QueryExecutionId=QueryExecutionId)


def test_an_athena_failure_fails_with_its_reason_and_prunes_nothing(world):
    athena = ScriptedAthena(
        world.athena,
        {"State": "RUNNING"},
        {"State": "FAILED", "StateChangeReason": "TABLE_NOT_FOUND: snapshots_reviews"},
    )
    before = everything(world)
    with pytest.raises(RefreshError, match="FAILED: TABLE_NOT_FOUND: snapshots_reviews"):
        world.run(athena=athena)
    assert world.queries() == [build_read_back_sql(world.view_sql(CURRENT))]  # no statement
    assert everything(world) == before


def test_a_cancelled_query_without_a_reason_fails_and_prunes_nothing(world):
    before = everything(world)
    with pytest.raises(RefreshError, match="CANCELLED: Athena gave no reason"):
        world.run(athena=ScriptedAthena(world.athena, {"State": "CANCELLED"}))
    assert everything(world) == before


def test_polls_with_back_off_until_the_query_succeeds(world):
    athena = ScriptedAthena(
        world.athena,
        {"State": "QUEUED"},
        {"State": "RUNNING"},
        {"State": "RUNNING"},
        {"State": "SUCCEEDED"},
    )
    result = world.run(athena=athena)
    assert world.sleeps == [0.5, 1.0, 2.0]
    assert result.pruned == [ORPHAN, EXPIRED]


def test_a_query_that_never_finishes_is_stopped_and_prunes_nothing(world):
    athena = ScriptedAthena(world.athena, {"State": "RUNNING"})
    before = everything(world)
    with pytest.raises(RefreshError, match=r"still RUNNING after [0-9]+ s: stopped it"):
        world.run(athena=athena)
    assert len(athena.stopped) == 1
    assert sum(world.sleeps) <= refresh_view.POLL_TIMEOUT
    assert max(world.sleeps) == refresh_view.POLL_MAX_DELAY
    assert everything(world) == before


def test_failed_deletions_fail_the_job_after_the_view_moved(world, recording):
    def delete_objects(Bucket, Delete):
        return {
            "Errors": [
                {"Key": Delete["Objects"][0]["Key"], "Code": "AccessDenied", "Message": "no"}
            ]
        }

    s3 = recording(world.s3, delete_objects=delete_objects)
    with pytest.raises(PruneError, match=r"the view shows snapshot 20261123T100000Z.*AccessDenied"):
        world.run(s3=s3)
    assert world.queries() == moved(world.view_sql(CURRENT))
    # the partitions went; the S3 objects remain for the next run, which finds them by listing
    assert EXPIRED not in world.partitions()
    assert snapshot_key(EXPIRED, "part-00000.parquet") in world.object_keys()


def test_bad_arguments_exit_with_a_message():
    with pytest.raises(SystemExit) as caught:
        refresh_view.main(refresh_args(table="Reviews"))
    assert str(caught.value).startswith("refresh_view: --table must be a normalised name")


def test_started_by_hand_without_arguments_it_names_them_and_exits_non_zero():
    result = subprocess.run(
        [sys.executable, str(SCRIPTS_DIR / "refresh_view.py"), "--table", "reviews"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert (
        "missing required argument(s): --database, --workgroup, --output_path, --retention_days,"
        " --table_name, --min_item_ratio, --stack, --WORKFLOW_NAME, --WORKFLOW_RUN_ID"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


# --- completeness gate and read-back ---------------------------------------------------------


def test_too_few_items_fail_the_run_before_the_view_moves(world):
    world.glue.put_workflow_run_properties(
        Name=WORKFLOW,
        RunId=world.run_id,
        RunProperties={"snapshot_timestamp": CURRENT, "snapshot_item_count": "0"},
    )
    before = everything(world)
    with pytest.raises(RefreshError) as caught:
        world.run()
    message = str(caught.value)
    assert "the export wrote 0 items, but DynamoDB's ItemCount for Reviews is 2" in message
    assert "lower minItemRatio for Reviews" in message
    assert world.queries() == []
    assert everything(world) == before


def test_a_min_item_ratio_of_zero_turns_the_gate_off(world):
    world.glue.put_workflow_run_properties(
        Name=WORKFLOW,
        RunId=world.run_id,
        RunProperties={"snapshot_timestamp": CURRENT, "snapshot_item_count": "0"},
    )
    world.run(refresh_args(WORKFLOW_RUN_ID=world.run_id, min_item_ratio="0"))
    assert world.queries()[-1] == world.view_sql(CURRENT)


@pytest.mark.parametrize("ratio", ["-0.1", "1.5", "half"])
def test_min_item_ratio_must_be_between_0_and_1(ratio):
    with pytest.raises(ArgumentError, match="--min_item_ratio must be a number from 0 to 1"):
        read_refresh_config(refresh_args(min_item_ratio=ratio))


def test_the_snapshot_a_view_shows_is_read_from_athenas_view_text(world):
    world.make_view(RECENT)
    text = world.glue.get_table(DatabaseName=DATABASE, Name="reviews")["Table"]["ViewOriginalText"]
    assert snapshot_of_view(text) == RECENT
    assert snapshot_of_view("SELECT 1") is None
    assert snapshot_of_view("/* Presto View: bm90IGpzb24= */") is None


def failing_read_back(world):
    """Athena: the read-back fails, anything after it succeeds."""
    return ScriptedAthena(
        world.athena,
        {"State": "FAILED", "StateChangeReason": "HIVE_BAD_DATA: Field score's type DOUBLE"},
        {"State": "SUCCEEDED"},
    )


def test_a_snapshot_athena_cannot_read_never_reaches_the_view_and_nothing_is_pruned(world):
    world.make_view(RECENT)
    before = everything(world)
    with pytest.raises(RefreshError) as caught:
        world.run(athena=failing_read_back(world))
    message = str(caught.value)
    assert "HIVE_BAD_DATA" in message
    assert f"the view was not moved: it still shows snapshot {RECENT}" in message
    assert world.queries() == [build_read_back_sql(world.view_sql(CURRENT))]
    assert everything(world) == before


def test_before_the_first_view_a_snapshot_athena_cannot_read_leaves_no_view(world):
    with pytest.raises(RefreshError, match=r"it still shows nothing \(no view yet\)"):
        world.run(athena=failing_read_back(world))
    assert world.queries() == [build_read_back_sql(world.view_sql(CURRENT))]


def throttled(operation: str):
    def call(**_):
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation
        )

    return call


def test_a_read_back_that_aws_refuses_leaves_the_view_and_prunes_nothing(world, recording):
    """Found by the fault suite: with the read-back after CREATE VIEW, a throttled read-back
    (retries spent) left the view on a snapshot no query had read."""
    world.make_view(RECENT)
    before = everything(world)
    athena = recording(world.athena, get_query_execution=throttled("GetQueryExecution"))
    with pytest.raises(ClientError, match="ThrottlingException"):
        world.run(athena=athena)
    started = [call["QueryString"] for call in athena.calls_to("start_query_execution")]
    assert started == [build_read_back_sql(world.view_sql(CURRENT))]
    assert everything(world) == before


def test_a_failure_after_the_view_moved_says_so(world, recording):
    cloudwatch = recording(world.cloudwatch, put_metric_data=throttled("PutMetricData"))
    with pytest.raises(PruneError) as caught:
        world.run(cloudwatch=cloudwatch)
    assert str(caught.value) == (
        f"the view shows snapshot {CURRENT}, which Athena read back; after that PutMetricData "
        "failed after 1 attempt(s): ThrottlingException: Rate exceeded"
    )
    assert world.queries() == moved(world.view_sql(CURRENT))


# --- metrics and the heartbeat ------------------------------------------------------------------


def datapoints(world, name):
    """The values published under `name` for the table, around NOW."""
    found = world.cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "ddb-athena-snapshots",
                        "MetricName": name,
                        "Dimensions": [
                            {"Name": "Stack", "Value": "dev"},
                            {"Name": "Table", "Value": "reviews"},
                        ],
                    },
                    "Period": 60,
                    "Stat": "Maximum",
                },
            }
        ],
        StartTime=NOW - timedelta(hours=1),
        EndTime=NOW + timedelta(hours=1),
    )["MetricDataResults"][0]
    return found["Values"]


def test_a_refresh_publishes_the_snapshots_metrics_per_stack_and_table(world):
    result = world.run()
    assert result.metrics == {
        "succeeded": 1,
        "age": 300.0,  # the view moved 5 minutes after the run started
        "items": 2,
        "bytes": 2,
        "objects": 2,
        "exportSeconds": 312.0,
        "readUnitsPerSecond": 5.0,
    }
    assert datapoints(world, "SnapshotSucceeded") == [1.0]
    assert datapoints(world, "SnapshotAgeSeconds") == [300.0]
    assert datapoints(world, "SnapshotItems") == [2.0]
    assert datapoints(world, "SnapshotBytes") == [2.0]
    assert datapoints(world, "SnapshotObjects") == [2.0]
    assert datapoints(world, "ExportDurationSeconds") == [312.0]
    assert datapoints(world, "ScanReadUnitsPerSecond") == [5.0]
    metrics = world.cloudwatch.list_metrics(Namespace="ddb-athena-snapshots")["Metrics"]
    assert {m["MetricName"] for m in metrics} == {
        "SnapshotSucceeded",
        "SnapshotAgeSeconds",
        "SnapshotItems",
        "SnapshotBytes",
        "SnapshotObjects",
        "ExportDurationSeconds",
        "ScanReadUnitsPerSecond",
    }


def test_a_failed_refresh_publishes_no_success(world):
    with pytest.raises(RefreshError):
        world.run(athena=failing_read_back(world))
    assert datapoints(world, "SnapshotSucceeded") == []


def heartbeat_run(world):
    workflow = ("--WORKFLOW_NAME", WORKFLOW, "--WORKFLOW_RUN_ID", "wr_1")
    return world.run([a for a in refresh_args() if a not in workflow] + ["--heartbeat", "true"])


def test_the_heartbeat_publishes_the_age_of_the_snapshot_the_view_shows(world):
    world.make_view(RECENT)  # 2026-11-20 10:00, three days and five minutes before NOW
    result = heartbeat_run(world)
    assert result.view_age_seconds == 3 * 86400 + 300
    assert datapoints(world, "ViewAgeSeconds") == [3 * 86400 + 300.0]
    assert world.queries() == [], "the heartbeat only reads the catalog"


def test_without_a_view_the_heartbeat_publishes_nothing_which_the_alarm_counts_as_stale(world):
    assert heartbeat_run(world).view_age_seconds is None
    assert datapoints(world, "ViewAgeSeconds") == []


# --- incremental mode: the view over the Iceberg table ------------------------------------------


def incremental_args(**overrides: str) -> list[str]:
    return refresh_args(
        iceberg_table="iceberg_reviews", state_path=f"s3://{BUCKET}/state/reviews", **overrides
    )


@pytest.fixture
def iceberg_world(world):
    """The Iceberg table as the apply job's commit leaves it in the catalog, and its run
    properties (the watermark as snapshot_timestamp)."""
    world.glue.create_table(
        DatabaseName=DATABASE,
        TableInput={
            "Name": "iceberg_reviews",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"table_type": "ICEBERG"},
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "_ddb_write_ts", "Type": "bigint"},
                    {"Name": "id", "Type": "string"},
                    {"Name": "score", "Type": "decimal(38,10)"},
                    {"Name": "score__string", "Type": "string"},
                ],
                "Location": f"s3://{BUCKET}/iceberg/reviews",
            },
        },
    )
    world.glue.put_workflow_run_properties(
        Name=WORKFLOW,
        RunId=world.run_id,
        RunProperties={
            "snapshot_timestamp": CURRENT,
            "snapshot_item_count": "2",
            "incremental_watermark": "2026-11-24T03:00:00+00:00",
        },
    )
    return world


def test_incremental_mode_shows_the_iceberg_table_without_the_merges_own_column(iceberg_world):
    world = iceberg_world
    before = everything(world)
    result = world.run(incremental_args(WORKFLOW_RUN_ID=world.run_id))
    assert world.queries() == moved(
        'CREATE OR REPLACE VIEW "dynamodb_exports_dev"."reviews" AS SELECT "id", "score", '
        '"score__string" FROM "dynamodb_exports_dev"."iceberg_reviews"'
    )
    assert world.queries()[0] == (
        'SELECT * FROM (SELECT "id", "score", "score__string" FROM '
        '"dynamodb_exports_dev"."iceberg_reviews") LIMIT 10'
    )
    assert result.metrics == {"succeeded": 1, "age": 300.0, "items": 2}
    assert datapoints(world, "SnapshotSucceeded") == [1.0]
    # Nothing pruned: the retention optimizer expires Iceberg snapshots.
    assert everything(world) == before


def test_incremental_mode_read_back_failure_names_the_iceberg_table(iceberg_world):
    world = iceberg_world
    with pytest.raises(RefreshError, match=r"cannot read dynamodb_exports_dev\.iceberg_reviews"):
        world.run(incremental_args(WORKFLOW_RUN_ID=world.run_id), athena=failing_read_back(world))
    assert datapoints(world, "SnapshotSucceeded") == []


def test_incremental_mode_gate_says_the_merge_has_committed(iceberg_world):
    world = iceberg_world
    world.glue.put_workflow_run_properties(
        Name=WORKFLOW, RunId=world.run_id, RunProperties={"snapshot_item_count": "0"}
    )
    with pytest.raises(RefreshError, match="The merge has committed"):
        world.run(incremental_args(WORKFLOW_RUN_ID=world.run_id))


def test_incremental_heartbeat_publishes_the_age_of_the_watermark(iceberg_world):
    world = iceberg_world
    world.s3.put_object(
        Bucket=BUCKET,
        Key="state/reviews/watermark.json",
        Body=json.dumps(
            {"watermark": (NOW - timedelta(hours=2)).isoformat(), "bootstrappedAt": "x"}
        ).encode(),
    )
    workflow = {"--WORKFLOW_NAME", WORKFLOW, "--WORKFLOW_RUN_ID", "wr_1"}
    args = [a for a in incremental_args() if a not in workflow] + ["--heartbeat", "true"]
    assert world.run(args).view_age_seconds == 7200.0
    assert datapoints(world, "ViewAgeSeconds") == [7200.0]
