"""What the fault proxy serves itself instead of forwarding to moto_server, and why:

- S3 from a folder (`FolderS3`): the Spark jobs read and write snapshot files through Spark's
  own file system layer, which here is a local folder (as in the Spark suite); the jobs' boto3 S3
  calls (purges, listings, manifests, the watermark, the refresh job's prune) must see the same
  objects, and moto keeps its objects in memory where Spark cannot read them. Only the calls the
  jobs make are served: ListObjectsV2, Get/Put/Head/DeleteObject, DeleteObjects, HeadBucket.
- DynamoDB's exports and point-in-time recovery (`ExportModel`): moto's export ignores the
  ClientToken, writes no manifest and has no incremental export; test/glue/exporting_table.py
  models what DynamoDB documents, on the suite's simulated clock.
- Athena (`AthenaModel`): moto's Athena runs nothing. The model runs the statements the refresh
  job sends: CREATE OR REPLACE VIEW and DROP VIEW change the Glue catalog (in moto) as Athena does,
  keeping the view's SQL in ViewOriginalText; a SELECT opens the files of the partition the query
  reads and fails as Athena would when they are missing or unreadable. It keeps a log of which
  snapshots a query actually read, which the suite checks the view against.
- DynamoDB's read accounting (`scan_read_units`, `item_size`): moto reports a fixed
  ConsumedCapacity per page; the proxy reports what DynamoDB charges for the items a Scan page
  read, and the table's size in DescribeTable, so the export job paces itself on real figures.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import os
import re
import threading
import uuid
import zlib
from collections.abc import Callable
from datetime import datetime
from datetime import timezone
from decimal import Decimal
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

Response = tuple[int, dict[str, str], bytes]

# --- DynamoDB read accounting ------------------------------------------------------------------


def value_size(value: dict) -> int:
    """Bytes of one attribute value (DynamoDB guide, "Item sizes and formats"): strings and
    binaries by length, numbers about one byte per two significant digits plus one, documents
    3 bytes plus their elements."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = re.sub(r"[^0-9]", "", str(Decimal(inner).normalize())).strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(base64.b64decode(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in inner)
    if kind == "BS":
        return sum(len(base64.b64decode(b)) for b in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def scan_read_units(items: list[dict]) -> float:
    """An eventually consistent Scan page: the items' total size rounded up to 4 KB, half a unit
    per 4 KB (DynamoDB guide, "DynamoDB read and write operations")."""
    total = sum(item_size(item) for item in items)
    return math.ceil(total / 4096) * 0.5 if total else 0.5


# --- S3 from a folder ----------------------------------------------------------------------------


def _xml(root: str, inner: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</{root}>'
    ).encode()


def _remove_if_hollow(folder: Path) -> None:
    """Removes a folder whose files are all dot files and that has no sub-folder left."""
    entries = list(folder.iterdir())
    if any(e.is_dir() or not e.name.startswith(".") for e in entries):
        return
    for entry in entries:
        entry.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # something arrived meanwhile: not hollow after all
        folder.rmdir()


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    return status, {"Content-Type": "application/xml"}, body.encode()


def decode_aws_chunked(body: bytes) -> bytes:
    """The payload of an `aws-chunked` upload: `<hex size>[;chunk-signature=..]\\r\\n<data>\\r\\n`
    chunks up to a zero-size one, then trailers (S3 API, "Signature Version 4 streaming")."""
    out, at = bytearray(), 0
    while True:
        end = body.index(b"\r\n", at)
        size = int(body[at:end].split(b";", 1)[0], 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2 : end + 2 + size]
        at = end + 2 + size + 2


class FolderS3:
    """S3 objects as files: s3://bucket/key is <root>/bucket/key."""

    def __init__(self, root: Path):
        self.root = root
        self.lock = threading.Lock()

    def path(self, bucket: str, key: str) -> Path:
        return self.root / bucket / key

    def put(self, bucket: str, key: str, body: bytes) -> None:
        path = self.path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        temporary.write_bytes(body)
        temporary.replace(path)  # a reader never sees half an object

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """The keys under a prefix. Dot files are not objects: uploads under way, and the
        checksums Hadoop's local file system writes beside each file (`.<name>.crc`). A folder
        holding no object is removed, as S3 has no empty folders (Spark refuses to write into a
        folder that exists)."""
        base = self.root / bucket
        # Only the folder the prefix names can hold its keys: no walk of the whole bucket.
        start = base / prefix.rsplit("/", 1)[0] if "/" in prefix else base
        if not start.is_dir():
            return []
        found = []
        for folder, _, files in os.walk(start, topdown=False):
            objects = [name for name in files if not name.startswith(".")]
            for name in objects:
                key = (Path(folder) / name).relative_to(base).as_posix()
                if key.startswith(prefix):
                    found.append(key)
            if not objects and Path(folder) != base:
                _remove_if_hollow(Path(folder))
        return sorted(found)

    def delete(self, bucket: str, key: str) -> None:
        path = self.path(bucket, key)
        path.unlink(missing_ok=True)
        path.with_name(f".{path.name}.crc").unlink(missing_ok=True)
        folder, stop = path.parent, self.root / bucket
        while folder != stop:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(path)
        bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
        query = parse_qs(parts.query, keep_blank_values=True)
        if not (self.root / bucket).is_dir():
            return _s3_error(404, "NoSuchBucket", f"The specified bucket {bucket} does not exist")
        if not key:
            if method == "GET":
                return self.list_objects(bucket, query)
            if method == "POST" and "delete" in query:
                return self.delete_objects(bucket, body)
            return 200, {}, b""  # HeadBucket
        target = self.path(bucket, key)
        if method in ("GET", "HEAD"):
            if not target.is_file():
                if method == "HEAD":
                    return 404, {}, b""
                return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
            data = target.read_bytes()
            head = {
                "Content-Type": "binary/octet-stream",
                "ETag": f'"{hashlib.md5(data).hexdigest()}"',
                "Last-Modified": formatdate(target.stat().st_mtime, usegmt=True),
            }
            if method == "HEAD":
                return 200, {**head, "Content-Length": str(len(data))}, b""
            return 200, head, data
        if method == "PUT":
            if "aws-chunked" in headers.get("content-encoding", "") or headers.get(
                "x-amz-content-sha256", ""
            ).startswith("STREAMING-"):
                body = decode_aws_chunked(body)
            with self.lock:
                self.put(bucket, key, body)
            return 200, {"ETag": f'"{hashlib.md5(body).hexdigest()}"'}, b""
        if method == "DELETE":
            with self.lock:
                self.delete(bucket, key)
            return 204, {}, b""
        return _s3_error(405, "MethodNotAllowed", f"{method} is not served here")

    def list_objects(self, bucket: str, query: dict[str, list[str]]) -> Response:
        def one(name: str, default: str = "") -> str:
            return query.get(name, [default])[0]

        prefix, delimiter = one("prefix"), one("delimiter")
        limit = int(one("max-keys", "1000"))
        after, skip = one("start-after"), ""
        if one("continuation-token"):  # opaque, as S3's: after which key, and past which prefix
            after, skip = json.loads(base64.urlsafe_b64decode(one("continuation-token")))
        url = one("encoding-type") == "url"
        shown = (lambda k: quote(k, safe="/")) if url else (lambda k: k)
        contents: list[str] = []
        prefixes: list[str] = []
        truncated, last, last_is_prefix = False, "", False
        for key in self.keys(bucket, prefix):
            if (after and key <= after) or (skip and key.startswith(skip)):
                continue
            if delimiter and delimiter in key[len(prefix) :]:
                common = key[: key.index(delimiter, len(prefix)) + len(delimiter)]
                if prefixes and prefixes[-1] == common:
                    continue
                entry, is_prefix = common, True
            else:
                entry, is_prefix = key, False
            if len(contents) + len(prefixes) == limit:
                truncated = True
                break
            if is_prefix:
                prefixes.append(entry)
                last, last_is_prefix = entry, True
            else:
                stat = self.path(bucket, key).stat()
                modified = datetime.fromtimestamp(stat.st_mtime, timezone.utc)
                contents.append(
                    f"<Contents><Key>{escape(shown(key))}</Key>"
                    f"<LastModified>{modified.strftime('%Y-%m-%dT%H:%M:%S.000Z')}</LastModified>"
                    f'<ETag>"{stat.st_size:x}"</ETag><Size>{stat.st_size}</Size>'
                    "<StorageClass>STANDARD</StorageClass></Contents>"
                )
                last, last_is_prefix = key, False
        token = [last, last if last_is_prefix else ""]
        inner = (
            f"<Name>{bucket}</Name><Prefix>{escape(shown(prefix))}</Prefix>"
            f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount><MaxKeys>{limit}</MaxKeys>"
            + (f"<Delimiter>{escape(delimiter)}</Delimiter>" if delimiter else "")
            + ("<EncodingType>url</EncodingType>" if url else "")
            + f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
            + "".join(contents)
            + "".join(
                f"<CommonPrefixes><Prefix>{escape(shown(p))}</Prefix></CommonPrefixes>"
                for p in prefixes
            )
            + (
                "<NextContinuationToken>"
                + base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
                + "</NextContinuationToken>"
                if truncated
                else ""
            )
        )
        return 200, {"Content-Type": "application/xml"}, _xml("ListBucketResult", inner)

    def delete_objects(self, bucket: str, body: bytes) -> Response:
        document = ElementTree.fromstring(body)
        namespace = document.tag.split("}")[0] + "}" if document.tag.startswith("{") else ""
        quiet = (document.findtext(f"{namespace}Quiet") or "").lower() == "true"
        keys = [o.findtext(f"{namespace}Key") for o in document.findall(f"{namespace}Object")]
        with self.lock:
            for key in keys:
                self.delete(bucket, key)
        deleted = (
            "" if quiet else "".join(f"<Deleted><Key>{escape(k)}</Key></Deleted>" for k in keys)
        )
        return 200, {"Content-Type": "application/xml"}, _xml("DeleteResult", deleted)


# --- DynamoDB exports and PITR ------------------------------------------------------------------


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _epoch(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_epoch(v) for v in value]
    return value


def _datetimes(request: dict) -> dict:
    """botocore sends timestamps as epoch seconds; the model compares datetimes."""
    out = dict(request)
    for name in ("ExportTime",):
        if name in out:
            out[name] = datetime.fromtimestamp(out[name], timezone.utc)
    if "IncrementalExportSpecification" in out:
        spec = dict(out["IncrementalExportSpecification"])
        for name in ("ExportFromTime", "ExportToTime"):
            spec[name] = datetime.fromtimestamp(spec[name], timezone.utc)
        out["IncrementalExportSpecification"] = spec
    return out


class ExportModel:
    """The exporting tables, by ARN and name, served on the JSON wire protocol."""

    OPERATIONS = ("ExportTableToPointInTime", "DescribeExport", "DescribeContinuousBackups")

    def __init__(self):
        self.tables: dict[str, Any] = {}  # ARN -> ExportingTable
        self.lock = threading.Lock()

    def add(self, table: Any, name: str) -> None:
        self.tables[table.table_arn] = table
        self.tables[name] = table

    def handle(self, operation: str, body: bytes, now: datetime) -> Response:
        request = json.loads(body or b"{}")
        with self.lock:
            try:
                if operation == "DescribeContinuousBackups":
                    table = self.tables[request["TableName"]]
                    answer = _at(
                        table, now, table.describe_continuous_backups, request["TableName"]
                    )
                elif operation == "ExportTableToPointInTime":
                    table = self.tables[request["TableArn"]]
                    answer = _at(
                        table, now, table.export_table_to_point_in_time, **_datetimes(request)
                    )
                else:
                    arn = request["ExportArn"]
                    table = self.tables[arn.split("/export/")[0]]
                    answer = _at(table, now, table.describe_export, arn)
            except KeyError as error:
                return _json_error("ResourceNotFoundException", f"not found: {error}")
            except Exception as error:  # the model's ClientError: DynamoDB's validation
                code = getattr(error, "response", {}).get("Error", {}).get("Code")
                if not code:
                    raise
                return _json_error(code, error.response["Error"].get("Message", ""))
        return _json_ok(_epoch(answer))


def _at(table: Any, now: datetime, call: Callable, *args: Any, **kwargs: Any) -> Any:
    table.clock = lambda: now
    return call(*args, **kwargs)


def _json_ok(document: dict) -> Response:
    return _dynamodb_answer(200, json.dumps(document).encode())


def _json_error(code: str, message: str) -> Response:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message})
    return _dynamodb_answer(400, body.encode())


def _dynamodb_answer(status: int, body: bytes) -> Response:
    """DynamoDB signs every response body with its CRC32 (x-amz-crc32), which botocore checks."""
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amz-crc32": str(zlib.crc32(body))}
    return status, headers, body


# --- Athena ---------------------------------------------------------------------------------------

VIEW_STATEMENT = re.compile(
    r'^\s*CREATE\s+OR\s+REPLACE\s+VIEW\s+"(?P<db>\w+)"\."(?P<name>\w+)"\s+AS\s+(?P<select>.+)$',
    re.S | re.I,
)
DROP_VIEW = re.compile(r'^\s*DROP\s+VIEW\s+IF\s+EXISTS\s+"(?P<db>\w+)"\."(?P<name>\w+)"\s*$', re.I)
SOURCE = re.compile(r'\bFROM\s+"(?P<db>\w+)"\."(?P<name>\w+)"', re.I)
SNAPSHOT_FILTER = re.compile(r"snapshot_timestamp\s*=\s*'(?P<ts>[0-9]{8}T[0-9]{6}Z)'")


def presto_view_text(sql: str, database: str) -> str:
    """Athena keeps a view's SQL in the Glue table's ViewOriginalText as
    `/* Presto View: <base64 JSON> */` (what Athena writes; the format is not documented)."""
    document = {"originalSql": sql, "catalog": "awsdatacatalog", "schema": database, "columns": []}
    return f"/* Presto View: {base64.b64encode(json.dumps(document).encode()).decode()} */"


def view_sql(view_original_text: str) -> str | None:
    found = re.fullmatch(
        r"/\*\s*Presto View:\s*([A-Za-z0-9+/=\s]+?)\s*\*/", view_original_text.strip()
    )
    if not found:
        return None
    return json.loads(base64.b64decode(found.group(1)))["originalSql"]


class AthenaModel:
    def __init__(self, glue: Any, s3: FolderS3, read_files: Callable[[list[Path]], None]):
        self.glue = glue  # a boto3 Glue client straight to moto
        self.s3 = s3
        self.read_files = read_files  # raises if the files cannot be read
        self.queries: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}
        self.read_back: list[tuple[str, str]] = []  # (table, snapshot) a SELECT read
        self.statements: list[str] = []
        self.lock = threading.Lock()

    def handle(self, operation: str, body: bytes) -> Response:
        request = json.loads(body or b"{}")
        with self.lock:
            if operation == "StartQueryExecution":
                token = request.get("ClientRequestToken")
                if token in self.tokens:  # the same query, as Athena's idempotency token promises
                    return _athena_ok({"QueryExecutionId": self.tokens[token]})
                query_id = str(uuid.uuid4())
                if token:
                    self.tokens[token] = query_id
                database = request.get("QueryExecutionContext", {}).get("Database", "default")
                self.queries[query_id] = {"sql": request["QueryString"], "db": database, "polls": 0}
                self.statements.append(request["QueryString"])
                return _athena_ok({"QueryExecutionId": query_id})
            query = self.queries.get(request.get("QueryExecutionId", ""))
            if query is None:
                return _athena_error("InvalidRequestException", "QueryExecution not found")
            if operation == "StopQueryExecution":
                query.setdefault("state", ("CANCELLED", "stopped"))
                return _athena_ok({})
            if operation == "GetQueryExecution":
                query["polls"] += 1
                if query["polls"] == 1 and "state" not in query:
                    status = {"State": "RUNNING"}
                else:
                    if "state" not in query:
                        query["state"] = self.run(query["sql"], query["db"])
                    state, reason = query["state"]
                    status = {"State": state, **({"StateChangeReason": reason} if reason else {})}
                execution = {"QueryExecutionId": request["QueryExecutionId"], "Query": query["sql"]}
                return _athena_ok({"QueryExecution": {**execution, "Status": status}})
        return _athena_error("InvalidRequestException", f"{operation} is not served here")

    def run(self, sql: str, database: str) -> tuple[str, str]:
        try:
            view = VIEW_STATEMENT.match(sql)
            if view:
                self.put_view(view["db"], view["name"], view["select"].strip())
                return "SUCCEEDED", ""
            drop = DROP_VIEW.match(sql)
            if drop:
                with contextlib.suppress(self.glue.exceptions.EntityNotFoundException):
                    self.glue.delete_table(DatabaseName=drop["db"], Name=drop["name"])
                return "SUCCEEDED", ""
            if re.match(r"^\s*SELECT\b", sql, re.I):
                self.select(sql)
                return "SUCCEEDED", ""
            return "FAILED", f"the Athena model does not run this statement: {sql[:200]}"
        except QueryFailed as error:
            return "FAILED", str(error)

    def put_view(self, database: str, name: str, select: str) -> None:
        table = {
            "Name": name,
            "TableType": "VIRTUAL_VIEW",
            "ViewOriginalText": presto_view_text(select, database),
            "ViewExpandedText": "/* Presto View */",
            "Parameters": {"presto_view": "true", "comment": "Presto View"},
            "StorageDescriptor": {"Columns": []},
        }
        try:
            self.glue.update_table(DatabaseName=database, TableInput=table)
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_table(DatabaseName=database, TableInput=table)

    def select(self, sql: str, depth: int = 0) -> None:
        source = SOURCE.search(sql)
        if not source or depth > 3:
            raise QueryFailed(f"SYNTAX_ERROR: no table to read in {sql[:200]}")
        try:
            table = self.glue.get_table(DatabaseName=source["db"], Name=source["name"])["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            raise QueryFailed(
                f"TABLE_NOT_FOUND: Table awsdatacatalog.{source['db']}.{source['name']} "
                "does not exist"
            ) from None
        if table.get("TableType") == "VIRTUAL_VIEW":
            inner = view_sql(table.get("ViewOriginalText", ""))
            if inner is None:
                raise QueryFailed("the view's text is not a Presto view")
            return self.select(inner, depth + 1)
        if not table.get("PartitionKeys"):
            self.read_back.append((source["name"], ""))
            return  # an Iceberg table: its files are Spark's to read, not the model's
        snapshot = SNAPSHOT_FILTER.search(sql)
        if not snapshot:
            raise QueryFailed("the model reads one snapshot partition at a time")
        try:
            partition = self.glue.get_partition(
                DatabaseName=source["db"],
                TableName=source["name"],
                PartitionValues=[snapshot["ts"]],
            )["Partition"]
        except self.glue.exceptions.EntityNotFoundException:
            self.read_back.append((source["name"], snapshot["ts"]))
            return  # no partition: no rows, as Athena answers
        bucket, _, prefix = (
            partition["StorageDescriptor"]["Location"].removeprefix("s3://").partition("/")
        )
        files = [
            self.s3.path(bucket, key)
            for key in self.s3.keys(bucket, prefix.rstrip("/") + "/")
            if "/_" not in key[len(prefix) :] and not key.rsplit("/", 1)[-1].startswith(("_", "."))
        ]
        try:
            self.read_files(files)
        except Exception as error:
            raise QueryFailed(f"HIVE_CANNOT_OPEN_SPLIT: {error}") from None
        self.read_back.append((source["name"], snapshot["ts"]))


class QueryFailed(Exception):
    pass


def _athena_ok(document: dict) -> Response:
    return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(document).encode()


def _athena_error(code: str, message: str) -> Response:
    body = json.dumps({"__type": code, "Message": message}).encode()
    return 400, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}, body
