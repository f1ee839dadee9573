"""The type policy of item_types.py as Spark expressions: staged DynamoDB JSON becomes rows in
Spark's JVM, not one item at a time in Python. Shared by the export job and the incremental apply
job (Glue 5.0 Spark, Python 3.11).

Reading. Spark's JSON reader parses the staged lines once, with the schema
`Item map<string, map<string, string>>`: each attribute's value is a one-entry map from its
DynamoDB type to its raw text. For S, N and B that is the value itself (JSON strings decoded);
BOOL and NULL give `true`/`false`; SS, NS, BS, M and L give their JSON text (as Jackson writes it
again). The column rules (column_rules.py: excluded and hashed attributes) apply to these maps
before anything is typed (`apply_column_rules`).

Inventory. attribute x DynamoDB type -> items, and for numbers the most integer and fraction
digits (item_types.number_digits), is one Spark aggregation (`take_inventory`);
item_types.plan_columns stays the planner.

Shaping (`shape_items`). Every column is SQL over the raw texts of its attribute:

- S, BOOL, NULL, B (unbase64), and the `double`, `boolean`, `binary`, `array<string>` and
  `map<string,string>` overrides: Spark's own casts and collection functions.
- N in `decimal(p,s)`: the digits of the number text are counted (leading and trailing zeros
  stripped, the exponent applied: exactly item_types.number_digits), and only a number that fits
  is cast, so nothing is ever rounded or nulled; the rest goes, as its exact text, to the
  sidecar `<column>__n`. `int`/`bigint` likewise, the range checked on an exact decimal first.
- SS, NS, BS, M, L: the canonical JSON text of item_types.to_json_text, by a small JVM function
  (jvm_functions.py) that the job compiles when it starts; the Spark suite holds it to the Python
  function. (Spark has no expression that sorts a map's keys at every level of nesting.) Where
  it cannot be compiled, item_types.to_json_text runs in a Python UDF.
- `timestamp` overrides: item_types.convert itself, in a Python UDF given only that column's type
  and raw text (datetime.fromisoformat's ISO 8601 has no Spark equivalent).

Every expression gives the same result with `spark.sql.ansi.enabled` true or false: casts run
only on texts that fit (try_cast), and elements are read with get(), never a failing index.

Counting. Each row counts its misfits (values that went to a sidecar); the export job sums them
while writing (a Spark observation).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jvm_functions
from column_rules import ColumnRules
from column_rules import hmac_hex
from item_types import INT_RANGES
from item_types import NESTED_TYPES
from item_types import Column
from item_types import ColumnPlan
from item_types import Misfit
from item_types import TypeStats
from item_types import convert
from item_types import decimal_precision
from item_types import exact_text
from item_types import to_json_text

LOG = logging.getLogger("item_shaping")

STAGED_ITEM_SCHEMA = "Item map<string, map<string, string>>"
ITEM = "item"  # the column holding each item's map of attribute -> {type: raw text}
MISFITS = "__misfits"

# A number text's parts (sign, integer digits, fraction digits, exponent), and the texts
# Decimal() reads that way: DynamoDB writes numbers so (at least one digit before the exponent).
NUMBER = r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]{1,9}))?$"
VALID_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,9})?$"
ZERO = r"^[+-]?(0+\.?0*|\.0+)([eE][+-]?[0-9]+)?$"


# ------------------------------------------------------------------------------------------
# SQL text. Values enter only as quoted literals (sql_string) or as column and lambda names
# this module makes up; attribute names never reach SQL text (Shaper looks them up by Column).
# ------------------------------------------------------------------------------------------


def sql_string(text: str) -> str:
    """A Spark SQL string literal holding exactly `text` (backslash escapes are on by default)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def let(value: str, name: str, body: str) -> str:
    """`body` with `name` bound to `value`, evaluated once (Spark SQL has no LET)."""
    return f"aggregate(array(0), {value}, ({name}_a, {name}_x) -> {name}_a, {name} -> {body})"


def number_parts(x: str, name: str, body: str) -> str:
    """`body` with `name` bound to the parts of the number text `x`: ok (Decimal would read it),
    d (its significant digits: no leading or trailing zeros, '' for zero) and x (the exponent of
    d's last digit)."""
    groups = ", ".join(
        f"'{field}', regexp_extract({x}, {sql_string(NUMBER)}, {group})"
        for field, group in (("i", 2), ("f", 3), ("e", 4))
    )
    raw = f"named_struct('ok', {x} RLIKE {sql_string(VALID_NUMBER)}, {groups})"
    g = f"{name}_g"
    digits = f"trim(LEADING '0' FROM concat({g}.i, {g}.f))"
    exponent = f"(coalesce(try_cast(nullif({g}.e, '') AS BIGINT), 0) - length({g}.f))"
    significant = f"trim(TRAILING '0' FROM {digits})"
    parts = (
        f"named_struct('ok', {g}.ok, 'd', {significant}, "
        f"'x', {exponent} + length({digits}) - length({significant}))"
    )
    return let(raw, g, let(parts, name, body))


def number_digits(x: str, jvm: bool) -> tuple[str, str]:
    """SQL for the integer and the fraction digits of a number text once its zeros are stripped
    (item_types.number_digits). Texts without an exponent are counted by string functions; the
    rest by the JVM functions (jvm_functions), or else by SQL that binds the text's parts with a
    higher-order function, which Spark does not compile (slower for every row)."""
    dot = f"instr({x}, '.')"
    plain = f"(instr({x}, 'e') = 0 AND instr({x}, 'E') = 0)"
    integer = f"length(trim(LEADING '+-0' FROM IF({dot} = 0, {x}, substr({x}, 1, {dot} - 1))))"
    fraction = f"IF({dot} = 0, 0, length(trim(TRAILING '0' FROM substr({x}, {dot} + 1))))"
    if jvm:
        general_integer = f"{jvm_functions.INTEGER_DIGITS}({x})"
        general_fraction = f"{jvm_functions.FRACTION_DIGITS}({x})"
    else:
        general_integer = number_parts(
            x, "p", "IF(p.d = '', CAST(0 AS BIGINT), greatest(0, length(p.d) + p.x))"
        )
        general_fraction = number_parts(
            x, "p", "IF(p.d = '', CAST(0 AS BIGINT), greatest(0, -p.x))"
        )
    return (
        f"CAST(IF({plain}, {integer}, {general_integer}) AS BIGINT)",
        f"CAST(IF({plain}, {fraction}, {general_fraction}) AS BIGINT)",
    )


def fits_decimal(x: str, precision: int, scale: int, jvm: bool) -> str:
    """Whether the number text `x` fits decimal(p,s) exactly. Short way: at most p-s integer and
    s fraction digits as written; otherwise count the significant digits."""
    if jvm:
        integer, fraction = number_digits(x, jvm)
        exact = (
            f"({is_number(x)} AND coalesce({integer} <= {precision - scale} "
            f"AND {fraction} <= {scale}, false))"
        )
    else:
        exact = number_parts(
            x,
            "p",
            f"p.ok AND (p.d = '' OR (length(p.d) + p.x <= {precision - scale} "
            f"AND -p.x <= {scale}))",
        )
    if precision - scale < 1:
        return f"({exact})"
    fraction = rf"(\.[0-9]{{1,{scale}}})?" if scale else ""
    short = rf"^-?[0-9]{{1,{precision - scale}}}{fraction}$"
    return f"({x} RLIKE {sql_string(short)} OR {exact})"


# ------------------------------------------------------------------------------------------
# item_types itself, in Python UDFs: timestamp columns always, and nested values' JSON text
# where the JVM function could not be compiled.
# ------------------------------------------------------------------------------------------


def json_text_of(ddb_type: str | None, raw: str | None) -> str | None:
    """item_types.to_json_text of a nested value given its type and raw text (NULL: NULL)."""
    if ddb_type is None or raw is None:
        return None
    return to_json_text({ddb_type: json.loads(raw)})


def attribute_value(ddb_type: str, raw: str) -> dict[str, Any]:
    """An attribute value as DynamoDB JSON again, from its type and raw text."""
    if ddb_type in NESTED_TYPES:
        return {ddb_type: json.loads(raw)}
    if ddb_type == "BOOL":
        return {ddb_type: raw == "true"}
    if ddb_type == "NULL":
        return {ddb_type: True}
    return {ddb_type: raw}


def exact_conversion(column_type: str) -> Any:
    """item_types.convert into `column_type` for a UDF: (value, None) when the value fits, else
    (None, its exact text for the sidecar); NULL in, (None, None) out."""

    def converted(ddb_type: str | None, raw: str | None) -> tuple[Any, str | None]:
        if ddb_type is None or raw is None or ddb_type == "NULL":
            return None, None
        value = attribute_value(ddb_type, raw)
        try:
            return convert(value, column_type), None
        except Misfit:
            return None, exact_text(value)

    return converted


# ------------------------------------------------------------------------------------------
# Reading and inventory
# ------------------------------------------------------------------------------------------


def read_staged_items(spark: Any, paths: Sequence[str]) -> Any:
    """The staged DynamoDB JSON lines as a DataFrame with one column, `item`: parsed once, by
    Spark's JSON reader. A line that is not JSON fails the job; blank lines are skipped."""
    frame = spark.read.schema(STAGED_ITEM_SCHEMA).option("mode", "FAILFAST").json(list(paths))
    return frame.select(frame["Item"].alias(ITEM))


@dataclass(frozen=True)
class Inventory:
    """What the staged items hold: (attribute, DynamoDB type) -> TypeStats, as plan_columns
    takes it."""

    stats: dict[tuple[str, str], TypeStats]

    def types(self, attribute: str) -> list[str]:
        return sorted(t for a, t in self.stats if a == attribute)


def take_inventory(items: Any) -> Inventory:
    """(attribute, DynamoDB type) -> items, integer and fraction digits, over every item: one
    aggregation in Spark."""
    from pyspark.sql import functions as F

    started = time.monotonic()
    jvm = jvm_functions.register(items.sparkSession)
    values = items.select(F.explode(ITEM).alias("a", "v")).select(
        "a", F.expr("get(map_keys(v), 0)").alias("t"), F.expr("v['N']").alias("n")
    )
    integer, fraction = number_digits("n", jvm)
    measured = values.select(
        "a",
        "t",
        F.expr(f"IF(n IS NULL, NULL, {integer})").alias("i"),
        F.expr(f"IF(n IS NULL, NULL, {fraction})").alias("f"),
    )
    rows = (
        measured.groupBy("a", "t")
        .agg(
            F.count(F.lit(1)).alias("items"),
            F.coalesce(F.max("i"), F.lit(0)).alias("integer_digits"),
            F.coalesce(F.max("f"), F.lit(0)).alias("fraction_digits"),
        )
        .collect()
    )
    stats = {
        (r["a"], r["t"]): TypeStats(
            int(r["items"]), int(r["integer_digits"]), int(r["fraction_digits"])
        )
        for r in rows
    }
    attributes = Counter(a for a, _ in stats)
    LOG.info(
        "Took the inventory of the staged items in %.1f s: %d attributes, %d of several types",
        time.monotonic() - started,
        len(attributes),
        sum(1 for types in attributes.values() if types > 1),
    )
    return Inventory(stats)


def apply_column_rules(
    frame: Any, inventory: Inventory, rules: ColumnRules, columns: Sequence[str] = (ITEM,)
) -> tuple[Any, Inventory]:
    """The items (each of `columns`: maps as `item` is) and their inventory under the column
    rules (column_rules.py), for what DynamoDB's exports staged whole: excluded attributes
    dropped, hashed ones replaced by the HMAC of their text (a string; NULL stays NULL). The
    inventory of the raw items names every attribute, so each rule is decided once per attribute
    here (ColumnRules.rule_for), not per item; only the hashed values cross to Python, where
    column_rules.hmac_hex and item_types.exact_text give exactly what the scan's staging gives.
    Nothing cached or written holds a clear value: a cache keeps the items as staged, in memory
    only, and every row is shaped from this."""
    from pyspark.sql import functions as F

    attributes = sorted({a for a, _ in inventory.stats})
    excluded = [a for a in attributes if rules.rule_for(a) == "exclude"]
    hashed = [a for a in attributes if rules.rule_for(a) == "hash"]
    if not excluded and not hashed:
        return frame, inventory
    key = rules.key

    def hashed_text(ddb_type: str | None, raw: str | None) -> str | None:
        if ddb_type is None or raw is None:
            return None
        assert key is not None  # ColumnRules holds a key whenever a rule hashes
        return hmac_hex(key, exact_text(attribute_value(ddb_type, raw)))

    hmac_of = F.udf(hashed_text, "string")
    dropped = set(excluded) | set(hashed)

    def ruled(item: Any) -> Any:
        # Column lookups by name and literals: attribute names never reach SQL text.
        kept = F.map_filter(item, lambda name, _: ~name.isin(*dropped))
        if not hashed:
            return kept
        values = []
        for attribute in hashed:
            value = item.getItem(attribute)
            hashed_value = F.create_map(
                F.lit("S"), hmac_of(F.get(F.map_keys(value), 0), F.get(F.map_values(value), 0))
            )
            clear = value.isNull() | value.getItem("NULL").isNotNull()  # absent, or NULL
            values.append(F.when(clear, value).otherwise(hashed_value))
        added = F.map_from_arrays(F.array(*(F.lit(a) for a in hashed)), F.array(*values))
        return F.map_filter(F.map_concat(kept, added), lambda _, value: value.isNotNull())

    stats: dict[tuple[str, str], TypeStats] = {}
    for (attribute, ddb_type), counted in inventory.stats.items():
        if attribute in excluded:
            continue
        if attribute in hashed and ddb_type != "NULL":
            before = stats.get((attribute, "S"), TypeStats(0, 0, 0))
            stats[(attribute, "S")] = TypeStats(before.items + counted.items, 0, 0)
        else:
            stats[(attribute, ddb_type)] = counted
    LOG.info(
        "Column rules: %d attributes excluded, %d hashed (%s)",
        len(excluded),
        len(hashed),
        ", ".join(f"{a}: {rules.rule_for(a)}" for a in excluded + hashed),
    )
    selected = [ruled(F.col(c)).alias(c) if c in columns else F.col(c) for c in frame.columns]
    return frame.select(*selected), Inventory(stats)


# ------------------------------------------------------------------------------------------
# Shaping
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """How values of one DynamoDB type enter one column: SQL for whether a raw text fits (None:
    never) and for the value it then becomes."""

    fits: str | None
    value: str = "NULL"


ALWAYS = "true"


def conversion(ddb_type: str, column_type: str, raw: str, text: str, jvm: bool) -> Conversion:
    """item_types.convert as SQL over a value's raw text (`raw`) and, for SS, NS, BS, M and L,
    its JSON text (`text`); `jvm`: whether the JVM functions are there."""
    precision = decimal_precision(column_type)
    if ddb_type == "N" and precision is not None:
        return Conversion(fits_decimal(raw, *precision, jvm), exact_decimal(raw, *precision))
    if ddb_type == "N" and column_type in INT_RANGES:
        limit = INT_RANGES[column_type]
        whole = exact_decimal(raw, 20, 0)
        integer, fraction = number_digits(raw, jvm)
        fits = (
            f"({is_number(raw)} AND {fraction} = 0 AND {integer} <= 19 "
            f"AND {whole} >= -{limit} AND {whole} < {limit})"
        )
        return Conversion(fits, f"CAST({whole} AS {column_type.upper()})")
    if ddb_type == "N" and column_type == "double":
        return Conversion(is_number(raw), f"try_cast({raw} AS DOUBLE)")
    if column_type == "string" and ddb_type == "S":
        return Conversion(ALWAYS, raw)
    if column_type == "string" and ddb_type in NESTED_TYPES:
        return Conversion(ALWAYS, text)
    if column_type == "boolean" and ddb_type == "BOOL":
        return Conversion(ALWAYS, f"{raw} = 'true'")
    if column_type == "binary" and ddb_type == "B":
        return Conversion(ALWAYS, f"unbase64({raw})")
    if column_type == "array<string>" and ddb_type == "SS":
        return Conversion(ALWAYS, f"array_sort(from_json({raw}, 'array<string>'))")
    if column_type == "array<string>" and ddb_type == "L":
        items = f"from_json({raw}, 'array<map<string, string>>')"
        return Conversion(
            f"forall({items}, x -> get(map_keys(x), 0) = 'S')", f"transform({items}, x -> x['S'])"
        )
    if column_type == "map<string,string>" and ddb_type == "M":
        entries = f"from_json({raw}, 'map<string, map<string, string>>')"
        return Conversion(
            f"forall(map_values({entries}), x -> get(map_keys(x), 0) = 'S')",
            f"transform_values({entries}, (k, x) -> x['S'])",
        )
    return Conversion(None)  # another type, or a column type this job cannot write


def exact_decimal(x: str, precision: int, scale: int) -> str:
    """A number text that fits decimal(p,s) as that decimal. Spark's cast gives up (NULL) on a
    zero with a large exponent (0E+38: more than 38 integer digits by its precision and scale),
    which is zero all the same."""
    return (
        f"coalesce(try_cast({x} AS DECIMAL({precision},{scale})), "
        f"IF({x} RLIKE {sql_string(ZERO)}, CAST(0 AS DECIMAL({precision},{scale})), NULL))"
    )


def is_number(x: str) -> str:
    """Whether a text is a number Decimal() reads (as DynamoDB writes them)."""
    return f"({x} RLIKE {sql_string(VALID_NUMBER)})"


EXACT_PATH_TYPES = ("timestamp",)  # column types item_types.convert shapes itself (a UDF)
TYPE, RAW = "type", "raw"  # a value's DynamoDB type, its raw text, whatever the type


class Shaper:
    """The projections that turn `item` maps into rows in the plan's schema:

    1. the raw text of each (attribute, DynamoDB type) the inventory found, by map lookups;
    2. the JSON text of each SS, NS, BS, M and L value, once (jvm_functions);
    3. timestamp columns through item_types.convert (exact_conversion);
    4. each column, its sidecars and the row's misfit count, in `plan.schema` order. A value of
       a type for which the plan made no sidecar must fit: if one does not, the job fails
       rather than drop it (plan_columns and these expressions would disagree)."""

    def __init__(self, plan: ColumnPlan, inventory: Inventory, jvm: bool):
        self.plan, self.inventory, self.jvm = plan, inventory, jvm
        self.schema = dict(plan.schema)
        # (name, attribute, what): what is a DynamoDB type (that type's raw text), or TYPE / RAW
        self.lookups: list[tuple[str, str, str]] = []
        self.nested: list[tuple[str, str, str, str]] = []  # (text name, attribute, type, raw)
        self.exact: dict[str, tuple[str, str, str]] = {}  # name -> (column type, kind, raw)
        self.fits: dict[str, str] = {}  # name -> SQL: whether a value fits its column
        self.columns: dict[str, str] = {}  # schema column -> SQL
        self.misfits: list[str] = []
        for index, column in enumerate(plan.columns):
            if column.attribute is not None:
                self.add_column(index, column)

    def add_column(self, index: int, column: Column) -> None:
        attribute = column.attribute
        assert attribute is not None
        column_type = column.type if column.name in self.schema else None
        if column_type in EXACT_PATH_TYPES:
            self.add_exact_column(index, column, column_type)
            return
        cases: list[str] = []
        for ddb_type in self.inventory.types(attribute):
            raw = f"__r{index}_{ddb_type.lower()}"
            self.lookups.append((raw, attribute, ddb_type))
            if ddb_type == "NULL":
                continue  # SQL NULL in every column, never a misfit
            text = raw
            if ddb_type in NESTED_TYPES:
                text = f"__j{index}_{ddb_type.lower()}"
                self.nested.append((text, attribute, ddb_type, raw))
            rule = (
                conversion(ddb_type, column_type, raw, text, self.jvm)
                if column_type
                else Conversion(None)
            )
            sidecar = column.sidecars.get(ddb_type)
            if sidecar is None:  # plan_columns found that every value fits: hold it to that
                if rule.fits is None:
                    raise AssertionError(f"{column.name}: {ddb_type} values need a sidecar")
                value = rule.value
                if rule.fits != ALWAYS:
                    message = f"a {ddb_type} value of {attribute!r} does not fit {column_type}"
                    value = f"IF({rule.fits}, {value}, raise_error({sql_string(message)}))"
                cases.append(f"WHEN {raw} IS NOT NULL THEN {value}")
                continue
            fits = "false"
            if rule.fits is not None:
                # Evaluated once per row, for the column, the sidecar and the count alike.
                fits = f"__f{index}_{ddb_type.lower()}"
                self.fits[fits] = f"coalesce({rule.fits}, false)"
                cases.append(f"WHEN {raw} IS NOT NULL AND {fits} THEN {rule.value}")
            misfit = f"({raw} IS NOT NULL AND NOT {fits})"
            self.columns[sidecar] = f"IF({misfit}, {text}, NULL)"
            self.misfits.append(f"IF({misfit}, 1, 0)")
        if column_type is not None:
            self.columns[column.name] = f"CASE {' '.join(cases)} END" if cases else "NULL"

    def add_exact_column(self, index: int, column: Column, column_type: str) -> None:
        attribute = column.attribute
        assert attribute is not None
        kind, raw, result = f"__t{index}", f"__v{index}", f"__x{index}"
        self.lookups += [(kind, attribute, TYPE), (raw, attribute, RAW)]
        self.exact[result] = (column_type, kind, raw)
        self.columns[column.name] = f"{result}.value"
        for ddb_type in self.inventory.types(attribute):
            sidecar = column.sidecars.get(ddb_type)
            if sidecar is not None:
                self.columns[sidecar] = f"IF({kind} = {sql_string(ddb_type)}, {result}.text, NULL)"
            elif ddb_type != "NULL":
                raise AssertionError(f"{column.name}: {ddb_type} values need a sidecar")
        self.misfits.append(f"IF({result}.text IS NOT NULL, 1, 0)")

    def apply(self, items: Any, keep: Sequence[str]) -> Any:
        from pyspark.sql import functions as F

        lookups = []
        for name, attribute, what in self.lookups:
            value = F.col(ITEM).getItem(attribute)  # a Column lookup: no name in SQL text
            if what == TYPE:
                value = F.get(F.map_keys(value), 0)
            elif what == RAW:
                value = F.get(F.map_values(value), 0)
            else:
                value = value.getItem(what)
            lookups.append(value.alias(name))
        frame = items.select(*keep, *lookups)
        frame = self.json_texts(frame)
        if self.fits:
            frame = frame.select("*", *(F.expr(sql).alias(n) for n, sql in self.fits.items()))
        for name, (column_type, kind, raw) in self.exact.items():
            returned = f"struct<value: {column_type}, text: string>"
            udf = F.udf(exact_conversion(column_type), returned)
            frame = frame.withColumn(name, udf(F.col(kind), F.col(raw)))
        shaped = [
            F.expr(f"CAST({self.columns.get(name, 'NULL')} AS {column_type})").alias(name)
            for name, column_type in self.plan.schema
        ]
        misfits = F.expr(f"CAST({' + '.join(self.misfits) or '0'} AS INT)").alias(MISFITS)
        return frame.select(*shaped, misfits, *keep)

    def json_texts(self, frame: Any) -> Any:
        """The JSON text of every nested value, by the JVM function (jvm_functions), or where it
        could not be compiled by item_types.to_json_text in a Python UDF."""
        from pyspark.sql import functions as F

        if not self.nested:
            return frame
        if self.jvm:
            text = lambda ddb_type, raw: jvm_functions.json_text(  # noqa: E731
                F.lit(ddb_type), F.col(raw)
            )
        else:
            text = lambda ddb_type, raw: F.udf(json_text_of, "string")(  # noqa: E731
                F.lit(ddb_type), F.col(raw)
            )
        return frame.select(
            "*", *(text(ddb_type, raw).alias(name) for name, _, ddb_type, raw in self.nested)
        )


# Whole-stage code generation puts every column's expression into one Java method; for a table
# of a dozen columns it passes 8,000 bytes of bytecode, which HotSpot never compiles (its
# HugeMethodLimit), so the rows were shaped by the bytecode interpreter: 2.6 s where 1.4 s
# suffice at 240,000 items (docs/performance.md). With Spark's limit at 8,000, as Spark's own
# description of spark.sql.codegen.hugeMethodLimit advises on HotSpot, such a stage runs as
# generated projections split into small methods, which the JIT compiles.
JIT_METHOD_LIMIT = ("spark.sql.codegen.hugeMethodLimit", "8000")


def shape_items(items: Any, plan: ColumnPlan, inventory: Inventory, keep: Sequence[str] = ()):
    """The items (column `item`) as rows in `plan.schema` order, then `__misfits` (values of the
    row that went to a sidecar), then the `keep` columns as they are."""
    items.sparkSession.conf.set(*JIT_METHOD_LIMIT)
    return Shaper(plan, inventory, jvm_functions.register(items.sparkSession)).apply(items, keep)
