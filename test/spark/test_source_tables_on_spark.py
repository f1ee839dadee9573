"""A table in another account and region, through the export job's main() on real Spark: every
DynamoDB call goes to the source (the table's region, its role), the job's own DynamoDB client is
never touched, every scan segment's client (made inside Spark's workers) gets the role, and the
native export names the stack's account as the bucket's owner."""

from __future__ import annotations

import pytest
from fakes import CorpusScan
from fakes import FakeDynamoDB
from fakes import FakeGlue
from fakes import LocalRuntime
from fakes import LocalStorage

import export_table
from source_access import SourceTable
from spark_runtime import SparkJobEnvironment

ROLE = "arn:aws:iam::210987654321:role/ddbsnap-orders"
ITEMS = [{"pk": {"S": f"o-{i}"}, "total": {"N": str(i)}} for i in range(7)]


class Untouchable:
    """The job's own DynamoDB client: a table in another account must never be called with it."""

    def __getattr__(self, name):
        raise AssertionError(f"the job's own DynamoDB client was used: {name}")


@pytest.mark.parametrize("mode", ["scan", "export"])
def test_every_dynamodb_call_goes_to_the_source_with_its_role(spark, tmp_path, mode):
    storage = LocalStorage(tmp_path / "s3")
    source_region = type("Meta", (), {"region_name": "us-east-1"})()
    dynamodb = FakeDynamoDB(storage, ITEMS, meta=source_region)
    asked: list[tuple[str, SourceTable]] = []

    def source_clients(service, source):
        asked.append((service, source))
        return dynamodb

    args = {
        "table_name": "Orders",
        "mode": mode,
        "output_path": "s3://snapshots/parquet/orders",
        "output_format": "parquet",
        "database": "exports",
        "source_region": "us-east-1",
        "source_role_arn": ROLE,
        "WORKFLOW_NAME": "ddbsnap-dev-orders",
        "WORKFLOW_RUN_ID": "wr_1",
    }
    if mode == "scan":
        args |= {"read_percentage": "1", "splits": "3", "TempDir": "s3://snapshots/tmp/orders/"}
    else:
        args |= {
            "table_arn": "arn:aws:dynamodb:us-east-1:210987654321:table/Orders",
            "export_staging_path": "s3://snapshots/export-staging/orders/",
            "bucket_owner": "123456789012",
        }
    result = export_table.main(
        [token for name, value in args.items() for token in (f"--{name}", value)],
        SparkJobEnvironment(
            runtime_factory=LocalRuntime(spark),
            storage=storage,
            glue=FakeGlue(),
            dynamodb=Untouchable(),
            source_clients=source_clients,
            sleep=lambda _: None,
        ),
        # Runs in Spark's workers: fails the job unless each segment gets the region and role.
        scan_client_factory=CorpusScan(ITEMS, role_arn=ROLE, region="us-east-1"),
    )
    assert result.items == 7
    owner = "123456789012" if mode == "export" else None
    assert asked == [("dynamodb", SourceTable("us-east-1", ROLE, owner))]
    if mode == "export":
        [request] = dynamodb.exports
        assert request["S3BucketOwner"] == "123456789012"
        assert request["TableArn"] == "arn:aws:dynamodb:us-east-1:210987654321:table/Orders"
