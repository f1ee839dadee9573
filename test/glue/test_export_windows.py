"""The incremental mode's window planner and watermark, over random histories: runs at random
times, failed exports, failed merges, crashes between the merge's commit and the watermark
write, outages of hours to weeks, and point-in-time recovery switched off and on."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from export_windows import MAX_WINDOW
from export_windows import MIN_WINDOW
from export_windows import Pitr
from export_windows import WindowError
from export_windows import advance
from export_windows import plan_exports

T = datetime(2026, 11, 1, tzinfo=timezone.utc)
MARGIN = timedelta(minutes=15)
RETENTION = timedelta(days=35)  # PITR keeps 35 days by default


def test_the_first_run_bootstraps_at_a_fixed_time_within_the_pitr_window():
    pitr = Pitr(True, T - timedelta(days=2), T - timedelta(minutes=5))
    plan = plan_exports(None, T, pitr)
    assert plan.action == "bootstrap"
    assert plan.bootstrap_at == T - MARGIN


def test_a_backlog_drains_in_order_in_windows_of_at_most_a_day():
    pitr = Pitr(True, T - RETENTION, T)
    plan = plan_exports(T - timedelta(days=3, hours=2), T, pitr)
    assert plan.action == "windows"
    assert [end - start for start, end in plan.windows] == [MAX_WINDOW] * 3 + [
        timedelta(hours=1, minutes=45)
    ]
    assert plan.windows[-1][1] == T - MARGIN


def test_less_than_15_minutes_to_export_does_nothing():
    pitr = Pitr(True, T - RETENTION, T)
    assert plan_exports(T - timedelta(minutes=29), T, pitr).action == "nothing"


def test_a_watermark_older_than_the_pitr_window_rebuilds_the_table():
    pitr = Pitr(True, T - timedelta(hours=3), T)  # PITR was switched off and on 3 hours ago
    plan = plan_exports(T - timedelta(days=1), T, pitr)
    assert plan.action == "bootstrap"
    assert "older than the earliest restorable time" in plan.reason


def test_without_pitr_nothing_can_run_and_it_says_why():
    plan = plan_exports(T - timedelta(hours=1), T, Pitr(False))
    assert plan.action == "blocked"
    assert "point-in-time recovery is off" in plan.reason


def test_a_window_that_would_leave_a_gap_is_refused_and_a_merged_one_is_a_no_op():
    with pytest.raises(WindowError, match="gap or an overlap"):
        advance(T, (T + timedelta(hours=1), T + timedelta(hours=2)))
    assert advance(T, (T - timedelta(hours=1), T)) == T
    assert advance(T, (T, T + timedelta(hours=1))) == T + timedelta(hours=1)


# --- random histories -------------------------------------------------------------------------

steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=60 * 24 * 10),  # minutes until the next run
        st.sampled_from(["ok", "export fails", "merge fails", "crash after commit", "pitr off"]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_no_gap_no_overlap_and_the_watermark_never_passes_unmerged_data(history):
    """One run = the planner (which stores its windows as pending) and the apply job (one MERGE
    for all of them, then the watermark), as the jobs do."""
    now = T
    pitr_since = T - RETENTION  # earliest restorable time
    watermark: datetime | None = None
    pending: tuple[tuple[datetime, datetime], ...] = ()
    chain: list[tuple[datetime, datetime]] = []  # windows that moved the watermark, this era
    unrecorded: tuple[tuple[datetime, datetime], ...] = ()  # merged, then the run died
    for minutes, event in history:
        now += timedelta(minutes=minutes)
        if event == "pitr off":  # off, then on again now: nothing before now can be restored
            pitr_since = now
            continue
        pitr = Pitr(True, max(pitr_since, now - RETENTION), now - timedelta(minutes=5))
        plan = plan_exports(watermark, now, pitr, MARGIN, pending=pending)
        gap = watermark is None or watermark < pitr.earliest
        if gap:
            assert plan.action in ("bootstrap", "nothing"), "a PITR gap always rebuilds"
            assert plan.action == "bootstrap" or pitr.earliest > pitr.latest
        if plan.action == "bootstrap":
            assert gap, "a bootstrap only when needed"
            assert pitr.earliest <= plan.bootstrap_at <= pitr.latest
            if event in ("export fails", "merge fails"):
                continue
            # A bootstrap replaces every row, so a crash before the watermark write is harmless.
            watermark, chain, unrecorded, pending = plan.bootstrap_at, [], (), ()
            continue
        if not plan.windows:
            continue
        for start, end in plan.windows:
            assert MIN_WINDOW <= end - start <= MAX_WINDOW
            assert pitr.earliest <= start
            assert end <= pitr.latest
            assert end <= now - MARGIN
        pending = plan.windows
        if unrecorded:
            # What the crashed run merged is planned again exactly: the same compaction.
            assert plan.windows[: len(unrecorded)] == unrecorded
        if event == "export fails":
            continue
        if event == "merge fails":
            continue  # nothing committed; the watermark stays
        if event == "crash after commit":
            unrecorded = plan.windows
            continue
        for window in plan.windows:
            watermark = advance(watermark, window)
            chain.append(window)
        unrecorded, pending = (), ()
        # The watermark is exactly the end of the last window that moved it: never past data
        # that was not merged.
        assert watermark == chain[-1][1]
    for (_, previous_end), (start, _) in zip(chain, chain[1:], strict=False):
        assert start == previous_end, "no gap and no overlap"
