/** Adapts resources recorded under Pulumi mocks to what the guardrail rules check. */
import type { RecordedResource } from "../../harness/mock-program";
import type { CheckedResource } from "../../policy/rules";
import { effectiveTags } from "../../policy/rules";

export function checkedFromMocks(resources: RecordedResource[]): CheckedResource[] {
  const providers = new Map(
    resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.name, r]),
  );
  return resources
    .filter((r) => !r.type.startsWith("pulumi:providers:") && r.type.startsWith("aws:"))
    .map((r) => ({
      key: `${r.type}::${r.name}`,
      type: r.type,
      name: r.name,
      props: r.state,
      tags: effectiveTags(
        r.provider ? providers.get(r.provider)?.inputs.defaultTags : undefined,
        r.inputs.tags,
      ),
      dependsOn: [],
    }));
}
