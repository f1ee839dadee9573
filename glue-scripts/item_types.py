"""The type policy: how DynamoDB items become rows whose column types never change between
snapshots of a table. Pure Python (no Spark, no AWS), shipped to the export job beside it.

Items arrive as DynamoDB JSON (`{"price": {"N": "12.50"}}`), the format both DynamoDB's native
export and the job's own scan stage, so every value still carries its DynamoDB type. A column's
type is decided from DynamoDB types, never from the values:

    S -> string            N -> decimal(38,10)     B -> binary        BOOL -> boolean
    SS, NS, BS, M, L -> string holding JSON text   NULL -> SQL NULL in any column

1. A column the Glue table already has keeps the table's type.
2. Otherwise the table's `columns` override, if any, gives it.
3. Otherwise the policy type of the DynamoDB type most items have (ties: the order of DDB_TYPES).

A value that does not fit its column (another DynamoDB type, a number with more than 28 integer
or 10 decimal digits once its zeros are stripped, an unparseable timestamp) is never rounded or
dropped: its exact text goes to the sidecar column `<column>__<dynamodb type>` (a string) of the
same row, and is counted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from contract import CONTRACT

DDB_TYPES = ("S", "N", "BOOL", "B", "M", "L", "SS", "NS", "BS", "NULL")
NESTED_TYPES = frozenset({"M", "L", "SS", "NS", "BS"})

DEFAULT_DECIMAL = "decimal(38,10)"
POLICY = {
    "S": "string",
    "N": DEFAULT_DECIMAL,
    "B": "binary",
    "BOOL": "boolean",
    "NULL": "string",
    **dict.fromkeys(NESTED_TYPES, "string"),
}

# What a `columns` override may ask for, and what the Glue table may already say.
SIMPLE_TYPES = tuple(CONTRACT["columnTypes"]["simple"])
COLLECTION_TYPES = tuple(CONTRACT["columnTypes"]["collections"])
DECIMAL_TYPE = re.compile(CONTRACT["columnTypes"]["decimalPattern"])
MAX_PRECISION = CONTRACT["columnTypes"]["maxDecimalPrecision"]
ALLOWED_TYPES_TEXT = ", ".join((*SIMPLE_TYPES, "decimal(p,s)", *COLLECTION_TYPES))

# Glue and Athena column names: lowercase letters, digits and underscores, at most 255.
MAX_COLUMN_NAME = 255
SIDECAR_SEPARATOR = "__"

INT_RANGES = {"bigint": 2**63, "int": 2**31}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Misfit(Exception):
    """A value does not fit its column's type; it goes to the sidecar column instead."""


def normalise_type(text: str) -> str:
    """A Glue/Athena type as this module spells it: lowercase, no spaces."""
    return re.sub(r"\s+", "", text.lower())


def decimal_precision(column_type: str) -> tuple[int, int] | None:
    match = DECIMAL_TYPE.fullmatch(column_type)
    return (int(match.group(1)), int(match.group(2))) if match else None


def is_supported_type(column_type: str) -> bool:
    column_type = normalise_type(column_type)
    if column_type in SIMPLE_TYPES or column_type in COLLECTION_TYPES:
        return True
    precision = decimal_precision(column_type)
    return (
        precision is not None
        and 1 <= precision[0] <= MAX_PRECISION
        and precision[1] <= precision[0]
    )


# ------------------------------------------------------------------------------------------
# Column names
# ------------------------------------------------------------------------------------------


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def base_column_name(attribute: str) -> str:
    """Case-folded (`ß` -> `ss`), accents dropped, every other character outside [a-z0-9_] made
    `_`. A name left with no letter or digit (`名前`, `!!`) becomes `attr_<hash>`."""
    folded = unicodedata.normalize("NFKD", attribute.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    name = re.sub(r"[^a-z0-9_]", "_", folded)
    if not re.search(r"[a-z0-9]", name):
        name = f"attr_{_short_hash(attribute)}"
    if len(name) > MAX_COLUMN_NAME:
        name = f"{name[: MAX_COLUMN_NAME - 9]}_{_short_hash(attribute)}"
    return name


def column_names(attributes: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Attribute -> column name, one column per attribute, deterministic for a given set of
    attributes. Within names that normalise alike, an attribute already in normal form keeps
    the name; the others follow in code-point order with `_2`, `_3`, ... (`userid` -> userid,
    `userId` -> userid_2, `user.id` -> user_id). `taken` are names nothing here may use."""
    used = set(taken)
    by_base: dict[str, list[str]] = {}
    for attribute in sorted(set(attributes)):
        by_base.setdefault(base_column_name(attribute), []).append(attribute)
    mapping: dict[str, str] = {}
    for base in sorted(by_base):
        group = sorted(by_base[base], key=lambda a: (a != base, a))
        for attribute in group:
            mapping[attribute] = _first_free(base, used)
    return mapping


def _first_free(base: str, used: set[str]) -> str:
    name, n = base, 1
    while name in used:
        n += 1
        suffix = f"_{n}"
        name = f"{base[: MAX_COLUMN_NAME - len(suffix)]}{suffix}"
    used.add(name)
    return name


def sidecar_name(column: str, ddb_type: str) -> str:
    suffix = f"{SIDECAR_SEPARATOR}{ddb_type.lower()}"
    return f"{column[: MAX_COLUMN_NAME - len(suffix)]}{suffix}"


# ------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------


def type_of(value: Mapping[str, Any]) -> str:
    """The DynamoDB type of one attribute value in DynamoDB JSON (`{"N": "1"}` -> "N")."""
    (ddb_type,) = value.keys()
    return ddb_type


def _number(text: str) -> Decimal:
    return Decimal(text)


def _json_number(text: str) -> str:
    return str(_number(text))


def to_json_text(value: Mapping[str, Any]) -> str:
    """A DynamoDB value as compact JSON: maps with sorted keys, sets sorted, numbers exactly as
    stored (arbitrary precision), binary as base64 text. The same value always gives the same
    text, so a map that gains a key changes the text, never the column's type."""
    return _json(value)


def _json(value: Mapping[str, Any]) -> str:
    ddb_type = type_of(value)
    inner = value[ddb_type]
    if ddb_type == "S" or ddb_type == "B":
        return json.dumps(inner, ensure_ascii=False)
    if ddb_type == "N":
        return _json_number(inner)
    if ddb_type == "BOOL":
        return "true" if inner else "false"
    if ddb_type == "NULL":
        return "null"
    if ddb_type == "SS" or ddb_type == "BS":
        return "[" + ",".join(json.dumps(v, ensure_ascii=False) for v in sorted(inner)) + "]"
    if ddb_type == "NS":
        return "[" + ",".join(_json_number(v) for v in sorted(inner, key=_number)) + "]"
    if ddb_type == "L":
        return "[" + ",".join(_json(v) for v in inner) + "]"
    if ddb_type == "M":
        return (
            "{"
            + ",".join(
                f"{json.dumps(k, ensure_ascii=False)}:{_json(inner[k])}" for k in sorted(inner)
            )
            + "}"
        )
    raise ValueError(f"not a DynamoDB type: {ddb_type!r}")


def exact_text(value: Mapping[str, Any]) -> str:
    """What a sidecar column holds: the value's own text (S as is, N as stored, B as base64,
    BOOL as true/false), nested values as JSON text."""
    ddb_type = type_of(value)
    if ddb_type in ("S", "N", "B"):
        return value[ddb_type]
    return to_json_text(value)


def number_digits(text: str) -> tuple[int, int] | None:
    """(integer digits, fraction digits) of a number once its leading and trailing zeros are
    stripped (`120.0300` -> (3, 2), `1E+125` -> (126, 0), zero -> (0, 0)); None for NaN and
    infinities. Counted on the number's own digits: Decimal.normalize() would first round to the
    context's 28 digits, and take 1.00000000000000000000000000001 for 1."""
    _sign, digits, exponent = _number(text).as_tuple()
    if not isinstance(exponent, int):
        return None
    significant = len(digits)
    while significant and digits[significant - 1] == 0:
        significant -= 1
        exponent += 1
    if not significant:
        return 0, 0
    return max(0, significant + exponent), max(0, -exponent)


def _fit_decimal(text: str, precision: int, scale: int) -> Decimal:
    number = _number(text)
    digits = number_digits(text)
    if digits is None:
        raise Misfit("not a finite number")
    integer_digits, fraction_digits = digits
    if fraction_digits > scale or integer_digits > precision - scale:
        raise Misfit(f"does not fit decimal({precision},{scale})")
    return number


def _fit_timestamp(value: Mapping[str, Any]) -> datetime:
    ddb_type = type_of(value)
    try:
        if ddb_type == "S":
            moment = datetime.fromisoformat(value["S"].replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        if ddb_type == "N":  # seconds since the epoch, fractions allowed
            return EPOCH + timedelta(seconds=float(_fit_decimal(value["N"], 38, 6)))
    except (ValueError, OverflowError, InvalidOperation) as error:
        raise Misfit(str(error)) from None
    raise Misfit(f"{ddb_type} is not a timestamp")


def convert(value: Mapping[str, Any], column_type: str) -> Any:
    """The value as the column's type, or Misfit. NULL is SQL NULL in every column."""
    ddb_type = type_of(value)
    inner = value[ddb_type]
    if ddb_type == "NULL":
        return None
    if column_type == "string":
        if ddb_type == "S":
            return inner
        if ddb_type in NESTED_TYPES:
            return to_json_text(value)
        raise Misfit(f"{ddb_type} in a string column")
    precision = decimal_precision(column_type)
    if precision is not None:
        if ddb_type != "N":
            raise Misfit(f"{ddb_type} in a decimal column")
        return _fit_decimal(inner, *precision)
    if column_type in INT_RANGES:
        if ddb_type != "N":
            raise Misfit(f"{ddb_type} in an integer column")
        number = _number(inner)
        if number != number.to_integral_value() or not (
            -INT_RANGES[column_type] <= number < INT_RANGES[column_type]
        ):
            raise Misfit(f"does not fit {column_type}")
        return int(number)
    if column_type == "double":
        if ddb_type != "N":
            raise Misfit(f"{ddb_type} in a double column")
        return float(_number(inner))  # chosen by the table's owner: binary floating point
    if column_type == "boolean":
        if ddb_type != "BOOL":
            raise Misfit(f"{ddb_type} in a boolean column")
        return bool(inner)
    if column_type == "binary":
        if ddb_type != "B":
            raise Misfit(f"{ddb_type} in a binary column")
        return base64.b64decode(inner)
    if column_type == "timestamp":
        return _fit_timestamp(value)
    if column_type == "array<string>":
        if ddb_type == "SS":
            return sorted(inner)
        if ddb_type == "L" and all(type_of(v) == "S" for v in inner):
            return [v["S"] for v in inner]
        raise Misfit(f"{ddb_type} is not a list of strings")
    if column_type == "map<string,string>":
        if ddb_type == "M" and all(type_of(v) == "S" for v in inner.values()):
            return {k: v["S"] for k, v in inner.items()}
        raise Misfit(f"{ddb_type} is not a map of strings")
    raise Misfit(f"column type {column_type} is not one this job writes")


# ------------------------------------------------------------------------------------------
# What a snapshot holds, and the columns it gets
# ------------------------------------------------------------------------------------------


@dataclass
class TypeStats:
    """How often one attribute had one DynamoDB type in a snapshot, and for numbers the most
    integer and decimal digits seen (to know whether a sidecar may be needed)."""

    items: int = 0
    integer_digits: int = 0
    fraction_digits: int = 0

    def add(self, other: TypeStats) -> TypeStats:
        return TypeStats(
            self.items + other.items,
            max(self.integer_digits, other.integer_digits),
            max(self.fraction_digits, other.fraction_digits),
        )


def item_inventory(
    item: Mapping[str, Mapping[str, Any]],
) -> Iterable[tuple[tuple[str, str], TypeStats]]:
    """((attribute, DynamoDB type), stats) for each attribute of one item."""
    for attribute, value in item.items():
        ddb_type = type_of(value)
        stats = TypeStats(items=1)
        digits = number_digits(value["N"]) if ddb_type == "N" else None
        if digits is not None:
            stats.integer_digits, stats.fraction_digits = digits
        yield (attribute, ddb_type), stats


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    attribute: str | None  # None: a column of the Glue table that this snapshot does not have
    sidecars: dict[str, str] = field(default_factory=dict)  # DynamoDB type -> sidecar column


@dataclass(frozen=True)
class ColumnPlan:
    columns: tuple[Column, ...]
    # (name, type) in file order: the Glue table's columns first, in its order, then new ones.
    schema: tuple[tuple[str, str], ...]
    renamed: dict[str, str]  # attribute -> column, where they differ
    ignored_overrides: dict[str, str]  # attribute -> override the Glue table's type outranks


def _may_misfit(ddb_type: str, stats: TypeStats, column_type: str) -> bool:
    """Whether some value of this DynamoDB type could fail to fit the column (then the column
    gets a sidecar). Exact for numbers in decimal and integer columns, cautious elsewhere."""
    if ddb_type == "NULL":
        return False
    precision = decimal_precision(column_type)
    if precision is not None:
        return ddb_type != "N" or (
            stats.integer_digits > precision[0] - precision[1]
            or stats.fraction_digits > precision[1]
        )
    if column_type in INT_RANGES:
        limit = 18 if column_type == "bigint" else 9
        return ddb_type != "N" or stats.fraction_digits > 0 or stats.integer_digits > limit
    if column_type == "string":
        return ddb_type != "S" and ddb_type not in NESTED_TYPES
    if column_type == "double":
        return ddb_type != "N"
    if column_type == "boolean":
        return ddb_type != "BOOL"
    if column_type == "binary":
        return ddb_type != "B"
    if column_type == "array<string>":
        return ddb_type not in ("SS",)
    if column_type == "map<string,string>":
        return True
    return True  # timestamp (parsed per value) and types this job cannot write


def policy_type(type_counts: Mapping[str, TypeStats]) -> str:
    """The column type for a new column: the policy type of the DynamoDB type most items have."""
    present = [t for t in DDB_TYPES if t in type_counts and t != "NULL"]
    if not present:
        return POLICY["NULL"]
    best = max(present, key=lambda t: (type_counts[t].items, -DDB_TYPES.index(t)))
    return POLICY[best]


def plan_columns(
    inventory: Mapping[tuple[str, str], TypeStats],
    established: Iterable[tuple[str, str | None]] = (),
    overrides: Mapping[str, str] | None = None,
) -> ColumnPlan:
    """The snapshot's columns from what its items hold (`inventory`), the Glue table's columns
    (`established`, in table order, without partition keys) and the table's overrides. An
    established column whose type is None keeps its place but not its type (a type the crawler
    guessed from JSON or CSV text): the policy types it again, and it is dropped while absent."""
    overrides = {a: normalise_type(t) for a, t in (overrides or {}).items()}
    established = list(established)
    order = [name for name, _ in established]
    established = [(name, normalise_type(t)) for name, t in established if t is not None]
    established_types = dict(established)
    by_attribute: dict[str, dict[str, TypeStats]] = {}
    for (attribute, ddb_type), stats in inventory.items():
        by_attribute.setdefault(attribute, {})[ddb_type] = stats

    # Sidecar names of established columns are reserved, so an attribute cannot take them.
    reserved = {n for n in order if SIDECAR_SEPARATOR in n}
    names = column_names(by_attribute, taken=reserved)
    used = set(names.values()) | set(order)
    columns: list[Column] = []
    ignored: dict[str, str] = {}
    for attribute in sorted(by_attribute, key=lambda a: names[a]):
        name = names[attribute]
        type_counts = by_attribute[attribute]
        override = overrides.get(attribute, overrides.get(name))
        if name in established_types:
            column_type = established_types[name]
            if override and override != column_type:
                ignored[attribute] = override
        else:
            column_type = override or policy_type(type_counts)
        sidecars: dict[str, str] = {}
        for ddb_type in DDB_TYPES:
            stats = type_counts.get(ddb_type)
            if stats and _may_misfit(ddb_type, stats, column_type):
                sidecar = sidecar_name(name, ddb_type)
                if sidecar not in order:
                    sidecar = _first_free(sidecar, used)
                sidecars[ddb_type] = sidecar
        columns.append(Column(name, column_type, attribute, sidecars))

    written: dict[str, str] = {}
    for column in columns:
        if is_supported_type(column.type):
            written[column.name] = column.type
        for sidecar in column.sidecars.values():
            written[sidecar] = established_types.get(sidecar, "string")
    kept = {**written, **{n: t for n, t in established if is_supported_type(t)}}
    schema = [(n, kept[n]) for n in order if n in kept]
    schema += sorted((n, t) for n, t in written.items() if n not in order)
    return ColumnPlan(
        columns=tuple(columns),
        schema=tuple(schema),
        renamed={a: n for a, n in names.items() if a != n},
        ignored_overrides=ignored,
    )


class ItemShaper:
    """Turns items into rows in `plan.schema` order (one per executor task, built once)."""

    def __init__(self, plan: ColumnPlan):
        position = {name: i for i, (name, _) in enumerate(plan.schema)}
        self.width = len(plan.schema)
        # attribute -> (column position or None, column type, DynamoDB type -> sidecar position)
        self.targets = {
            c.attribute: (
                position.get(c.name),
                c.type,
                {t: position[s] for t, s in c.sidecars.items()},
            )
            for c in plan.columns
        }

    def __call__(self, item: Mapping[str, Mapping[str, Any]]) -> tuple[list[Any], int]:
        """One item as a row, and how many of its values went to a sidecar."""
        row: list[Any] = [None] * self.width
        misfits = 0
        for attribute, value in item.items():
            at, column_type, sidecars = self.targets[attribute]
            try:
                if at is None:
                    raise Misfit(f"column type {column_type} is not one this job writes")
                row[at] = convert(value, column_type)
            except Misfit:
                # A sidecar exists for every DynamoDB type that may misfit (plan_columns).
                row[sidecars[type_of(value)]] = exact_text(value)
                misfits += 1
        return row, misfits
