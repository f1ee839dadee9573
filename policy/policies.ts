/**
 * The guardrail rules as @pulumi/policy policies. Rules about one resource run per resource,
 * typed with `validateResourceOfType` as pulumi-policy-aws writes them; rules that look across
 * resources (bucket guards, tags, policy documents) run over the stack. Kept apart from index.ts,
 * which starts the policy pack server, so tests can import them.
 */
// Service by service: the package index would pull every AWS service's types into the check.
import * as athena from "@pulumi/aws/athena";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as glue from "@pulumi/aws/glue";
import * as sns from "@pulumi/aws/sns";
import * as sqs from "@pulumi/aws/sqs";
import type {
  PolicyResource,
  ResourceValidation,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import type { CheckedResource, ResourceRule } from "./rules";
import { effectiveTags, GUARDRAIL_RULES, RESOURCE_RULES } from "./rules";

export function checkedFromPolicy(resources: PolicyResource[]): CheckedResource[] {
  return resources
    .filter((r) => r.type.startsWith("aws:"))
    .map((r) => ({
      key: r.urn,
      type: r.type,
      name: r.name,
      props: r.props,
      tags: effectiveTags(r.provider?.props.defaultTags, r.props.tags),
      dependsOn: r.dependencies.map((d) => d.urn),
    }));
}

function resourcePolicy<P>(
  rule: ResourceRule<P>,
  ...validators: ResourceValidation[]
): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateResource: validators,
  };
}

/** Reports each problem a typed rule finds in one resource. */
const report =
  <P>(rule: ResourceRule<P>) =>
  (props: P, _args: unknown, reportViolation: ReportViolation): void => {
    for (const problem of rule.check(props)) reportViolation(problem);
  };

const R = RESOURCE_RULES;
export const resourcePolicies: ResourceValidationPolicy[] = [
  resourcePolicy(
    R.glueSecurityConfiguration,
    validateResourceOfType(glue.Job, report(R.glueSecurityConfiguration)),
    validateResourceOfType(glue.Crawler, report(R.glueSecurityConfiguration)),
  ),
  resourcePolicy(
    R.workgroupEnforced,
    validateResourceOfType(athena.Workgroup, report(R.workgroupEnforced)),
  ),
  resourcePolicy(
    R.logRetention,
    validateResourceOfType(cloudwatch.LogGroup, report(R.logRetention)),
  ),
  resourcePolicy(
    R.triggersInWorkflow,
    validateResourceOfType(glue.Trigger, report(R.triggersInWorkflow)),
  ),
  resourcePolicy(R.alertsEncrypted, validateResourceOfType(sns.Topic, report(R.alertsEncrypted))),
  resourcePolicy(
    R.alertTargetsDeadLetter,
    validateResourceOfType(cloudwatch.EventTarget, report(R.alertTargetsDeadLetter)),
  ),
  resourcePolicy(R.queuesEncrypted, validateResourceOfType(sqs.Queue, report(R.queuesEncrypted))),
];

const resourceRuleNames = new Set(resourcePolicies.map((p) => p.name));

export const stackPolicies: StackValidationPolicy[] = GUARDRAIL_RULES.filter(
  (r) => !resourceRuleNames.has(r.name),
).map((rule) => ({
  name: rule.name,
  description: rule.description,
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    for (const violation of rule.check(checkedFromPolicy(args.resources)))
      reportViolation(violation.message, violation.resource);
  },
}));

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...stackPolicies,
  ...resourcePolicies,
];
