"""A DynamoDB table with point-in-time recovery, as the incremental mode sees it: a log of writes,
DescribeContinuousBackups, and exports written the way DynamoDB writes them (DynamoDB guide,
"DynamoDB table export output format"): `<prefix>/AWSDynamoDB/<id>/manifest-summary.json`,
`manifest-files.json` (JSON lines with `dataFileS3Key` and `itemCount`) and gzip data files.

It enforces DynamoDB's documented rules for an export (API reference, ExportTableToPointInTime
and IncrementalExportSpecification): PITR on, times inside the PITR window, an incremental window
of 15 minutes to 24 hours with an inclusive start and exclusive end, and a ClientToken that
returns the same export for the same request. Incremental output is compacted: one record per key
changed in the window with its final state, none for a key inserted and deleted inside it, keys
only (NEW_IMAGE view) for a deleted key. Used by the planner's tests and the Spark suite."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

MIN_WINDOW = timedelta(minutes=15)
MAX_WINDOW = timedelta(hours=24)
LATEST_LAG = timedelta(minutes=5)  # LatestRestorableDateTime trails the present


def micros(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


def _invalid(message: str, code: str = "InvalidExportTimeException") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "ExportTableToPointInTime")


@dataclass
class ExportingTable:
    table_arn: str
    put_object: Callable[[str, str, bytes], None]  # (bucket, key, body)
    clock: Callable[[], datetime]
    key: str = "pk"
    pitr_since: datetime | None = None  # None: PITR off
    writes: list[tuple[datetime, str, dict | None]] = field(default_factory=list)
    exports: dict[str, dict[str, Any]] = field(default_factory=dict)  # by ClientToken
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0  # how many of the next exports end FAILED

    # --- the table ----------------------------------------------------------------------------

    def put(self, at: datetime, image: dict) -> None:
        self.writes.append((at, image[self.key]["S"], image))

    def delete(self, at: datetime, key: str) -> None:
        self.writes.append((at, key, None))

    def state_at(self, moment: datetime) -> dict[str, dict]:
        """The items as of `moment` (writes strictly before it)."""
        state: dict[str, dict] = {}
        for at, key, image in sorted(self.writes, key=lambda w: w[0]):
            if at >= moment:
                break
            if image is None:
                state.pop(key, None)
            else:
                state[key] = image
        return state

    # --- DynamoDB's API -----------------------------------------------------------------------

    def describe_continuous_backups(self, TableName: str) -> dict:
        if self.pitr_since is None:
            return {
                "ContinuousBackupsDescription": {
                    "ContinuousBackupsStatus": "ENABLED",
                    "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
                }
            }
        now = self.clock()
        return {
            "ContinuousBackupsDescription": {
                "ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": {
                    "PointInTimeRecoveryStatus": "ENABLED",
                    "EarliestRestorableDateTime": max(self.pitr_since, now - timedelta(days=35)),
                    "LatestRestorableDateTime": now - LATEST_LAG,
                },
            }
        }

    def turn_pitr_off_and_on(self) -> None:
        self.pitr_since = self.clock()

    def _check_times(self, times: list[datetime]) -> None:
        if self.pitr_since is None:
            raise _invalid("PITR is off", "PointInTimeRecoveryUnavailableException")
        earliest = max(self.pitr_since, self.clock() - timedelta(days=35))
        latest = self.clock() - LATEST_LAG
        for moment in times:
            if not earliest <= moment <= latest:
                raise _invalid(f"{moment} is outside the PITR window {earliest}..{latest}")

    def export_table_to_point_in_time(self, **request: Any) -> dict:
        token = request["ClientToken"]
        if token in self.exports:
            kept = self.exports[token]
            if kept["request"] != request:
                raise _invalid("same ClientToken, other parameters", "ExportConflictException")
            return {"ExportDescription": dict(kept["description"])}
        self.requests.append(request)
        if request["ExportType"] == "FULL_EXPORT":
            # Without ExportTime, "the latest time with data available" (API reference).
            at = request.get("ExportTime", self.clock() - LATEST_LAG)
            self._check_times([at])
            lines = [{"Item": item} for _, item in sorted(self.state_at(at).items())]
        else:
            spec = request["IncrementalExportSpecification"]
            start, end = spec["ExportFromTime"], spec["ExportToTime"]
            if not MIN_WINDOW <= end - start <= MAX_WINDOW:
                raise _invalid(f"window {start}..{end} is not 15 minutes to 24 hours")
            self._check_times([start, end])
            assert spec["ExportViewType"] == "NEW_IMAGE"
            lines = self._changes(start, end)
        number = len(self.exports) + 1
        export_id = f"01700000000000-{number:08x}"
        folder = f"{request['S3Prefix']}/AWSDynamoDB/{export_id}"
        bucket = request["S3Bucket"]
        files = []
        for part in range(2):  # DynamoDB writes a file per partition, empty ones too
            body = "\n".join(json.dumps(line) for line in lines[part::2])
            key = f"{folder}/data/part-{part}.json.gz"
            self.put_object(bucket, key, gzip.compress(body.encode()))
            files.append({"itemCount": len(lines[part::2]), "dataFileS3Key": key})
        manifest = "\n".join(json.dumps(f) for f in files) + "\n"
        self.put_object(bucket, f"{folder}/manifest-files.json", manifest.encode())
        self.put_object(bucket, f"{folder}/manifest-summary.json", b"{}")
        failed = self.fail_next > 0
        self.fail_next -= 1 if failed else 0
        description = {
            "ExportArn": f"{self.table_arn}/export/{export_id}",
            "ExportStatus": "IN_PROGRESS",
            "ExportManifest": f"{folder}/manifest-summary.json",
            "ItemCount": len(lines),
        }
        self.exports[token] = {
            "request": request,
            "description": description,
            "final": "FAILED" if failed else "COMPLETED",
        }
        return {"ExportDescription": dict(description)}

    def describe_export(self, ExportArn: str) -> dict:
        kept = next(e for e in self.exports.values() if e["description"]["ExportArn"] == ExportArn)
        kept["description"]["ExportStatus"] = kept["final"]
        if kept["final"] == "FAILED":
            kept["description"]["FailureCode"] = "UNKNOWN"
            kept["description"]["FailureMessage"] = "the export failed"
        return {"ExportDescription": dict(kept["description"])}

    def _changes(self, start: datetime, end: datetime) -> list[dict]:
        """Compacted records: each key written in [start, end) once, with its state at `end`."""
        before, after = self.state_at(start), self.state_at(end)
        last_write: dict[str, datetime] = {}
        for at, key, _ in self.writes:
            if start <= at < end:
                last_write[key] = max(at, last_write.get(key, at))
        records = []
        for key in sorted(last_write):
            if key not in before and key not in after:
                continue  # inserted and deleted inside the window: nothing
            record: dict[str, Any] = {
                "Metadata": {"WriteTimestampMicros": {"N": str(micros(last_write[key]))}},
                "Keys": {self.key: {"S": key}},
            }
            if key in after:
                record["NewImage"] = after[key]
            records.append(record)
        return records
