/**
 * The guardrail rules wrapped as @pulumi/policy stack policies. Kept apart from index.ts, which
 * starts the policy pack server, so tests can import them.
 */
import type {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { CheckedResource, effectiveTags, GUARDRAIL_RULES } from "./rules";

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

export const policies: StackValidationPolicy[] = GUARDRAIL_RULES.map((rule) => ({
  name: rule.name,
  description: rule.description,
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    for (const violation of rule.check(checkedFromPolicy(args.resources)))
      reportViolation(violation.message, violation.resource);
  },
}));
