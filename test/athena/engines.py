"""The stand-ins the Athena lane runs on, all on loopback and stopped by PID:

- moto_server for the AWS APIs the jobs call (Glue's catalog and workflows, S3, DynamoDB,
  CloudWatch), so the jobs' own boto3 calls declare the tables, add the run properties and so on;
- Trino (the engine Athena engine version 3 is built on) reading that Glue catalog and those S3
  objects through its Glue metastore and native S3 file system, as Athena reads the AWS Glue Data
  Catalog: one catalog `awsdatacatalog` (Hive connector) whose Iceberg tables are redirected to the
  Iceberg connector, like Athena's single AwsDataCatalog;
- an Athena client over Trino, so the refresh job's statements run on Trino unchanged.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
CATALOG = "awsdatacatalog"  # Athena's AwsDataCatalog, as Trino spells catalog names


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, ready: Any, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if ready(answer.read()):
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} was not ready after {timeout:.0f} s; see {log}")


def stop(process: subprocess.Popen) -> None:
    """Stops a server this lane started, by its PID: politely, then for good."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Moto:
    process: subprocess.Popen
    endpoint: str

    @classmethod
    def start(cls, folder: Path) -> Moto:
        port = free_port()
        log = folder / "moto.log"
        server = Path(__file__).with_name("moto_glue_server.py")
        process = subprocess.Popen(
            [sys.executable, str(server), str(port)],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        endpoint = f"http://127.0.0.1:{port}"
        wait_for(f"{endpoint}/moto-api/", lambda _: True, 30, process, log)
        return cls(process, endpoint)

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, **CREDENTIALS)


@dataclass
class Trino:
    process: subprocess.Popen
    port: int
    log: Path

    @classmethod
    def launch(cls, folder: Path, home: str, java_home: str, moto_endpoint: str) -> Trino:
        """Starts the server in the background (it takes 15-30 s); `ready()` waits for it."""
        port = free_port()
        etc, data = folder / "etc", folder / "data"
        (etc / "catalog").mkdir(parents=True)
        data.mkdir()
        files = {
            "node.properties": {
                "node.environment": "athena_lane",
                "node.id": "athena-lane",
                "node.data-dir": str(data),
                "node.bind-ip": "127.0.0.1",
                "node.internal-address": "127.0.0.1",
            },
            "config.properties": {
                "coordinator": "true",
                "node-scheduler.include-coordinator": "true",
                "http-server.http.port": str(port),
                "discovery.uri": f"http://127.0.0.1:{port}",
                "query.max-memory": "1GB",
                "query.max-memory-per-node": "1GB",
            },
            "log.properties": {"io.trino": "WARN"},
            f"catalog/{CATALOG}.properties": {
                "connector.name": "hive",
                "hive.metastore": "glue",
                **glue_and_s3(moto_endpoint),
                # Iceberg tables of the same Glue database read through the Iceberg connector,
                # as Athena reads both kinds from one catalog.
                "hive.iceberg-catalog-name": "iceberg",
            },
            "catalog/iceberg.properties": {
                "connector.name": "iceberg",
                "iceberg.catalog.type": "glue",
                **glue_and_s3(moto_endpoint),
                # The apply job's Iceberg files are local (the Spark test bed's warehouse).
                "fs.hadoop.enabled": "true",
                "iceberg.hive-catalog-name": CATALOG,
            },
        }
        for name, properties in files.items():
            (etc / name).write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
        (etc / "jvm.config").write_text(
            "\n".join(
                [
                    "-server",
                    "-Xmx3G",
                    "-XX:+UseG1GC",
                    "-XX:+ExitOnOutOfMemoryError",
                    "-Djdk.attach.allowAttachSelf=true",
                ]
            )
            + "\n"
        )
        log = folder / "trino.log"
        process = subprocess.Popen(
            [f"{home}/bin/launcher", "run", f"--etc-dir={etc}", f"--data-dir={data}"],
            env={
                **os.environ,
                "JAVA_HOME": java_home,
                "PATH": os.pathsep.join([f"{java_home}/bin", os.environ.get("PATH", os.defpath)]),
            },
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        return cls(process, port, log)

    def ready(self, timeout: float = 180) -> Trino:
        wait_for(
            f"http://127.0.0.1:{self.port}/v1/info",
            lambda body: b'"starting":false' in body,
            timeout,
            self.process,
            self.log,
        )
        return self

    def connect(self, schema: str | None = None, catalog: str = CATALOG) -> Any:
        import trino

        return trino.dbapi.connect(
            host="127.0.0.1", port=self.port, user="athena-lane", catalog=catalog, schema=schema
        )

    def rows(self, sql: str, schema: str | None = None) -> list[list[Any]]:
        cursor = self.connect(schema).cursor()
        cursor.execute(sql)
        return cursor.fetchall()

    def columns(self, sql: str, schema: str | None = None) -> tuple[list[str], list[list[Any]]]:
        cursor = self.connect(schema).cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()
        return [d[0] for d in cursor.description], rows


def glue_and_s3(endpoint: str) -> dict[str, str]:
    """Trino's Glue metastore and native S3 file system, both pointed at moto_server."""
    keys = CREDENTIALS
    return {
        "hive.metastore.glue.region": REGION,
        "hive.metastore.glue.endpoint-url": endpoint,
        "hive.metastore.glue.aws-access-key": keys["aws_access_key_id"],
        "hive.metastore.glue.aws-secret-key": keys["aws_secret_access_key"],
        "fs.native-s3.enabled": "true",
        "s3.endpoint": endpoint,
        "s3.region": REGION,
        "s3.path-style-access": "true",
        "s3.aws-access-key": keys["aws_access_key_id"],
        "s3.aws-secret-key": keys["aws_secret_access_key"],
    }


@dataclass
class AthenaOnTrino:
    """The Athena calls the refresh job makes, answered by running each statement on Trino in the
    query's catalog and database. Athena's StateChangeReason is Trino's error name and message."""

    trino: Trino
    executions: dict[str, dict] = field(default_factory=dict)

    def start_query_execution(self, QueryString, WorkGroup, QueryExecutionContext, **_):
        query_id = str(uuid.uuid4())
        status: dict[str, Any] = {"State": "SUCCEEDED"}
        try:
            cursor = self.trino.connect(
                QueryExecutionContext["Database"],
                QueryExecutionContext.get("Catalog", CATALOG).lower(),
            ).cursor()
            cursor.execute(QueryString)
            cursor.fetchall()
        except Exception as error:  # any engine error is the query's failure
            name = getattr(error, "error_name", type(error).__name__)
            status = {"State": "FAILED", "StateChangeReason": f"{name}: {error.message}"}
        self.executions[query_id] = {
            "QueryExecutionId": query_id,
            "Query": QueryString,
            "WorkGroup": WorkGroup,
            "Status": status,
        }
        return {"QueryExecutionId": query_id}

    def get_query_execution(self, QueryExecutionId):
        return {"QueryExecution": self.executions[QueryExecutionId]}

    def stop_query_execution(self, QueryExecutionId):
        return {}

    def statements(self) -> list[str]:
        return [e["Query"] for e in self.executions.values()]
