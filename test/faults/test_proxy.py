"""The fault proxy, as botocore sees it: each fault kind arrives as the service's own error (code,
HTTP status) or as the broken connection it stands for, and botocore's retry modes treat it as
they treat AWS's; a kill ends the attempt's process group; the stand-ins answer as AWS does for
the calls the jobs make. One moto_server and one proxy for the module, stopped by PID."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import boto3
import botocore.endpoint
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.exceptions import EndpointConnectionError
from faults import FaultPlan
from faults import cbor_map
from faults import identify
from servers import Servers
from stand_ins import item_size
from stand_ins import scan_read_units

from job_arguments import aws_client

ARN = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/Orders"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    work = tmp_path_factory.mktemp("faults")
    running = Servers(work, work / "servers.log")
    running.command("bucket", name="bucket")
    running.direct("dynamodb").create_table(
        TableName="Orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
    )
    running.command(
        "table", arn=ARN, name="Orders", key="pk", pitr_since="2026-11-01T00:00:00+00:00"
    )
    for number in range(12):
        image = {"pk": {"S": f"k{number:02d}"}, "pad": {"S": "x" * 1000}}
        running.command(
            "write", name="Orders", at="2026-11-02T00:00:00+00:00", pk=f"k{number:02d}", image=image
        )
    running.direct("glue").create_database(DatabaseInput={"Name": "db"})
    saved = botocore.endpoint.time
    botocore.endpoint.time = types.SimpleNamespace(sleep=lambda _: None)  # no back-off waits
    yield running
    botocore.endpoint.time = saved
    running.stop()


def attempt(servers, key: str, **plan) -> str:
    servers.command(
        "attempt",
        key=key,
        plan=FaultPlan(seed=key, **plan).to_json(),
        sim_now="2026-11-10T00:00:00+00:00",
    )
    return key


def client(servers, service: str, key: str, attempts: int = 3):
    return boto3.client(
        service,
        endpoint_url=servers.proxy_url,
        region_name="ap-northeast-1",
        aws_access_key_id=key,
        aws_secret_access_key="x",
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


@pytest.mark.parametrize(
    ("service", "call", "code", "status"),
    [
        (
            "dynamodb",
            lambda c: c.scan(TableName="Orders"),
            "ProvisionedThroughputExceededException",
            400,
        ),
        ("dynamodb", lambda c: c.describe_table(TableName="Orders"), "ThrottlingException", 400),
        ("s3", lambda c: c.list_objects_v2(Bucket="bucket"), "SlowDown", 503),
        ("glue", lambda c: c.get_databases(), "ThrottlingException", 400),
        (
            "athena",
            lambda c: c.get_query_execution(QueryExecutionId="q"),
            "ThrottlingException",
            400,
        ),
        ("cloudwatch", lambda c: c.list_metrics(), "Throttling", 400),
    ],
)
def test_a_storm_of_throttling_is_the_services_own_error_and_botocore_retries_it(
    servers, service, call, code, status
):
    operation = {
        "dynamodb": None,
        "s3": "ListObjectsV2",
        "glue": "GetDatabases",
        "athena": "GetQueryExecution",
        "cloudwatch": "ListMetrics",
    }[service] or ("Scan" if code.startswith("Provisioned") else "DescribeTable")
    key = attempt(servers, f"storm-{service}-{operation}", storms={operation: 0})
    with pytest.raises(ClientError) as caught:
        call(client(servers, service, key))
    error = caught.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["ResponseMetadata"]["RetryAttempts"] == 2  # botocore saw a throttle: retried
    seen = servers.command("finish", key=key)
    assert seen["faults"] == {"throttle": 3}


def test_a_500_is_the_services_internal_error(servers):
    key = attempt(servers, "storm-500", storms={"GetDatabases": 0}, storm_kind="error500")
    with pytest.raises(ClientError) as caught:
        client(servers, "glue", key).get_databases()
    assert caught.value.response["Error"]["Code"] == "InternalServiceException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


@pytest.mark.parametrize("kind", ["reset", "cut"])
def test_a_dropped_response_is_retried_and_its_read_still_counts(servers, kind):
    key = attempt(servers, f"drop-{kind}", rates={kind: 1.0}, max_faults=1)
    page = client(servers, "dynamodb", key).scan(TableName="Orders", ReturnConsumedCapacity="TOTAL")
    assert len(page["Items"]) == 12
    assert page["ResponseMetadata"]["RetryAttempts"] == 1
    seen = servers.command("finish", key=key)
    assert seen["faults"] == {kind: 1}
    units = [entry[1] for entry in seen["scan_pages"]]
    assert units == [page["ConsumedCapacity"]["CapacityUnits"]] * 2  # DynamoDB charged both


def test_botocore_alone_parses_half_a_json_answer_the_jobs_clients_retry_it(servers):
    key = attempt(servers, "cut-plain", rates={"cut": 1.0}, max_faults=1)
    assert "DatabaseList" not in client(servers, "glue", key).get_databases()
    key = attempt(servers, "cut-job", rates={"cut": 1.0}, max_faults=1)
    databases = _job_client(servers, "glue", key).get_databases()["DatabaseList"]
    assert [d["Name"] for d in databases] == ["db"]


def _job_client(servers, service: str, key: str):
    """The jobs' own client (job_arguments.aws_client), pointed at the proxy as the suite's jobs
    are: through AWS_ENDPOINT_URL and the attempt's access key id."""
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID")}
    os.environ.update(AWS_ENDPOINT_URL=servers.proxy_url, AWS_ACCESS_KEY_ID=key)
    try:
        return aws_client(service, "ap-northeast-1")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_a_kill_ends_the_attempts_process_group_and_never_answers(servers):
    victim = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    key = "kill"
    servers.command(
        "attempt",
        key=key,
        plan=FaultPlan(seed=key, kill_at=2).to_json(),
        pgid=victim.pid,
        sim_now="2026-11-10T00:00:00+00:00",
    )
    glue = client(servers, "glue", key, attempts=1)
    glue.get_databases()  # request 1: answered
    with pytest.raises((ClientError, EndpointConnectionError, Exception)):
        glue.get_databases()  # request 2: the attempt is killed, the connection dropped
    assert victim.wait(timeout=10) == -9
    assert servers.command("finish", key=key)["faults"] == {"kill": 1}


def test_faults_are_decided_by_the_seed_not_by_timing(servers):
    def faults_of(key: str) -> list:
        attempt(servers, key, rates={"throttle": 0.3, "error500": 0.2})
        s3 = client(servers, "s3", key, attempts=10)
        for number in range(8):
            s3.put_object(Bucket="bucket", Key=f"seeded/{number}", Body=b"x")
        return servers.command("finish", key=key)["fault_log"]

    first = faults_of("same-seed")
    assert first
    assert faults_of("same-seed") == first


def test_s3_from_a_folder_lists_pages_and_common_prefixes_as_s3_does(servers):
    key = attempt(servers, "s3-clean")
    s3 = client(servers, "s3", key)
    for name in ("a/1", "a/2", "b/x=1/f", "b/x=2/f", "c"):
        s3.put_object(Bucket="bucket", Key=f"listing/{name}", Body=name.encode())
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="bucket", Prefix="listing/", Delimiter="/", PaginationConfig={"PageSize": 2}
    )
    keys, prefixes = [], []
    for page in pages:
        keys += [item["Key"] for item in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    assert keys == ["listing/c"]
    assert prefixes == ["listing/a/", "listing/b/"]
    assert s3.get_object(Bucket="bucket", Key="listing/b/x=2/f")["Body"].read() == b"b/x=2/f"
    s3.delete_objects(
        Bucket="bucket", Delete={"Objects": [{"Key": "listing/a/1"}, {"Key": "listing/a/2"}]}
    )
    left = s3.list_objects_v2(Bucket="bucket", Prefix="listing/a/")
    assert left["KeyCount"] == 0
    with pytest.raises(ClientError, match="NoSuchKey"):
        s3.get_object(Bucket="bucket", Key="listing/a/1")


def test_athena_moves_a_view_in_the_catalog_and_reads_the_partition_it_shows(servers):
    key = attempt(servers, "athena-clean")
    athena = client(servers, "athena", key)
    sql = 'CREATE OR REPLACE VIEW "db"."orders" AS SELECT * FROM "db"."orders_source"'

    def run(statement: str, token: str) -> str:
        query = athena.start_query_execution(QueryString=statement, ClientRequestToken=token)
        again = athena.start_query_execution(QueryString=statement, ClientRequestToken=token)
        assert again["QueryExecutionId"] == query["QueryExecutionId"]  # idempotent, as Athena
        for _ in range(3):
            status = athena.get_query_execution(QueryExecutionId=query["QueryExecutionId"])
            state = status["QueryExecution"]["Status"]
            if state["State"] not in ("QUEUED", "RUNNING"):
                return state["State"] + " " + state.get("StateChangeReason", "")
        raise AssertionError("still running")

    assert run("SELECT * FROM (SELECT 1) LIMIT 10", "t" * 32).startswith("FAILED SYNTAX_ERROR")
    assert run(sql, "u" * 32).strip() == "SUCCEEDED"
    view = servers.direct("glue").get_table(DatabaseName="db", Name="orders")["Table"]
    assert view["TableType"] == "VIRTUAL_VIEW"
    assert view["ViewOriginalText"].startswith("/* Presto View: ")
    assert run('SELECT * FROM "db"."orders" LIMIT 10', "v" * 32).startswith(
        "FAILED TABLE_NOT_FOUND"
    )


def test_a_scan_page_costs_what_dynamodb_charges_for_the_items_it_read():
    item = {"pk": {"S": "k01"}, "n": {"N": "123.45"}, "pad": {"S": "x" * 1000}}
    assert item_size(item) == 2 + 3 + 1 + 4 + 3 + 1000
    assert scan_read_units([item] * 4) == 0.5  # 4,052 bytes: one 4 KB unit, halved
    assert scan_read_units([item] * 5) == 1.0  # 5,065 bytes: two


def test_requests_are_named_by_service_operation_and_attempt():
    auth = "AWS4-HMAC-SHA256 Credential=attempt1/20261110/ap-northeast-1/s3/aws4_request, ..."
    call = identify("POST", "/bucket?delete", {"authorization": auth}, b"<Delete/>")
    assert (call.service, call.operation, call.access_key) == ("s3", "DeleteObjects", "attempt1")
    assert cbor_map({"a": "b"}) == b"\xa1aaab"
