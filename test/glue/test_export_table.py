"""Tests of glue-scripts/export_table.py: its pure functions, and main() end to end with a
recording fake GlueContext (Spark is not available here) and real boto3 against moto."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import boto3
import pytest

import export_table
from conftest import REGION, SCRIPTS_DIR
from export_table import (
    ArgumentError,
    connector_options,
    dataframe_reader_options,
    format_snapshot_timestamp,
    read_export_config,
    snapshot_path,
    writer_options,
)

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
        "reader": "dataframe",
        "output_path": OUTPUT_PATH,
        "output_format": "parquet",
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
        **overrides,
    }
    return [token for name, value in values.items() for token in (f"--{name}", value)]


# --- arguments (their reading is test_job_arguments.py's) -----------------------------------


def test_scan_config_is_parsed_and_typed():
    config = read_export_config([*scan_args(), "--JOB_NAME", "job", "--JOB_RUN_ID", "jr_1"])
    assert config.mode == "scan"
    assert config.read_percentage == 0.25
    assert config.splits == 36
    assert config.reader == "dataframe"
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
    assert "--mode, --output_path, --output_format" in message
    assert "scan mode also needs --read_percentage, --splits and --reader" in message


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
        ({"reader": "spark"}, "--reader must be one of dataframe, dynamicframe"),
        ({"output_path": "s3://bucket-only"}, "--output_path must be an S3 folder"),
        ({"output_path": "https://x/parquet/reviews"}, "--output_path must be an S3 folder"),
    ],
)
def test_arguments_that_steer_the_job_are_checked(override, message):
    with pytest.raises(ArgumentError, match=message):
        read_export_config(scan_args(**override))


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


def test_scan_connector_options():
    assert connector_options(read_export_config(scan_args())) == {
        "dynamodb.input.tableName": "Reviews",
        "dynamodb.throughput.read.percent": "0.25",
        "dynamodb.splits": "36",
    }


def test_export_connector_options():
    assert connector_options(read_export_config(export_args())) == {
        "dynamodb.export": "ddb",
        "dynamodb.tableArn": TABLE_ARN,
        "dynamodb.s3.bucket": BUCKET,
        "dynamodb.s3.prefix": "export-staging/reviews",
        "dynamodb.simplifyDDBJson": True,
    }


def test_glue5_scans_use_the_dataframe_connector_with_the_read_share_as_its_ratio():
    assert dataframe_reader_options(read_export_config(scan_args())) == {
        "dynamodb.input.tableName": "Reviews",
        "dynamodb.throughput.read.ratio": "0.25",
        "dynamodb.splits": "36",
        "dynamodb.consistentRead": "false",
    }


def test_write_options_per_format():
    assert writer_options("parquet") == {"compression": "snappy"}
    assert writer_options("csv") == {
        "header": "true",
        "compression": "gzip",
        "sep": ",",
        "quote": '"',
    }
    assert writer_options("json") == {"compression": "gzip"}
    for output_format in ("orc", "avro"):
        assert writer_options(output_format) == {}


# --- main() end to end: a fake Glue runtime, moto for Glue and S3 ---------------------------


class Source:
    """The DynamoDB table (or its staged export): counts how often it is read in full."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.full_reads = 0

    def read(self) -> list[dict]:
        self.full_reads += 1
        return self.rows


class FakeDataFrame:
    """Stands in for a Spark DataFrame: evaluation is lazy, as in Spark, so the source is read
    when an action (here the write) runs, not when the frame is made."""

    def __init__(self, produce, columns: list[str]):
        self._produce = produce
        self.columns = columns
        self.rows_written = 0

    @property
    def write(self):
        return FakeWriter(self)


class FakeWriter:
    def __init__(self, frame: FakeDataFrame):
        self.frame = frame
        self.settings: dict = {}

    def mode(self, mode):
        self.settings["mode"] = mode
        return self

    def format(self, output_format):
        self.settings["format"] = output_format
        return self

    def options(self, **options):
        self.settings["options"] = options
        return self

    def save(self, path):
        runtime = FakeRuntime.current
        runtime.calls.append(("write", {**self.settings, "path": path}))
        rows = self.frame._produce()
        if any(isinstance(v, Choice) for row in rows for v in row.values()):
            raise TypeError("cannot write choice types")
        bucket, _, prefix = path.removeprefix("s3://").partition("/")
        for part, row in enumerate(rows):
            key = f"{prefix}part-{part:05d}-{runtime.attempt}.{self.settings['format']}"
            runtime.s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(row).encode())
        self.frame.rows_written = len(rows)


class Choice(str):
    """A value whose type differs from the same attribute's in another item (a choice type)."""


class FakeDynamicFrame:
    """Stands in for a DynamicFrame: like Glue, it reports a column whose values have different
    types as a choice type; its schema (for resolveChoice and toDF) costs a full read."""

    def __init__(self, source: Source, resolved_with: str | None = None):
        self.source = source
        self.resolved_with = resolved_with

    def resolveChoice(self, specs=None, choice="", **_ignored):  # Glue's method name
        assert specs is None, "the job resolves every choice column by one rule"
        assert choice == "cast:string"
        return FakeDynamicFrame(self.source, resolved_with=choice)

    def _rows(self) -> list[dict]:
        rows = self.source.read()
        types: dict[str, set[type]] = {}
        for row in rows:
            for column, value in row.items():
                types.setdefault(column, set()).add(type(value))
        choices = {column for column, seen in types.items() if len(seen) > 1}
        cast = (lambda v: str(v)) if self.resolved_with else Choice
        return [{k: cast(v) if k in choices else v for k, v in row.items()} for row in rows]

    def toDF(self):
        columns = sorted({c for row in self._rows() for c in row})  # the schema pass reads it all
        return FakeDataFrame(self._rows, columns)


class FakeRuntime:
    """GlueRuntime's four members, recording the job's calls in order. purge_s3_path and the
    writer act on (moto) S3, naming files uniquely per attempt as Spark does, so a missing purge
    would leave duplicates."""

    current: FakeRuntime

    def __init__(self, rows: list[dict], attempt: str = "attempt1"):
        self.source = Source(rows)
        self.attempt = attempt
        self.calls: list[tuple[str, dict]] = []
        self.s3 = boto3.client("s3", region_name=REGION)
        self.glue_context = SimpleNamespace(
            create_dynamic_frame=SimpleNamespace(from_options=self._read_dynamic_frame),
            purge_s3_path=self._purge,
        )
        self.spark = SimpleNamespace(read=SimpleNamespace(format=self._reader))
        self.job = SimpleNamespace(commit=lambda: self.calls.append(("commit", {})))
        FakeRuntime.current = self

    def __call__(self, job_name: str) -> FakeRuntime:
        """Used as main()'s runtime_factory: Glue's Job is initialised with the job's name."""
        self.calls.append(("init", {"job_name": job_name}))
        return self

    def _reader(self, source_format):
        runtime = self

        class Reader:
            def options(self, **options):
                self.options_given = options
                return self

            def load(self):
                runtime.calls.append(
                    ("read", {"format": source_format, "options": self.options_given})
                )
                rows = runtime.source.rows
                return FakeDataFrame(runtime.source.read, sorted({c for row in rows for c in row}))

        return Reader()

    def _read_dynamic_frame(self, connection_type, connection_options, **_ignored):
        self.calls.append(("read", {"type": connection_type, "options": connection_options}))
        return FakeDynamicFrame(self.source)

    def _purge(self, s3_path, options=None, transformation_ctx=""):
        self.calls.append(("purge", {"path": s3_path, "options": options}))
        assert options == {"retentionPeriod": 0}
        bucket, _, prefix = s3_path.removeprefix("s3://").partition("/")
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                self.s3.delete_object(Bucket=bucket, Key=item["Key"])

    def count_while_writing(self, frame: FakeDataFrame):
        return frame, lambda: frame.rows_written

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def call(self, name: str) -> dict:
        (found,) = [kwargs for called, kwargs in self.calls if called == name]
        return found


ROWS = [{"id": "r1", "stars": 5}, {"id": "r2", "stars": 3}]


@pytest.fixture
def world(aws):
    """A bucket and a started workflow run, in moto."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    glue = boto3.client("glue", region_name=REGION)
    glue.create_workflow(Name="ddbsnap-dev-reviews")
    run_id = glue.start_workflow_run(Name="ddbsnap-dev-reviews")["RunId"]
    started = glue.get_workflow_run(Name="ddbsnap-dev-reviews", RunId=run_id)["Run"]["StartedOn"]
    return SimpleNamespace(
        s3=s3,
        glue=glue,
        run_id=run_id,
        workflow_args=["--WORKFLOW_NAME", "ddbsnap-dev-reviews", "--WORKFLOW_RUN_ID", run_id],
        # computed here independently of the code under test
        timestamp=started.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
    )


def keys_under(s3, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def run_property(world) -> dict:
    return world.glue.get_workflow_run_properties(Name="ddbsnap-dev-reviews", RunId=world.run_id)[
        "RunProperties"
    ]


def later(hours: int):
    """A clock that is wrong on purpose: in a workflow the job must not use it."""
    return lambda: datetime.now(timezone.utc) + timedelta(hours=hours)


def test_a_glue5_scan_reads_the_table_once_purges_writes_and_publishes_the_snapshot(world):
    runtime = FakeRuntime(ROWS)
    target = export_table.main(
        [*scan_args(), *world.workflow_args, "--JOB_NAME", "ddbsnap-dev-reviews-export"],
        runtime_factory=runtime,
        now=later(5),
    )

    expected = f"{OUTPUT_PATH}/snapshot_timestamp={world.timestamp}/"
    assert target == expected
    assert runtime.names() == ["init", "read", "purge", "write", "commit"]
    assert runtime.call("init") == {"job_name": "ddbsnap-dev-reviews-export"}
    assert runtime.call("read") == {
        "format": "dynamodb",
        "options": {
            "dynamodb.input.tableName": "Reviews",
            "dynamodb.throughput.read.ratio": "0.25",
            "dynamodb.splits": "36",
            "dynamodb.consistentRead": "false",
        },
    }
    assert runtime.source.full_reads == 1, "the table is read exactly once"
    assert runtime.call("purge")["path"] == expected
    assert runtime.call("write") == {
        "mode": "append",
        "format": "parquet",
        "options": {"compression": "snappy"},
        "path": expected,
    }
    assert run_property(world) == {
        "snapshot_timestamp": world.timestamp,
        "snapshot_item_count": "2",
    }
    assert len(keys_under(world.s3, f"parquet/reviews/snapshot_timestamp={world.timestamp}/")) == 2


def test_the_dynamicframe_connector_costs_a_second_read_which_is_why_glue5_avoids_it(world):
    runtime = FakeRuntime(ROWS)
    export_table.main(
        [*scan_args(reader="dynamicframe"), *world.workflow_args], runtime_factory=runtime
    )
    assert runtime.call("read")["type"] == "dynamodb"
    assert runtime.source.full_reads == 2
    assert run_property(world)["snapshot_item_count"] == "2"


def test_a_retry_of_the_same_workflow_run_replaces_the_same_snapshot(world):
    first = FakeRuntime(ROWS)
    export_table.main([*scan_args(), *world.workflow_args], runtime_factory=first)
    # A second attempt, hours later, with one more item in the table.
    second = FakeRuntime([*ROWS, {"id": "r3", "stars": 4}], attempt="attempt2")
    target = export_table.main(
        [*scan_args(), *world.workflow_args], runtime_factory=second, now=later(3)
    )

    assert target == first.call("write")["path"] == second.call("write")["path"]
    keys = keys_under(world.s3, "parquet/reviews/")
    assert len(keys) == 3, keys
    assert all(key.endswith("-attempt2.parquet") for key in keys)  # only the retry's files
    assert all(f"/snapshot_timestamp={world.timestamp}/" in key for key in keys)
    assert run_property(world) == {
        "snapshot_timestamp": world.timestamp,
        "snapshot_item_count": "3",
    }


def test_export_mode_uses_the_native_export_connector_and_csv_with_a_header(world):
    runtime = FakeRuntime(ROWS)
    export_table.main(
        [*export_args(output_format="csv", output_path=f"s3://{BUCKET}/csv/reviews"),
         *world.workflow_args],
        runtime_factory=runtime,
    )  # fmt: skip

    assert runtime.call("read") == {
        "type": "dynamodb",
        "options": {
            "dynamodb.export": "ddb",
            "dynamodb.tableArn": TABLE_ARN,
            "dynamodb.s3.bucket": BUCKET,
            "dynamodb.s3.prefix": "export-staging/reviews",
            "dynamodb.simplifyDDBJson": True,
        },
    }
    write = runtime.call("write")
    assert write["format"] == "csv"
    assert write["options"]["header"] == "true"
    assert write["options"]["compression"] == "gzip"
    assert write["path"] == f"s3://{BUCKET}/csv/reviews/snapshot_timestamp={world.timestamp}/"


def test_an_empty_table_gives_an_empty_snapshot_with_a_count_of_zero(world, caplog):
    # Files of an earlier, failed attempt of this run must not survive as the snapshot.
    stale_key = f"parquet/reviews/snapshot_timestamp={world.timestamp}/part-00000-stale.parquet"
    world.s3.put_object(Bucket=BUCKET, Key=stale_key, Body=b"stale")
    runtime = FakeRuntime([])

    with caplog.at_level("INFO", logger="export_table"):
        export_table.main([*scan_args(), *world.workflow_args], runtime_factory=runtime)

    assert runtime.names() == ["init", "read", "purge", "commit"]
    assert keys_under(world.s3, "parquet/reviews/") == []
    assert run_property(world) == {
        "snapshot_timestamp": world.timestamp,
        "snapshot_item_count": "0",
    }
    assert "is empty" in caplog.text


def test_attributes_with_conflicting_types_become_strings_and_keep_their_values(world):
    rows = [{"id": "r1", "stars": 5}, {"id": "r2", "stars": "five"}, {"id": "r3", "stars": 4.5}]
    runtime = FakeRuntime(rows)

    export_table.main(
        [*scan_args(reader="dynamicframe"), *world.workflow_args], runtime_factory=runtime
    )

    written = [
        json.loads(world.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        for key in keys_under(world.s3, "parquet/reviews/")
    ]
    assert [row["stars"] for row in written] == ["5", "five", "4.5"]
    assert [row["id"] for row in written] == ["r1", "r2", "r3"]


def test_outside_a_workflow_the_job_runs_own_start_names_the_snapshot(aws, recording):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    moto_glue = boto3.client("glue", region_name=REGION)
    moto_glue.create_job(
        Name="ddbsnap-dev-reviews-export",
        Role="arn:aws:iam::123456789012:role/glue",
        Command={
            "Name": "glueetl",
            "ScriptLocation": f"s3://{BUCKET}/glue-scripts/export_table.py",
        },
    )
    run_id = moto_glue.start_job_run(JobName="ddbsnap-dev-reviews-export")["JobRunId"]
    started = moto_glue.get_job_run(JobName="ddbsnap-dev-reviews-export", RunId=run_id)["JobRun"][
        "StartedOn"
    ]
    glue = recording(moto_glue)

    target = export_table.main(
        [*scan_args(), "--JOB_NAME", "ddbsnap-dev-reviews-export", "--JOB_RUN_ID", run_id],
        runtime_factory=FakeRuntime(ROWS),
        glue=glue,
        now=later(7),
    )

    expected_timestamp = started.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    assert target == f"{OUTPUT_PATH}/snapshot_timestamp={expected_timestamp}/"
    assert glue.calls_to("put_workflow_run_properties") == []


def test_without_any_run_id_the_current_time_names_the_snapshot(aws, recording):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    glue = recording(boto3.client("glue", region_name=REGION))
    target = export_table.main(
        scan_args(),
        runtime_factory=FakeRuntime(ROWS),
        glue=glue,
        now=lambda: datetime(2026, 11, 23, 19, 0, 0, tzinfo=JST),
    )
    assert target == f"{OUTPUT_PATH}/snapshot_timestamp=20261123T100000Z/"
    assert glue.calls == []


def test_bad_arguments_exit_with_a_message_before_touching_aws():
    def must_not_be_called(_name):
        raise AssertionError("Spark started despite bad arguments")

    with pytest.raises(SystemExit) as caught:
        export_table.main(["--table_name", "Reviews"], runtime_factory=must_not_be_called)
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
    assert "--read_percentage, --splits, --reader" in result.stderr
    assert "Traceback" not in result.stderr
