"""What the Glue scripts need before their own work: their arguments, S3 locations, AWS clients,
the clock and logging.

Glue ships this module to each job with `--extra-py-files` (the program uploads it beside the
scripts), so each imports it as `job_arguments`. It runs on Glue 5 (Python 3.11) and on Python
shell 3.9: nothing here may need a newer Python.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime
from datetime import timezone
from typing import Any
from typing import TypeVar

JobConfig = TypeVar("JobConfig")

S3_URI = re.compile(r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<key>.*))?")


class ArgumentError(ValueError):
    """A job argument is missing or invalid. main() turns it into a one-line exit message."""


def read_job_arguments(argv: Sequence[str], names: Iterable[str]) -> dict[str, str]:
    """The values of `names` in a Glue job's argv (`--name value` or `--name=value`).

    Does what AWS's awsglue.utils.getResolvedOptions does (argparse with parse_known_args: the
    arguments Glue adds for itself pass through untouched), except that a missing name is
    absent from the result instead of an error: which names are required depends on the job's
    mode, and `require` then names every missing one at once.
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    for name in names:
        parser.add_argument(f"--{name}")
    try:
        known, _glues_own = parser.parse_known_args(list(argv))
    except argparse.ArgumentError as error:
        raise ArgumentError(str(error)) from None
    return {name: value.strip() for name, value in vars(known).items() if value is not None}


def require(values: dict[str, str], names: Iterable[str], hint: str = "") -> None:
    """Raises one ArgumentError naming every one of `names` that is absent or empty."""
    missing = [f"--{name}" for name in names if not values.get(name)]
    if missing:
        raise ArgumentError(f"missing required argument(s): {', '.join(missing)}{hint}")


WORKFLOW_ARGUMENTS = ("WORKFLOW_NAME", "WORKFLOW_RUN_ID")
WORKFLOW_HINT = (
    " (--WORKFLOW_NAME and --WORKFLOW_RUN_ID are set by the table's workflow: start the workflow,"
    " not this job)"
)


def read_workflow_job_arguments(
    argv: Sequence[str], names: Iterable[str], optional: Iterable[str] = ()
) -> dict[str, str]:
    """The arguments of a job only its workflow starts: `names` and the workflow's run, all
    required (one error names every missing one), plus `optional` ones."""
    names = tuple(names)
    values = read_job_arguments(argv, (*names, *WORKFLOW_ARGUMENTS, *optional))
    require(values, (*names, *WORKFLOW_ARGUMENTS), WORKFLOW_HINT)
    return values


def split_s3_uri(uri: str, argument: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> ("bucket", "some/prefix"); the prefix must not be empty."""
    match = S3_URI.fullmatch(uri.strip())
    key = (match.group("key") or "").strip("/") if match else ""
    if not match or not key:
        raise ArgumentError(
            f"--{argument} must be an S3 folder like s3://<bucket>/<prefix>, got {uri!r}"
        )
    return match.group("bucket"), key


# --------------------------------------------------------------------------------------------
# AWS calls: retried by botocore's retry modes, named when they fail, one line for Glue.
# --------------------------------------------------------------------------------------------

# botocore's standard mode retries throttling errors (ThrottlingException,
# ProvisionedThroughputExceededException, SlowDown, TooManyRequestsException, ...), HTTP 500-504
# and dropped connections, with capped exponential back-off (boto3 guide, "Retries"). Config's
# max_attempts counts the retries: 11 attempts in all.
STANDARD_RETRIES = {"mode": "standard", "max_attempts": 10}
SERVICE_NAMES = {"dynamodb": "DynamoDB", "s3": "S3", "cloudwatch": "CloudWatch"}
BODY_READS = 4
CALL_KEY = "ddbsnapCall"  # in a ClientError's response: the call that failed


def aws_client(
    service: str,
    region: str | None = None,
    retries: dict = STANDARD_RETRIES,
    session: Any = None,
) -> Any:
    """A boto3 client whose calls botocore retries in `retries`' mode, that treats a response
    cut short as the dropped connection it is, and whose failures name the call. `session`: a
    boto3 session with other credentials (a source table's role); the default one otherwise."""
    import boto3
    from botocore.config import Config

    client = (session or boto3).client(
        service, region_name=region, config=Config(retries=dict(retries))
    )
    client.meta.events.register("before-parse", _cut_short_is_transient)
    client.meta.events.register("after-call", _name_the_refused_call)
    client.meta.events.register("after-call-error", _name_the_call)
    return client


def _cut_short_is_transient(response_dict: dict, operation_model: Any, **_: Any) -> None:
    """A 2xx body shorter than its Content-Length lost its connection mid-response. botocore
    does not check the length of a body it reads whole (only of streamed ones, and DynamoDB's
    CRC32): it would parse the truncated JSON into an answer without its fields. Said as the
    RequestTimeout error it is, botocore's retry mode retries it like any dropped connection."""
    body, expected = response_dict.get("body"), response_dict["headers"].get("content-length", "")
    if (
        not isinstance(body, bytes)
        or not expected.isdigit()
        or len(body) >= int(expected)
        or not 200 <= response_dict["status_code"] < 300
        or operation_model.http.get("method") == "HEAD"
    ):
        return
    message = f"the response ended after {len(body)} of {expected} bytes: the connection dropped"
    service = operation_model.service_model
    protocol = getattr(service, "resolved_protocol", None) or service.protocol  # older botocore
    if protocol in ("json", "rest-json"):
        document = {"__type": "RequestTimeoutException", "message": message}
        response_dict["body"] = json.dumps(document).encode()
    elif protocol == "rest-xml":
        error = f"<Error><Code>RequestTimeout</Code><Message>{message}</Message></Error>"
        response_dict["body"] = error.encode()
    else:
        return
    response_dict["status_code"] = 400


def _call_name(event_name: str) -> str:
    _, service, operation = event_name.split(".", 2)
    return f"{SERVICE_NAMES.get(service, service.title())} {operation}"


def _name_the_refused_call(http_response: Any, parsed: dict, event_name: str, **_: Any) -> None:
    """An error AWS answered becomes a ClientError holding `parsed`, which names the operation
    but not the service: the name goes with it ("Glue GetTable")."""
    if http_response.status_code >= 300 and isinstance(parsed, dict):
        parsed[CALL_KEY] = _call_name(event_name)


def _name_the_call(exception: BaseException, event_name: str, **_: Any) -> None:
    """Remembers on a failed call's exception which call it was: botocore's connection errors
    name only the endpoint."""
    with contextlib.suppress(AttributeError):  # an exception type that takes no attributes
        exception.aws_call = _call_name(event_name)


def read_object(s3: Any, bucket: str, key: str) -> bytes:
    """An S3 object's bytes. botocore's retries end when a response's headers arrive, and
    GetObject's body is read after that: a body cut short (IncompleteReadError,
    ResponseStreamingError) is read again here, whole, as GetObject is idempotent."""
    import botocore.exceptions

    names = ("IncompleteReadError", "ResponseStreamingError")  # older botocore lacks the second
    cut_short = tuple(
        getattr(botocore.exceptions, n) for n in names if hasattr(botocore.exceptions, n)
    )
    for attempt in range(1, BODY_READS + 1):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        try:
            return body.read()
        except cut_short as error:
            if attempt == BODY_READS:
                error.aws_call = "S3 GetObject"
                raise
            time.sleep(0.1 * 2**attempt)
    raise AssertionError("unreachable")


def describe_failure(error: BaseException) -> str:
    """One line for a run's error message: the AWS call, what AWS answered (or that the
    connection failed) and after how many attempts; for any other error its first line."""
    from botocore.exceptions import ClientError

    call = getattr(error, "aws_call", None)
    if isinstance(error, ClientError):
        call = call or error.response.get(CALL_KEY)
        detail = error.response.get("Error", {})
        attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        text = (
            f"{call or error.operation_name} failed after {attempts} attempt(s): "
            f"{detail.get('Code')}: {detail.get('Message')}"
        )
    elif call:
        text = f"{call} failed: {type(error).__name__}: {error}"
    else:
        lines = str(error).strip().splitlines() or [""]
        more = " (the rest is in the job's log)" if len(lines) > 1 else ""
        text = f"{type(error).__name__}: {lines[0]}{more}"
    return " ".join(text.split())


def run_job(script: str, main: Callable[..., Any], argv: Sequence[str] | None = None, env=None):
    """A job script's entry point: main(), and for a failed run one line naming what failed,
    which Glue shows as the run's error (the traceback goes to the job's log first)."""
    try:
        return main(argv, env)
    except Exception as error:
        logging.getLogger(script).exception("%s failed", script)
        raise SystemExit(f"{script}: {describe_failure(error)}") from None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class JobEnvironment:
    """What a job takes from around it: AWS clients by service name (each made on first use),
    the clock and sleep. A job's main() takes one; tests build theirs with fakes or moto clients:
    `JobEnvironment(glue=fake_glue, now=lambda: NOW, sleep=sleeps.append)`."""

    def __init__(
        self,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        source_clients: Callable[[str, Any], Any] | None = None,
        **clients: Any,
    ) -> None:
        self.now = now
        self.sleep = sleep
        self._clients = clients
        self._source_clients = source_clients

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = aws_client(service)
        return self._clients[service]

    def source_client(self, service: str, source: Any) -> Any:
        """A client for the source table (source_access.SourceTable): in its region, with its
        role's credentials; this job's own client for a table in the stack's account and region.
        Tests pass `source_clients(service, source)` to see which source each call was for."""
        if source is None or source.is_local:
            return self.client(service)
        if self._source_clients is not None:
            return self._source_clients(service, source)
        key = f"{service} {source.region} {source.role_arn}"
        if key not in self._clients:
            from source_access import source_client

            self._clients[key] = source_client(service, source)
        return self._clients[key]


def start_job(
    script: str,
    read_config: Callable[[Sequence[str]], JobConfig],
    argv: Sequence[str] | None,
    log: logging.Logger,
) -> JobConfig:
    """The job's config from `argv` (the process's when None), then logging. A bad argument
    exits with one line, `<script>: <what is wrong>`, which Glue shows as the run's error."""
    try:
        config = read_config(sys.argv[1:] if argv is None else argv)
    except ArgumentError as error:
        raise SystemExit(f"{script}: {error}") from None
    configure_logging(log)
    return config


# Modules both Spark jobs use, whose lines belong in either job's log.
SHARED_LOGGERS = ("item_shaping", "jvm_functions")


def configure_logging(log: logging.Logger) -> None:
    """Timestamped lines on stdout, which Glue sends to the job's output log group."""
    logging.basicConfig(stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for logger in (log, *map(logging.getLogger, SHARED_LOGGERS)):
        logger.setLevel(logging.INFO)
