"""Tests of glue-scripts/export_table.py without Spark: its arguments, the layout and read-rate
rules, the paced segment scan and the native export against moto. main() end to end, on a real
local Spark session, is test/spark/test_type_policy_on_spark.py's."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

import export_table
import spark_runtime
from conftest import SCRIPTS_DIR
from conftest import client
from export_table import ArgumentError
from export_table import established_columns
from export_table import format_snapshot_timestamp
from export_table import plan_layout
from export_table import read_export_config
from export_table import resolve_snapshot_timestamp
from export_table import snapshot_path
from snapshot_staging import ReadPacer
from snapshot_staging import ScanFailed
from snapshot_staging import ScanPlan
from snapshot_staging import export_client_token
from snapshot_staging import export_data_folder
from snapshot_staging import item_line
from snapshot_staging import parse_item_line
from snapshot_staging import read_capacity
from snapshot_staging import run_export
from snapshot_staging import scan_failure
from snapshot_staging import scan_page_limit
from snapshot_staging import scan_segment
from snapshot_writing import writer_options
from spark_runtime import S3Storage

BUCKET = "ddbsnap-dev-snapshots-1234"
OUTPUT_PATH = f"s3://{BUCKET}/parquet/reviews"
TABLE_ARN = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/Reviews"
JST = timezone(timedelta(hours=9))


def scan_args(**overrides: str) -> list[str]:
    values = {
        "table_name": "Reviews",
        "mode": "scan",
        "read_percentage": "0.25",
        "splits": "36",
        "output_path": OUTPUT_PATH,
        "output_format": "parquet",
        "database": "exports",
        "TempDir": f"s3://{BUCKET}/tmp/reviews/",
        **overrides,
    }
    return [token for name, value in values.items() for token in (f"--{name}", value)]


def export_args(**overrides: str) -> list[str]:
    values = {
        "table_name": "Reviews",
        "mode": "export",
        "table_arn": TABLE_ARN,
        "export_staging_path": f"s3://{BUCKET}/export-staging/reviews/",
        "output_path": OUTPUT_PATH,
        "output_format": "parquet",
        "database": "exports",
        **overrides,
    }
    return [token for name, value in values.items() for token in (f"--{name}", value)]


# --- arguments (their reading is test_job_arguments.py's) -----------------------------------


def test_scan_config_is_parsed_and_typed():
    config = read_export_config([*scan_args(), "--JOB_NAME", "job", "--JOB_RUN_ID", "jr_1"])
    assert config.mode == "scan"
    assert config.read_percentage == 0.25
    assert config.splits == 36
    assert config.catalog_table == "snapshots_reviews"
    assert config.column_types == {}
    assert config.output_path == OUTPUT_PATH
    assert (config.job_name, config.job_run_id) == ("job", "jr_1")
    assert config.workflow_name is None
    assert config.table_arn is None


def test_export_mode_needs_no_scan_arguments():
    config = read_export_config(export_args())
    assert (config.staging_bucket, config.staging_prefix) == (BUCKET, "export-staging/reviews")
    assert config.read_percentage is None
    assert config.splits is None


def test_every_missing_argument_is_named_at_once():
    with pytest.raises(ArgumentError) as caught:
        read_export_config(["--table_name", "Reviews"])
    message = str(caught.value)
    assert "--mode, --output_path, --output_format, --database" in message
    assert "scan mode also needs --read_percentage and --splits" in message


def test_mode_specific_arguments_are_required_in_their_mode():
    with pytest.raises(ArgumentError, match=r"missing required argument\(s\): --splits$"):
        read_export_config(scan_args(splits=""))
    argv = [token for token in export_args() if token != "--table_arn" and token != TABLE_ARN]
    with pytest.raises(ArgumentError, match=r"missing required argument\(s\): --table_arn$"):
        read_export_config(argv)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"mode": "query"}, "--mode must be one of scan, export"),
        ({"column_types": "price"}, "--column_types must be a JSON object"),
        ({"column_types": '{"price": "money"}'}, "price has type 'money'; allowed: string, big"),
        ({"output_path": "s3://bucket-only"}, "--output_path must be an S3 folder"),
        ({"output_path": "https://x/parquet/reviews"}, "--output_path must be an S3 folder"),
    ],
)
def test_arguments_that_steer_the_job_are_checked(override, message):
    with pytest.raises(ArgumentError, match=message):
        read_export_config(scan_args(**override))


def test_column_types_are_read_from_json():
    config = read_export_config(scan_args(column_types='{"price": "decimal(18,2)"}'))
    assert config.column_types == {"price": "decimal(18,2)"}


def test_the_staging_path_must_be_an_s3_folder():
    with pytest.raises(ArgumentError, match="--export_staging_path must be an S3 fold"):
        read_export_config(export_args(export_staging_path=f"s3://{BUCKET}/"))


# --- timestamps, paths and options ---------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 23, 10, 0, 5, tzinfo=timezone.utc), "20261123T100005Z"),
        # 08:30 in Tokyo is 23:30 the day before in UTC
        (datetime(2026, 11, 23, 8, 30, 0, tzinfo=JST), "20261122T233000Z"),
        (datetime(2027, 1, 1, 3, 0, 0, tzinfo=JST), "20261231T180000Z"),
        # naive: taken as UTC already; sub-second parts dropped
        (datetime(2026, 2, 3, 4, 5, 6, 999999), "20260203T040506Z"),
    ],
)
def test_snapshot_timestamps_are_utc_basic_iso_8601(moment, expected):
    assert format_snapshot_timestamp(moment) == expected


@pytest.fixture
def tokyo_local_time(monkeypatch):
    """Make the process's local time zone Asia/Tokyo, so UTC assumptions show."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_naive_datetimes_are_utc_whatever_the_local_time_zone(tokyo_local_time):
    assert time.localtime(0).tm_hour == 9  # the fixture took effect
    assert format_snapshot_timestamp(datetime(2026, 11, 23, 1, 0, 0)) == "20261123T010000Z"


def test_snapshot_path_is_one_folder_per_timestamp_with_a_trailing_slash():
    expected = f"{OUTPUT_PATH}/snapshot_timestamp=20261123T100000Z/"
    assert snapshot_path(OUTPUT_PATH, "20261123T100000Z") == expected
    assert snapshot_path(OUTPUT_PATH + "/", "20261123T100000Z") == expected


def test_write_options_per_format():
    schema = [("pk", "string"), ("price", "decimal(38,10)")]
    # Every codec named: Spark 4 (Glue 6.x) writes zstd ORC by default, Spark 3.5 snappy.
    for output_format in ("parquet", "orc"):
        assert writer_options(output_format, schema) == {"compression": "snappy"}
    # CSV: RFC 4180 quotes (doubled, not backslash-escaped) and no whitespace trimmed away,
    # which Spark's CSV writer does by default.
    assert writer_options("csv", schema) == {
        "header": "true",
        "compression": "gzip",
        "sep": ",",
        "quote": '"',
        "escape": '"',
        "ignoreLeadingWhiteSpace": "false",
        "ignoreTrailingWhiteSpace": "false",
    }
    assert writer_options("json", schema) == {
        "compression": "gzip",
        "timestampFormat": "yyyy-MM-dd HH:mm:ss.SSSSSS",
    }
    # Avro: the declared schema, so decimals are written as bytes (what Athena's reader expects).
    avro_options = writer_options("avro", schema)
    assert avro_options["compression"] == "snappy"
    avro = json.loads(avro_options["avroSchema"])
    assert avro["fields"][1]["type"] == [
        "null",
        {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 10},
    ]


# --- layout, read rate, scan -----------------------------------------------------------------

GIB = 2**30


@pytest.mark.parametrize(
    ("table_bytes", "splits", "segments", "files"),
    [
        (2**20, 36, 36, 1),  # 1 MB: one file; every slot still scans
        (10 * GIB, 36, 36, 10),
        (2**40, 36, 1024, 1024),  # 1 TB: no segment or file holds more than a GiB
        (10 * 2**40, 36, 10240, 10240),
        (0, 4, 4, 1),
    ],
)
def test_layout_is_about_a_file_per_gib_and_no_segment_bigger(table_bytes, splits, segments, files):
    layout = plan_layout(table_bytes, splits)
    assert (layout.segments, layout.files) == (segments, files)
    assert layout.concurrent_segments == min(segments, splits)
    assert table_bytes / layout.segments <= GIB


def test_on_demand_tables_count_as_40000_read_units_like_glues_connector():
    assert read_capacity({"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"}}) == 40000
    assert read_capacity({"ProvisionedThroughput": {"ReadCapacityUnits": 0}}) == 40000
    assert read_capacity({"ProvisionedThroughput": {"ReadCapacityUnits": 250}}) == 250


def test_a_scan_page_is_about_a_second_of_a_segments_budget():
    assert scan_page_limit(10, 800) == 102  # 10 units x 8 KiB / 800 B
    assert scan_page_limit(0.01, 400_000) == 1
    assert scan_page_limit(40000, 10) == 10_000


def test_the_pacer_sleeps_until_the_units_spent_fit_the_rate():
    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = ReadPacer(10, clock=lambda: now[0], sleep=sleep)
    pacer.spend(5)  # 0.5 s worth, at t=0
    pacer.spend(5)  # another 0.5 s after the first
    assert slept == [0.5, 0.5]


def test_time_lost_to_a_slow_page_is_not_made_up_by_reading_faster():
    """Found by the fault suite (seed 11): the pacer kept the average since the segment began, so
    after a slow or throttled page it read at full speed until it had caught up: 7.5 units in
    0.16 s against a share of 5 per second."""
    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = ReadPacer(10, clock=lambda: now[0], sleep=sleep)
    pacer.spend(5)  # at t=0: the next page at t=0.5
    now[0] += 2.0  # a page 2 s late (slow, or throttled and retried)
    pacer.spend(5)
    pacer.spend(30)
    assert slept == [0.5, 0.5, 3.0]  # never more than 10 units a second from here


def test_binary_values_are_staged_as_base64_like_dynamodbs_export():
    item = {
        "pk": {"S": "a"},
        "b": {"B": bytes([0, 255])},
        "m": {"M": {"bs": {"BS": [b"\x01"]}, "l": {"L": [{"B": b""}, {"N": "1"}]}}},
    }
    assert parse_item_line(item_line(item)) == {
        "pk": {"S": "a"},
        "b": {"B": "AP8="},
        "m": {"M": {"bs": {"BS": ["AQ=="]}, "l": {"L": [{"B": ""}, {"N": "1"}]}}},
    }


def create_table(dynamodb, items: int) -> None:
    dynamodb.create_table(
        TableName="Reviews",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(items):
        dynamodb.put_item(TableName="Reviews", Item={"id": {"S": f"r{i:03}"}, "n": {"N": str(i)}})


def test_the_segments_of_a_scan_return_every_item_exactly_once(aws):
    dynamodb = client("dynamodb")
    create_table(dynamodb, 57)
    plan = ScanPlan("Reviews", segments=4, units_per_segment=1000.0, page_limit=5)
    spent = []

    class RecordingPacer:
        def __init__(self, rate):
            assert rate == 1000.0

        def spend(self, units):
            spent.append(units)

    lines = [
        line
        for segment in range(4)
        for line in scan_segment(segment, plan, lambda region, role: dynamodb, RecordingPacer)
    ]
    ids = sorted(parse_item_line(line)["id"]["S"] for line in lines)
    assert ids == [f"r{i:03}" for i in range(57)]
    assert len(spent) >= 57 / 5, "every page's consumed capacity is paced"


def test_a_page_botocore_sent_again_is_paced_as_read_each_time():
    """Found by the fault suite (seed 11): DynamoDB charges a page whose answer a dropped
    connection lost; the pacer, which never saw it, let the scan run one page over its share."""
    plan = ScanPlan("Reviews", segments=1, units_per_segment=10.0, page_limit=5)
    page = {"Items": [], "ConsumedCapacity": {"CapacityUnits": 2.5}}
    page["ResponseMetadata"] = {"RetryAttempts": 2}
    spent = []
    table = SimpleNamespace(scan=lambda **_: page)
    list(
        scan_segment(
            0, plan, lambda region, role: table, lambda rate: SimpleNamespace(spend=spent.append)
        )
    )
    assert spent == [7.5]


class OutOfRetries:
    """A Scan whose second page is refused for good, as botocore leaves it once its retries run
    out."""

    def __init__(self):
        self.pages = 0

    def scan(self, **request):
        self.pages += 1
        if self.pages == 2:
            raise ClientError(
                {
                    "Error": {
                        "Code": "ProvisionedThroughputExceededException",
                        "Message": "The level of configured provisioned throughput for the table "
                        "was exceeded.",
                    },
                    "ResponseMetadata": {"RetryAttempts": 20},
                    "ddbsnapCall": "DynamoDB Scan",
                },
                "Scan",
            )
        return {"Items": [{"id": {"S": "a"}}], "LastEvaluatedKey": {"id": {"S": "a"}}}


def test_a_scan_that_runs_out_of_retries_fails_in_one_line_naming_the_call_and_the_fault():
    """Found by the team and the fault suite: a Scan out of retries failed the job as a page of
    Java (Spark's Py4JJavaError around the worker's traceback)."""
    plan = ScanPlan("Reviews", segments=4, units_per_segment=1000.0, page_limit=5)
    table = OutOfRetries()
    with pytest.raises(ScanFailed) as caught:
        list(
            scan_segment(
                1, plan, lambda region, role: table, lambda rate: SimpleNamespace(spend=abs)
            )
        )
    message = str(caught.value)
    assert message == (
        "segment 1 of 4: DynamoDB Scan failed after 21 attempt(s): "
        "ProvisionedThroughputExceededException: The level of configured provisioned throughput "
        "for the table was exceeded."
    )
    # What the driver gets from Spark: the worker's traceback inside a Java stack trace.
    spark_says = (
        "An error occurred while calling o88.saveAsTextFile.\n: org.apache.spark.SparkException: "
        "Job aborted due to stage failure: Task 1 in stage 0.0 failed 4 times, most recent "
        "failure: Lost task 1.3 in stage 0.0: org.apache.spark.api.python.PythonException: "
        'Traceback (most recent call last):\n  File "export_table.py", line 1, in scan_segment'
        f"\nexport_table.ScanFailed: {message}\n\n\tat org.apache.spark.api.python..."
    )
    failure = scan_failure(RuntimeError(spark_says))
    assert isinstance(failure, ScanFailed)
    assert str(failure) == (f"the table's scan failed: {message} (Spark tried the segment 4 times)")
    other = RuntimeError("An error occurred while calling o88.saveAsTextFile: disk full")
    assert scan_failure(other) is other


# --- native export, catalog, storage ----------------------------------------------------------


def test_the_export_token_is_the_same_for_every_attempt_of_a_run():
    config = read_export_config([*export_args(), "--WORKFLOW_RUN_ID", "wr_1"])
    again = read_export_config([*export_args(), "--WORKFLOW_RUN_ID", "wr_1"])
    other = read_export_config([*export_args(), "--WORKFLOW_RUN_ID", "wr_2"])
    token = export_client_token(config, "20261124T030000Z")
    assert token == export_client_token(again, "20261124T030000Z")
    assert token != export_client_token(other, "20261124T030000Z")
    assert len(token) <= 64


def test_the_export_data_folder_comes_from_its_manifest():
    manifest = "export-staging/reviews/AWSDynamoDB/0170-abc/manifest-summary.json"
    expected = f"s3://{BUCKET}/export-staging/reviews/AWSDynamoDB/0170-abc/data/"
    assert export_data_folder(BUCKET, "export-staging/reviews", manifest) == expected
    relative = "AWSDynamoDB/0170-abc/manifest-summary.json"
    assert export_data_folder(BUCKET, "export-staging/reviews", relative) == expected


class ScriptedExports:
    def __init__(self, statuses, failure=None):
        self.statuses, self.failure, self.requests = list(statuses), failure, []

    def export_table_to_point_in_time(self, **request):
        self.requests.append(request)
        return {"ExportDescription": self._description()}

    def describe_export(self, ExportArn):
        return {"ExportDescription": self._description()}

    def _description(self):
        return {
            "ExportArn": f"{TABLE_ARN}/export/0170-abc",
            "ExportStatus": self.statuses.pop(0),
            "ExportManifest": "export-staging/reviews/AWSDynamoDB/0170-abc/manifest-summary.json",
            "ItemCount": 12,
            **(self.failure or {}),
        }


def test_an_export_of_the_latest_restorable_time_is_started_once_and_waited_for():
    exports = ScriptedExports(["IN_PROGRESS", "IN_PROGRESS", "COMPLETED"])
    slept = []
    config = read_export_config([*export_args(), "--WORKFLOW_RUN_ID", "wr_1"])
    folder, items = run_export(exports, config, "20261124T030000Z", slept.append)
    assert folder.endswith("/AWSDynamoDB/0170-abc/data/")
    assert items == 12
    assert slept == [15.0, 30.0]
    (request,) = exports.requests
    assert "ExportTime" not in request  # the latest restorable time: the run's start may be later
    assert request["ExportFormat"] == "DYNAMODB_JSON"
    assert request["S3Prefix"] == "export-staging/reviews"


def test_a_failed_export_fails_the_job_with_dynamodbs_reason():
    exports = ScriptedExports(
        ["FAILED"], {"FailureCode": "PITR_DISABLED", "FailureMessage": "PITR is off"}
    )
    with pytest.raises(RuntimeError, match="ended FAILED: PITR_DISABLED PITR is off"):
        run_export(exports, read_export_config(export_args()), "20261124T030000Z", lambda _: None)


def test_established_columns_come_from_the_crawlers_table_and_none_before_it(aws):
    glue = client("glue")
    config = read_export_config(scan_args())
    glue.create_database(DatabaseInput={"Name": "exports"})
    assert established_columns(glue, config) == []
    glue.create_table(
        DatabaseName="exports",
        TableInput={
            "Name": "snapshots_reviews",
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "id", "Type": "string"},
                    {"Name": "n", "Type": "decimal(38,10)"},
                ]
            },
            "PartitionKeys": [{"Name": "snapshot_timestamp", "Type": "string"}],
        },
    )
    assert established_columns(glue, config) == [("id", "string"), ("n", "decimal(38,10)")]


class ListedBucket:
    """An S3 client over a dict of keys: pages of 1,000 as S3 lists them, deletes recorded."""

    def __init__(self, keys):
        self.objects = dict.fromkeys(keys, 5)
        self.deleted_batches: list[int] = []

    def get_paginator(self, operation):
        assert operation == "list_objects_v2"
        return self

    def paginate(self, Bucket, Prefix):
        keys = sorted(k for k in self.objects if k.startswith(Prefix))
        for start in range(0, len(keys), 1000):
            yield {
                "Contents": [
                    {"Key": k, "Size": self.objects[k]} for k in keys[start : start + 1000]
                ]
            }

    def delete_objects(self, Bucket, Delete):
        self.deleted_batches.append(len(Delete["Objects"]))
        for item in Delete["Objects"]:
            del self.objects[item["Key"]]
        return {}


def test_storage_purges_and_sums_only_the_folder_asked_for():
    many = [f"a/x/many/{i}" for i in range(1200)]
    s3 = ListedBucket(["a/x/1.parquet", "a/x/_SUCCESS", "a/x2/keep.parquet", *many])
    storage = S3Storage(s3)
    assert storage.summarise(f"s3://{BUCKET}/a/x/") == (1201, 6005)
    assert storage.purge(f"s3://{BUCKET}/a/x/") == 1202
    assert s3.deleted_batches == [1000, 202]  # S3 deletes at most 1,000 keys a call
    assert list(s3.objects) == ["a/x2/keep.parquet"]


# --- the snapshot's name ----------------------------------------------------------------------


def test_the_workflow_runs_start_names_the_snapshot_then_the_job_runs_then_now():
    class Glue:
        def get_workflow_run(self, **_):
            return {"Run": {"StartedOn": datetime(2026, 11, 23, 19, 0, tzinfo=JST)}}

        def get_job_run(self, **_):
            return {"JobRun": {"StartedOn": datetime(2026, 11, 23, 20, 0, tzinfo=JST)}}

    in_workflow = read_export_config(
        [*scan_args(), "--WORKFLOW_NAME", "w", "--WORKFLOW_RUN_ID", "1"]
    )
    by_hand = read_export_config([*scan_args(), "--JOB_NAME", "j", "--JOB_RUN_ID", "jr"])
    local = read_export_config(scan_args())
    now = lambda: datetime(2026, 11, 23, 21, 0, tzinfo=JST)  # noqa: E731
    assert resolve_snapshot_timestamp(Glue(), in_workflow, now) == "20261123T100000Z"
    assert resolve_snapshot_timestamp(Glue(), by_hand, now) == "20261123T110000Z"
    assert resolve_snapshot_timestamp(Glue(), local, now) == "20261123T120000Z"


def test_bad_arguments_exit_with_a_message_before_touching_aws():
    def must_not_be_called(_name):
        raise AssertionError("Spark started despite bad arguments")

    env = spark_runtime.SparkJobEnvironment(runtime_factory=must_not_be_called, storage=object())
    with pytest.raises(SystemExit) as caught:
        export_table.main(["--table_name", "Reviews"], env)
    assert str(caught.value).startswith("export_table: missing required argument(s): --mode")


def test_started_by_hand_without_arguments_it_names_them_and_exits_non_zero():
    result = subprocess.run(
        [sys.executable, str(SCRIPTS_DIR / "export_table.py"), "--mode", "scan"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "missing required argument(s): --table_name, --output_path, --output_format" in (
        result.stderr
    )
    assert "--read_percentage, --splits" in result.stderr
    assert "Traceback" not in result.stderr
