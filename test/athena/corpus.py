"""The DynamoDB type corpus the Athena lane exports in every format, and what the type policy
(docs/configuration.md#column-types) promises Athena returns for each value, worked out here from
DynamoDB's types alone, not by the job's code."""

from __future__ import annotations

import base64
import json
import random
from datetime import datetime
from datetime import timezone
from decimal import Decimal
from typing import Any

from fakes import plain_value

N28 = "1234567890123456789012345678"  # the most integer digits decimal(38,10) holds
N38 = "12345678901234567890123456789012345678"  # more: its exact text goes to a sidecar
AWKWARD_TEXT = 'quote " comma , line\nfeed cr\r tab\t backslash \\ \\N bell\x07 日本語 é 😀 '

# The table's `columns` overrides (docs: "Overrides").
COLUMN_TYPES = {"when": "timestamp", "labels": "array<string>"}

# Attributes whose column name is not the attribute itself (docs: "Column names").
COLUMN_OF = {"Größe": "grosse", "user.id": "user_id", "first name": "first_name"}

FIXED_ITEMS: list[dict[str, Any]] = [
    {
        "pk": {"S": "item-01"},
        "text": {"S": AWKWARD_TEXT},
        "rating": {"N": "5"},
        "n_int": {"N": "9223372036854775807"},
        "n_dec": {"N": "19.99"},
        "n_big": {"N": N38},  # misfit: n_big__n
        "blob": {"B": base64.b64encode(bytes([0, 1, 2, 10, 13, 34, 44, 92, 255])).decode()},
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "colours": {"SS": ["red", "blue", 'q"uote,', "日本"]},
        "sizes": {"NS": ["10", "2.5", "-1E+3"]},
        "hashes": {"BS": ["AQ==", "Ag=="]},
        "profile": {
            "M": {
                "name": {"S": "Ann\nLee"},
                "age": {"N": "41"},
                "tags": {"L": [{"S": "a"}, {"N": "1.50"}, {"BOOL": False}, {"NULL": True}]},
                "raw": {"B": "AP8="},
            }
        },
        "history": {"L": [{"S": "x"}, {"N": "-0.5"}, {"M": {"k": {"SS": ["b", "a"]}}}]},
        "code": {"N": "7"},
        "Größe": {"S": "non-ascii name"},
        "user.id": {"S": "dotted name"},
        "when": {"S": "2026-11-20T06:00:00.123456Z"},
        "labels": {"SS": ["b", "a,\n"]},
    },
    {
        "pk": {"S": "item-02"},
        "text": {"S": ""},  # an empty string is not NULL
        "rating": {"N": "-3"},
        "n_int": {"N": N28},
        "n_dec": {"N": "-0.0000000001"},
        "n_big": {"N": "1E+125"},  # misfit
        "blob": {"B": ""},  # empty binary is not NULL either
        "flag": {"BOOL": False},
        "emptylist": {"L": []},
        "emptymap": {"M": {}},
        "code": {"S": "A-7"},  # a string among numbers: code__s
        "first name": {"S": "  spaces kept  "},
        "when": {"N": "1700000000.5"},  # epoch seconds
        "labels": {"L": [{"S": "only"}, {"S": ""}]},
    },
    {
        "pk": {"S": "item-03"},
        "text": {"S": "\\N"},  # the CSV NULL marker as a real value
        "rating": {"N": "0"},
        "n_dec": {"N": "12345678901234567890.0123456789"},
        "sparse": {"BOOL": True},  # in this item only
        "code": {"N": "8"},
    },
]


def generated_items(count: int, seed: int = 23) -> list[dict[str, Any]]:
    """Plain items in the common shapes, seeded."""
    rng = random.Random(seed)
    items = []
    for n in range(count):
        item = {
            "pk": {"S": f"gen-{n:03d}"},
            "rating": {"N": str(rng.randint(1, 5))},
            "n_dec": {"N": f"{rng.randint(-99999, 99999)}.{rng.randint(0, 99):02d}"},
            "text": {"S": rng.choice(["plain", "a,b", 'say "hi"', "multi\nline", "", "ü"])},
            "flag": {"BOOL": rng.random() < 0.5},
            "code": {"N": str(rng.randint(0, 10**6))},
        }
        if rng.random() < 0.3:
            item["colours"] = {"SS": rng.sample(["red", "green", "blue"], 2)}
        items.append(item)
    return items


ITEMS = FIXED_ITEMS + generated_items(12)


def column(attribute: str) -> str:
    return COLUMN_OF.get(attribute, attribute.lower())


def fits_decimal_38_10(text: str) -> bool:
    _, digits, exponent = Decimal(text).normalize().as_tuple()
    fraction = max(0, -exponent)
    integer = max(0, len(digits) + exponent) if any(digits) else 0
    return fraction <= 10 and integer <= 28


def expected_row(item: dict[str, Any]) -> dict[str, Any]:
    """Column -> the value the policy promises: S as text, N as an exact decimal (or its text in
    `<column>__n` when it does not fit), B as bytes, BOOL, NULL as NULL, nested values as JSON
    (compared parsed), and a string among a column of numbers in `<column>__s`."""
    row: dict[str, Any] = {}
    for attribute, value in item.items():
        name = column(attribute)
        ((ddb_type, inner),) = value.items()
        if attribute == "code" and ddb_type == "S":
            row["code__s"] = inner
        elif attribute == "when":  # a timestamp column: Athena reads milliseconds
            moment = (
                datetime.fromisoformat(inner.replace("Z", "+00:00"))
                if ddb_type == "S"
                else datetime.fromtimestamp(float(inner), timezone.utc)
            )
            row[name] = moment.replace(tzinfo=None, microsecond=moment.microsecond // 1000 * 1000)
        elif attribute == "labels":  # an array<string> column
            row[name] = sorted(inner) if ddb_type == "SS" else [v["S"] for v in inner]
        elif ddb_type == "S":
            row[name] = inner
        elif ddb_type == "N" and fits_decimal_38_10(inner):
            row[name] = Decimal(inner)
        elif ddb_type == "N":
            row[f"{name}__n"] = inner
        elif ddb_type == "B":
            row[name] = base64.b64decode(inner)
        elif ddb_type == "BOOL":
            row[name] = inner
        elif ddb_type == "NULL":
            row[name] = None
        else:
            row[name] = ("json", plain_value(value))
    return row


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, tuple) and expected[0] == "json":
        if not isinstance(actual, str):
            return False
        return json.loads(actual, parse_float=Decimal, parse_int=Decimal) == expected[1]
    if isinstance(expected, bytes):
        return isinstance(actual, (bytes, bytearray)) and bytes(actual) == expected
    if isinstance(expected, Decimal):
        return isinstance(actual, Decimal) and actual == expected
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    return type(actual) is type(expected) and actual == expected


def differences(item: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """What in a row read back differs from the item's promised values; every other column of
    the row must be NULL."""
    expected = expected_row(item)
    found = []
    for name, value in row.items():
        want = expected.get(name)
        if name == "snapshot_timestamp":
            continue
        if not matches(want, value):
            found.append(f"{item['pk']['S']}.{name}: expected {want!r}, read {value!r}")
    found += [f"{item['pk']['S']}.{name}: no such column" for name in expected if name not in row]
    return found
