"""What the fault proxy injects, and how each AWS service says it on the wire.

A request is named by its service (from the SigV4 credential scope), its operation (from the
JSON target, the RPC v2 CBOR path or S3's REST shape) and the attempt that sent it (the access key
id the job attempt signs with). Whether it meets a fault is decided from the seed, the attempt, the
call's identity and how often it was sent before (botocore's retries of one call share its
`amz-sdk-invocation-id`). A call's identity is its operation and how many calls of that operation
the attempt made before it; a Scan's is its segment and start key, as Spark's tasks interleave
their pages. So a replay with the same seed injects the same faults.

Fault kinds:
- throttle: the service's own throttling error, code and HTTP status as AWS documents them:
  DynamoDB ProvisionedThroughputExceededException (data plane) or ThrottlingException (control
  plane), 400 (DynamoDB guide, "Error handling with DynamoDB"); S3 503 SlowDown (S3 guide, "Amazon
  S3 error best practices"); Glue and Athena ThrottlingException, 400 (API references, "Common
  Errors"), and Athena's StartQueryExecution also TooManyRequestsException; CloudWatch Throttling.
- error500: the service's internal error, HTTP 500.
- reset: the real response is made (its side effects happen), half of it is sent, then the
  connection is reset (RST), as a dropped connection or a killed load balancer would.
- cut: the same, but the connection is closed cleanly (FIN) half-way through the body.
- slow: the response is held back for a while before it is sent.
- kill: the Nth request of an attempt ends the job's process group (SIGKILL), as Glue's timeout
  or a lost driver does; the request is never answered.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import zlib
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import parse_qs
from urllib.parse import urlsplit

KINDS = ("throttle", "error500", "reset", "cut", "slow", "kill")
CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request")
CBOR_PATH = re.compile(r"^/service/[^/]+/operation/([^/?]+)")

DYNAMODB_DATA_PLANE = {"Scan", "Query", "GetItem", "BatchGetItem", "PutItem", "DeleteItem"}


@dataclass(frozen=True)
class Call:
    service: str  # the SigV4 signing name: dynamodb, s3, glue, athena, monitoring
    operation: str
    access_key: str
    identity: str  # a Scan's segment and start key; "" for the proxy to number the call
    invocation: str = ""  # botocore's id for one call, the same in each of its retries
    protocol: str = "json"  # json | cbor | rest-xml: how the service answers this request
    content_type: str = "application/x-amz-json-1.1"


def identify(method: str, path: str, headers: dict[str, str], body: bytes) -> Call | None:
    """The AWS call a request makes; None for a request that is not signed for AWS."""
    found = CREDENTIAL.search(headers.get("authorization", ""))
    if not found:
        return None
    access_key, service = found.group(1), found.group(2)
    target = headers.get("x-amz-target")
    cbor = CBOR_PATH.match(path)
    protocol, content_type = "json", headers.get("content-type", "application/x-amz-json-1.1")
    if cbor and headers.get("smithy-protocol") == "rpc-v2-cbor":
        operation, protocol, content_type = cbor.group(1), "cbor", "application/cbor"
    elif target:
        operation = target.rsplit(".", 1)[-1]
    elif service == "s3":
        operation, protocol = s3_operation(method, path), "rest-xml"
    else:
        operation = f"{method} {urlsplit(path).path}"
    invocation = (
        headers.get("amz-sdk-invocation-id")
        or hashlib.sha256(f"{method} {path}".encode() + b"\0" + body).hexdigest()
    )
    identity = ""
    if service == "dynamodb" and operation == "Scan":
        request = json.loads(body or b"{}")
        start = json.dumps(request.get("ExclusiveStartKey"), sort_keys=True)
        identity = f"Scan:{request.get('Segment', 0)}:{start}"
    return Call(service, operation, access_key, identity, invocation, protocol, content_type)


def s3_operation(method: str, path: str) -> str:
    parts = urlsplit(path)
    query = parse_qs(parts.query, keep_blank_values=True)
    has_key = "/" in parts.path.lstrip("/")
    if method == "GET" and not has_key:
        return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    if not has_key:
        return {"HEAD": "HeadBucket", "PUT": "CreateBucket"}.get(method, f"{method}Bucket")
    return {
        "GET": "GetObject",
        "HEAD": "HeadObject",
        "PUT": "PutObject",
        "DELETE": "DeleteObject",
    }.get(method, f"{method}Object")


@dataclass
class FaultPlan:
    """One job attempt's faults. `rates`: the probability of each random kind per request;
    `storms`: operation -> the occurrence from which every request of it is throttled (or gets
    `storm_kind`), until the attempt ends, which exhausts any retry budget; `kill_at`: the
    request number (1-based) that ends the attempt; `max_faults`: random faults stop after this
    many, so a run is bounded."""

    seed: str
    rates: dict[str, float] = field(default_factory=dict)
    only: tuple[str, ...] = ()  # operations the random faults may hit; empty: all
    storms: dict[str, int] = field(default_factory=dict)
    storm_kind: str = "throttle"
    kill_at: int | None = None
    max_faults: int = 40
    slow_seconds: tuple[float, float] = (0.2, 1.2)

    @classmethod
    def from_json(cls, value: dict) -> FaultPlan:
        value = dict(value)
        value["only"] = tuple(value.get("only", ()))
        value["slow_seconds"] = tuple(value.get("slow_seconds", (0.2, 1.2)))
        return cls(**value)

    def to_json(self) -> dict:
        return {
            "seed": self.seed,
            "rates": self.rates,
            "only": list(self.only),
            "storms": self.storms,
            "storm_kind": self.storm_kind,
            "kill_at": self.kill_at,
            "max_faults": self.max_faults,
            "slow_seconds": list(self.slow_seconds),
        }


@dataclass(frozen=True)
class Decision:
    kind: str | None  # None: no fault
    delay: float = 0.0  # slow: seconds to hold the response
    code: str = ""  # throttle/error500: the error code sent


def decide(
    plan: FaultPlan, call: Call, identity: str, occurrence: int, operation_count: int, faults: int
) -> Decision:
    """The fault for the `occurrence`-th sending of the call `identity` (0-based), which is the
    `operation_count`-th request of its operation in the attempt, after `faults` random faults."""
    rng = random.Random(f"{plan.seed}|{identity}|{occurrence}")
    storm_from = plan.storms.get(call.operation)
    if storm_from is not None and operation_count >= storm_from:
        return Decision(plan.storm_kind, code=error_code(call, plan.storm_kind, rng))
    if faults >= plan.max_faults or (plan.only and call.operation not in plan.only):
        return Decision(None)
    draw = rng.random()
    for kind in ("throttle", "error500", "reset", "cut", "slow"):
        draw -= plan.rates.get(kind, 0.0)
        if draw < 0:
            low, high = plan.slow_seconds
            if call.operation == "Scan":  # long enough for a pacer that banks lost time to burst
                low, high = high, 2.5 * high
            delay = rng.uniform(low, high) if kind == "slow" else 0.0
            return Decision(kind, delay=delay, code=error_code(call, kind, rng))
    return Decision(None)


# --- how each service says it ----------------------------------------------------------------

MESSAGES = {
    "ProvisionedThroughputExceededException": "The level of configured provisioned throughput "
    "for the table was exceeded. Consider increasing your provisioning level with the "
    "UpdateTable API.",
    "ThrottlingException": "Rate exceeded",
    "TooManyRequestsException": "You have exceeded the limit for the number of queries you can "
    "run concurrently.",
    "SlowDown": "Please reduce your request rate.",
    "Throttling": "Rate exceeded",
    "InternalServerError": "Internal server error",
    "InternalServiceException": "Internal service exception",
    "InternalServerException": "Internal server exception",
    "InternalError": "We encountered an internal error. Please try again.",
    "InternalServiceFault": "Internal service fault",
}


def error_code(call: Call, kind: str, rng: random.Random) -> str:
    if kind == "throttle":
        if call.service == "dynamodb":
            if call.operation in DYNAMODB_DATA_PLANE:
                return "ProvisionedThroughputExceededException"
            return "ThrottlingException"
        if call.service == "s3":
            return "SlowDown"
        if call.service == "monitoring":
            return "Throttling"
        if call.operation == "StartQueryExecution" and rng.random() < 0.5:
            return "TooManyRequestsException"
        return "ThrottlingException"
    if kind == "error500":
        return {
            "dynamodb": "InternalServerError",
            "s3": "InternalError",
            "glue": "InternalServiceException",
            "athena": "InternalServerException",
            "monitoring": "InternalServiceFault",
        }.get(call.service, "InternalFailure")
    return ""


def error_response(call: Call, code: str, request_id: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the error `code` as `call.service` sends it."""
    status = 503 if code == "SlowDown" else 500 if code.startswith("Internal") else 400
    message = MESSAGES.get(code, code)
    if call.protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>faults</HostId></Error>"
        ).encode()
        return status, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, body
    if call.protocol == "cbor":  # smithy-rpc-v2-cbor, which CloudWatch also speaks
        body = cbor_map({"__type": f"com.amazonaws.cloudwatch#{code}", "message": message})
        headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        return status, {**headers, "x-amzn-RequestId": request_id}, body
    if call.service == "dynamodb":
        document = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
        body = json.dumps(document).encode()
        return (
            status,
            {
                "Content-Type": "application/x-amz-json-1.0",
                "x-amzn-RequestId": request_id,
                "x-amz-crc32": str(zlib.crc32(body)),
            },
            body,
        )
    document = {"__type": code, "Message": message}
    if code == "TooManyRequestsException":
        document["Reason"] = "CONCURRENT_QUERY_LIMIT_EXCEEDED"
    headers = {"Content-Type": call.content_type, "x-amzn-RequestId": request_id}
    return status, {**headers, "x-amzn-ErrorType": code}, json.dumps(document).encode()


def cbor_map(value: dict[str, str]) -> bytes:
    """A CBOR map of text to text (RFC 8949): all an error body needs."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    def text(string: str) -> bytes:
        encoded = string.encode()
        return head(3, len(encoded)) + encoded

    return head(5, len(value)) + b"".join(text(k) + text(v) for k, v in value.items())
