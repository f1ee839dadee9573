"""Which DynamoDB exports a run of the incremental mode makes, and when its watermark moves.
Pure Python (no AWS): the planner job feeds it DescribeContinuousBackups and the stored
watermark, and the property tests feed it random histories.

DynamoDB's rules for an incremental export (API reference, ExportTableToPointInTime;
IncrementalExportSpecification): ExportFromTime is inclusive, ExportToTime exclusive, the window
lasts 15 minutes to 24 hours, and lies within the point-in-time recovery window. So:

- Bootstrap: with no watermark, or one older than the earliest restorable time (PITR was off, or
  the watermark fell out of the PITR window), the table is rebuilt from a full export at a fixed
  time T0, and the watermark becomes T0.
- Windows chain exactly (each starts where the previous ended), each 15 minutes to 24 hours,
  ending at least `margin` before now and not after the latest restorable time; a backlog is
  drained in order, at most `max_windows` per run. Less than 15 minutes to export: nothing.
- The watermark moves only once a window's merge has committed, and only from the window's start
  to its end, so it never passes data that was not merged. A run that died between the commit and
  the watermark write leaves the watermark behind: the next run plans from it again, so its first
  window covers the one already merged, whose changes the timestamp-guarded MERGE
  (incremental_merge.py) applies again without effect. A window ending at or before the watermark
  is a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

MIN_WINDOW = timedelta(minutes=15)
MAX_WINDOW = timedelta(hours=24)
DEFAULT_MARGIN = timedelta(minutes=15)
DEFAULT_MAX_WINDOWS = 8


class WindowError(ValueError):
    """A window that would leave a gap or an overlap: never applied."""


@dataclass(frozen=True)
class Pitr:
    """What DescribeContinuousBackups says."""

    enabled: bool
    earliest: datetime | None = None  # EarliestRestorableDateTime
    latest: datetime | None = None  # LatestRestorableDateTime


@dataclass(frozen=True)
class ExportPlan:
    action: str  # "bootstrap" | "windows" | "nothing" | "blocked"
    reason: str
    bootstrap_at: datetime | None = None
    windows: tuple[tuple[datetime, datetime], ...] = field(default_factory=tuple)


def plan_exports(
    watermark: datetime | None,
    now: datetime,
    pitr: Pitr,
    margin: timedelta = DEFAULT_MARGIN,
    max_windows: int = DEFAULT_MAX_WINDOWS,
    pending: Sequence[tuple[datetime, datetime]] = (),
) -> ExportPlan:
    if not pitr.enabled or pitr.earliest is None or pitr.latest is None:
        return ExportPlan(
            "blocked",
            "point-in-time recovery is off: turn it on (the incremental mode needs it); the next "
            "run then rebuilds the table from a full export",
        )
    limit = min(now - margin, pitr.latest)
    if watermark is None or watermark < pitr.earliest:
        if pitr.earliest > pitr.latest:
            return ExportPlan("nothing", "point-in-time recovery has no restorable time yet")
        # The margin when the PITR window allows it; a just-enabled PITR window may be shorter.
        at = limit if limit >= pitr.earliest else pitr.latest
        why = (
            "no watermark yet: first run"
            if watermark is None
            else f"the watermark {watermark.isoformat()} is older than the earliest restorable "
            f"time {pitr.earliest.isoformat()} (PITR was off, or runs stopped for too long)"
        )
        return ExportPlan("bootstrap", f"{why}: full export at {at.isoformat()}", bootstrap_at=at)
    windows: list[tuple[datetime, datetime]] = []
    start = watermark
    # Windows an earlier run planned and may have merged are planned again exactly as they were:
    # a longer window over the same time would be compacted differently, and would miss the
    # delete of a key inserted and deleted inside it that the crashed run already merged.
    for pending_start, pending_end in pending:
        if pending_end <= watermark:
            continue
        if pending_start != start or len(windows) == max_windows:
            break
        windows.append((pending_start, pending_end))
        start = pending_end
    while len(windows) < max_windows and limit - start >= MIN_WINDOW:
        end = min(start + MAX_WINDOW, limit)
        windows.append((start, end))
        start = end
    if not windows:
        return ExportPlan("nothing", "less than 15 minutes to export since the watermark")
    backlog = "" if limit - start < MIN_WINDOW else f"; {limit - start} left for later runs"
    return ExportPlan("windows", f"{len(windows)} window(s){backlog}", windows=tuple(windows))


def advance(watermark: datetime, window: tuple[datetime, datetime]) -> datetime:
    """The watermark after `window`'s merge has committed."""
    start, end = window
    if end <= watermark:
        return watermark  # merged before: re-applying it changed nothing
    if start != watermark:
        raise WindowError(
            f"window {start.isoformat()}..{end.isoformat()} does not start at the watermark "
            f"{watermark.isoformat()}: applying it would leave a gap or an overlap"
        )
    return end


# --- the stored watermark -------------------------------------------------------------------
# One small JSON object per table in the stack's bucket (state/<table>/watermark.json): it
# survives redeploys (the bucket is kept), and each table's role may read and write only its own
# key. The apply job writes it after the merge has committed; the planner and `ddbsnap status`
# read it.


def watermark_document(
    watermark: datetime,
    bootstrapped_at: datetime,
    run: str | None,
    pending: Sequence[tuple[datetime, datetime]] = (),
    column_rules: str | None = None,
) -> str:
    """`pending`: the windows the planner has exported for the apply job, kept so that a run
    after a crash plans exactly those again (plan_exports). `column_rules`: the digest of the
    rules the table's rows were written with (column_rules.rules_digest); none without rules."""
    document = {
        "watermark": watermark.isoformat(),
        "bootstrappedAt": bootstrapped_at.isoformat(),
        "updatedByRun": run,
        "pending": [[a.isoformat(), b.isoformat()] for a, b in pending],
    }
    if column_rules is not None:
        document["columnRules"] = column_rules
    return json.dumps(document, sort_keys=True)


@dataclass(frozen=True)
class Watermark:
    watermark: datetime
    bootstrapped_at: datetime
    pending: tuple[tuple[datetime, datetime], ...] = ()
    column_rules: str | None = None


def parse_watermark_document(text: str) -> Watermark:
    """The stored state; ValueError naming what is wrong (never a silent fresh start)."""
    try:
        document = json.loads(text)
        watermark = datetime.fromisoformat(document["watermark"])
        bootstrapped_at = datetime.fromisoformat(document["bootstrappedAt"])
        pending = tuple(
            (datetime.fromisoformat(a), datetime.fromisoformat(b))
            for a, b in document.get("pending", [])
        )
        column_rules = document.get("columnRules")
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"the stored watermark is not valid ({error!r}): {text[:200]!r}") from None
    if watermark.tzinfo is None or bootstrapped_at.tzinfo is None:
        raise ValueError(f"the stored watermark has no time zone: {text[:200]!r}")
    return Watermark(watermark, bootstrapped_at, pending, column_rules)
