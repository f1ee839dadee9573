"""Tests of glue-scripts/job_arguments.py, the argument reading both Glue scripts share."""

from __future__ import annotations

import json
from types import SimpleNamespace

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionClosedError
from botocore.exceptions import IncompleteReadError

import job_arguments
from conftest import SCRIPTS_DIR
from job_arguments import ArgumentError
from job_arguments import aws_client
from job_arguments import describe_failure
from job_arguments import read_job_arguments
from job_arguments import read_object
from job_arguments import require
from job_arguments import run_job
from job_arguments import split_s3_uri


def test_reads_both_argument_syntaxes_and_lets_glues_own_arguments_pass():
    argv = [
        "--JOB_ID", "j_1",
        "--enable-glue-datacatalog", "true",
        "--table_name=Reviews",
        "--TempDir", "s3://b/tmp/",
        "--mode", "scan",
        "--job-bookmark-option", "job-bookmark-disable",
    ]  # fmt: skip
    assert read_job_arguments(argv, ["table_name", "mode", "splits"]) == {
        "table_name": "Reviews",
        "mode": "scan",
    }


def test_a_repeated_argument_keeps_its_last_value_and_inline_values_may_contain_equals():
    argv = ["--splits", "4", "--splits=8", "--output_path=s3://b/k=v"]
    assert read_job_arguments(argv, ["splits", "output_path"]) == {
        "splits": "8",
        "output_path": "s3://b/k=v",
    }


@pytest.mark.parametrize("argv", [["--splits"], ["--splits", "--mode", "scan"]])
def test_a_wanted_argument_without_a_value_is_an_error(argv):
    with pytest.raises(ArgumentError, match="--splits: expected one argument"):
        read_job_arguments(argv, ["splits", "mode"])


def test_a_name_is_not_abbreviated():
    assert read_job_arguments(["--tab", "x"], ["table_name"]) == {}


def test_require_names_every_missing_or_empty_argument_at_once_with_a_hint():
    with pytest.raises(ArgumentError) as caught:
        require({"a": "1", "b": ""}, ["a", "b", "c"], " (hint)")
    assert str(caught.value) == "missing required argument(s): --b, --c (hint)"
    require({"a": "1"}, ["a"])  # nothing missing: no error


def test_s3_folders_split_into_bucket_and_prefix():
    assert split_s3_uri("s3://bucket-1/csv/orders/", "output_path") == ("bucket-1", "csv/orders")
    for bad in ["s3://bucket-only", "s3://bucket/", "https://bucket/x", "s3://B/x"]:
        with pytest.raises(ArgumentError, match="--output_path must be an S3 folder"):
            split_s3_uri(bad, "output_path")


PYTHON_SHELL_SCRIPTS = (
    "refresh_view.py",
    "incremental_exports.py",
    "export_windows.py",
    "job_arguments.py",
    "contract.py",
)


@pytest.mark.parametrize("script", PYTHON_SHELL_SCRIPTS)
def test_what_runs_on_python_shell_needs_nothing_newer_than_python_3_9(script):
    """Glue's Python shell is Python 3.9: no 3.10 syntax (match, parenthesised context managers)
    and no zip(strict=...), which 3.9 rejects only when the line runs."""
    import ast

    source = (SCRIPTS_DIR / script).read_text()
    tree = ast.parse(source, feature_version=(3, 9))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "zip":
            assert not any(k.arg == "strict" for k in node.keywords), (
                f"{script}:{node.lineno}: zip(strict=...) needs Python 3.10"
            )


# --- AWS calls: retries, names, one line ---------------------------------------------------------


class Wire:
    """What botocore receives, one response per attempt: (status, body, Content-Length)."""

    def __init__(self, *responses: tuple[int, bytes, int]):
        self.responses = list(responses)
        self.sent = 0

    def __call__(self, request, **_):
        status, body, length = self.responses.pop(0)
        self.sent += 1
        headers = {"Content-Length": str(length), "Content-Type": "application/x-amz-json-1.1"}
        raw = SimpleNamespace(stream=lambda: iter([body]))
        return AWSResponse(request.url, status, headers, raw)


def glue_on(wire: Wire):
    glue = aws_client("glue", "ap-northeast-1")
    glue.meta.events.register("before-send", wire)
    botocore.endpoint.time = SimpleNamespace(sleep=lambda _: None)  # no back-off wait here
    return glue


@pytest.fixture
def no_back_off():
    saved = botocore.endpoint.time
    yield
    botocore.endpoint.time = saved


def test_a_response_cut_short_is_retried_not_parsed(no_back_off):
    """Found by the fault suite (seed 1): botocore reads a whole body without checking its
    Content-Length, and parsed half a GetWorkflowRun into an answer without `Run`."""
    whole = json.dumps({"Run": {"Name": "wf", "WorkflowRunId": "wr_1"}}).encode()
    wire = Wire((200, whole[: len(whole) // 2], len(whole)), (200, whole, len(whole)))
    run = glue_on(wire).get_workflow_run(Name="wf", RunId="wr_1")
    assert run["Run"]["WorkflowRunId"] == "wr_1"
    assert wire.sent == 2


def test_a_call_whose_retries_run_out_fails_naming_the_call_and_the_fault(no_back_off):
    throttled = json.dumps({"__type": "ThrottlingException", "Message": "Rate exceeded"}).encode()
    wire = Wire(*[(400, throttled, len(throttled))] * 11)
    with pytest.raises(ClientError) as caught:
        glue_on(wire).get_table(DatabaseName="d", Name="t")
    assert wire.sent == 11  # standard mode: max_attempts counts the retries after the first
    assert describe_failure(caught.value) == (
        "Glue GetTable failed after 11 attempt(s): ThrottlingException: Rate exceeded"
    )


def test_a_dropped_connection_is_named_by_its_call():
    error = ConnectionClosedError(endpoint_url="https://glue.ap-northeast-1.amazonaws.com/")
    error.aws_call = "Glue GetTable"
    assert describe_failure(error) == (
        "Glue GetTable failed: ConnectionClosedError: Connection was closed before we received a "
        'valid response from endpoint URL: "https://glue.ap-northeast-1.amazonaws.com/".'
    )


def test_anything_else_is_its_first_line():
    error = RuntimeError("An error occurred while calling o39.textFile.\n: java.lang...\n\tat ...")
    assert describe_failure(error) == (
        "RuntimeError: An error occurred while calling o39.textFile. (the rest is in the job's log)"
    )


def test_a_failed_job_ends_with_one_line_for_glue():
    def main(argv, env):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "Reduce"}}, "ListObjectsV2")

    with pytest.raises(SystemExit) as caught:
        run_job("refresh_view", main, [])
    assert str(caught.value.code) == (
        "refresh_view: ListObjectsV2 failed after 1 attempt(s): SlowDown: Reduce"
    )


class CutBody:
    def __init__(self, cuts: int):
        self.cuts = cuts
        self.gets = 0

    def get_object(self, Bucket, Key):
        self.gets += 1
        cut, self.cuts = self.cuts > 0, self.cuts - 1

        def read():
            if cut:
                raise IncompleteReadError(actual_bytes=3, expected_bytes=9)
            return b"watermark"

        return {"Body": SimpleNamespace(read=read)}


def test_an_object_whose_body_is_cut_short_is_read_again(monkeypatch):
    """Found by the fault suite (seed 1): botocore's retries end when the headers arrive, so a
    GetObject body cut short failed the planner (ResponseStreamingError)."""
    monkeypatch.setattr(job_arguments.time, "sleep", lambda _: None)
    s3 = CutBody(cuts=2)
    assert read_object(s3, "b", "state/t/watermark.json") == b"watermark"
    assert s3.gets == 3
    s3 = CutBody(cuts=10)
    with pytest.raises(IncompleteReadError) as caught:
        read_object(s3, "b", "k")
    assert s3.gets == job_arguments.BODY_READS
    assert describe_failure(caught.value).startswith("S3 GetObject failed: IncompleteReadError")
