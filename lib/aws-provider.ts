/**
 * The stack's `aws:` settings, as arguments for the explicit AWS provider every resource (and the
 * deploy-time checks) use. An explicit provider does not read the stack's `aws:` configuration by
 * itself, so without this `aws:profile`, `aws:assumeRoles`, `aws:allowedAccountIds`,
 * `aws:defaultTags` and the rest would be silently ignored. Pure: no Pulumi imports.
 */

const AWS_NAMESPACE = "aws:";

/** Settings whose values are credentials: the program marks them secret. */
export const SECRET_AWS_SETTINGS = ["accessKey", "secretKey", "token"] as const;

/** Settings Pulumi stores as numbers. */
const NUMERIC_AWS_SETTINGS = ["maxRetries", "tokenBucketRateLimiterCapacity"];

/** A config value as Pulumi hands it over (text), turned back into what the provider expects. */
function settingValue(key: string, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text;
    }
  }
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  if (NUMERIC_AWS_SETTINGS.includes(key) && /^\d+$/.test(trimmed)) return Number(trimmed);
  return text;
}

/**
 * Provider arguments from every `aws:` key of the stack config, with the project's tags merged
 * into `defaultTags` (the user's own default tags are kept; `project` and `stack` are the
 * project's, since the CLI and the guardrails rely on them).
 */
export function awsProviderSettings(
  allConfig: Record<string, string>,
  projectTags: Record<string, string>,
): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(allConfig)) {
    if (!fullKey.startsWith(AWS_NAMESPACE)) continue;
    const key = fullKey.slice(AWS_NAMESPACE.length);
    settings[key] = settingValue(key, text);
  }
  const userDefaultTags = settings.defaultTags as { tags?: Record<string, string> } | undefined;
  settings.defaultTags = {
    ...(userDefaultTags ?? {}),
    tags: { ...(userDefaultTags?.tags ?? {}), ...projectTags },
  };
  return settings;
}
