"""How the export job reaches the planned number of files without merging its shaping tasks
(glue-scripts/snapshot_writing.py), without Spark: the plan per case, and the groups of parts
that compaction merges. test/spark/test_export_on_spark.py compacts real files of every format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapshot_writing import AS_IS
from snapshot_writing import COALESCE
from snapshot_writing import COMPACT
from snapshot_writing import SHUFFLE
from snapshot_writing import file_plan
from snapshot_writing import groups_of


@pytest.mark.parametrize(
    ("partitions", "files", "cores", "plan"),
    [
        (8, 1, 2, COMPACT),  # a small table: every core shapes, the parts become one file
        (8, 1, 40, COMPACT),
        (2, 2, 8, AS_IS),
        (400, 100, 40, COALESCE),  # a big table: every core still has files to write
        (400, 10, 40, COMPACT),  # 10 files on 40 cores: coalescing would idle 30 of them
        (2, 3, 8, SHUFFLE),  # fewer staged files than planned files
    ],
)
def test_the_file_plan_never_leaves_cores_idle_while_shaping(partitions, files, cores, plan):
    assert file_plan(partitions, files, cores) == plan


@given(
    st.lists(st.integers(0, 10**9), min_size=1, max_size=40),
    st.integers(1, 12),
)
def test_parts_are_grouped_in_order_into_at_most_the_planned_files(sizes, files):
    parts = [(f"part-{n:05d}", size) for n, size in enumerate(sizes)]
    groups = groups_of(parts, files)
    assert [name for group in groups for name in group] == [name for name, _ in parts]
    assert all(groups)
    assert len(groups) <= files
    if len(parts) >= files and len(set(sizes)) == 1:
        assert len(groups) == files, "equal parts fill every planned file"
