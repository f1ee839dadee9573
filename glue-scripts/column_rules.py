"""Sensitive attributes: what happens to an item before anything of it is written.

A table's `columns` may say, per attribute, `exclude` (the attribute is dropped: no column, no
sidecar, no staged copy) or `hash` (its value is replaced by the lowercase hex HMAC-SHA-256 of the
value's text, keyed with the stack's `hashKey`: the same value always gives the same hash, so
joins on it still work, and the clear value is never written). Applied by the export job (scan
mode: in each scan segment, before the item is staged; export mode: to the items DynamoDB
staged, before anything is typed) and by the apply job (to full and incremental exports, keys
included, before anything is typed or merged). Pure Python, no Spark and no AWS but `load_key`;
item_shaping.apply_column_rules applies the same rules to what Spark reads, deciding each rule
once per attribute from the inventory of the items as staged.

What is hashed is the value's text (item_types.exact_text): a string's characters, a number as
DynamoDB returns it, binary as its base64 text, a set, list or map as the JSON text the type
policy writes. NULL stays NULL. A rule names a top-level attribute; it also applies to every
attribute whose column name is the rule's (`Email` and `EMAIL` under a rule for `email`), so that
the case of a name cannot dodge it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from contract import CONTRACT
from item_types import base_column_name
from item_types import exact_text
from item_types import type_of

RULES = tuple(CONTRACT["columnRules"]["rules"])
MINIMUM_KEY_BYTES = CONTRACT["columnRules"]["minimumKeyBytes"]


class ColumnRuleError(ValueError):
    """A rule, a key or an item the rules cannot be applied to."""


def hmac_hex(key: bytes, text: str) -> str:
    """HMAC-SHA-256 of `text` (UTF-8) with `key`, as 64 lowercase hex digits."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ColumnRules:
    """attribute -> "exclude" | "hash", and the key `hash` needs."""

    rules: Mapping[str, str] = field(default_factory=dict)
    key: bytes | None = None
    _by_column: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for attribute, rule in self.rules.items():
            if rule not in RULES:
                raise ColumnRuleError(f"{attribute}: rule {rule!r} is not one of {RULES}")
        if "hash" in self.rules.values():
            if self.key is None:
                raise ColumnRuleError("a hash rule needs the stack's hashKey")
            if len(self.key) < MINIMUM_KEY_BYTES:
                raise ColumnRuleError(
                    f"the hashKey value has {len(self.key)} bytes; an HMAC key needs at least "
                    f"{MINIMUM_KEY_BYTES} (32 random bytes: openssl rand -hex 32)"
                )
        by_column = {base_column_name(a): r for a, r in self.rules.items()}
        object.__setattr__(self, "_by_column", by_column)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def rule_for(self, attribute: str) -> str | None:
        """The rule an attribute falls under: by its own name, or by its column's."""
        return self.rules.get(attribute) or self._by_column.get(base_column_name(attribute))

    def apply(self, item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """The item (DynamoDB JSON) without its excluded attributes and with its hashed ones'
        values replaced by their HMAC (a string); every other attribute as it was."""
        if not self.rules:
            return dict(item)
        kept: dict[str, Any] = {}
        for attribute, value in item.items():
            rule = self.rule_for(attribute)
            if rule == "exclude":
                continue
            if rule == "hash" and type_of(value) != "NULL":
                assert self.key is not None  # __post_init__
                kept[attribute] = {"S": hmac_hex(self.key, exact_text(value))}
            else:
                kept[attribute] = value
        return kept

    def apply_to_keys(self, keys: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """A change record's keys: hashed like the item (the merge still matches on them); a key
        attribute cannot be excluded, since the merge could not tell the rows apart."""
        self.check_keys(keys)
        return self.apply(keys)

    def check_keys(self, attributes: Iterable[str]) -> None:
        """Fails if a rule excludes one of the table's key attributes."""
        excluded = [a for a in attributes if self.rule_for(a) == "exclude"]
        if excluded:
            raise ColumnRuleError(
                f"{', '.join(excluded)} is a key attribute of the table and cannot be excluded "
                "(incremental mode merges by the key): use hash instead"
            )

    def digest(self, key_reference: str | None) -> str | None:
        """What identifies the rules and the key they hash with (never the key itself): when it
        changes, the incremental table is rebuilt. None without rules."""
        return rules_digest(self.rules, key_reference)


def rules_digest(rules: Mapping[str, str], key_reference: str | None) -> str | None:
    if not rules:
        return None
    text = json.dumps({"rules": dict(sorted(rules.items())), "key": key_reference})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_column_rules(text: str | None) -> dict[str, str]:
    """The `--column_rules` argument: a JSON object of attribute -> exclude | hash."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ColumnRuleError(f"--column_rules must be a JSON object: {error}") from None
    if not isinstance(value, dict) or not all(r in RULES for r in value.values()):
        raise ColumnRuleError(f"--column_rules must map attributes to one of {RULES}: {text!r}")
    return value


def load_key(client: Callable[[str], Any], arn: str) -> bytes:
    """The HMAC key's bytes from the Secrets Manager secret or SSM parameter `arn` names: a
    secret's SecretString (UTF-8) or SecretBinary, a (SecureString) parameter's value.
    `client(service)` gives the AWS client (JobEnvironment.client)."""
    if ":secretsmanager:" in arn:
        secret = client("secretsmanager").get_secret_value(SecretId=arn)
        if "SecretBinary" in secret:
            return bytes(secret["SecretBinary"])
        return secret["SecretString"].encode("utf-8")
    if ":ssm:" in arn:
        parameter = client("ssm").get_parameter(Name=arn, WithDecryption=True)["Parameter"]
        return parameter["Value"].encode("utf-8")
    raise ColumnRuleError(f"--hash_key must be a Secrets Manager or SSM ARN, got {arn!r}")


def column_rules(env: Any, rules: Mapping[str, str], key_arn: str | None) -> ColumnRules:
    """The job's rules, with the key read (on the driver) only when a rule hashes."""
    if "hash" not in rules.values():
        return ColumnRules(rules)
    if not key_arn:
        raise ColumnRuleError("a hash rule needs --hash_key")
    key = load_key(env.client, key_arn)
    return ColumnRules(rules, key)
