"""The shaping in Spark (item_shaping.py, jvm_functions.py) against the type policy in Python
(item_types: item_inventory, ItemShaper, convert, exact_text, to_json_text) on generated DynamoDB
items, on a real Spark session, with spark.sql.ansi.enabled false (Spark 3.5's default) and true
(Spark 4's): the same inventory, the same plan, the same value in every cell, the same misfits.

The generated values are what DynamoDB holds and worse: numbers at the edges of decimal(38,10)
and beyond it (1E+125, 1E-130, 38-digit integers, 1 + 1E-29), written plainly, with exponents
and with zeros to strip; strings with control characters, quotes, backslashes and text outside
the BMP; maps and lists nested in each other; attributes whose type changes from item to item;
and every column override, timestamps included. Seeded (derandomize): a failure repeats."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from datetime import timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import item_shaping
import jvm_functions
from item_types import ItemShaper
from item_types import TypeStats
from item_types import item_inventory
from item_types import number_digits
from item_types import plan_columns
from item_types import to_json_text

AWKWARD_NUMBERS = [
    "0",
    "-0",
    "0.0",
    "-0.00",
    "0E+3",
    "100",
    "1E+2",
    "1.50",
    "007",
    "+5",
    ".5",
    "5.",
    "1e5",
    "1.0E-7",
    "123E-10",
    "0.000001",
    "0.0000001",
    "-0.0000000001",
    "0.00000000001",
    "1E+125",
    "-1E+125",
    "1E-130",
    "12345678901234567890123456789012345678",
    "-12345678901234567890123456789012345678",
    "1234567890123456789012345678",
    "9999999999999999999999999999.5",
    "1.00000000000000000000000000001",
    "2147483647",
    "2147483648",
    "-2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "1700000000.5",
]


def number_text(sign: str, whole: str, fraction: str, exponent: int | None) -> str:
    text = sign + (whole or "0") + (f".{fraction}" if fraction else "")
    return text if exponent is None else f"{text}E{exponent:+d}"


numbers = st.one_of(
    st.sampled_from(AWKWARD_NUMBERS),
    st.builds(
        number_text,
        st.sampled_from(["", "-"]),
        st.text("0123456789", max_size=20),
        st.text("0123456789", max_size=14),
        st.one_of(st.none(), st.integers(-40, 40)),
    ),
)
# DynamoDB strings are UTF-8: any code point but the surrogates.
texts = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list('"\\/\n\r\t\b\f\x00\x01\x0b\x1f\x7f\u2028é日😀\uff5e')),
    ),
    max_size=8,
)
blobs = st.binary(max_size=6).map(lambda b: base64.b64encode(b).decode("ascii"))
timestamps = st.one_of(
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)).map(lambda d: d.isoformat()),
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)).map(lambda d: d.isoformat() + "Z"),
    st.sampled_from(["2026-11-24", "2026-11-24T03:00:00+09:00", "soon", ""]),
)
scalars = st.one_of(
    texts.map(lambda s: {"S": s}),
    timestamps.map(lambda s: {"S": s}),
    numbers.map(lambda n: {"N": n}),
    blobs.map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(texts, min_size=1, max_size=4, unique=True).map(lambda v: {"SS": v}),
    st.lists(numbers, min_size=1, max_size=4, unique=True).map(lambda v: {"NS": v}),
    st.lists(blobs, min_size=1, max_size=3, unique=True).map(lambda v: {"BS": v}),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda v: {"L": v}),
        st.dictionaries(texts, inner, max_size=4).map(lambda v: {"M": v}),
        st.lists(texts.map(lambda s: {"S": s}), max_size=3).map(lambda v: {"L": v}),
        st.dictionaries(texts, texts.map(lambda s: {"S": s}), max_size=3).map(lambda v: {"M": v}),
    ),
    max_leaves=10,
)

# Attributes recur across items, each mostly of one type (so columns get their type and values
# of other types misfit); several have overrides, two are columns the Glue table already has.
OVERRIDES = {
    "ts": "timestamp",
    "i": "int",
    "bi": "bigint",
    "dbl": "double",
    "arr": "array<string>",
    "mp": "map<string,string>",
    "dec": "decimal(18,2)",
    "flag": "boolean",
    "bin": "binary",
}
ESTABLISHED = [("kept_number", "decimal(38,10)"), ("kept_text", "string"), ("gone", "bigint")]
numbers_mostly = st.one_of(numbers.map(lambda n: {"N": n}), values)
MOSTLY = {
    "num": numbers_mostly,
    "kept_number": numbers_mostly,
    "dec": numbers_mostly,
    "i": numbers_mostly,
    "bi": numbers_mostly,
    "dbl": numbers_mostly,
    "ts": st.one_of(timestamps.map(lambda s: {"S": s}), numbers.map(lambda n: {"N": n}), values),
    "arr": values,
    "mp": values,
    "flag": st.one_of(st.booleans().map(lambda b: {"BOOL": b}), values),
    "bin": st.one_of(blobs.map(lambda b: {"B": b}), values),
    "kept_text": st.one_of(texts.map(lambda s: {"S": s}), values),
    "nested": values,
    "B.b": values,
    "Größe": values,
}
items = st.lists(st.fixed_dictionaries({}, optional=MOSTLY), max_size=30)


def spark_value(value):
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, list):
        return [spark_value(v) for v in value]
    return value


def python_value(value):
    """ItemShaper's cell as Spark returns it: timestamps in UTC without a zone (the session's)."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def same(spark_cell, python_cell) -> bool:
    if isinstance(python_cell, Decimal) or isinstance(spark_cell, Decimal):
        return None not in (spark_cell, python_cell) and spark_cell == python_cell
    return spark_cell == python_cell


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parity")
    counter = iter(range(10**9))

    def write(batch: list[dict]) -> str:
        path = folder / f"batch-{next(counter)}.json"
        lines = [json.dumps({"Item": item}, ensure_ascii=False) for item in batch]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return f"file://{path}"

    return write


@pytest.mark.parametrize(
    ("ansi", "jvm"),
    [("false", True), ("true", True), ("true", False)],
    ids=["ansi-off", "ansi-on", "without-jvm-functions"],
)
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=items)
def test_spark_shapes_every_item_as_the_python_policy_does(spark, staged, ansi, jvm, batch):
    batch = [{"pk": {"S": f"item-{n}"}, **item} for n, item in enumerate(batch)]
    python_inventory: dict = {}
    for item in batch:
        for key, stats in item_inventory(item):
            python_inventory[key] = python_inventory.get(key, TypeStats()).add(stats)
    plan = plan_columns(python_inventory, ESTABLISHED, OVERRIDES)
    shaper = ItemShaper(plan)
    expected = {item["pk"]["S"]: shaper(item) for item in batch}

    spark.conf.set("spark.sql.ansi.enabled", ansi)
    # Without the JVM functions: the fallbacks (Python UDF for JSON text, SQL for digits).
    register = jvm_functions.register
    if not jvm:
        jvm_functions.register = lambda _spark: False
    try:
        items_frame = item_shaping.read_staged_items(spark, [staged(batch)])
        inventory = item_shaping.take_inventory(items_frame)
        assert inventory.stats == python_inventory
        assert plan_columns(inventory.stats, ESTABLISHED, OVERRIDES) == plan
        rows = item_shaping.shape_items(items_frame, plan, inventory).collect()
    finally:
        spark.conf.unset("spark.sql.ansi.enabled")
        jvm_functions.register = register

    names = [name for name, _ in plan.schema]
    assert len(rows) == len(batch)
    for row in rows:
        cells, misfits = expected[row["pk"]]
        for name, python_cell in zip(names, cells, strict=True):
            spark_cell = spark_value(row[name])
            assert same(spark_cell, python_value(python_cell)), (row["pk"], name)
        assert row[item_shaping.MISFITS] == misfits, row["pk"]


@settings(max_examples=8, derandomize=True, deadline=None)
@given(st.lists(values, min_size=1, max_size=60))
def test_the_jvm_function_writes_to_json_text_exactly(spark, staged, nested_values):
    """Values of every type, nested: the JVM's JSON text is the Python function's, byte for
    byte (keys in code-point order, numbers as str(Decimal), lowercase control escapes)."""
    from pyspark.sql import functions as F

    batch = [{"v": value} for value in nested_values]
    frame = item_shaping.read_staged_items(spark, [staged(batch)])
    assert jvm_functions.register(spark)
    entry = F.col(item_shaping.ITEM).getItem("v")
    texts = frame.select(
        jvm_functions.json_text(F.get(F.map_keys(entry), 0), F.get(F.map_values(entry), 0))
    ).collect()
    assert [text for (text,) in texts] == [to_json_text(value) for value in nested_values]


@settings(max_examples=5, derandomize=True, deadline=None)
@given(st.lists(numbers, min_size=1, max_size=200))
def test_the_jvm_functions_count_digits_as_python_does(spark, texts_of_numbers):
    from pyspark.sql import functions as F

    assert jvm_functions.register(spark)
    frame = spark.createDataFrame([(t,) for t in texts_of_numbers], "n string")
    counted = frame.select(
        F.call_function(jvm_functions.INTEGER_DIGITS, F.col("n")),
        F.call_function(jvm_functions.FRACTION_DIGITS, F.col("n")),
    ).collect()
    assert [tuple(row) for row in counted] == [number_digits(t) for t in texts_of_numbers]


def test_the_python_fallback_is_to_json_text():
    value = {"M": {"b": {"NS": ["10", "2.5"]}, "a": {"S": "x\x1f"}}}
    assert item_shaping.json_text_of("M", json.dumps(value["M"])) == to_json_text(value)
    assert item_shaping.json_text_of(None, None) is None
