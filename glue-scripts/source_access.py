"""How the jobs reach a DynamoDB table outside the stack's own account or region.

Glue ships this module to every job with `--extra-py-files`, beside job_arguments.py. It runs on
Glue 5 (Python 3.11) and on Python shell 3.9: nothing here may need a newer Python.

A table in another account is read through a role there (`--source_role_arn`), which the job's
own role assumes for every DynamoDB call: the scan's segments (each Spark task makes its own
client), DescribeTable, the native and incremental exports and their DescribeExport. The
credentials refresh themselves before they expire, so a scan longer than one role session (an
hour at most when one role assumes another: IAM guide, "Role chaining") keeps reading. A table in
another region is called in that region (`--source_region`). An export into the stack's bucket
from another account names the bucket's owner (`--bucket_owner`; API reference,
ExportTableToPointInTime: S3BucketOwner "is a required parameter when exporting to a S3 bucket in
another account").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract import CONTRACT
from job_arguments import STANDARD_RETRIES
from job_arguments import aws_client

SOURCE_ARGUMENTS = tuple(CONTRACT["sourceArguments"])
ERROR_PREFIX = CONTRACT["sourceAccess"]["errorPrefix"]
SESSION_NAME = CONTRACT["sourceAccess"]["sessionName"]


class SourceAccessError(RuntimeError):
    """The source role could not be assumed. The message starts with ERROR_PREFIX, which
    `ddbsnap status --check` looks for in a failed run's error."""


@dataclass(frozen=True)
class SourceTable:
    """Where the table is, when that is not the stack's account and region."""

    region: str | None = None  # None: the job's own region
    role_arn: str | None = None  # None: the job's own role
    bucket_owner: str | None = None  # the stack's account, for a cross-account export

    @property
    def is_local(self) -> bool:
        return self.region is None and self.role_arn is None

    def export_destination(self) -> dict[str, str]:
        """What ExportTableToPointInTime needs beyond bucket and prefix for this table."""
        return {"S3BucketOwner": self.bucket_owner} if self.bucket_owner else {}


def read_source(values: Mapping[str, str]) -> SourceTable:
    """The source from a job's arguments (absent ones: the stack's own account and region)."""
    return SourceTable(
        region=values.get("source_region") or None,
        role_arn=values.get("source_role_arn") or None,
        bucket_owner=values.get("bucket_owner") or None,
    )


def assumed_role_session(role_arn: str, session_name: str = SESSION_NAME, base: Any = None) -> Any:
    """A boto3 session whose credentials are the role's, fetched when first needed and fetched
    again before they expire (botocore's own assume-role provider does the same for profiles)."""
    import boto3
    import botocore.session
    from botocore.credentials import AssumeRoleCredentialFetcher
    from botocore.credentials import DeferredRefreshableCredentials

    base = base or botocore.session.get_session()
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=base.create_client,
        source_credentials=base.get_credentials(),
        role_arn=role_arn,
        extra_args={"RoleSessionName": session_name},
    )
    session = botocore.session.get_session()
    # botocore has no public setter for refreshable credentials; its own providers set this too.
    session._credentials = DeferredRefreshableCredentials(
        method="assume-role", refresh_using=fetcher.fetch_credentials
    )
    return boto3.Session(botocore_session=session)


def source_client(
    service: str,
    source: SourceTable,
    retries: dict = STANDARD_RETRIES,
    base_session: Any = None,
) -> Any:
    """A client in the source table's region, with its role's credentials when it has one, and
    the jobs' retries and failure naming (job_arguments.aws_client). The role is assumed at once,
    so that a role the job cannot assume fails here, saying which."""
    import boto3
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    if source.role_arn is None:
        session = boto3.Session(botocore_session=base_session) if base_session else boto3.Session()
        return aws_client(service, source.region, retries, session)
    session = assumed_role_session(source.role_arn, base=base_session)
    try:
        session.get_credentials().get_frozen_credentials()
    except (ClientError, BotoCoreError) as error:
        raise SourceAccessError(
            f"{ERROR_PREFIX} {source.role_arn}: {error}. The table's owner creates it with the "
            "trust and permissions policies `npx ddbsnap plan` prints (docs/security.md, "
            '"Tables in other accounts and regions")'
        ) from None
    return aws_client(service, source.region, retries, session)
