"""What both Spark jobs (export_table.py, apply_changes.py) run in: Glue's job and Spark session,
and the S3 calls they make besides Spark's own reads and writes. Only `Job.init`/`commit` need
Glue's own libraries (GlueRuntime); tests hand the jobs a local Spark session, a fake Job and a
local folder instead (test/spark/fakes.py)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from job_arguments import JobEnvironment
from job_arguments import read_object
from job_arguments import split_s3_uri

S3_DELETE_BATCH = 1000


class S3Storage:
    def __init__(self, s3: Any):
        self.s3 = s3

    def spark_path(self, uri: str) -> str:
        return uri

    def _objects(self, uri: str) -> Iterator[dict]:
        bucket, key = split_s3_uri(uri, "path")
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{key}/"
        ):
            yield from page.get("Contents", [])

    def purge(self, uri: str) -> int:
        """Deletes every object under a folder; returns how many."""
        bucket, _ = split_s3_uri(uri, "path")
        keys = [o["Key"] for o in self._objects(uri)]
        for start in range(0, len(keys), S3_DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start : start + S3_DELETE_BATCH]]
            result = self.s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            if result.get("Errors"):
                first = result["Errors"][0]
                raise RuntimeError(
                    f"could not delete s3://{bucket}/{first['Key']}: {first['Message']}"
                )
        return len(keys)

    def read_text(self, uri: str, missing_ok: bool = False) -> str | None:
        """One object's text (a manifest, the watermark); None if missing and `missing_ok`."""
        bucket, key = split_s3_uri(uri, "object")
        try:
            return read_object(self.s3, bucket, key).decode("utf-8")
        except ClientError as error:
            if missing_ok and error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def write_text(self, uri: str, text: str) -> None:
        bucket, key = split_s3_uri(uri, "object")
        self.s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))

    def summarise(self, uri: str) -> tuple[int, int]:
        """(data files, bytes) under a folder; Spark's `_SUCCESS` marker is not a data file."""
        files = size = 0
        for item in self._objects(uri):
            if not item["Key"].endswith("/_SUCCESS"):
                files += 1
                size += item["Size"]
        return files, size


class GlueRuntime:  # pragma: no cover - needs the Glue runtime
    """The Glue job and its Spark session. Only Job.init/commit need Glue's own libraries."""

    def __init__(self, job_name: str):
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from pyspark.context import SparkContext

        glue_context = GlueContext(SparkContext.getOrCreate())
        self.spark = glue_context.spark_session
        self.job = Job(glue_context)
        # A security configuration takes effect only for a job that calls init (Glue guide,
        # "Encrypting data written by AWS Glue").
        self.job.init(job_name, {"JOB_NAME": job_name})


class SparkJobEnvironment(JobEnvironment):
    """A Spark job's surroundings: JobEnvironment's, plus the Spark runtime (Glue's, or a local
    session in tests) and the storage the job reads and writes through (S3, or a folder)."""

    def __init__(
        self,
        runtime_factory: Callable[[str], Any] = GlueRuntime,
        storage: Any = None,
        **rest: Any,
    ) -> None:
        super().__init__(**rest)
        self.runtime_factory = runtime_factory
        self.storage = storage or S3Storage(self.client("s3"))
