"""The incremental mode's planner job against a table that exports the way DynamoDB does (its
rules enforced): the first run bootstraps, later runs chain windows from the stored watermark, a
retried run follows the same exports, a failed export is retried with a new token and then fails
the run, and a table without PITR fails with the command that fixes it."""

from __future__ import annotations

import io
import json
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from botocore.exceptions import ClientError

import incremental_exports
from export_windows import watermark_document
from exporting_table import ExportingTable
from job_arguments import JobEnvironment

T = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
ARN = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/Orders"
ARGS = [
    "--table_name=Orders",
    f"--table_arn={ARN}",
    "--export_staging_path=s3://snap-bucket/export-staging/orders",
    "--state_path=s3://snap-bucket/state/orders",
    "--WORKFLOW_NAME=ddbsnap-dev-orders",
    "--WORKFLOW_RUN_ID=wr_1",
]


class Objects:
    """Just enough S3 for the planner: objects in a dict."""

    def __init__(self):
        self.objects: dict[tuple[str, str], bytes] = {}

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.objects[(bucket, key)] = body

    def put_object(self, Bucket, Key, Body):
        self.put(Bucket, Key, Body)

    def get_object(self, Bucket, Key):
        if (Bucket, Key) not in self.objects:
            raise ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject")
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}


class Glue:
    def __init__(self):
        self.properties: dict[str, str] = {}

    def put_workflow_run_properties(self, Name, RunId, RunProperties):
        self.properties.update(RunProperties)


class World:
    def __init__(self, pitr_since=T - timedelta(days=3)):
        self.now = T
        self.s3 = Objects()
        self.glue = Glue()
        self.table = ExportingTable(ARN, self.s3.put, lambda: self.now, pitr_since=pitr_since)
        self.sleeps: list[float] = []

    def set_watermark(self, at: datetime) -> None:
        self.s3.put(
            "snap-bucket",
            "state/orders/watermark.json",
            watermark_document(at, T - timedelta(days=1), "wr_0").encode(),
        )

    def run(self):
        return incremental_exports.main(
            ARGS,
            JobEnvironment(
                glue=self.glue,
                dynamodb=self.table,
                s3=self.s3,
                now=lambda: self.now,
                sleep=self.sleeps.append,
            ),
        )

    def recorded(self) -> list[dict]:
        return json.loads(self.glue.properties["incremental_exports"])


def test_the_first_run_makes_one_full_export_at_a_fixed_time_and_records_its_manifest():
    world = World()
    world.table.put(T - timedelta(hours=2), {"pk": {"S": "a"}})
    [entry] = world.run()
    assert entry["kind"] == "full"
    assert entry["from"] is None
    request = world.table.requests[0]
    assert request["ExportType"] == "FULL_EXPORT"
    assert request["ExportTime"] == T - timedelta(minutes=15)
    assert request["S3Prefix"] == "export-staging/orders/full"
    assert entry["manifest"].startswith("s3://snap-bucket/export-staging/orders/full/AWSDynamoDB/")
    assert entry["manifest"].endswith("/manifest-files.json")
    assert entry["items"] == 1
    assert world.recorded() == [entry]
    assert world.sleeps, "it waited for the export"


def test_later_runs_chain_windows_from_the_watermark_in_new_image_view():
    world = World()
    world.set_watermark(T - timedelta(hours=30))
    entries = world.run()
    windows = [(e["from"], e["to"]) for e in entries]
    assert windows == [
        ((T - timedelta(hours=30)).isoformat(), (T - timedelta(hours=6)).isoformat()),
        ((T - timedelta(hours=6)).isoformat(), (T - timedelta(minutes=15)).isoformat()),
    ]
    for request in world.table.requests:
        assert request["ExportType"] == "INCREMENTAL_EXPORT"
        assert request["IncrementalExportSpecification"]["ExportViewType"] == "NEW_IMAGE"
        assert request["S3Prefix"] == "export-staging/orders/incremental"


def test_a_retried_run_follows_the_same_exports_instead_of_paying_again():
    world = World()
    world.set_watermark(T - timedelta(hours=3))
    first = world.run()
    again = world.run()
    assert [e["exportArn"] for e in again] == [e["exportArn"] for e in first]
    assert len(world.table.requests) == 1


def test_a_failed_export_is_retried_with_a_new_token_and_three_failures_fail_the_run():
    world = World()
    world.set_watermark(T - timedelta(hours=3))
    world.table.fail_next = 1
    [entry] = world.run()
    tokens = [r["ClientToken"] for r in world.table.requests]
    assert len(tokens) == 2
    assert tokens[0] != tokens[1]
    assert entry["exportArn"].endswith("00000002")

    failing = World()
    failing.set_watermark(T - timedelta(hours=3))
    failing.table.fail_next = 5
    with pytest.raises(incremental_exports.ExportFailed, match="watermark did not move"):
        failing.run()
    assert len(failing.table.requests) == 3
    assert "incremental_exports" not in failing.glue.properties
    # The next run skips the spent tokens quickly (their exports say FAILED) and tries anew.
    failing.table.fail_next = 0
    [entry] = failing.run()
    assert len(failing.table.requests) == 4


def test_less_than_15_minutes_since_the_watermark_records_no_export():
    world = World()
    world.set_watermark(T - timedelta(minutes=20))
    assert world.run() == []
    assert world.recorded() == []
    assert world.table.requests == []


def test_a_table_without_pitr_fails_with_the_command_that_turns_it_on():
    world = World(pitr_since=None)
    with pytest.raises(incremental_exports.ExportFailed, match="update-continuous-backups"):
        world.run()


def test_a_watermark_older_than_the_pitr_window_bootstraps_again():
    world = World()
    world.set_watermark(T - timedelta(days=2))
    world.table.turn_pitr_off_and_on()
    world.now = T + timedelta(hours=2)
    [entry] = world.run()
    assert entry["kind"] == "full"


def test_a_corrupt_watermark_stops_the_run_instead_of_starting_over():
    world = World()
    world.s3.put("snap-bucket", "state/orders/watermark.json", b"{not json")
    with pytest.raises(ValueError, match="stored watermark is not valid"):
        world.run()


def test_started_outside_the_workflow_it_says_so():
    with pytest.raises(SystemExit, match="start the workflow"):
        incremental_exports.main(ARGS[:4])
