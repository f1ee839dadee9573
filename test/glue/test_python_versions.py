"""The Glue scripts run on Python 3.9 (Python shell jobs), 3.11 (Glue 5.x) and 3.13/3.14 (Glue
6.0/6.1), and this machine has only 3.11. So the newer Pythons are checked statically: ruff's
banned-api list (ruff.toml) holds what 3.12, 3.13 and 3.14 removed from the standard library, and
these tests show that the lint the test scripts run flags them. pytest.ini also turns a
DeprecationWarning raised from the scripts' own code into an error, which catches, on 3.11, the
APIs that later Pythons removed after deprecating them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUFF = (sys.executable, "-m", "ruff", "check", "--no-cache", "--stdin-filename")


def lint(source: str) -> str:
    result = subprocess.run(
        [*RUFF, "glue-scripts/probe.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("source", "removed_in"),
    [
        ("import cgi\n", "3.13"),  # PEP 594
        ("import telnetlib\n", "3.13"),  # PEP 594
        ("from pipes import quote\n", "3.13"),  # PEP 594
        ("import distutils\n", "3.12"),
        ("import imp\n", "3.12"),
        ("import ast\n\nast.Num(1)\n", "3.14"),
        ("import pkgutil\n\npkgutil.find_loader('x')\n", "3.14"),
        ("from typing import ByteString\n", "3.14"),
    ],
)
def test_lint_flags_what_python_3_12_to_3_14_removed(source, removed_in):
    out = lint(source)
    assert "TID251" in out
    assert f"removed in Python {removed_in}" in out


def test_lint_passes_what_every_python_has():
    assert "TID251" not in lint("import json\nfrom collections.abc import Mapping\n")
