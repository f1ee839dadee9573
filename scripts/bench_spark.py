"""npm run bench:spark: the export job's shaping path against Spark's own speed, on one corpus.

A seeded corpus of DynamoDB items (test/spark/bench_corpus.py) is written once as DynamoDB's
export writes it. Then, in one local Spark session (local[2]), after both paths ran once on the
same corpus untimed (the JVM compiles as it goes: a first run in a fresh JVM measures the JIT
compiler more than either path, and a Glue job on a table of this size runs long past that),
alternately, twice each:

- job path: export_table.main() in export mode, whole: the export (a fake that stages the corpus
  files where DynamoDB would), reading, inventory, planning, shaping and writing the snapshot as
  Parquet with the number of files plan_layout gives the table, and declaring the Glue table.
  Only the AWS boundaries are fakes (test/spark/fakes.py).
- native baseline: spark.read.schema(<the corpus's DynamoDB JSON as structs>).json() and Spark's
  own casts (numbers to decimal(38,10), base64 to binary, nested values left as raw JSON text),
  written as Parquet, one file per input partition. A floor, not an equal: it nulls a number
  that does not fit decimal(38,10) and leaves maps and lists as they came.

Each side's best time counts. Then the job's files are checked against the corpus: every value
in its column or its sidecar, decimals exact, nested values parse back equal. Prints
`job path: ...`, `native baseline: ...`, `ratio job/native: R` and the machine's load (other
processes share the cores: the ratio, measured side by side, is the figure that travels); exits
non-zero if a value check fails. No threshold fails the run (docs/performance.md has figures).
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "glue-scripts"), str(ROOT / "test" / "spark")]
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT / "glue-scripts"), str(ROOT / "test" / "spark"), os.environ.get("PYTHONPATH", "")]
)

import bench_corpus  # noqa: E402
from fakes import FakeGlue  # noqa: E402
from fakes import LocalRuntime  # noqa: E402
from fakes import LocalStorage  # noqa: E402
from fakes import plain_value  # noqa: E402

CORES = 2
RUNS = 2  # alternating, each side's best counts
BUCKET = "bench"
TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/Bench"


@dataclass
class StagingExport:
    """DescribeTable and a native export that stages the corpus files where DynamoDB's export
    puts them (hard links: staging costs the job nothing it would not pay on AWS)."""

    storage: LocalStorage
    corpus: Path
    items: int
    size_bytes: int
    meta: Any = field(default_factory=lambda: type("Meta", (), {"region_name": "eu-west-1"})())
    exports: int = 0

    def describe_table(self, TableName):
        return {
            "Table": {
                "TableName": TableName,
                "TableSizeBytes": self.size_bytes,
                "ItemCount": self.items,
                "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
            }
        }

    def export_table_to_point_in_time(self, **request):
        self.exports += 1
        folder = f"{request['S3Prefix']}/AWSDynamoDB/0170000000000-{self.exports:08x}"
        data = self.storage.local(f"s3://{request['S3Bucket']}/{folder}/data")
        data.mkdir(parents=True)
        for part in sorted(self.corpus.glob("*.json.gz")):
            os.link(part, data / part.name)
        self.description = {
            "ExportArn": f"{request['TableArn']}/export/{self.exports}",
            "ExportStatus": "COMPLETED",
            "ExportManifest": f"{folder}/manifest-summary.json",
            "ItemCount": self.items,
        }
        return {"ExportDescription": dict(self.description)}

    def describe_export(self, ExportArn):
        return {"ExportDescription": dict(self.description)}


def spark_session():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(f"local[{CORES}]")
        .appName("ddbsnap-bench-spark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", str(CORES))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def run_job(spark, work: Path, corpus: Path, items: int, size: int, run: str):
    import export_table
    from spark_runtime import SparkJobEnvironment

    storage = LocalStorage(work / f"job-{run}")
    args = {
        "table_name": "Bench",
        "mode": "export",
        "output_path": f"s3://{BUCKET}/parquet/bench",
        "output_format": "parquet",
        "database": "bench",
        "table_arn": TABLE_ARN,
        "export_staging_path": f"s3://{BUCKET}/export-staging/bench/",
        "WORKFLOW_NAME": "ddbsnap-bench",
        "WORKFLOW_RUN_ID": f"wr_{run}",
    }
    env = SparkJobEnvironment(
        runtime_factory=LocalRuntime(spark),
        storage=storage,
        glue=FakeGlue(),
        dynamodb=StagingExport(storage, corpus, items, size),
        sleep=lambda _: None,
    )
    started = time.perf_counter()
    result = export_table.main(
        [token for name, value in args.items() for token in (f"--{name}", value)], env
    )
    return time.perf_counter() - started, result, storage


NATIVE_TYPES = {
    "pk": "S",
    "sk": "N",
    "title": "S",
    "description": "S",
    "price": "N",
    "quantity": "N",
    "rating": "N",
    "active": "BOOL",
    "deleted": "NULL",
    "thumbnail": "B",
    "tags": "SS",
    "scores": "NS",
    "address": "M",
    "events": "L",
    "code": "N",
    "promo": "S",
}


def run_native(spark, corpus: Path, out: Path) -> float:
    """Spark's own reader and casts on the same files: the floor the job is measured against."""
    from pyspark.sql import functions as F

    fields = ", ".join(f"`{a}`: struct<{t}: string>" for a, t in NATIVE_TYPES.items())
    started = time.perf_counter()
    frame = spark.read.schema(f"Item struct<{fields}>").json(f"file://{corpus}/")
    columns = []
    for attribute, ddb_type in NATIVE_TYPES.items():
        value = F.col("Item").getField(attribute).getField(ddb_type)
        if ddb_type == "N":
            value = value.cast("decimal(38,10)")
        elif ddb_type == "B":
            value = F.unbase64(value)
        elif ddb_type == "BOOL":
            value = value.cast("boolean")
        columns.append(value.alias(attribute))
    frame.select(*columns).write.mode("overwrite").parquet(f"file://{out}")
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------
# Value checks: what the policy promises for each corpus value, worked out from DynamoDB's types
# ------------------------------------------------------------------------------------------


def fits_decimal(text: str) -> bool:
    _, digits, exponent = Decimal(text).as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    if not any(digits):
        return True
    return len(digits) + exponent <= 28 and -exponent <= 10


def check_values(corpus: dict[str, dict], files: list[Path]) -> list[str]:
    """Problems with the job's output, at most a few per kind; [] when every value is right."""
    import pyarrow.parquet as pq

    table = pq.read_table([str(p) for p in files]).to_pylist()
    problems: list[str] = []

    def problem(text: str) -> None:
        if len(problems) < 20:
            problems.append(text)

    if len(table) != len(corpus):
        problem(f"{len(table)} rows for {len(corpus)} items")
    seen = set()
    for row in table:
        item = corpus.get(row["pk"])
        if item is None:
            problem(f"row {row['pk']!r} is not an item")
            continue
        seen.add(row["pk"])
        for attribute in NATIVE_TYPES:
            value = item.get(attribute)
            got = row.get(attribute)
            if value is None:
                if got is not None:
                    problem(f"{row['pk']}.{attribute}: {got!r} for an absent attribute")
                continue
            ((ddb_type, inner),) = value.items()
            sidecar = row.get(f"{attribute}__{ddb_type.lower()}")
            if ddb_type == "N":
                if fits_decimal(inner):
                    ok = got == Decimal(inner) and sidecar is None
                else:
                    ok = got is None and sidecar == inner
            elif ddb_type == "S" and attribute == "code":
                ok = got is None and sidecar == inner
            elif ddb_type == "S":
                ok = got == inner
            elif ddb_type == "B":
                ok = got == base64.b64decode(inner)
            elif ddb_type == "BOOL":
                ok = got is inner
            elif ddb_type == "NULL":
                ok = got is None
            else:
                ok = json.loads(got, parse_float=Decimal, parse_int=Decimal) == plain_value(value)
            if not ok:
                problem(f"{row['pk']}.{attribute}: {got!r} (sidecar {sidecar!r}) for {value!r}")
    if len(seen) != len(corpus):
        problem(f"{len(corpus) - len(seen)} items have no row")
    return problems


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=240_000)
    parser.add_argument("--files", type=int, default=8)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ddbsnap-bench-"))
    # The job logs every step; here they go to a file, and the figures to the console.
    logging.basicConfig(filename=work / "job.log")
    try:
        started = time.perf_counter()
        corpus_folder = work / "corpus"
        size = bench_corpus.write_corpus(corpus_folder, options.items, options.files)
        print(
            f"corpus: {options.items} items, {size / options.items:.0f} bytes each, in "
            f"{options.files} gzip files ({time.perf_counter() - started:.0f} s to write)",
            flush=True,
        )
        print(f"machine: {machine_load()}", flush=True)
        spark = spark_session()
        # Both paths once first, untimed: the JVM compiles as it goes.
        run_job(spark, work, corpus_folder, options.items, size, "warm-up")
        run_native(spark, corpus_folder, work / "native-warm-up")
        job_times, native_times, result, storage = [], [], None, None
        for run in range(RUNS):
            seconds, result, storage = run_job(
                spark, work, corpus_folder, options.items, size, str(run)
            )
            job_times.append(seconds)
            native_times.append(run_native(spark, corpus_folder, work / f"native-{run}"))
            print(
                f"  run {run + 1}: job path {seconds:.1f} s, "
                f"native baseline {native_times[-1]:.1f} s",
                flush=True,
            )
        spark.stop()
        assert result is not None
        assert storage is not None
        job, native = min(job_times), min(native_times)
        rate = lambda seconds: options.items / seconds / CORES  # noqa: E731
        print(
            f"job path: {result.items} items in {job:.1f} s = {rate(job):,.0f} items/s/core "
            f"({result.files} file{'s' if result.files != 1 else ''}, "
            f"{result.misfits} values in sidecars)"
        )
        print(
            f"native baseline: {options.items} items in {native:.1f} s = "
            f"{rate(native):,.0f} items/s/core"
        )
        print(f"ratio job/native: {native / job:.2f}")
        print(f"machine: {machine_load()}")
        problems = check_values(
            bench_corpus.read_corpus(corpus_folder), storage.data_files(result.snapshot)
        )
        for text in problems:
            print(f"value check FAILED: {text}")
        if not problems:
            print(
                f"value checks: all {result.items} rows match the corpus (decimals exact, "
                "sidecars hold the misfits, nested values parse back equal)"
            )
        print(f"total: {time.perf_counter() - started:.0f} s")
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
