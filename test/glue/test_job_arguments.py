"""Tests of glue-scripts/job_arguments.py, the argument reading both Glue scripts share."""

from __future__ import annotations

import pytest

from conftest import SCRIPTS_DIR
from job_arguments import ArgumentError
from job_arguments import read_job_arguments
from job_arguments import require
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
