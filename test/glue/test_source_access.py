"""A table in another account or region (source_access.py): every DynamoDB request goes to the
table's region, signed with the source role's credentials and never the job's own; a role that
cannot be assumed fails at once, naming it; the jobs read the source from their arguments and
name the bucket's owner in a cross-account export. Against moto's STS and DynamoDB, with the
signature of every request inspected."""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timezone

import pytest

import export_table
import incremental_exports
import snapshot_staging
from job_arguments import JobEnvironment
from source_access import ERROR_PREFIX
from source_access import SourceAccessError
from source_access import SourceTable
from source_access import read_source
from source_access import source_client

ROLE = "arn:aws:iam::210987654321:role/ddbsnap-orders"
CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([a-z0-9-]+)/([a-z0-9]+)/")


def job_key() -> str:
    """The job's own access key: what any client made without the role signs with."""
    import boto3

    return boto3.Session().get_credentials().access_key


def signatures(dynamodb) -> list[tuple[str, str, str]]:
    """Records (access key, region, service) of every request the client signs."""
    seen: list[tuple[str, str, str]] = []

    def record(request, **_):
        match = CREDENTIAL.search(request.headers["Authorization"].decode())
        seen.append(match.groups())

    dynamodb.meta.events.register_first("before-send", record)
    return seen


def create_orders(region: str, role_arn: str | None = None) -> None:
    """The table, in the account of `role_arn` (moto keeps each account's tables apart, as AWS
    does), created by its owner."""
    ddb = source_client("dynamodb", SourceTable(region=region, role_arn=role_arn))
    ddb.create_table(
        TableName="Orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(23):
        ddb.put_item(TableName="Orders", Item={"id": {"S": f"o{i:02}"}})


def test_every_dynamodb_request_is_signed_with_the_assumed_role_in_the_tables_region(aws):
    create_orders("us-east-1", ROLE)
    dynamodb = source_client("dynamodb", SourceTable(region="us-east-1", role_arn=ROLE))
    seen = signatures(dynamodb)
    dynamodb.describe_table(TableName="Orders")
    plan = snapshot_staging.ScanPlan("Orders", 3, 1000.0, 5, region="us-east-1", role_arn=ROLE)
    lines = [
        line
        for segment in range(3)
        for line in snapshot_staging.scan_segment(
            segment, plan, lambda region, role: dynamodb, lambda _rate: _NoPacing()
        )
    ]
    assert len(lines) == 23
    keys = {key for key, _, _ in seen}
    assert len(seen) >= 6  # DescribeTable and every page of every segment
    assert keys
    assert job_key() not in keys, "no DynamoDB request may use the job's own credentials"
    assert all(key.startswith("ASIA") for key in keys), keys  # temporary, assumed-role keys
    assert {(region, service) for _, region, service in seen} == {("us-east-1", "dynamodb")}


def test_each_scan_segment_makes_its_own_client_with_the_assumed_role(aws):
    """What a Spark task runs: default_dynamodb_client in the executor, from the plan alone."""
    create_orders("us-east-1", ROLE)
    made: list = []

    def factory(region, role_arn):
        made.append((region, role_arn))
        dynamodb = snapshot_staging.default_dynamodb_client(region, role_arn)
        made.append(signatures(dynamodb))
        return dynamodb

    plan = snapshot_staging.ScanPlan("Orders", 2, 1000.0, 50, region="us-east-1", role_arn=ROLE)
    for segment in range(2):
        list(snapshot_staging.scan_segment(segment, plan, factory, lambda _rate: _NoPacing()))
    assert made[0::2] == [("us-east-1", ROLE), ("us-east-1", ROLE)]
    keys = {key for seen in made[1::2] for key, _, _ in seen}
    assert keys
    assert job_key() not in keys
    assert all(k.startswith("ASIA") for k in keys)


def test_a_table_in_another_region_of_the_same_account_uses_the_jobs_own_credentials_there(aws):
    create_orders("eu-west-1")
    dynamodb = source_client("dynamodb", SourceTable(region="eu-west-1"))
    seen = signatures(dynamodb)
    assert dynamodb.describe_table(TableName="Orders")["Table"]["ItemCount"] >= 0
    assert seen == [(job_key(), "eu-west-1", "dynamodb")]


def test_a_role_that_cannot_be_assumed_fails_at_once_naming_it(aws):
    import boto3

    base = boto3.Session()._session

    def refuse(request, **_):
        return _Refused()

    base.get_component("event_emitter").register_first("before-send.sts.AssumeRole", refuse)
    with pytest.raises(SourceAccessError) as raised:
        source_client("dynamodb", SourceTable(role_arn=ROLE), base_session=base)
    message = str(raised.value)
    assert message.startswith(f"{ERROR_PREFIX} {ROLE}: ")
    assert "AccessDenied" in message
    assert "npx ddbsnap plan" in message


def test_the_jobs_read_the_source_from_their_arguments():
    assert read_source({}) == SourceTable()
    assert SourceTable().is_local
    source = read_source(
        {"source_region": "us-east-1", "source_role_arn": ROLE, "bucket_owner": "123456789012"}
    )
    assert source == SourceTable("us-east-1", ROLE, "123456789012")
    assert source.export_destination() == {"S3BucketOwner": "123456789012"}
    config = export_table.read_export_config(
        [
            *(
                "--table_name",
                "Orders",
                "--mode",
                "export",
                "--output_path",
                "s3://snap-bucket/parquet/orders",
            ),
            *("--output_format", "parquet", "--database", "db"),
            *("--table_arn", "arn:aws:dynamodb:us-east-1:210987654321:table/Orders"),
            *("--export_staging_path", "s3://snap-bucket/export-staging/orders/"),
            *("--source_region", "us-east-1", "--source_role_arn", ROLE),
            *("--bucket_owner", "123456789012"),
        ]
    )
    assert config.source == source


def test_the_cross_account_export_uses_the_source_client_and_names_the_buckets_owner():
    """The planner asks the environment for the source's DynamoDB, never its own, and every
    export it starts names the stack's account as the bucket's owner."""
    asked: list[tuple[str, SourceTable]] = []
    exports: list[dict] = []

    class SourceDynamoDB:
        def describe_continuous_backups(self, TableName):
            now = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
            return {
                "ContinuousBackupsDescription": {
                    "PointInTimeRecoveryDescription": {
                        "PointInTimeRecoveryStatus": "ENABLED",
                        "EarliestRestorableDateTime": datetime(2026, 11, 1, tzinfo=timezone.utc),
                        "LatestRestorableDateTime": now,
                    }
                }
            }

        def export_table_to_point_in_time(self, **request):
            exports.append(request)
            return {
                "ExportDescription": {
                    "ExportArn": f"{request['TableArn']}/export/1",
                    "ExportStatus": "COMPLETED",
                    "ExportManifest": "export-staging/orders/full/AWSDynamoDB/1/manifest.json",
                    "ItemCount": 0,
                }
            }

    def source_clients(service, source):
        asked.append((service, source))
        return SourceDynamoDB()

    class NoState:
        def get_object(self, **_):
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject")

    class Glue:
        def put_workflow_run_properties(self, **_):
            pass

    env = JobEnvironment(
        now=lambda: datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc),
        sleep=lambda _: None,
        source_clients=source_clients,
        s3=NoState(),
        glue=Glue(),
        dynamodb="the job's own DynamoDB client must not be used",
    )
    incremental_exports.main(
        [
            "--table_name=Orders",
            "--table_arn=arn:aws:dynamodb:us-east-1:210987654321:table/Orders",
            "--export_staging_path=s3://snap-bucket/export-staging/orders",
            "--state_path=s3://snap-bucket/state/orders",
            "--source_region=us-east-1",
            f"--source_role_arn={ROLE}",
            "--bucket_owner=123456789012",
            "--WORKFLOW_NAME=wf",
            "--WORKFLOW_RUN_ID=wr_1",
        ],
        env,
    )
    assert asked == [("dynamodb", SourceTable("us-east-1", ROLE, "123456789012"))]
    assert [e["S3BucketOwner"] for e in exports] == ["123456789012"]
    assert exports[0]["S3Bucket"] == "snap-bucket"


class _NoPacing:
    def spend(self, units):
        pass


class _Refused:
    """What STS answers a principal its trust policy does not admit."""

    status_code = 403
    headers: dict = {}  # noqa: RUF012
    content = (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not "
        b"authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>"
    )
    text = content.decode()
    url = "https://sts.amazonaws.com/"

    class raw:
        @staticmethod
        def stream():
            yield _Refused.content
