/**
 * Cost-allocation tags. `project` and `stack` come from the AWS provider's default tags; table
 * components add `table`. Pure. The list of taggable types lives with the policy pack, which must
 * be self-contained (policy/taggable.ts); the program reads it from there.
 */
export { isTaggable, TAGGABLE_TYPES } from "../policy/taggable";

export const PROJECT_TAG_VALUE = "ddb-athena-snapshots";

export function stackTags(stack: string): Record<string, string> {
  return { project: PROJECT_TAG_VALUE, stack };
}
