"""Shared set-up for the Glue script tests: the scripts on sys.path, fake AWS credentials for
moto, and a client wrapper that records (and can override) boto3 calls."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS_DIR = REPO_ROOT / "glue-scripts"
REGION = "ap-northeast-1"


def pytest_configure(config: pytest.Config) -> None:
    sys.path.insert(0, str(SCRIPTS_DIR))
    # Property tests draw the same examples on every run and machine (and keep no database), so
    # a run is deterministic: a failure reproduces, and a pass does not depend on luck. No
    # deadline: on a shared 2-core machine one example took 292 ms against the default 200 ms,
    # which failed a test on timing alone (test_column_names_are_distinct_valid_...).
    from hypothesis import settings

    settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
    settings.load_profile("deterministic")
    # moto intercepts every call, but botocore still wants credentials and a region; never let
    # a developer's real profile or config leak into the tests.
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    os.environ.pop("AWS_PROFILE", None)


@pytest.fixture
def aws():
    """Every boto3 client made inside the test talks to moto's in-memory AWS."""
    with mock_aws():
        yield


@functools.cache
def _session():
    import boto3

    return boto3.Session(region_name=REGION)


def client(service: str):
    """A boto3 client for moto, from one session for the whole run: moto starts every test with a
    new default session, which would parse botocore's JSON service models again each time."""
    return _session().client(service, region_name=REGION)


class RecordingClient:
    """Wraps a boto3 client: records every call as (operation, kwargs) and lets a test replace
    an operation with its own function (`overrides`). Paginators are built on the wrapped client
    so their calls go through here too."""

    def __init__(self, client, **overrides):
        self._client = client
        self._overrides = overrides
        self.calls: list[tuple[str, dict]] = []

    def calls_to(self, operation: str) -> list[dict]:
        return [kwargs for name, kwargs in self.calls if name == operation]

    def get_paginator(self, operation: str):
        return _RecordingPaginator(self, operation)

    def __getattr__(self, operation: str):
        target = self._overrides.get(operation) or getattr(self._client, operation)

        def call(**kwargs):
            self.calls.append((operation, kwargs))
            return target(**kwargs)

        return call


class _RecordingPaginator:
    def __init__(self, recorder: RecordingClient, operation: str):
        self._recorder = recorder
        self._paginator = recorder._client.get_paginator(operation)
        self._operation = operation

    def paginate(self, **kwargs):
        self._recorder.calls.append((f"paginate:{self._operation}", kwargs))
        return self._paginator.paginate(**kwargs)


@pytest.fixture
def recording():
    """`recording(client, **overrides)` -> RecordingClient."""
    return RecordingClient
