"""The fault suite: every mode's whole chain, run by run, against AWS that throttles, fails, drops
connections, answers slowly and kills job attempts; after every run, the promises the project
makes are checked.

    python suite.py [--seed N] [--runs-per-mode N] [--modes scan,export,incremental]

A run is one workflow run: scan and export mode run the export job (Spark), the crawler's effect
(the suite catalogues the new folders, as the crawler does), then the refresh job; incremental mode
runs the planner, the apply job (Spark, Iceberg), the catalog's effect (the Iceberg table's
columns in Glue), then the refresh job. Each job attempt gets its own faults; a failed or killed
attempt is retried as Glue would (maxRetries: export, planner and apply 1, refresh 0, as
lib/glue-jobs.ts declares them), and a run whose job fails for good stops there, as the workflow's
conditional triggers do. The table changes between runs (puts, updates, deletes) on a simulated
clock, a day apart.

Checked after every run (a broken promise is a defect; the suite fails and names the seed):
- the view shows a snapshot holding exactly the table's items as of that snapshot, which the
  refresh job read back through Athena; unless the run succeeded, that is the previous snapshot
  (or the new one, if the refresh checked it and then failed later, after moving the view);
- a successful export's `snapshot_item_count` equals the items in its files; its folder holds no
  attempt's leftovers (`_temporary`) and its scan staging is gone; no catalogued partition holds
  a partial snapshot;
- incremental: the Iceberg table equals the table as of the watermark, or as of a later window
  end this run merged before it failed (a crash between the merge's commit and the watermark
  write); the run after the last converges to the watermark exactly;
- each scan segment's consumed read units, measured from the proxy's responses (a response lost
  with a dropped connection counts: DynamoDB charged it), never exceed its share of
  readPercentage x capacity over any interval, beyond the page in flight and the pages lost in
  that interval;
- every failed attempt's error (what Glue shows) is one line naming the AWS call and the fault.

The last line gives the figures; the first gives the seed, which replays the same faults.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "glue-scripts")]

from faults import FaultPlan  # noqa: E402
from job_host import ShellJobs  # noqa: E402
from job_host import SparkJobs  # noqa: E402
from servers import Servers  # noqa: E402
from stand_ins import view_sql  # noqa: E402

BUCKET = "ddbsnap-faults"
DATABASE = "faults"
ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
T0 = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)
GLUE_RETRIES = {"export": 1, "planner": 1, "apply": 1, "refresh": 0}
SHELL_TIMEOUT = 90.0
SPARK_TIMEOUT = 180.0
RETENTION_DAYS = 3
PAD = "x" * 600  # items of about 640 bytes: a scan of a few pages per segment
SNAPSHOT_FOLDER = re.compile(r"snapshot_timestamp=([0-9]{8}T[0-9]{6}Z)")
CONNECTION_WORDS = ("Connection", "connection", "ResponseStreamingError", "IncompleteRead")


@dataclass(frozen=True)
class Table:
    mode: str  # scan | export | incremental
    name: str  # DynamoDB's
    table: str  # normalised
    read_capacity: int = 10
    read_percentage: float = 0.5
    splits: int = 2

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.name}"

    @property
    def workflow(self) -> str:
        return f"ddbsnap-faults-{self.table}"

    @property
    def output_path(self) -> str:
        return f"s3://{BUCKET}/parquet/{self.table}"


TABLES = {
    "scan": Table("scan", "Orders", "orders"),
    "export": Table("export", "Events", "events"),
    "incremental": Table("incremental", "Ledger", "ledger"),
}


# --- the table's history, as the suite wrote it ---------------------------------------------------


class History:
    """The writes the suite made to one table (mirrored in the proxy's DynamoDB model and in moto),
    and the items as of any moment: writes strictly before it, as DynamoDB's exports see them."""

    def __init__(self):
        self.writes: list[tuple[datetime, str, dict | None]] = []

    def state_at(self, moment: datetime) -> dict[str, tuple[int, str]]:
        state: dict[str, tuple[int, str]] = {}
        for at, key, image in sorted(self.writes, key=lambda w: w[0]):
            if at >= moment:
                break
            if image is None:
                state.pop(key, None)
            else:
                state[key] = (int(image["v"]["N"]), image["s"]["S"])
        return state


def rows_of(records: list[dict]) -> tuple[dict[str, tuple[int, str]], list[str]]:
    """(pk -> (v, s), duplicated keys) of rows read back from files or Iceberg."""
    rows: dict[str, tuple[int, str]] = {}
    duplicates = []
    for record in records:
        if record["pk"] in rows:
            duplicates.append(record["pk"])
        rows[record["pk"]] = (int(Decimal(str(record["v"]))), record["s"])
    return rows, duplicates


def compare(got: dict, want: dict) -> tuple[int, int, int]:
    """(items lost, items added, items with the wrong values)."""
    lost = sum(1 for k in want if k not in got)
    added = sum(1 for k in got if k not in want)
    wrong = sum(1 for k in want if k in got and got[k] != want[k])
    return lost, added, wrong


# --- one suite ------------------------------------------------------------------------------------


@dataclass
class Figures:
    runs: int = 0
    succeeded: int = 0
    failed_cleanly: int = 0
    attempts: int = 0
    faults: Counter = field(default_factory=Counter)
    storms: int = 0
    items_lost: int = 0
    wrong_views: int = 0
    runner_restarts: int = 0
    defects: list[str] = field(default_factory=list)
    seconds: Counter = field(default_factory=Counter)  # step -> seconds its attempts took

    def merge(self, other: dict) -> None:
        for name, value in other.items():
            mine = getattr(self, name)
            if isinstance(mine, Counter):
                mine.update(value)
            elif isinstance(mine, list):
                mine.extend(value)
            else:
                setattr(self, name, mine + value)


class Pipeline:
    """The runs of some modes, one after the other, with their own job processes: the suite runs
    one pipeline per mode side by side, sharing moto and the proxy."""

    def __init__(self, name: str, modes: list[str], seed: int, work: Path, servers: Servers):
        self.seed = seed
        self.work = work
        self.logs = work / "logs"
        self.servers = servers
        self.glue = servers.direct("glue")
        self.histories = {mode: History() for mode in TABLES}
        self.expected: dict[str, dict[str, dict]] = {mode: {} for mode in TABLES}  # ts -> items
        self.calls_seen: dict[str, Counter] = {}  # step -> operation -> requests, for the plans
        self.requests_seen: dict[str, int] = {}
        self.checked_partitions: set[str] = set()  # each catalogued partition, read once
        self.figures = Figures()
        self.set_up_tables([TABLES[mode] for mode in modes])
        self.shell = ShellJobs(servers.proxy_url, self.logs)
        self.spark = SparkJobs(servers.proxy_url, work, self.logs, sys.executable, name)
        if "incremental" in modes:  # as the program declares it: only the merge's own column
            self.spark.query({"sql": "CREATE NAMESPACE IF NOT EXISTS glue_catalog.faults"})
            self.spark.query(
                {
                    "sql": "CREATE TABLE IF NOT EXISTS glue_catalog.faults.iceberg_ledger "
                    "(_ddb_write_ts bigint) USING iceberg"
                }
            )

    def set_up_tables(self, tables: list[Table]) -> None:
        dynamodb = self.servers.direct("dynamodb")
        for table in tables:
            dynamodb.create_table(
                TableName=table.name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                ProvisionedThroughput={
                    "ReadCapacityUnits": table.read_capacity,
                    "WriteCapacityUnits": 5,
                },
            )
            self.servers.command(
                "table",
                arn=table.arn,
                name=table.name,
                key="pk",
                pitr_since=(T0 - timedelta(days=10)).isoformat(),
            )
            self.glue.create_workflow(Name=table.workflow)
            for number in range(80):
                self.write(table, T0 - timedelta(days=2), f"item{number:04d}", number)

    def write(self, table: Table, at: datetime, key: str, version: int | None) -> None:
        image = None
        if version is not None:
            image = {"pk": {"S": key}, "v": {"N": str(version)}, "s": {"S": f"{key}@{version}"}}
            image["pad"] = {"S": PAD}
        self.histories[table.mode].writes.append((at, key, image))
        self.servers.command("write", name=table.name, at=at.isoformat(), pk=key, image=image)

    def change_table(self, table: Table, rng: random.Random, since: datetime, until: datetime):
        """Puts, updates and deletes at random moments between two runs, made in time order:
        moto keeps the last write it was sent, the exports the last by time."""
        history = self.histories[table.mode]
        moments = sorted(since + (until - since) * rng.random() for _ in range(rng.randint(3, 12)))
        for at in moments:
            state = history.state_at(until + timedelta(days=1000))
            keys = sorted(state)
            roll = rng.random()
            if roll < 0.5 and keys:
                key = rng.choice(keys)
                self.write(table, at, key, state[key][0] + 1)
            elif roll < 0.75 and keys:
                self.write(table, at, rng.choice(keys), None)
            else:
                self.write(table, at, f"new{rng.randrange(10**6):06d}", rng.randrange(1000))

    # --- faults -----------------------------------------------------------------------------------

    def plan_run(self, rng: random.Random, steps: list[str], first: bool) -> dict:
        """Which attempt of which step gets which faults."""
        profile = (
            "clean"
            if first
            else rng.choices(["clean", "light", "heavy", "storm", "kill"], weights=[1, 4, 3, 3, 3])[
                0
            ]
        )
        rates = {
            "clean": {},
            "light": {"throttle": 0.06, "error500": 0.03, "reset": 0.02, "cut": 0.02, "slow": 0.02},
            "heavy": {"throttle": 0.15, "error500": 0.06, "reset": 0.04, "cut": 0.03, "slow": 0.04},
        }
        plan: dict = {"profile": profile, "rates": rates.get(profile, rates["light"])}
        if profile == "clean":
            plan["rates"] = {}
        if profile == "storm":
            step = rng.choice([s for s in steps if self.calls_seen.get(s)])
            operation = rng.choice(sorted(self.calls_seen[step]))
            kind = rng.choice(["throttle", "throttle", "error500"])
            if "dynamodb Scan" in self.calls_seen[step] and rng.random() < 0.5:
                operation = "dynamodb Scan"
            if operation == "dynamodb Scan":
                # The scan's own storm, half the time: its biggest risk. Of 500s: under a storm of
                # throttling, adaptive mode's rate limiter waits in real time (down to one request
                # every 2 s), minutes of a lane; random throttling of Scan pages still engages it.
                operation, kind = "dynamodb Scan", "error500"
            plan["storm"] = {
                "step": step,
                "operation": operation.split(" ", 1)[1],
                "from": rng.randrange(max(1, self.calls_seen[step][operation])),
                "kind": kind,
                "every_attempt": rng.random() < 0.4,
            }
        if profile == "kill":
            step = rng.choice(steps)
            plan["kill"] = {
                "step": step,
                "at": rng.randint(1, max(1, self.requests_seen.get(step, 20))),
            }
        return plan

    def fault_plan(self, run_plan: dict, step: str, attempt: int, label: str) -> FaultPlan:
        plan = FaultPlan(seed=f"{self.seed}|{label}", rates=dict(run_plan["rates"]))
        storm = run_plan.get("storm")
        if storm and storm["step"] == step and (attempt == 0 or storm["every_attempt"]):
            plan.storms = {storm["operation"]: storm["from"]}
            plan.storm_kind = storm["kind"]
        kill = run_plan.get("kill")
        if kill and kill["step"] == step and attempt == 0:
            plan.kill_at = kill["at"]
        return plan

    def attempt(self, run: dict, step: str, job: dict, now: datetime) -> tuple[bool, list]:
        """The step's attempts, as Glue retries them; (succeeded, the attempts' figures)."""
        figures = []
        for attempt in range(GLUE_RETRIES[step] + 1):
            label = f"{run['label']}.{step}.{attempt}"
            plan = self.fault_plan(run["plan"], step, attempt, label)
            key = label.replace(".", "-")
            sim_now = now + timedelta(minutes=10 * attempt)

            register = functools.partial(
                self.register, label=label, plan=plan, sim_now=sim_now, started=run["started"]
            )

            if job["kind"] == "spark":
                command = {"job": job["name"], "argv": job["argv"], "now": sim_now.isoformat()}
                outcome = self.spark.run(command, register, SPARK_TIMEOUT)
                access_key = self.spark_key_used
            else:
                outcome = self.shell.run(
                    job["name"], job["argv"], key, sim_now, register, SHELL_TIMEOUT
                )
                access_key = key
            seen = self.servers.command("finish", key=access_key)
            seen.update(outcome=vars(outcome), step=step, attempt=attempt, plan=plan.to_json())
            figures.append(seen)
            self.record(step, seen, plan)
            if outcome.ok:
                return True, figures
        return False, figures

    def register(self, access_key: str, pgid: int, label, plan, sim_now, started) -> None:
        """Tells the proxy which attempt signs with `access_key`, its faults, whom to kill."""
        self.servers.command(
            "attempt",
            key=access_key,
            label=label,
            plan=plan.to_json(),
            pgid=pgid,
            sim_now=sim_now.isoformat(),
            run_started=started.isoformat(),
        )

    @property
    def spark_key_used(self) -> str:
        return self.spark.last_key

    def record(self, step: str, seen: dict, plan: FaultPlan) -> None:
        self.figures.attempts += 1
        self.figures.seconds[step] += seen["outcome"]["seconds"]
        self.figures.faults.update(seen.get("faults", {}))
        if plan.storms:
            self.figures.storms += 1
        if not seen.get("faults") and seen["outcome"]["ok"]:
            self.calls_seen[step] = Counter(seen.get("calls", {}))
            self.requests_seen[step] = seen.get("requests", 0)

    # --- runs -------------------------------------------------------------------------------------

    def run(self, table: Table, number: int, clean: bool = False) -> None:
        began = time.monotonic()
        rng = random.Random(f"{self.seed}|{table.mode}|{number}")
        started = T0 + timedelta(days=number)
        self.change_table(table, rng, started - timedelta(days=1), started - timedelta(minutes=30))
        run_id = self.glue.start_workflow_run(Name=table.workflow)["RunId"]
        steps = (
            ["planner", "apply", "refresh"]
            if table.mode == "incremental"
            else ["export", "refresh"]
        )
        run = {
            "label": f"{table.mode}{number}",
            "started": started,
            "run_id": run_id,
            "plan": self.plan_run(rng, steps, first=clean or number == 0),
        }
        before = self.view_snapshot(table)
        if table.mode == "incremental":
            ok, attempts = self.run_incremental(table, run)
        else:
            ok, attempts = self.run_snapshot(table, run)
        self.figures.runs += 1
        self.figures.succeeded += ok
        defects = self.check_attempts(table, attempts)
        if table.mode == "incremental":
            defects += self.check_incremental(table, run, ok, attempts)
        else:
            defects += self.check_snapshot(table, run, ok, before, attempts)
        if not ok and not defects:
            self.figures.failed_cleanly += 1
        outcome = "ok" if ok else "FAILED"
        faults = Counter()
        for seen in attempts:
            faults.update(seen.get("faults", {}))
        said = "" if ok else f"\n    the run's error: {attempts[-1]['outcome']['error'][:300]}"
        print(
            f"{run['label']:>14} {run['plan']['profile']:<6} {outcome:<6} "
            f"{time.monotonic() - began:4.1f} s  faults {dict(faults) or '-'}{said}"
            + "".join(f"\n    DEFECT {d}" for d in defects),
            flush=True,
        )
        for defect in defects:
            self.figures.defects.append(f"{run['label']} (seed {self.seed}): {defect}")

    def run_snapshot(self, table: Table, run: dict) -> tuple[bool, list]:
        ts = run["started"].strftime("%Y%m%dT%H%M%SZ")
        self.expected[table.mode][ts] = self.histories[table.mode].state_at(run["started"])
        workflow = ["--WORKFLOW_NAME", table.workflow, "--WORKFLOW_RUN_ID", run["run_id"]]
        argv = [
            f"--table_name={table.name}",
            f"--mode={table.mode}",
            f"--output_path={table.output_path}",
            "--output_format=parquet",
            f"--database={DATABASE}",
            "--column_types={}",
            f"--JOB_NAME=ddbsnap-faults-{table.table}-export",
            f"--JOB_RUN_ID=jr_{run['label']}",
            f"--TempDir=s3://{BUCKET}/tmp/{table.table}",
            *workflow,
        ]
        if table.mode == "scan":
            argv += [f"--read_percentage={table.read_percentage}", f"--splits={table.splits}"]
        else:
            argv += [
                f"--table_arn={table.arn}",
                f"--export_staging_path=s3://{BUCKET}/export-staging/{table.table}",
            ]
        job = {"kind": "spark", "name": "export_table", "argv": argv}
        ok, attempts = self.attempt(run, "export", job, run["started"] + timedelta(minutes=1))
        if not ok:
            return False, attempts
        self.crawl(table)
        ok, more = self.attempt(
            run, "refresh", self.refresh_job(table, run), run["started"] + timedelta(minutes=40)
        )
        return ok, attempts + more

    def run_incremental(self, table: Table, run: dict) -> tuple[bool, list]:
        workflow = ["--WORKFLOW_NAME", table.workflow, "--WORKFLOW_RUN_ID", run["run_id"]]
        state = f"s3://{BUCKET}/state/{table.table}"
        planner = {
            "kind": "shell",
            "name": "incremental_exports",
            "argv": [
                f"--table_name={table.name}",
                f"--table_arn={table.arn}",
                f"--export_staging_path=s3://{BUCKET}/export-staging/{table.table}",
                f"--state_path={state}",
                *workflow,
            ],
        }
        ok, attempts = self.attempt(run, "planner", planner, run["started"] + timedelta(minutes=1))
        if not ok:
            return False, attempts
        apply = {
            "kind": "spark",
            "name": "apply_changes",
            "argv": [
                f"--table_name={table.name}",
                f"--database={DATABASE}",
                f"--iceberg_table=iceberg_{table.table}",
                f"--state_path={state}",
                "--column_types={}",
                f"--JOB_NAME=ddbsnap-faults-{table.table}-apply",
                *workflow,
            ],
        }
        ok, more = self.attempt(run, "apply", apply, run["started"] + timedelta(minutes=30))
        attempts += more
        self.catalog_iceberg(table, run)
        if not ok:
            return False, attempts
        refresh = self.refresh_job(table, run)
        ok, more = self.attempt(run, "refresh", refresh, run["started"] + timedelta(minutes=60))
        return ok, attempts + more

    def refresh_job(self, table: Table, run: dict) -> dict:
        argv = [
            f"--database={DATABASE}",
            f"--table={table.table}",
            "--workgroup=ddbsnap-faults",
            f"--output_path={table.output_path}",
            f"--retention_days={RETENTION_DAYS}",
            f"--table_name={table.name}",
            "--min_item_ratio=0.5",
            "--stack=faults",
            "--WORKFLOW_NAME",
            table.workflow,
            "--WORKFLOW_RUN_ID",
            run["run_id"],
        ]
        if table.mode == "incremental":
            argv += [
                f"--iceberg_table=iceberg_{table.table}",
                f"--state_path=s3://{BUCKET}/state/{table.table}",
            ]
        return {"kind": "shell", "name": "refresh_view", "argv": argv}

    # --- what AWS does between the jobs -----------------------------------------------------------

    def folder(self, *parts: str) -> Path:
        return self.work / "s3" / BUCKET / Path(*parts)

    def snapshot_files(self, table: Table, ts: str) -> list[Path]:
        folder = self.folder("parquet", table.table, f"snapshot_timestamp={ts}")
        if not folder.is_dir():
            return []
        return sorted(
            p
            for p in folder.rglob("*")
            if p.is_file()
            and not p.name.startswith((".", "_"))
            and "_temporary" not in p.relative_to(folder).parts
        )

    def crawl(self, table: Table) -> None:
        """The crawler: every snapshot folder with data files becomes a partition of
        snapshots_<table> (its exclusions: `**/_SUCCESS`, `**/_temporary/**`)."""
        crawler_table = f"snapshots_{table.table}"
        root = self.folder("parquet", table.table)
        folders = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
        found = [m.group(1) for name in folders if (m := SNAPSHOT_FOLDER.fullmatch(name))]
        found = [ts for ts in found if self.snapshot_files(table, ts)]
        if not found:
            return
        location = f"{table.output_path}/"
        columns = [{"Name": "pk", "Type": "string"}, {"Name": "v", "Type": "bigint"}]
        try:
            self.glue.get_table(DatabaseName=DATABASE, Name=crawler_table)
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_table(
                DatabaseName=DATABASE,
                TableInput={
                    "Name": crawler_table,
                    "PartitionKeys": [{"Name": "snapshot_timestamp", "Type": "string"}],
                    "StorageDescriptor": {"Columns": columns, "Location": location},
                },
            )
        have = set(self.partitions(table))
        for ts in found:
            if ts not in have:
                self.glue.create_partition(
                    DatabaseName=DATABASE,
                    TableName=crawler_table,
                    PartitionInput={
                        "Values": [ts],
                        "StorageDescriptor": {
                            "Columns": columns,
                            "Location": f"{location}snapshot_timestamp={ts}/",
                        },
                    },
                )

    def partitions(self, table: Table) -> list[str]:
        try:
            pages = self.glue.get_paginator("get_partitions").paginate(
                DatabaseName=DATABASE, TableName=f"snapshots_{table.table}"
            )
            return [p["Values"][0] for page in pages for p in page["Partitions"]]
        except self.glue.exceptions.EntityNotFoundException:
            return []

    def catalog_iceberg(self, table: Table, run: dict) -> None:
        """What Iceberg's Glue catalog does at each commit: the table's columns in Glue. The
        table's rows are read at the same time, for the checks."""
        state = self.spark.query(
            {"state": f"glue_catalog.{DATABASE}.iceberg_{table.table}", "columns": ["pk", "v", "s"]}
        )
        schema = state["schema"]
        run["iceberg_rows"] = [{"pk": r[0], "v": r[1], "s": r[2]} for r in state["rows"]]
        table_input = {
            "Name": f"iceberg_{table.table}",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"table_type": "ICEBERG"},
            "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in schema]},
        }
        try:
            self.glue.update_table(DatabaseName=DATABASE, TableInput=table_input)
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_table(DatabaseName=DATABASE, TableInput=table_input)

    def view_snapshot(self, table: Table) -> str | None:
        """The snapshot the view shows ("" for a view over the Iceberg table), None: no view."""
        try:
            view = self.glue.get_table(DatabaseName=DATABASE, Name=table.table)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            return None
        sql = view_sql(view.get("ViewOriginalText", "")) or ""
        found = re.search(r"snapshot_timestamp\s*=\s*'([0-9]{8}T[0-9]{6}Z)'", sql)
        return found.group(1) if found else ""

    def run_properties(self, table: Table, run: dict) -> dict:
        return self.glue.get_workflow_run_properties(Name=table.workflow, RunId=run["run_id"])[
            "RunProperties"
        ]

    def read_snapshot(self, table: Table, ts: str) -> tuple[dict, list[str]]:
        import pyarrow.parquet as pq

        records = []
        for path in self.snapshot_files(table, ts):
            records += pq.read_table(path, columns=["pk", "v", "s"]).to_pylist()
        return rows_of(records)

    # --- checks -----------------------------------------------------------------------------------

    def check_attempts(self, table: Table, attempts: list[dict]) -> list[str]:
        defects = []
        for seen in attempts:
            outcome = seen["outcome"]
            label = seen["label"]
            if table.mode == "scan" and seen["step"] == "export":
                defects += self.check_pace(table, seen)
            if outcome["ok"] or outcome["killed"] or outcome["timed_out"]:
                if outcome["timed_out"]:
                    defects.append(f"{label} timed out: a job hung under faults")
                continue
            error = outcome["error"]
            if "\n" in error.strip():
                defects.append(
                    f"{label} failed with an error of {error.count(chr(10)) + 1} lines: "
                    f"{error.strip().splitlines()[0][:160]} ..."
                )
                continue
            blamed = [
                (operation.split(" ", 1)[-1], kind, code)
                for operation, kind, code in seen.get("fault_log", [])
                if kind != "slow"
            ]
            if not blamed:
                defects.append(f"{label} failed without any fault injected: {error[:300]}")
                continue
            if not any(
                operation in error
                and (
                    (code and code in error)
                    or (kind in ("reset", "cut") and any(w in error for w in CONNECTION_WORDS))
                )
                for operation, kind, code in blamed
            ):
                defects.append(
                    f"{label} failed, but its error names neither the call nor the fault "
                    f"(faults: {blamed[-3:]}): {error[:300]}"
                )
        return defects

    def check_pace(self, table: Table, seen: dict) -> list[str]:
        """Each segment's read units, as the proxy answered them, against its share of
        readPercentage x capacity over every interval: beyond it only the page in flight (the
        pacer waits after a page arrives) and pages whose answer a dropped connection lost in the
        interval (DynamoDB charged them; the job could not know)."""
        share = table.read_capacity * table.read_percentage / table.splits
        worst = None
        for segment in {page[2] for page in seen.get("scan_pages", [])}:
            pages = [p for p in seen["scan_pages"] if p[2] == segment]
            largest = max(units for _, units, _, _ in pages)
            for i, (start, _, _, _) in enumerate(pages):
                total = lost = 0.0
                for end, units, _, was_lost in pages[i:]:
                    total += units
                    lost += units * was_lost
                    allowed = share * (end - start) + largest + lost
                    if total > allowed + 1e-9 and (worst is None or total - allowed > worst[0]):
                        worst = (total - allowed, total, end - start, segment)
        if worst is None:
            return []
        excess, total, seconds, segment = worst
        return [
            f"{seen['label']}: segment {segment} read {total:.1f} units in {seconds:.2f} s, over "
            f"its share of readPercentage x capacity ({share:g}/s) by {excess:.1f} units beyond "
            "the page in flight"
        ]

    def check_snapshot(
        self, table: Table, run: dict, ok: bool, before: str | None, attempts
    ) -> list[str]:
        defects = []
        ts = run["started"].strftime("%Y%m%dT%H%M%SZ")
        shown = self.view_snapshot(table)
        read_back = {
            s
            for t, s in self.servers.command("athena")["read_back"]
            if t in (table.table, f"snapshots_{table.table}")
        }
        if ok and shown != ts:
            defects.append(f"the run succeeded, but the view shows {shown}, not {ts}")
            self.figures.wrong_views += 1
        elif not ok and shown not in (before, ts):
            defects.append(f"the run failed and the view moved to {shown} (was {before})")
            self.figures.wrong_views += 1
        if shown and shown != before and shown not in read_back:
            defects.append(f"the view was moved to snapshot {shown}, which no query read back")
            self.figures.wrong_views += 1
        if shown:
            got, duplicates = self.read_snapshot(table, shown)
            lost, added, wrong = compare(got, self.expected[table.mode][shown])
            if lost or added or wrong or duplicates:
                defects.append(
                    f"the view's snapshot {shown} has {lost} items lost, {added} extra, {wrong} "
                    f"wrong, {len(duplicates)} duplicated"
                )
                self.figures.items_lost += lost
                self.figures.wrong_views += 1
        export_ok = any(s["step"] == "export" and s["outcome"]["ok"] for s in attempts)
        if export_ok:
            properties = self.run_properties(table, run)
            got, duplicates = self.read_snapshot(table, ts)
            count = properties.get("snapshot_item_count")
            if count != str(len(got) + len(duplicates)):
                defects.append(
                    f"snapshot_item_count is {count}, but the files hold "
                    f"{len(got) + len(duplicates)} items"
                )
            lost, added, wrong = compare(got, self.expected[table.mode][ts])
            if lost or added or wrong or duplicates:
                defects.append(
                    f"snapshot {ts}: {lost} lost, {added} extra, {wrong} wrong, "
                    f"{len(duplicates)} duplicated"
                )
                self.figures.items_lost += lost
            folder = self.folder("parquet", table.table, f"snapshot_timestamp={ts}")
            leftovers = (
                [p for p in folder.rglob("*") if "_temporary" in p.parts] if folder.is_dir() else []
            )
            if leftovers:
                defects.append(f"snapshot {ts} holds an attempt's leftovers: {leftovers[0]}")
            staging = self.folder("tmp", table.table, "scan", ts)
            if staging.is_dir() and any(p.is_file() for p in staging.rglob("*")):
                defects.append(f"the scan's staging {staging} was left behind by a successful run")
        for partition in set(self.partitions(table)) - self.checked_partitions:
            self.checked_partitions.add(partition)
            want = self.expected[table.mode].get(partition)
            got, duplicates = self.read_snapshot(table, partition)
            if want is None or compare(got, want) != (0, 0, 0) or duplicates:
                defects.append(
                    f"catalogued partition {partition} does not hold its complete snapshot"
                )
        return defects

    def watermark(self, table: Table) -> datetime | None:
        path = self.folder("state", table.table, "watermark.json")
        if not path.exists():
            return None
        return datetime.fromisoformat(json.loads(path.read_text())["watermark"])

    def check_incremental(self, table: Table, run: dict, ok: bool, attempts) -> list[str]:
        defects = []
        history = self.histories[table.mode]
        watermark = self.watermark(table)
        if "iceberg_rows" not in run:  # the planner failed: the apply job never ran
            self.catalog_iceberg(table, run)
        got, duplicates = rows_of(run["iceberg_rows"])
        if duplicates:
            defects.append(f"the Iceberg table holds {len(duplicates)} duplicated keys")
        if watermark is None:
            if got:
                defects.append("the Iceberg table has rows but no watermark says from when")
            return defects
        candidates = [watermark]
        for seen in attempts:
            if seen["step"] == "planner" and seen["outcome"]["ok"]:
                for entry in seen["outcome"]["result"] or []:
                    end = datetime.fromisoformat(entry["to"])
                    if end > watermark:
                        candidates.append(end)
        matches = [t for t in candidates if compare(got, history.state_at(t)) == (0, 0, 0)]
        if not matches:
            lost, added, wrong = compare(got, history.state_at(watermark))
            defects.append(
                f"the Iceberg table is not the table as of the watermark {watermark.isoformat()} "
                f"nor as of a later merged window: {lost} lost, {added} extra, {wrong} wrong"
            )
            self.figures.items_lost += lost
        elif ok and matches[0] != watermark:
            defects.append("the run succeeded but the table is ahead of its watermark")
        if ok:
            properties = self.run_properties(table, run)
            if properties.get("snapshot_item_count") != str(len(got)):
                defects.append(
                    f"snapshot_item_count is {properties.get('snapshot_item_count')}, the table "
                    f"holds {len(got)}"
                )
            if self.view_snapshot(table) != "":
                defects.append("the run succeeded but the view is not over the Iceberg table")
                self.figures.wrong_views += 1
        return defects

    def stop(self) -> None:
        for part in (self.spark, self.servers):
            try:
                part.stop()
            except Exception as error:  # keep stopping the rest
                print(f"stopping {part}: {error}", file=sys.stderr)


# One pipeline per mode, side by side: a run spends much of its time waiting (the scan's pacing,
# back-off, a new JVM after a kill), which the other pipelines' work fills.
PIPELINES = {mode: [mode] for mode in ("scan", "export", "incremental")}


def run_pipeline(name: str, modes: list[str], args, seed: int, work: Path, servers: Servers):
    """One pipeline's runs (in a child process); its figures go to work/figures-<name>.json."""
    pipeline = None
    try:
        pipeline = Pipeline(name, modes, seed, work, servers)
        for number in range(args.runs_per_mode):
            for mode in modes:
                pipeline.run(TABLES[mode], number)
        if "incremental" in modes:  # the rerun after the last converges
            pipeline.run(TABLES["incremental"], args.runs_per_mode, clean=True)
        figures = pipeline.figures
    except BaseException as error:
        import traceback

        traceback.print_exc()
        figures = pipeline.figures if pipeline else Figures()
        figures.defects.append(f"the {name} pipeline stopped (seed {seed}): {error!r}")
    finally:
        if pipeline:
            figures.runner_restarts = pipeline.spark.restarts
            pipeline.stop()
    (work / f"figures-{name}.json").write_text(json.dumps(vars(figures)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FAULT_SEED", 0)) or None)
    parser.add_argument("--runs-per-mode", type=int, default=int(os.environ.get("FAULT_RUNS", 18)))
    parser.add_argument("--modes", default="scan,export,incremental")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and its logs")
    args = parser.parse_args()
    seed = args.seed or random.SystemRandom().randrange(1, 10**6)
    # As Glue gives each job: a region. Never a developer's own profile or config.
    os.environ.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    os.environ.pop("AWS_PROFILE", None)
    modes = args.modes.split(",")
    print(
        f"fault suite: seed {seed} (replay: npm run test:faults -- --seed {seed}), "
        f"{args.runs_per_mode} runs per mode: {', '.join(modes)}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="ddbsnap-faults-"))
    (work / "logs").mkdir()
    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop everything on the way out
    servers = Servers(work, work / "logs" / "servers.log")
    children: dict[int, str] = {}
    figures = Figures()
    try:
        servers.command("bucket", name=BUCKET)
        servers.direct("glue").create_database(DatabaseInput={"Name": DATABASE})
        for name, group in PIPELINES.items():
            wanted = [mode for mode in group if mode in modes]
            if not wanted:
                continue
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
                try:
                    run_pipeline(name, wanted, args, seed, work, servers)
                finally:
                    os._exit(0)
            children[pid] = name
        while children:
            pid, _ = os.wait()
            name = children.pop(pid, None)
            if name is None:
                continue
            found = work / f"figures-{name}.json"
            if found.exists():
                figures.merge(json.loads(found.read_text()))
            else:
                figures.defects.append(f"the {name} pipeline died (seed {seed})")
    finally:
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        for pid in children:
            os.waitpid(pid, 0)
        servers.stop()
        if args.keep or figures.defects:
            print(f"work folder and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if figures.defects:
        print(f"\n{len(figures.defects)} defect(s), seed {seed}:")
        for defect in figures.defects:
            print(f"  - {defect}")
    steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in figures.seconds.most_common())
    print(f"time in job attempts: {steps}")
    faults = ", ".join(
        f"{k} {figures.faults.get(k, 0)}"
        for k in ("throttle", "error500", "reset", "cut", "slow", "kill")
    )
    print(
        f"faults: {figures.runs} runs ({figures.succeeded} succeeded, {figures.failed_cleanly} "
        f"failed cleanly), {figures.attempts} job attempts, {figures.runner_restarts} Spark "
        f"restarts; faults injected: {faults}, storms {figures.storms}; items lost "
        f"{figures.items_lost}, wrong views {figures.wrong_views}, defects {len(figures.defects)}; "
        f"{time.monotonic() - started:.0f} s; seed {seed}"
    )
    return 1 if figures.defects else 0


if __name__ == "__main__":
    sys.exit(main())
