"""What the Glue scripts need before their own work: their arguments, S3 locations, AWS clients,
the clock and logging.

Glue ships this module to each job with `--extra-py-files` (the program uploads it beside the
scripts), so each imports it as `job_arguments`. It runs on Glue 5 (Python 3.11) and on Python
shell 3.9: nothing here may need a newer Python.
"""

from __future__ import annotations

import argparse
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


def aws_client(service: str) -> Any:
    """A boto3 client that retries throttling and transient errors in AWS's standard mode."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(retries={"mode": "standard", "max_attempts": 10}))


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
            from botocore.config import Config

            from source_access import source_client

            retries = Config(retries={"mode": "standard", "max_attempts": 10})
            self._clients[key] = source_client(service, source, retries)
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


def configure_logging(log: logging.Logger) -> None:
    """Timestamped lines on stdout, which Glue sends to the job's output log group."""
    logging.basicConfig(stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
