"""The benchmark's corpus (npm run bench:spark): seeded DynamoDB items of about 1.1 KB, written
as DynamoDB's export writes them (gzip files of `{"Item": ...}` lines), and what the type policy
says each value becomes, worked out from DynamoDB's types here rather than by the job's code.

Every item has S, N integers and decimals, BOOL, NULL, B, SS, NS, a map with a list inside and a
list of mixed values; `promo` is in about 30 % of items; `code` is a number in all but about
0.1 % of items, which hold a string there (its sidecar `code__s`); `rating` is, in about 0.05 %
of items, a number too big for decimal(38,10) (its sidecar `rating__n`)."""

from __future__ import annotations

import base64
import gzip
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliett",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
    "größe",
    "café",
    "日本",
    "naïve",
    "smörgåsbord",
]
CITIES = ("Oslo", "Lisboa", "Kraków", "São Paulo", "Tōkyō", "Zürich", "Reykjavík", "Quito")


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def _decimal(rng: random.Random, integer_digits: int, fraction_digits: int) -> str:
    whole = rng.randrange(10**integer_digits)
    fraction = rng.randrange(10**fraction_digits)
    text = f"{whole}.{fraction:0{fraction_digits}d}".rstrip("0").rstrip(".")
    return text if rng.random() < 0.7 else f"-{text}" if text != "0" else text


def item(rng: random.Random, n: int) -> dict[str, Any]:
    """One item, as DynamoDB JSON."""
    blob = rng.randbytes(48)
    value: dict[str, Any] = {
        "pk": {"S": f"item-{n:08d}"},
        "sk": {"N": str(rng.randrange(10**12))},
        "title": {"S": _words(rng, 6)},
        "description": {"S": _words(rng, 45)},
        "price": {"N": _decimal(rng, 5, 2)},
        "quantity": {"N": str(rng.randrange(100_000))},
        "rating": {"N": _decimal(rng, 1, 3)},
        "active": {"BOOL": rng.random() < 0.5},
        "deleted": {"NULL": True},
        "thumbnail": {"B": base64.b64encode(blob).decode("ascii")},
        "tags": {"SS": sorted({_words(rng, 1) for _ in range(rng.randrange(1, 5))})},
        "scores": {
            "NS": sorted({_decimal(rng, 3, rng.randrange(4)) for _ in range(rng.randrange(1, 5))})
        },
        "address": {
            "M": {
                "street": {"S": f"{rng.randrange(1, 999)} {_words(rng, 2)} street"},
                "city": {"S": rng.choice(CITIES)},
                "floor": {"N": str(rng.randrange(-2, 40))},
                "visits": {
                    "L": [
                        {"S": _words(rng, 1)},
                        {"N": _decimal(rng, 4, 2)},
                        {"BOOL": rng.random() < 0.5},
                    ]
                },
            }
        },
        "events": {
            "L": [
                {"S": _words(rng, 2)},
                {"N": str(rng.randrange(10**6))},
                {"NULL": True},
                {"BOOL": rng.random() < 0.5},
                {"M": {"at": {"S": f"2026-11-{rng.randrange(1, 29):02d}"}}},
            ]
        },
        "code": {"N": str(rng.randrange(1000))},
    }
    if rng.random() < 0.3:
        value["promo"] = {"S": _words(rng, 3)}
    if rng.random() < 0.001:
        value["code"] = {"S": f"X-{rng.randrange(1000)}"}
    if rng.random() < 0.0005:
        value["rating"] = {"N": "1E+125"}
    return value


def write_corpus(folder: Path, items: int, files: int, seed: int = 24) -> int:
    """Writes `items` items into `files` gzip files of DynamoDB JSON lines; returns their bytes
    (uncompressed), the table size DescribeTable would report."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    size = 0
    for part in range(files):
        lines = []
        for n in range(part, items, files):
            line = json.dumps({"Item": item(rng, n)}, ensure_ascii=False)
            size += len(line.encode())
            lines.append(line)
        data = ("\n".join(lines) + "\n").encode()
        (folder / f"part-{part:05d}.json.gz").write_bytes(gzip.compress(data, compresslevel=6))
    return size


def read_corpus(folder: Path) -> dict[str, dict[str, Any]]:
    """pk -> item, from the files write_corpus wrote."""
    items = {}
    for path in sorted(folder.glob("*.json.gz")):
        for line in gzip.decompress(path.read_bytes()).decode().splitlines():
            if line:
                value = json.loads(line)["Item"]
                items[value["pk"]["S"]] = value
    return items


def number(text: str) -> Decimal:
    return Decimal(text)
