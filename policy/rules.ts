/**
 * Guardrails every stack of this program must satisfy, as plain functions over the stack's
 * resources. The same functions back the unit tests (over Pulumi mocks) and the @pulumi/policy
 * pack in policy/index.ts (over a real `pulumi preview`). No Pulumi imports.
 */
import { isTaggable } from "./taggable";

/** A resource as the rules see it, whichever side (mocks or policy pack) produced it. */
export interface CheckedResource {
  /** Unique key: the URN in the policy pack, type + logical name under mocks. */
  key: string;
  type: string;
  name: string;
  /** Inputs, plus outputs where known. */
  props: Record<string, any>;
  /** Effective tags: the provider's default tags overlaid with the resource's own. */
  tags: Record<string, string>;
  /** Keys of the resources it depends on (empty under mocks, where values link resources). */
  dependsOn: string[];
}

export interface Violation {
  rule: string;
  resource: string;
  message: string;
}

export interface GuardrailRule {
  name: string;
  description: string;
  check(resources: CheckedResource[]): Violation[];
}

/** Actions AWS offers no resource-level permission for: only these may have Resource "*". */
export const UNSCOPABLE_ACTIONS: readonly string[] = [
  "cloudwatch:PutMetricData",
  // Lake Formation vends data by its own grants; the action has no resource (Lake Formation
  // guide, "Lake Formation personas and IAM permissions reference").
  "lakeformation:GetDataAccess",
];

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

function parseDocument(value: unknown): { Statement?: Statement | Statement[] } | undefined {
  if (typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return value && typeof value === "object" ? (value as { Statement?: Statement[] }) : undefined;
}

/** Policy documents a resource carries, and whether they are identity (vs resource) policies. */
function policyDocuments(
  r: CheckedResource,
): { doc: { Statement?: Statement | Statement[] }; identity: boolean }[] {
  const docs: { value: unknown; identity: boolean }[] = [];
  switch (r.type) {
    case "aws:iam/rolePolicy:RolePolicy":
    case "aws:iam/policy:Policy":
    case "aws:iam/userPolicy:UserPolicy":
    case "aws:iam/groupPolicy:GroupPolicy":
      docs.push({ value: r.props.policy, identity: true });
      break;
    case "aws:iam/role:Role":
      docs.push({ value: r.props.assumeRolePolicy, identity: false });
      for (const inline of r.props.inlinePolicies ?? [])
        docs.push({ value: inline.policy, identity: true });
      break;
    case "aws:s3/bucketPolicy:BucketPolicy":
    case "aws:sns/topicPolicy:TopicPolicy":
    case "aws:kms/key:Key":
      docs.push({ value: r.props.policy, identity: false });
      break;
  }
  return docs.flatMap(({ value, identity }) => {
    const doc = parseDocument(value);
    return doc ? [{ doc, identity }] : [];
  });
}

function allowStatements(doc: { Statement?: Statement | Statement[] }): Statement[] {
  return [doc.Statement ?? []].flat().filter((s) => s.Effect === "Allow");
}

function rule(
  name: string,
  description: string,
  check: (
    resources: CheckedResource[],
    fail: (r: CheckedResource, message: string) => void,
  ) => void,
): GuardrailRule {
  return {
    name,
    description,
    check(resources) {
      const violations: Violation[] = [];
      check(resources, (r, message) =>
        violations.push({
          rule: name,
          resource: r.key,
          message: `${r.type} ${r.name}: ${message}`,
        }),
      );
      return violations;
    },
  };
}

const ofType = (resources: CheckedResource[], type: string) =>
  resources.filter((r) => r.type === type);

/** Bucket-scoped resources name their bucket by value (mocks) or depend on it (preview). */
function guardsOf(
  bucket: CheckedResource,
  resources: CheckedResource[],
  type: string,
): CheckedResource[] {
  return ofType(resources, type).filter(
    (g) =>
      (bucket.props.bucket !== undefined && g.props.bucket === bucket.props.bucket) ||
      g.dependsOn.includes(bucket.key),
  );
}

const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
];

/** A rule that every bucket has a guard resource of `type` (its encryption, …) that `holds`. */
function bucketGuardRule(
  name: string,
  description: string,
  type: string,
  holds: (guard: CheckedResource) => boolean,
  lacks: string,
): GuardrailRule {
  return rule(name, description, (resources, fail) => {
    for (const bucket of ofType(resources, "aws:s3/bucket:Bucket")) {
      if (!guardsOf(bucket, resources, type).some(holds)) fail(bucket, lacks);
    }
  });
}

/**
 * A rule about one resource's own inputs, typed by what it reads (as pulumi-policy-aws writes its
 * rules). The policy pack runs it per resource with `validateResourceOfType` (policies.ts); the
 * unit tests run it over the mocked stack through `asGuardrail`. It returns what is wrong.
 */
export interface ResourceRule<P> {
  name: string;
  description: string;
  /** Pulumi type tokens of the resources it applies to. */
  types: string[];
  check(props: P): string[];
}

const problems = (...found: (string | false)[]): string[] =>
  found.filter((f): f is string => Boolean(f));

export const RESOURCE_RULES = {
  glueSecurityConfiguration: {
    name: "glue-security-configuration",
    description: "Every Glue job and crawler runs with a security configuration.",
    types: ["aws:glue/job:Job", "aws:glue/crawler:Crawler"],
    check: (r: { securityConfiguration?: string }) =>
      problems(!r.securityConfiguration && "has no securityConfiguration"),
  } satisfies ResourceRule<{ securityConfiguration?: string }>,
  workgroupEnforced: {
    name: "workgroup-enforced",
    description: "Every Athena workgroup enforces its configuration and encrypts results.",
    types: ["aws:athena/workgroup:Workgroup"],
    check: (w: {
      configuration?: {
        enforceWorkgroupConfiguration?: boolean;
        resultConfiguration?: { encryptionConfiguration?: { encryptionOption?: string } };
      };
    }) =>
      problems(
        w.configuration?.enforceWorkgroupConfiguration !== true &&
          "does not enforce its configuration",
        !w.configuration?.resultConfiguration?.encryptionConfiguration?.encryptionOption &&
          "does not encrypt query results",
      ),
  },
  logRetention: {
    name: "log-retention",
    description: "Every log group has a retention.",
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    check: (g: { retentionInDays?: number }) =>
      problems(!(Number(g.retentionInDays) > 0) && "keeps logs forever (no retentionInDays)"),
  },
  triggersInWorkflow: {
    name: "triggers-in-workflow",
    description:
      "Every SCHEDULED or CONDITIONAL Glue trigger belongs to a workflow (a job started outside its workflow fires none of the workflow's triggers), except a heartbeat: a SCHEDULED trigger whose every action passes --heartbeat true (a read-only run that publishes the view's age).",
    types: ["aws:glue/trigger:Trigger"],
    check: (t: {
      type?: string;
      workflowName?: string;
      actions?: { arguments?: Record<string, string> }[];
    }) => {
      const heartbeat =
        t.type === "SCHEDULED" &&
        (t.actions ?? []).length > 0 &&
        (t.actions ?? []).every((a) => a.arguments?.["--heartbeat"] === "true");
      return problems(
        (t.type === "SCHEDULED" || t.type === "CONDITIONAL") &&
          !t.workflowName &&
          !heartbeat &&
          `is ${t.type} outside any workflow`,
      );
    },
  },
  alertsEncrypted: {
    name: "alerts-encrypted",
    description: "Every SNS topic is encrypted.",
    types: ["aws:sns/topic:Topic"],
    check: (t: { kmsMasterKeyId?: string }) =>
      problems(!t.kmsMasterKeyId && "is not encrypted (no kmsMasterKeyId)"),
  },
  alertTargetsDeadLetter: {
    name: "alert-targets-dead-letter",
    description:
      "Every EventBridge target has a dead-letter queue, so an undeliverable alert is kept (cdk-nag EventBusDLQ).",
    types: ["aws:cloudwatch/eventTarget:EventTarget"],
    check: (t: { deadLetterConfig?: { arn?: string } }) =>
      problems(!t.deadLetterConfig?.arn && "has no deadLetterConfig"),
  },
  queuesEncrypted: {
    name: "queues-encrypted",
    description: "Every SQS queue is encrypted at rest.",
    types: ["aws:sqs/queue:Queue"],
    check: (q: { sqsManagedSseEnabled?: boolean; kmsMasterKeyId?: string }) =>
      problems(
        q.sqsManagedSseEnabled !== true &&
          !q.kmsMasterKeyId &&
          "is not encrypted (neither sqsManagedSseEnabled nor kmsMasterKeyId)",
      ),
  },
};

const RESOURCE_RULE_LIST: ResourceRule<any>[] = Object.values(RESOURCE_RULES);

/** A resource rule run over a whole stack's resources, for the unit tests. */
function asGuardrail(r: ResourceRule<any>): GuardrailRule {
  return rule(r.name, r.description, (resources, fail) => {
    for (const resource of resources.filter((x) => r.types.includes(x.type))) {
      for (const problem of r.check(resource.props)) fail(resource, problem);
    }
  });
}

/** Rules that look at several resources at once: the bucket guards, tags and policy documents. */
export const GUARDRAIL_RULES: GuardrailRule[] = [
  rule(
    "no-wildcard-actions",
    "No policy statement allows an action with a wildcard, or uses NotAction.",
    (resources, fail) => {
      for (const r of resources) {
        for (const { doc } of policyDocuments(r)) {
          for (const s of allowStatements(doc)) {
            const wild = list(s.Action).filter((a) => a.includes("*"));
            if (wild.length > 0) fail(r, `allows wildcard action(s) ${wild.join(", ")}`);
            if (s.NotAction !== undefined)
              fail(r, "allows through NotAction, which grants everything not listed");
          }
        }
      }
    },
  ),
  rule(
    "star-resources-only-for-unscopable-actions",
    `Identity policies use Resource "*" only for actions that cannot be scoped (${UNSCOPABLE_ACTIONS.join(", ")}).`,
    (resources, fail) => {
      for (const r of resources) {
        for (const { doc, identity } of policyDocuments(r)) {
          // In resource policies (bucket, topic, key) "*" is the resource itself.
          if (!identity) continue;
          for (const s of allowStatements(doc)) {
            const starred = list(s.Resource).includes("*") || s.NotResource !== undefined;
            const scopable = list(s.Action).filter((a) => !UNSCOPABLE_ACTIONS.includes(a));
            if (starred && scopable.length > 0)
              fail(r, `grants ${scopable.join(", ")} on every resource ("*")`);
          }
        }
      }
    },
  ),
  bucketGuardRule(
    "bucket-encrypted",
    "Every bucket has default server-side encryption.",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    (config) =>
      (config.props.rules ?? []).some((x: any) =>
        ["AES256", "aws:kms", "aws:kms:dsse"].includes(
          x.applyServerSideEncryptionByDefault?.sseAlgorithm,
        ),
      ),
    "has no default encryption",
  ),
  bucketGuardRule(
    "bucket-public-access-blocked",
    "Every bucket blocks public access with all four flags.",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    (block) => PUBLIC_ACCESS_FLAGS.every((flag) => block.props[flag] === true),
    `lacks a public access block with ${PUBLIC_ACCESS_FLAGS.join(", ")} all true`,
  ),
  bucketGuardRule(
    "bucket-tls-only",
    "Every bucket's policy denies requests without TLS.",
    "aws:s3/bucketPolicy:BucketPolicy",
    (policy) =>
      [parseDocument(policy.props.policy)?.Statement ?? []]
        .flat()
        .some(
          (s: any) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false",
        ),
    "has no policy statement denying aws:SecureTransport false",
  ),
  bucketGuardRule(
    "bucket-owner-enforced",
    "Every bucket enforces bucket-owner object ownership (no ACLs).",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    (ownership) => ownership.props.rule?.objectOwnership === "BucketOwnerEnforced",
    "lacks ownership controls set to BucketOwnerEnforced",
  ),
  rule(
    "cost-tags",
    "Every taggable resource carries the project and stack tags.",
    (resources, fail) => {
      for (const r of resources.filter((x) => isTaggable(x.type))) {
        const missing = ["project", "stack"].filter((t) => !r.tags[t]);
        if (missing.length > 0) fail(r, `lacks tag(s) ${missing.join(", ")}`);
      }
    },
  ),
  rule(
    "bucket-access-logging",
    "Every bucket records its requests with S3 server access logging, or is the log bucket others log to (AWSGuard s3-bucket-logging-enabled, cdk-nag S1).",
    (resources, fail) => {
      const logging = ofType(resources, "aws:s3/bucketLogging:BucketLogging");
      for (const bucket of ofType(resources, "aws:s3/bucket:Bucket")) {
        const name = bucket.props.bucket;
        // Under a preview the names may be unknown; the logging resource then depends on both buckets.
        const covered = logging.some((l) =>
          name !== undefined && l.props.bucket !== undefined
            ? l.props.bucket === name || l.props.targetBucket === name
            : l.dependsOn.includes(bucket.key),
        );
        if (!covered) fail(bucket, "has no server access logging and is no log bucket");
      }
    },
  ),
  ...RESOURCE_RULE_LIST.map(asGuardrail),
];

export function checkStack(
  resources: CheckedResource[],
  rules: GuardrailRule[] = GUARDRAIL_RULES,
): Violation[] {
  return rules.flatMap((r) => r.check(resources));
}

/** Provider default tags arrive as an object or, for provider inputs, as JSON text. */
export function effectiveTags(
  providerDefaultTags: unknown,
  ownTags: unknown,
): Record<string, string> {
  const defaults =
    typeof providerDefaultTags === "string" ? safeJson(providerDefaultTags) : providerDefaultTags;
  return {
    ...((defaults as { tags?: Record<string, string> })?.tags ?? {}),
    ...((ownTags as Record<string, string>) ?? {}),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
