"""The type policy (glue-scripts/item_types.py) as pure Python: names, conversions and the
column plan, with property-based tests over generated DynamoDB values. The same code runs on a
real Spark session in test/spark/test_type_policy_on_spark.py."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from contract import CONTRACT
from item_types import ItemShaper
from item_types import Misfit
from item_types import TypeStats
from item_types import base_column_name
from item_types import column_names
from item_types import convert
from item_types import exact_text
from item_types import item_inventory
from item_types import number_digits
from item_types import plan_columns
from item_types import to_json_text

IDENTIFIER = re.compile(CONTRACT["identifierPattern"])

# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "column"),
    [
        ("userId", "userid"),
        ("user.id", "user_id"),
        ("first name", "first_name"),
        ("größe", "grosse"),
        ("Café", "cafe"),
        ("select", "select"),
    ],
)
def test_names_are_lowercase_athena_names(attribute, column):
    assert base_column_name(attribute) == column


def test_a_name_without_latin_letters_or_digits_gets_a_stable_hashed_name():
    assert re.fullmatch(r"attr_[0-9a-f]{8}", base_column_name("名前"))
    assert base_column_name("名前") != base_column_name("住所")
    assert base_column_name("名前") == base_column_name("名前")


def test_collisions_keep_every_column_and_the_normal_form_keeps_its_name():
    assert column_names(["userId", "userid", "user.id", "USERID"]) == {
        "userid": "userid",
        "USERID": "userid_2",
        "userId": "userid_3",
        "user.id": "user_id",
    }


@given(st.lists(st.text(min_size=1, max_size=300), max_size=30))
def test_column_names_are_distinct_valid_and_independent_of_order(attributes):
    mapping = column_names(attributes)
    assert set(mapping) == set(attributes)
    assert len(set(mapping.values())) == len(mapping)
    assert all(IDENTIFIER.fullmatch(name) for name in mapping.values())
    assert column_names(list(reversed(attributes))) == mapping


# --- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("19.99", True),
        ("0.0000000001", True),
        ("1234567890123456789012345678", True),  # 28 integer digits
        ("9223372036854775807", True),  # a 64-bit ID
        ("12345678901234567890123456789", False),  # 29
        ("0.00000000001", False),  # 11 decimals
        ("1E+125", False),
        ("1E-130", False),
        ("-0", True),
        ("1.5000000000000", True),  # trailing zeros are not digits of the value
        # More than 28 significant digits: counted, not first rounded to 28 (the value is 1 + 1e-29,
        # which a rounded count took for 1 and Spark then rounded to 1.0000000000).
        ("1.00000000000000000000000000001", False),
        ("9999999999999999999999999999.5", True),  # 28 + 1 digits, not 1E+28 after rounding
    ],
)
def test_numbers_fit_decimal_38_10_exactly_or_not_at_all(text, fits):
    if fits:
        assert convert({"N": text}, "decimal(38,10)") == Decimal(text)
    else:
        with pytest.raises(Misfit):
            convert({"N": text}, "decimal(38,10)")


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("120.0300", (3, 2)),
        ("-0.0000000001", (0, 10)),
        ("1E+125", (126, 0)),
        ("1E-130", (0, 130)),
        ("0.000", (0, 0)),
        ("-0E+5", (0, 0)),
        ("007", (1, 0)),
        ("12345678901234567890123456789012345678", (38, 0)),
        ("1.00000000000000000000000000001", (1, 29)),
        ("Infinity", None),
    ],
)
def test_number_digits_count_the_significant_digits_exactly(text, digits):
    assert number_digits(text) == digits
    if digits is not None:
        assert dict(item_inventory({"n": {"N": text}}))["n", "N"] == TypeStats(1, *digits)


@given(
    st.decimals(
        min_value=Decimal("-1e28") + 1, max_value=Decimal("1e28") - 1, places=10, allow_nan=False
    )
)
def test_every_number_in_range_survives_decimal_38_10_exactly(number):
    assert convert({"N": str(number)}, "decimal(38,10)") == number


def test_overrides_convert_or_refuse():
    assert convert({"N": "42"}, "bigint") == 42
    with pytest.raises(Misfit):
        convert({"N": "4.2"}, "bigint")
    with pytest.raises(Misfit):
        convert({"N": str(2**63)}, "bigint")
    assert convert({"N": "12.34"}, "decimal(18,2)") == Decimal("12.34")
    with pytest.raises(Misfit):
        convert({"N": "12.345"}, "decimal(18,2)")
    stamp = convert({"S": "2026-11-24T03:00:00Z"}, "timestamp")
    assert stamp.isoformat() == "2026-11-24T03:00:00+00:00"
    assert convert({"N": "0"}, "timestamp").year == 1970
    with pytest.raises(Misfit):
        convert({"S": "yesterday"}, "timestamp")
    assert convert({"SS": ["b", "a"]}, "array<string>") == ["a", "b"]
    assert convert({"M": {"k": {"S": "v"}}}, "map<string,string>") == {"k": "v"}
    with pytest.raises(Misfit):
        convert({"M": {"k": {"N": "1"}}}, "map<string,string>")
    assert convert({"NULL": True}, "boolean") is None


ddb_scalars = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=5)),
    st.builds(lambda n: {"N": str(n)}, st.decimals(allow_nan=False, allow_infinity=False)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.just({"B": "AAE="}),
    st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.text(max_size=3), min_size=1, max_size=3)),
)
ddb_values = st.recursive(
    ddb_scalars,
    lambda inner: st.one_of(
        st.builds(lambda v: {"L": v}, st.lists(inner, max_size=3)),
        st.builds(lambda v: {"M": v}, st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    ),
    max_leaves=8,
)


@given(ddb_values)
def test_json_text_is_valid_json_and_ignores_key_order(value):
    text = to_json_text(value)
    json.loads(text)
    if "M" in value:
        reordered = {"M": dict(reversed(list(value["M"].items())))}
        assert to_json_text(reordered) == text


@settings(max_examples=60)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "A", "b.c", "d"]), ddb_values, max_size=4)))
def test_every_value_lands_in_its_column_or_exactly_in_a_sidecar(items):
    inventory: dict = {}
    for item in items:
        for key, stats in item_inventory(item):
            inventory[key] = inventory.get(key, TypeStats()).add(stats)
    plan = plan_columns(inventory)
    shaper = ItemShaper(plan)
    names = [name for name, _ in plan.schema]
    for item in items:
        row, misfits = shaper(item)
        assert len(row) == len(names)
        found = 0
        for column in plan.columns:
            if column.attribute not in item:
                continue
            value = item[column.attribute]
            (ddb_type,) = value
            cell = row[names.index(column.name)]
            sidecar = column.sidecars.get(ddb_type)
            if sidecar and row[names.index(sidecar)] is not None:
                assert row[names.index(sidecar)] == exact_text(value)
                assert cell is None
                found += 1
            else:
                assert cell == convert(value, column.type)
        assert found == misfits


# --- the plan -------------------------------------------------------------------------------


def inventory_of(*items):
    inventory: dict = {}
    for item in items:
        for key, stats in item_inventory(item):
            inventory[key] = inventory.get(key, TypeStats()).add(stats)
    return inventory


def test_the_glue_tables_type_outranks_the_items_and_the_override():
    inventory = inventory_of({"score": {"S": "high"}}, {"score": {"S": "low"}})
    plan = plan_columns(inventory, [("score", "decimal(38,10)")], {"score": "string"})
    (column,) = plan.columns
    assert column.type == "decimal(38,10)"
    assert column.sidecars == {"S": "score__s"}
    assert plan.ignored_overrides == {"score": "string"}


def test_files_keep_the_glue_tables_column_order_then_add_new_columns_sorted():
    inventory = inventory_of({"z": {"S": "1"}, "b": {"N": "1"}, "new": {"BOOL": True}})
    plan = plan_columns(inventory, [("z", "string"), ("gone", "bigint"), ("b", "decimal(38,10)")])
    assert [name for name, _ in plan.schema] == ["z", "gone", "b", "new"]


def test_an_override_types_a_new_column():
    inventory = inventory_of({"price": {"N": "1.25"}, "createdAt": {"S": "2026-01-01T00:00:00Z"}})
    plan = plan_columns(inventory, [], {"price": "decimal(18,2)", "createdAt": "timestamp"})
    assert dict(plan.schema) == {
        "price": "decimal(18,2)",
        "createdat": "timestamp",
        "createdat__s": "string",  # a string that does not parse keeps its text here
    }


def test_a_number_column_gets_a_sidecar_only_when_a_value_cannot_fit():
    assert plan_columns(inventory_of({"n": {"N": "12.5"}})).columns[0].sidecars == {}
    assert plan_columns(inventory_of({"n": {"N": "1E+40"}})).columns[0].sidecars == {"N": "n__n"}


def test_an_attribute_cannot_take_an_existing_sidecars_name():
    inventory = inventory_of({"score__s": {"S": "x"}})
    plan = plan_columns(inventory, [("score", "decimal(38,10)"), ("score__s", "string")])
    assert plan.columns[0].name == "score__s_2"
