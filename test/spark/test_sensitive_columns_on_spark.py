"""Sensitive attributes on real Spark and Iceberg: the export job (scan and export mode) and the
incremental jobs run end to end with `exclude` and `hash` rules, and then every file they wrote
is opened and read, whatever its format (gzip JSON lines, Parquet, Iceberg's Avro manifests and
JSON metadata, the watermark): an excluded attribute's name and values appear in none, a hashed
attribute's clear values in none, and its column holds exactly the HMAC-SHA-256 of each value,
computed here independently. Guards any rewrite of the rules (issue 24 moves them into Spark
expressions).

What the jobs cannot keep clear: DynamoDB's own export writes whole items to the staging prefix
(export and incremental mode). The tests show the detector finds the clear values there, and
that the jobs delete those staged files once they are no longer needed."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import shutil
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fakes import CorpusScan
from fakes import FakeDynamoDB
from fakes import FakeGlue
from fakes import LocalRuntime
from fakes import LocalStorage

import apply_changes
import export_table
import incremental_exports
from exporting_table import ExportingTable
from job_arguments import JobEnvironment
from spark_runtime import SparkJobEnvironment

KEY = b"0123456789abcdef0123456789abcdef-hmac"
KEY_ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:ddbsnap-hmac-AbCdEf"
RULES = {"email": "hash", "SocialSecurityNumber": "exclude", "address": "hash"}
EXCLUDED_NAME = "socialsecuritynumber"

PEOPLE = [
    ("u-1", "ann.7f3c91@example.com", "SSN-941-55-0172", "Storgata 1, Oslo"),
    ("u-2", "bo.2d8e44@example.org", "SSN-220-10-6613", "Kungsgatan 2, Stockholm"),
    ("u-3", "cy.90ab17@example.net", "SSN-303-71-4420", "Bredgade 3, Copenhagen"),
]
CLEAR = [text for _, email, ssn, street in PEOPLE for text in (email, ssn, street)]


def item(key: str, email: str, ssn: str, street: str, **more) -> dict:
    return {
        "pk": {"S": key},
        "email": {"S": email},
        # Another spelling of the same column falls under the same rule.
        "Email": {"S": email.upper()},
        "SocialSecurityNumber": {"S": ssn},
        "address": {"M": {"street": {"S": street}, "zip": {"N": "1000"}}},
        "age": {"N": "41"},
        **more,
    }


CORPUS = [item(*person) for person in PEOPLE]


def expected_hash(value: dict) -> str:
    """HMAC-SHA-256 of the value's text (S as is, a map as the type policy's JSON), by hand."""
    ((ddb_type, inner),) = value.items()
    if ddb_type == "S":
        text = inner
    else:
        text = json.dumps(
            {k: (v.get("S") if "S" in v else int(v["N"])) for k, v in sorted(inner.items())},
            separators=(",", ":"),
            ensure_ascii=False,
        )
    return hmac.new(KEY, text.encode("utf-8"), hashlib.sha256).hexdigest()


class FakeSecrets:
    def __init__(self):
        self.asked: list[str] = []

    def get_secret_value(self, SecretId):
        self.asked.append(SecretId)
        return {"SecretString": KEY.decode()}


class KeepingStorage(LocalStorage):
    """Local S3 that keeps a copy of every folder the job purges, so that what the job wrote
    and then deleted (the scan's staging, the merged exports) can be inspected afterwards."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.purged = root.parent / "purged"

    def purge(self, uri: str) -> int:
        folder = self.local(uri)
        if folder.exists():
            self.purged.mkdir(parents=True, exist_ok=True)
            shutil.copytree(folder, self.purged / str(len(list(self.purged.iterdir()))))
        return super().purge(uri)


def every_file(*roots: Path) -> list[Path]:
    return sorted(p for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def readable_text(spark, path: Path) -> str:
    """Everything a file holds, as text: decompressed, decoded, every value of every record."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    parts = [raw.decode("utf-8", errors="ignore")]
    if path.suffix == ".parquet" or path.name.endswith(".snappy.parquet"):
        table = pq.read_table(path)
        parts += [" ".join(table.schema.names), json.dumps(table.to_pylist(), default=_text)]
    elif path.suffix == ".avro":
        # Iceberg's manifests and manifest lists: deflate-compressed Avro, with each column's
        # lower and upper bounds as bytes. Read through Spark's Avro reader, bytes decoded.
        rows = spark.read.format("avro").load(str(path)).collect()
        parts.append(json.dumps([r.asDict(recursive=True) for r in rows], default=_text))
    return "\n".join(parts)


def _text(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="ignore")
    return str(value)


# Iceberg keeps each column's lower and upper bound in its manifests, cut to 16 characters
# (its default metrics mode, truncate(16)): a clear value may leak as its first 16 characters.
BOUND = 16


def assert_nothing_sensitive(spark, files: list[Path]) -> None:
    assert files, "the jobs wrote files"
    for path in files:
        lowered = readable_text(spark, path).lower()
        for clear in CLEAR:
            for leak in (clear, clear[:BOUND]):
                assert leak.lower() not in lowered, f"{leak!r} in clear in {path}"
        assert EXCLUDED_NAME not in lowered, f"the excluded attribute's name in {path}"


def run_export(spark, tmp_path: Path, mode: str):
    storage = KeepingStorage(tmp_path / "s3")
    dynamodb = FakeDynamoDB(storage, CORPUS)
    glue, secrets = FakeGlue(), FakeSecrets()
    args = {
        "table_name": "People",
        "mode": mode,
        "output_path": "s3://snapshots/parquet/people",
        "output_format": "parquet",
        "database": "exports",
        "column_rules": json.dumps(RULES),
        "hash_key": KEY_ARN,
        "WORKFLOW_NAME": "ddbsnap-dev-people",
        "WORKFLOW_RUN_ID": "wr_1",
    }
    if mode == "scan":
        args |= {"read_percentage": "1.5", "splits": "2", "TempDir": "s3://snapshots/tmp/people/"}
    else:
        args |= {
            "table_arn": "arn:aws:dynamodb:ap-northeast-1:123456789012:table/People",
            "export_staging_path": "s3://snapshots/export-staging/people/",
        }
    result = export_table.main(
        [token for name, value in args.items() for token in (f"--{name}", value)],
        SparkJobEnvironment(
            runtime_factory=LocalRuntime(spark),
            storage=storage,
            glue=glue,
            dynamodb=dynamodb,
            secretsmanager=secrets,
            sleep=lambda _: None,
        ),
        scan_client_factory=CorpusScan(CORPUS),
    )
    return result, storage, secrets


@pytest.mark.parametrize("mode", ["scan", "export"])
def test_the_export_job_writes_no_excluded_attribute_and_no_clear_hashed_value(
    spark, tmp_path, mode
):
    result, storage, secrets = run_export(spark, tmp_path, mode)
    assert secrets.asked == [KEY_ARN], "the key is read once, on the driver, from the stack's ARN"
    assert result.items == 3

    rows = {}
    for path in storage.data_files(result.snapshot):
        for row in pq.read_table(path).to_pylist():
            rows[row["pk"]] = row
    assert set(rows) == {"u-1", "u-2", "u-3"}
    for key, email, _, street in PEOPLE:
        row = rows[key]
        assert EXCLUDED_NAME not in row
        assert row["email"] == expected_hash({"S": email})
        assert row["email_2"] == expected_hash({"S": email.upper()})
        assert row["address"] == expected_hash(
            {"M": {"street": {"S": street}, "zip": {"N": "1000"}}}
        )
        assert row["age"] == 41
    # Hashes join: the same value in two tables (or snapshots) gives the same string.
    assert len({rows[k]["email"] for k in rows}) == 3

    written = every_file(storage.root / "snapshots" / "parquet", storage.purged)
    if mode == "scan":
        # The scan's staged lines were written with the rules applied; the job deleted them.
        staged = [p for p in every_file(storage.purged) if p.suffix == ".gz"]
        assert staged, "the scan staged its items (kept here from the purge)"
        assert not storage.data_files("s3://snapshots/tmp/people/scan/")
        assert_nothing_sensitive(spark, written)
    else:
        # DynamoDB's export staged whole items: the detector sees the clear values there (it
        # is not blind), and the job deleted them once the snapshot was written.
        dynamodb_wrote = [p for p in every_file(storage.purged) if p.name.endswith(".json.gz")]
        assert any("ann.7f3c91@example.com" in readable_text(spark, p) for p in dynamodb_wrote)
        assert not storage.data_files("s3://snapshots/export-staging/people/")
        job_wrote = every_file(storage.root / "snapshots" / "parquet")
        assert_nothing_sensitive(spark, job_wrote)


# --- incremental mode: the planner, then the apply job on Iceberg ------------------------------

T = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
ARN = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/People"
TABLE = "glue_catalog.analytics.iceberg_people"
COMMON = ["--WORKFLOW_NAME=ddbsnap-dev-people", "--WORKFLOW_RUN_ID=wr_1"]
RULE_ARGS = [f"--column_rules={json.dumps(RULES)}", f"--hash_key={KEY_ARN}"]
PLANNER_ARGS = [
    "--table_name=People",
    f"--table_arn={ARN}",
    "--export_staging_path=s3://snap-bucket/export-staging/people",
    "--state_path=s3://snap-bucket/state/people",
    *COMMON,
]
APPLY_ARGS = [
    "--table_name=People",
    "--database=analytics",
    "--iceberg_table=iceberg_people",
    "--state_path=s3://snap-bucket/state/people",
    "--column_types={}",
    "--JOB_NAME=ddbsnap-dev-people-apply",
    *COMMON,
]


class World:
    def __init__(self, spark, tmp_path: Path):
        self.spark = spark
        self.now = T
        self.storage = KeepingStorage(tmp_path / "s3")
        self.table = ExportingTable(
            ARN, self.put, lambda: self.now, pitr_since=T - timedelta(days=3)
        )
        spark.sql(f"DROP TABLE IF EXISTS {TABLE}")
        spark.sql(f"CREATE TABLE {TABLE} (_ddb_write_ts bigint) USING iceberg")
        location = spark.sql(f"DESCRIBE TABLE EXTENDED {TABLE}").where("col_name = 'Location'")
        self.warehouse = Path(location.first()["data_type"].removeprefix("file:"))

    def put(self, bucket, key, body):
        path = self.storage.local(f"s3://{bucket}/{key}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    def put_object(self, Bucket, Key, Body):
        self.put(Bucket, Key, Body)

    def get_object(self, Bucket, Key):
        import io

        from botocore.exceptions import ClientError

        text = self.storage.read_text(f"s3://{Bucket}/{Key}", missing_ok=True)
        if text is None:
            raise ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject")
        return {"Body": io.BytesIO(text.encode())}

    def run(self, rules=RULE_ARGS):
        glue = FakeGlue()
        env = JobEnvironment(
            glue=glue, dynamodb=self.table, s3=self, now=lambda: self.now, sleep=lambda _: None
        )
        incremental_exports.main([*PLANNER_ARGS, *rules], env)
        spark_env = SparkJobEnvironment(
            runtime_factory=LocalRuntime(self.spark),
            storage=self.storage,
            glue=glue,
            secretsmanager=FakeSecrets(),
        )
        return apply_changes.main([*APPLY_ARGS, *rules], spark_env)

    def rows(self, as_of=None) -> dict:
        at = f" TIMESTAMP AS OF '{as_of.strftime('%Y-%m-%d %H:%M:%S.%f')}'" if as_of else ""
        return {r["pk"]: r.asDict() for r in self.spark.sql(f"SELECT * FROM {TABLE}{at}").collect()}


def test_the_incremental_jobs_merge_no_excluded_attribute_and_no_clear_hashed_value(
    spark, tmp_path
):
    world = World(spark, tmp_path)
    for i, person in enumerate(PEOPLE[:2]):
        world.table.put(T - timedelta(hours=5 - i), item(*person))
    world.run()  # bootstrap from a full export
    # Changes: a new person, a changed address, a deletion.
    world.table.put(T + timedelta(minutes=10), item(*PEOPLE[2]))
    moved = (PEOPLE[0][0], PEOPLE[0][1], PEOPLE[0][2], "Storgata 99, Oslo")
    world.table.put(T + timedelta(minutes=20), item(*moved))
    world.table.delete(T + timedelta(minutes=30), "u-2")
    world.now = T + timedelta(hours=2)
    world.run()

    rows = world.rows()
    assert set(rows) == {"u-1", "u-3"}
    assert EXCLUDED_NAME not in {f.name for f in spark.table(TABLE).schema.fields}
    assert rows["u-1"]["email"] == expected_hash({"S": PEOPLE[0][1]})
    assert rows["u-1"]["address"] == expected_hash(
        {"M": {"street": {"S": "Storgata 99, Oslo"}, "zip": {"N": "1000"}}}
    )
    assert rows["u-3"]["email"] == expected_hash({"S": PEOPLE[2][1]})

    # Every file of the Iceberg table (data, delete files, manifests, metadata), the watermark,
    # and what was purged: nothing sensitive. The exports were deleted once merged.
    state = world.storage.root / "snap-bucket" / "state"
    assert_nothing_sensitive(spark, every_file(world.warehouse, state))
    staged = world.storage.root / "snap-bucket" / "export-staging"
    assert not [p for p in every_file(staged) if p.name.endswith(".json.gz")], (
        "merged exports deleted"
    )
    dynamodb_wrote = [p for p in every_file(world.storage.purged) if p.name.endswith(".json.gz")]
    assert any("ann.7f3c91@example.com" in readable_text(spark, p) for p in dynamodb_wrote), (
        "the detector sees clear values where DynamoDB wrote them"
    )


def test_changing_the_rules_rebuilds_every_row_and_leaves_the_clear_values_to_history(
    spark, tmp_path
):
    """What docs/security.md says: the next run rewrites every row under the new rules; the
    table's earlier snapshots keep what they held until retention expires them."""
    world = World(spark, tmp_path)
    world.table.put(T - timedelta(hours=5), item(*PEOPLE[0]))
    world.run(rules=[])  # no rules yet: clear values in the table
    before = datetime.now(timezone.utc)
    assert world.rows()["u-1"]["email"] == PEOPLE[0][1]
    # The detector the other tests rely on sees them in Iceberg's own files: in a data file
    # (zstd Parquet) and, cut to 16 characters, in a manifest's column bounds (deflate Avro).
    seen = {
        path.suffix
        for path in every_file(world.warehouse)
        if PEOPLE[0][1][:BOUND] in readable_text(spark, path)
    }
    assert {".parquet", ".avro"} <= seen
    world.now = T + timedelta(hours=1)
    world.run()  # rules added: rebuilt from a full export, the excluded column dropped
    row = world.rows()["u-1"]
    assert row["email"] == expected_hash({"S": PEOPLE[0][1]})
    assert EXCLUDED_NAME not in row
    # Time travel still reaches the clear values: they go when retention expires the snapshots.
    assert world.rows(as_of=before)["u-1"]["email"] == PEOPLE[0][1]
