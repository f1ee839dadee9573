/**
 * The guardrails as a Pulumi policy pack, run at preview time:
 *   pulumi preview --policy-pack policy/
 * Every policy is one rule from ./rules, the functions the unit tests run over Pulumi mocks.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("ddb-athena-snapshots-guardrails", { policies });
