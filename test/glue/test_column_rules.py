"""Sensitive attributes as pure Python (glue-scripts/column_rules.py): an excluded attribute is
gone from the item, a hashed one holds the HMAC-SHA-256 of its value's text and nothing of the
value, over generated DynamoDB items; the key comes from Secrets Manager or SSM (moto); the jobs
read the rules from their arguments; and a change of rules makes the incremental planner rebuild
the table. The same rules run on real Spark in test/spark/test_sensitive_columns_on_spark.py."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import export_table
from column_rules import ColumnRuleError
from column_rules import ColumnRules
from column_rules import load_key
from column_rules import read_column_rules
from column_rules import rules_digest
from conftest import client
from export_table import read_export_config
from export_windows import parse_watermark_document
from export_windows import watermark_document
from item_types import exact_text
from test_incremental_exports import ARGS
from test_incremental_exports import T
from test_incremental_exports import World

KEY = b"k" * 32
RULES = {"email": "hash", "ssn": "exclude"}


def reference_hmac(key: bytes, text: str) -> str:
    """Computed here, independently of the module."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def test_an_excluded_attribute_is_gone_and_a_hashed_one_holds_its_hmac():
    rules = ColumnRules(RULES, KEY)
    item = {
        "pk": {"S": "u-1"},
        "email": {"S": "ann@example.com"},
        "ssn": {"S": "123-45-6789"},
        "age": {"N": "41"},
    }
    assert rules.apply(item) == {
        "pk": {"S": "u-1"},
        "email": {"S": reference_hmac(KEY, "ann@example.com")},
        "age": {"N": "41"},
    }
    assert item["email"] == {"S": "ann@example.com"}, "the input is not changed in place"


def test_the_same_value_hashes_the_same_everywhere_so_joins_still_work():
    rules = ColumnRules({"email": "hash"}, KEY)
    a = rules.apply({"email": {"S": "ann@example.com"}, "n": {"N": "1"}})
    b = rules.apply({"email": {"S": "ann@example.com"}, "n": {"N": "2"}})
    assert a["email"] == b["email"]
    other_key = ColumnRules({"email": "hash"}, b"x" * 32).apply({"email": {"S": "ann@example.com"}})
    assert other_key["email"] != a["email"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"N": "12.5"}, "12.5"),
        ({"B": "AAEC/w=="}, "AAEC/w=="),
        ({"SS": ["b", "a"]}, '["a","b"]'),
        ({"M": {"k": {"S": "v"}}}, '{"k":"v"}'),
        ({"BOOL": True}, "true"),
    ],
)
def test_every_type_hashes_its_text_into_a_string(value, text):
    hashed = ColumnRules({"x": "hash"}, KEY).apply({"x": value})["x"]
    assert hashed == {"S": reference_hmac(KEY, text)}


def test_null_stays_null():
    assert ColumnRules({"x": "hash"}, KEY).apply({"x": {"NULL": True}}) == {"x": {"NULL": True}}


def test_a_rule_holds_for_every_spelling_of_the_attributes_column():
    rules = ColumnRules({"email": "hash", "SSN": "exclude"}, KEY)
    item = rules.apply({"Email": {"S": "a@b.c"}, "EMAIL": {"S": "a@b.c"}, "ssn": {"S": "1"}})
    assert item == {"Email": {"S": reference_hmac(KEY, "a@b.c")}, "EMAIL": item["Email"]}


def test_hash_needs_a_key_of_at_least_32_bytes_and_rules_are_exclude_or_hash():
    with pytest.raises(ColumnRuleError, match="needs the stack's hashKey"):
        ColumnRules({"email": "hash"})
    with pytest.raises(ColumnRuleError, match="has 16 bytes; an HMAC key needs at least 32"):
        ColumnRules({"email": "hash"}, b"k" * 16)
    with pytest.raises(ColumnRuleError, match="not one of"):
        ColumnRules({"email": "mask"})
    assert ColumnRules({"ssn": "exclude"}).apply({"ssn": {"S": "1"}}) == {}


def test_a_key_attribute_is_hashed_in_the_keys_but_cannot_be_excluded():
    rules = ColumnRules({"pk": "hash", "ssn": "exclude"}, KEY)
    assert rules.apply_to_keys({"pk": {"S": "u-1"}}) == {"pk": {"S": reference_hmac(KEY, "u-1")}}
    with pytest.raises(ColumnRuleError, match="ssn is a key attribute of the table"):
        rules.apply_to_keys({"ssn": {"S": "1"}})


ATTRIBUTE = st.sampled_from(["pk", "email", "Email", "ssn", "name", "note"])
SCALAR = st.one_of(
    st.text(max_size=20).map(lambda s: {"S": s}),
    st.integers(-(10**20), 10**20).map(lambda n: {"N": str(n)}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda v: {"L": v}),
        st.dictionaries(st.text(max_size=5), inner, max_size=3).map(lambda v: {"M": v}),
    ),
    max_leaves=6,
)


@given(st.dictionaries(ATTRIBUTE, VALUE, min_size=1))
def test_no_excluded_attribute_and_no_clear_hashed_value_survives(item):
    rules = ColumnRules(RULES, KEY)
    kept = rules.apply(item)
    for attribute, value in item.items():
        rule = rules.rule_for(attribute)
        if rule == "exclude":
            assert attribute not in kept
        elif rule == "hash" and "NULL" not in value:
            assert kept[attribute] == {"S": reference_hmac(KEY, exact_text(value))}
            assert kept[attribute] != value
        else:
            assert kept[attribute] == value
    assert rules.apply(item) == kept, "deterministic"


def test_the_rules_digest_changes_with_the_rules_and_the_key_but_never_holds_the_key():
    digest = rules_digest(RULES, "arn:aws:ssm:ap-northeast-1:123456789012:parameter/a")
    assert digest == rules_digest(
        dict(reversed(RULES.items())), "arn:aws:ssm:ap-northeast-1:123456789012:parameter/a"
    )
    assert digest != rules_digest(RULES, "arn:aws:ssm:ap-northeast-1:123456789012:parameter/b")
    assert digest != rules_digest(
        {"email": "hash"}, "arn:aws:ssm:ap-northeast-1:123456789012:parameter/a"
    )
    assert rules_digest({}, None) is None


def test_the_key_comes_from_secrets_manager_or_ssm(aws):
    secret = client("secretsmanager").create_secret(Name="ddbsnap-hmac", SecretString="s" * 40)
    client("ssm").put_parameter(Name="/ddbsnap/hmac", Value="p" * 40, Type="SecureString")
    parameter = "arn:aws:ssm:ap-northeast-1:123456789012:parameter/ddbsnap/hmac"
    assert load_key(client, secret["ARN"]) == b"s" * 40
    assert load_key(client, parameter) == b"p" * 40
    with pytest.raises(ColumnRuleError, match="Secrets Manager or SSM"):
        load_key(client, "arn:aws:kms:ap-northeast-1:123456789012:key/x")


def test_the_export_job_reads_the_rules_and_the_keys_arn_from_its_arguments():
    base = [
        *("--table_name", "Users", "--mode", "scan", "--output_path", "s3://snap-bucket/parquet/u"),
        *("--output_format", "parquet", "--database", "db", "--read_percentage", "0.5"),
        *("--splits", "4", "--TempDir", "s3://snap-bucket/tmp/users/"),
    ]
    config = read_export_config(
        [*base, "--column_rules", json.dumps(RULES), "--hash_key", "arn:aws:ssm:x"]
    )
    assert config.column_rules == RULES
    assert config.hash_key == "arn:aws:ssm:x"
    assert read_export_config(base).column_rules == {}
    with pytest.raises(SystemExit, match="--column_rules must map attributes"):
        export_table.main([*base, "--column_rules", '{"email": "mask"}'])
    assert read_column_rules("") == {}


def test_changed_rules_make_the_planner_rebuild_the_table_from_a_full_export():
    world = World()
    world.table.put(T - timedelta(hours=2), {"pk": {"S": "a"}})
    world.set_watermark(T - timedelta(hours=3))  # written without rules
    rules = ["--column_rules", json.dumps(RULES), "--hash_key", "arn:aws:ssm:k"]
    from incremental_exports import main
    from job_arguments import JobEnvironment

    def run(extra):
        return main(
            [*ARGS, *extra],
            JobEnvironment(
                glue=world.glue,
                dynamodb=world.table,
                s3=world.s3,
                now=lambda: world.now,
                sleep=world.sleeps.append,
            ),
        )

    [entry] = run(rules)
    assert entry["kind"] == "full", "rows written under other rules are rebuilt, not merged into"
    # Once the apply job has written the rows under these rules, the planner chains windows again.
    digest = rules_digest(RULES, "arn:aws:ssm:k")
    world.s3.put(
        "snap-bucket",
        "state/orders/watermark.json",
        watermark_document(T - timedelta(hours=3), T, "wr_2", column_rules=digest).encode(),
    )
    assert {e["kind"] for e in run(rules)} == {"incremental"}
    stored = parse_watermark_document(
        world.s3.objects[("snap-bucket", "state/orders/watermark.json")].decode()
    )
    assert stored.column_rules == digest, (
        "the planner keeps the digest when it records pending windows"
    )
    # And dropping the rules rebuilds too: the rows would otherwise keep their hashes.
    assert [e["kind"] for e in run([])] == ["full"]
