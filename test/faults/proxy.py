"""The fault-injecting AWS endpoint the fault suite's jobs talk to: an HTTP server on loopback in
front of moto_server. Jobs reach it only through the endpoint settings botocore reads
(AWS_ENDPOINT_URL); no product code knows it exists.

Per request it names the call (faults.identify), finds the job attempt by the access key id the
request is signed with, decides the attempt's fault (faults.decide), then answers: from moto, or
from the stand-ins moto lacks (stand_ins.py), with the fault applied. It keeps, per attempt, the
requests, the faults by kind, and every Scan page's consumed read units with the time it was
answered: the suite's measure of the scan's pace, taken from the responses, not from the job.

The suite steers it through POST /_faults/<command> with a JSON body (an S3 bucket name cannot
start with `_`, so no AWS request collides):
  attempt  {key, label, plan, pid, pgid, sim_now, run_started}  the attempt that signs with key
  finish   {key}                        -> the attempt's figures; forgets it
  table    {arn, name, key, pitr_since}  a DynamoDB table whose exports the model serves
  write    {name, at, key, image}        a put (image) or delete (null), in the model and moto
  bucket   {name}                        an S3 bucket (a folder)
  athena   {}                            -> which snapshots Athena's queries read
Run as a process: python proxy.py --moto URL --root DIR --port-file FILE
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import uuid
import zlib
from collections import Counter
from datetime import datetime
from datetime import timezone
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "test" / "glue")]

from faults import Call  # noqa: E402
from faults import Decision  # noqa: E402
from faults import FaultPlan  # noqa: E402
from faults import decide  # noqa: E402
from faults import error_response  # noqa: E402
from faults import identify  # noqa: E402
from stand_ins import AthenaModel  # noqa: E402
from stand_ins import ExportModel  # noqa: E402
from stand_ins import FolderS3  # noqa: E402
from stand_ins import item_size  # noqa: E402
from stand_ins import scan_read_units  # noqa: E402

HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive", "server", "date"}


class Attempt:
    def __init__(self, spec: dict):
        self.key = spec["key"]
        self.label = spec.get("label", self.key)
        self.plan = FaultPlan.from_json(spec.get("plan") or {"seed": "none"})
        self.pid = spec.get("pid")
        self.pgid = spec.get("pgid")
        self.sim_now = datetime.fromisoformat(spec["sim_now"])
        self.run_started = datetime.fromisoformat(spec.get("run_started") or spec["sim_now"])
        self.requests = 0
        self.sent: Counter[str] = Counter()  # identity -> times sent
        self.invocations: dict[str, str] = {}  # botocore's invocation id -> the call's identity
        self.operations: Counter[str] = Counter()
        self.random_faults = 0
        self.faults: Counter[str] = Counter()
        self.fault_log: list[list[str]] = []  # [operation, kind, code]
        self.calls: Counter[str] = Counter()  # "service operation" -> requests
        # [seconds since the attempt began, units, segment, 1 if the answer was lost]
        self.scan_pages: list[list[float]] = []
        self.started = time.monotonic()
        self.killed = False

    def numbered(self, call: Call) -> str:
        """`<operation>#<n>`: the attempt's n-th call of the operation, retries included in it."""
        if call.invocation not in self.invocations:
            made = sum(1 for i in self.invocations.values() if i.startswith(f"{call.operation}#"))
            self.invocations[call.invocation] = f"{call.operation}#{made}"
        return self.invocations[call.invocation]

    def figures(self) -> dict:
        return {
            "label": self.label,
            "requests": self.requests,
            "faults": dict(self.faults),
            "fault_log": self.fault_log,
            "calls": dict(self.calls),
            "scan_pages": self.scan_pages,
            "killed": self.killed,
        }


class FaultProxy:
    def __init__(self, moto_url: str, root: Path):
        import boto3

        parts = urlsplit(moto_url)
        self.moto = (parts.hostname, parts.port)
        direct = {
            "endpoint_url": moto_url,
            "region_name": os.environ.get("AWS_DEFAULT_REGION", "ap-northeast-1"),
            "aws_access_key_id": "direct",
            "aws_secret_access_key": "direct",
        }
        self.glue = boto3.client("glue", **direct)
        self.dynamodb = boto3.client("dynamodb", **direct)
        self.s3 = FolderS3(root)
        self.exports = ExportModel()
        self.athena = AthenaModel(self.glue, self.s3, read_snapshot_files)
        self.attempts: dict[str, Attempt] = {}
        self.table_sizes: dict[str, dict[str, int]] = {}
        self.lock = threading.Lock()

    # --- the suite's commands ---------------------------------------------------------------------

    def command(self, name: str, spec: dict) -> dict:
        if name == "attempt":
            with self.lock:
                self.attempts[spec["key"]] = Attempt(spec)
            return {}
        if name == "finish":
            with self.lock:
                attempt = self.attempts.pop(spec["key"], None)
            return attempt.figures() if attempt else {}
        if name == "bucket":
            (self.s3.root / spec["name"]).mkdir(parents=True, exist_ok=True)
            return {}
        if name == "table":
            from exporting_table import ExportingTable

            table = ExportingTable(
                spec["arn"],
                self.s3.put,
                lambda: datetime.now(timezone.utc),
                key=spec["key"],
                pitr_since=datetime.fromisoformat(spec["pitr_since"]),
            )
            self.exports.add(table, spec["name"])
            self.table_sizes[spec["name"]] = {}
            return {}
        if name == "write":
            return self.write(spec)
        if name == "athena":
            with self.athena.lock:
                return {"read_back": self.athena.read_back, "statements": self.athena.statements}
        raise ValueError(f"unknown command {name}")

    def write(self, spec: dict) -> dict:
        table = self.exports.tables[spec["name"]]
        at = datetime.fromisoformat(spec["at"])
        sizes = self.table_sizes[spec["name"]]
        if spec.get("image") is None:
            table.delete(at, spec["pk"])
            self.dynamodb.delete_item(TableName=spec["name"], Key={table.key: {"S": spec["pk"]}})
            sizes.pop(spec["pk"], None)
        else:
            table.put(at, spec["image"])
            self.dynamodb.put_item(TableName=spec["name"], Item=spec["image"])
            sizes[spec["pk"]] = item_size(spec["image"])
        return {}

    # --- AWS requests -----------------------------------------------------------------------------

    def answer(self, handler: AwsHandler, body: bytes) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        call = identify(handler.command, handler.path, headers, body)
        with self.lock:
            attempt = self.attempts.get(call.access_key) if call else None
            decision = self.count(attempt, call) if attempt and call else Decision(None)
        if decision.kind == "kill":
            self.kill(attempt)
            handler.drop(reset=True)
            return
        if attempt and attempt.killed:
            handler.drop(reset=True)
            return
        if decision.kind in ("throttle", "error500"):
            status, out_headers, out_body = error_response(call, decision.code, uuid.uuid4().hex)
            handler.send(status, out_headers, out_body)
            return
        status, out_headers, out_body = self.serve(handler, call, headers, body, attempt)
        if decision.kind == "slow":
            time.sleep(decision.delay)
        if attempt and call and call.operation == "Scan" and status == 200:
            lost = decision.kind in ("reset", "cut")
            out_body, out_headers = self.account_scan(attempt, body, out_body, out_headers, lost)
        if decision.kind in ("reset", "cut"):
            handler.send(status, out_headers, out_body, cut=decision.kind)
            return
        handler.send(status, out_headers, out_body)

    def count(self, attempt: Attempt, call: Call) -> Decision:
        attempt.requests += 1
        attempt.calls[f"{call.service} {call.operation}"] += 1
        if attempt.plan.kill_at is not None and attempt.requests >= attempt.plan.kill_at:
            attempt.faults["kill"] += 1 if not attempt.killed else 0
            attempt.fault_log.append([call.operation, "kill", ""])
            return Decision("kill")
        identity = call.identity or attempt.numbered(call)
        occurrence = attempt.sent[identity]
        attempt.sent[identity] += 1
        operation_count = attempt.operations[call.operation]
        attempt.operations[call.operation] += 1
        decision = decide(
            attempt.plan, call, identity, occurrence, operation_count, attempt.random_faults
        )
        if decision.kind:
            attempt.faults[decision.kind] += 1
            if call.operation not in attempt.plan.storms:
                attempt.random_faults += 1
            attempt.fault_log.append(
                [f"{call.service} {call.operation}", decision.kind, decision.code]
            )
        return decision

    def kill(self, attempt: Attempt) -> None:
        if attempt.killed:
            return
        attempt.killed = True
        try:
            if attempt.pgid:
                os.killpg(attempt.pgid, signal.SIGKILL)
            elif attempt.pid:
                os.kill(attempt.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def serve(self, handler, call: Call | None, headers, body: bytes, attempt: Attempt | None):
        if call and call.service == "s3":
            return self.s3.handle(handler.command, handler.path, headers, body)
        now = attempt.sim_now if attempt else datetime.now(timezone.utc)
        if call and call.service == "dynamodb" and call.operation in ExportModel.OPERATIONS:
            return self.exports.handle(call.operation, body, now)
        if call and call.service == "athena":
            return self.athena.handle(call.operation, body)
        status, out_headers, out_body = self.forward(handler.command, handler.path, headers, body)
        if call and status == 200 and call.operation == "GetWorkflowRun" and attempt:
            document = json.loads(out_body)
            document["Run"]["StartedOn"] = attempt.run_started.timestamp()
            out_body = json.dumps(document).encode()
        if call and status == 200 and call.operation == "DescribeTable":
            document = json.loads(out_body)
            sizes = self.table_sizes.get(document["Table"]["TableName"], {})
            document["Table"]["TableSizeBytes"] = sum(sizes.values())
            out_body = json.dumps(document).encode()
            out_headers["x-amz-crc32"] = str(zlib.crc32(out_body))
        return status, out_headers, out_body

    def forward(self, method: str, path: str, headers: dict, body: bytes):
        connection = http.client.HTTPConnection(*self.moto, timeout=60)
        try:
            sent = {k: v for k, v in headers.items() if k not in ("connection", "keep-alive")}
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            out_body = response.read()
            out_headers = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            return response.status, out_headers, out_body
        finally:
            connection.close()

    def account_scan(self, attempt: Attempt, request: bytes, body: bytes, headers: dict, lost):
        """What DynamoDB would charge for the page, in the response and in the attempt's log
        (with whether its answer is about to be lost to a dropped connection)."""
        document = json.loads(body)
        units = scan_read_units(document.get("Items", []))
        if "ConsumedCapacity" in document:
            document["ConsumedCapacity"] = {
                "TableName": document["ConsumedCapacity"].get("TableName"),
                "CapacityUnits": units,
            }
        body = json.dumps(document).encode()
        headers = {**headers, "x-amz-crc32": str(zlib.crc32(body))}
        segment = json.loads(request).get("Segment", 0)
        with self.lock:
            attempt.scan_pages.append(
                [time.monotonic() - attempt.started, units, segment, int(lost)]
            )
        return body, headers


def read_snapshot_files(paths: list[Path]) -> None:
    """What Athena does to a partition's files: opens and reads each (Parquet, or gzip text)."""
    import pyarrow.parquet as pq

    for path in paths:
        if path.suffix == ".parquet" or ".parquet" in path.name:
            pq.read_table(path)
        elif path.suffix == ".gz":
            gzip.decompress(path.read_bytes())


class AwsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy: FaultProxy

    def log_message(self, *_: Any) -> None:
        pass

    def do_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/_faults/"):
            try:
                answer = self.proxy.command(self.path.split("/")[2], json.loads(body or b"{}"))
                self.send(200, {"Content-Type": "application/json"}, json.dumps(answer).encode())
            except Exception as error:  # the suite's mistake: say it
                self.send(500, {"Content-Type": "text/plain"}, repr(error).encode())
            return
        try:
            self.proxy.answer(self, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_any

    def send(self, status: int, headers: dict, body: bytes, cut: str | None = None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in HOP_BY_HOP and not (
                self.command == "HEAD" and name.lower() == "content-length"
            ):
                self.send_header(name, value)
        if self.command == "HEAD":
            self.send_header("Content-Length", headers.get("Content-Length", "0"))
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[: len(body) // 2])
        self.drop(reset=cut == "reset")

    def drop(self, reset: bool) -> None:
        """Ends the connection: with a reset (RST), or cleanly (FIN) mid-response."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
        except OSError:
            pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moto", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    AwsHandler.proxy = FaultProxy(args.moto, Path(args.root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), AwsHandler)
    server.daemon_threads = True
    Path(args.port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
