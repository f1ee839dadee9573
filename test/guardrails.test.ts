import { expect } from "chai";
import { readFileSync } from "fs";
import * as path from "path";
import { runProgram, TYPES } from "../harness/mock-program";
import { readStackFile } from "../cli/stack";
import { checkedFromMocks } from "./helpers/mocked-stack";
import { checkedFromPolicy, policies, resourcePolicies, stackPolicies } from "../policy/policies";
import type { CheckedResource } from "../policy/rules";
import { checkStack, GUARDRAIL_RULES } from "../policy/rules";
import { FORMATS, MODES } from "../lib/config";
import { WORKER_TYPES } from "../lib/glue-facts";
import { isTaggable, TAGGABLE_TYPES } from "../lib/tags";

const ROOT = path.join(__dirname, "..");
const KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const READER = "arn:aws:iam::123456789012:role/analyst";

/** The example stack's config, as Pulumi would hand it to the program. */
function exampleStackConfig(): Record<string, unknown> {
  return readStackFile(ROOT, "dev").values;
}

/** A spread of stacks covering every format, mode and worker type, with and without KMS and alerts. */
function generatedConfigs(): { label: string; config: Record<string, unknown> }[] {
  const alerts = [
    {},
    { alertEmail: "ops@example.com" },
    { alertTopicArn: "arn:aws:sns:ap-northeast-1:123456789012:ops-alerts" },
  ];
  const glueVersions = ["4.0", "5.0", "5.1", "6.0", "6.1"];
  return [0, 1, 2, 3, 4, 5].map((i) => {
    const tables = [0, 1, 2].map((j) => {
      const workerType = WORKER_TYPES[(i * 3 + j) % WORKER_TYPES.length];
      const mode = MODES[(i + j) % MODES.length];
      return {
        name: `Table${i}${j}`,
        // Incremental mode stores Parquet (Iceberg) and needs Glue 5.0 or newer.
        format: mode === "incremental" ? "parquet" : FORMATS[(i + j) % FORMATS.length],
        mode,
        workerType,
        workers: 2 + i + j,
        // Graviton workers run on Glue 6.1 only.
        glueVersion: workerType.endsWith(".GRAVITON")
          ? "6.1"
          : mode === "incremental"
            ? "5.1"
            : glueVersions[(i + j) % glueVersions.length],
        ...(j === 0 && (workerType === "G.1X" || workerType === "G.2X")
          ? { executionClass: "FLEX" }
          : {}),
        ...(j === 2 ? { enabled: false } : {}),
        // Tables elsewhere, readers and sensitive columns (docs/security.md) in the last two.
        ...(i >= 4 && j === 0 ? { region: "us-east-1", readers: [READER] } : {}),
        ...(i >= 4 && j === 1
          ? { sourceRoleArn: "arn:aws:iam::210987654321:role/ddbsnap-source" }
          : {}),
        ...(i >= 4 ? { columns: { email: "hash", ssn: "exclude" } } : {}),
      };
    });
    const config = {
      tables,
      ...(i % 2 === 1 ? { kmsKeyArn: KEY } : {}),
      ...alerts[i % 3],
      ...(i >= 4
        ? {
            readers: [READER],
            hashKey: "arn:aws:ssm:ap-northeast-1:123456789012:parameter/ddbsnap/hmac",
            lakeFormation: i === 5,
          }
        : {}),
    };
    const label =
      tables.map((t) => `${t.format}/${t.mode}/${t.workerType}`).join(", ") +
      (i % 2 ? " +kms" : "") +
      (i >= 4 ? ` +elsewhere +readers${i === 5 ? " +lakeFormation" : ""} +hash` : "") +
      ` alerts:${Object.keys(alerts[i % 3])[0] ?? "own"}`;
    return { label, config };
  });
}

describe("guardrails hold on every stack the program makes", () => {
  it("the example stack (Pulumi.dev.yaml) breaks no rule", async () => {
    const run = await runProgram(exampleStackConfig());
    expect(run.ofType(TYPES.workflow)).to.have.length(2);
    expect(checkStack(checkedFromMocks(run.resources))).to.deep.equal([]);
  });

  it("the second example stack (Pulumi.analytics.yaml: a table elsewhere, readers, hashed columns) breaks no rule", async () => {
    const run = await runProgram(readStackFile(ROOT, "analytics").values, { stack: "analytics" });
    expect(run.ofType(TYPES.workflow)).to.have.length(2);
    expect(checkStack(checkedFromMocks(run.resources))).to.deep.equal([]);
  });

  const configs = generatedConfigs();
  it("the generated spread covers every format, mode and worker type, with and without KMS and alerts", () => {
    const tables = configs.flatMap(
      (c) => c.config.tables as { format: string; mode: string; workerType: string }[],
    );
    expect(new Set(tables.map((t) => t.format))).to.have.length(FORMATS.length);
    expect(new Set(tables.map((t) => t.mode))).to.have.length(MODES.length);
    expect(new Set(tables.map((t) => t.workerType))).to.have.length(WORKER_TYPES.length);
    expect(configs.filter((c) => "kmsKeyArn" in c.config)).to.not.be.empty;
    expect(configs.filter((c) => "alertTopicArn" in c.config)).to.not.be.empty;
  });

  for (const { label, config } of configs) {
    it(`breaks no rule: ${label}`, async () => {
      const run = await runProgram(config);
      const checked = checkedFromMocks(run.resources);
      expect(checked.length).to.be.greaterThan(30);
      expect(checkStack(checked)).to.deep.equal([]);
    });
  }
});

/** A minimal stack that passes every rule; each bad case below breaks exactly one thing. */
function goodStack(): CheckedResource[] {
  const r = (
    type: string,
    name: string,
    props: Record<string, any>,
    tags: Record<string, string> = {},
  ): CheckedResource => ({
    key: `${type}::${name}`,
    type,
    name,
    props,
    tags: isTaggable(type) ? { project: "p", stack: "s", ...tags } : tags,
    dependsOn: [],
  });
  const statement = (Action: string[], Resource: string | string[]) => ({
    Effect: "Allow",
    Action,
    Resource,
  });
  /** A bucket with every guard, its resources named `<prefix>sse`, `<prefix>pab`, ... */
  const guardedBucket = (logical: string, bucket: string, prefix: string) => [
    r(TYPES.bucket, logical, { bucket }),
    r(TYPES.bucketServerSideEncryptionConfiguration, `${prefix}sse`, {
      bucket,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }),
    r(TYPES.bucketPublicAccessBlock, `${prefix}pab`, {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    r(TYPES.bucketOwnershipControls, `${prefix}own`, {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }),
    r(TYPES.bucketPolicy, `${prefix}tls`, {
      bucket,
      policy: JSON.stringify({
        Statement: [
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: "*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    }),
  ];
  return [
    ...guardedBucket("bucket", "b", ""),
    r(TYPES.rolePolicy, "policy", {
      policy: JSON.stringify({
        Statement: [
          statement(["s3:GetObject"], "arn:aws:s3:::b/x/*"),
          statement(["cloudwatch:PutMetricData"], "*"),
        ],
      }),
    }),
    r(TYPES.job, "job", { securityConfiguration: "sc" }),
    r(TYPES.crawler, "crawler", { securityConfiguration: "sc" }),
    r(TYPES.workgroup, "wg", {
      configuration: {
        enforceWorkgroupConfiguration: true,
        resultConfiguration: { encryptionConfiguration: { encryptionOption: "SSE_S3" } },
      },
    }),
    r(TYPES.logGroup, "logs", { retentionInDays: 30 }),
    r(TYPES.trigger, "trigger", { type: "CONDITIONAL", workflowName: "wf" }),
    r(TYPES.topic, "topic", { kmsMasterKeyId: KEY }),
    ...guardedBucket("log-bucket", "logs", "log-"),
    r(TYPES.bucketLogging, "access-logging", {
      bucket: "b",
      targetBucket: "logs",
      targetPrefix: "b/",
    }),
    r(TYPES.queue, "dead-letters", { sqsManagedSseEnabled: true }),
    r(TYPES.eventTarget, "alert-target", {
      arn: "topic",
      deadLetterConfig: { arn: "queue" },
    }),
  ];
}

function edit(
  stack: CheckedResource[],
  name: string,
  change: (r: CheckedResource) => CheckedResource | undefined,
): CheckedResource[] {
  expect(
    stack.some((r) => r.name === name),
    name,
  ).to.equal(true);
  return stack.flatMap((r) =>
    r.name === name ? [change(r)].filter((x): x is CheckedResource => x !== undefined) : [r],
  );
}
const withProps = (props: Record<string, any>) => (r: CheckedResource) => ({
  ...r,
  props: { ...r.props, ...props },
});
const policyWith = (...statements: object[]) =>
  withProps({ policy: JSON.stringify({ Statement: statements }) });

const BAD_CASES: Record<string, (s: CheckedResource[]) => CheckedResource[]> = {
  "no-wildcard-actions": (s) =>
    edit(
      s,
      "policy",
      policyWith({ Effect: "Allow", Action: ["s3:*"], Resource: "arn:aws:s3:::b/*" }),
    ),
  "star-resources-only-for-unscopable-actions": (s) =>
    edit(s, "policy", policyWith({ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" })),
  "bucket-encrypted": (s) => edit(s, "sse", () => undefined),
  "bucket-public-access-blocked": (s) =>
    edit(s, "pab", withProps({ restrictPublicBuckets: false })),
  "bucket-tls-only": (s) =>
    edit(s, "tls", policyWith({ Effect: "Deny", Action: "s3:DeleteBucket", Resource: "*" })),
  "bucket-owner-enforced": (s) =>
    edit(s, "own", withProps({ rule: { objectOwnership: "ObjectWriter" } })),
  "glue-security-configuration": (s) =>
    edit(s, "crawler", withProps({ securityConfiguration: undefined })),
  "workgroup-enforced": (s) =>
    edit(
      s,
      "wg",
      withProps({
        configuration: {
          enforceWorkgroupConfiguration: false,
          resultConfiguration: { encryptionConfiguration: { encryptionOption: "SSE_S3" } },
        },
      }),
    ),
  "log-retention": (s) => edit(s, "logs", withProps({ retentionInDays: undefined })),
  "cost-tags": (s) => edit(s, "job", (r) => ({ ...r, tags: { project: "p" } })),
  "triggers-in-workflow": (s) => edit(s, "trigger", withProps({ workflowName: undefined })),
  "alerts-encrypted": (s) => edit(s, "topic", withProps({ kmsMasterKeyId: undefined })),
  "bucket-access-logging": (s) => edit(s, "access-logging", withProps({ bucket: "other" })),
  "alert-targets-dead-letter": (s) =>
    edit(s, "alert-target", withProps({ deadLetterConfig: undefined })),
  "queues-encrypted": (s) => edit(s, "dead-letters", withProps({ sqsManagedSseEnabled: false })),
};

describe("every guardrail rule can fail", () => {
  it("the baseline stack passes every rule", () => {
    expect(checkStack(goodStack())).to.deep.equal([]);
  });

  it("every rule has a bad case", () => {
    expect(Object.keys(BAD_CASES).sort()).to.deep.equal(GUARDRAIL_RULES.map((r) => r.name).sort());
  });

  for (const rule of GUARDRAIL_RULES) {
    it(`${rule.name} flags a deliberately bad resource, and only that rule does`, () => {
      const violations = checkStack(BAD_CASES[rule.name](goodStack()));
      expect(violations.map((v) => v.rule)).to.deep.equal([rule.name]);
      expect(violations[0].message).to.be.a("string").and.not.be.empty;
    });
  }

  it("flags wildcard actions in resource policies too, but allows a Deny of s3:*", () => {
    const keyWithWildcard = edit(goodStack(), "topic", (r) => r);
    keyWithWildcard.push({
      key: "k",
      type: TYPES.key,
      name: "key",
      props: {
        policy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::1:root" },
              Action: "kms:*",
              Resource: "*",
            },
          ],
        }),
      },
      tags: { project: "p", stack: "s" },
      dependsOn: [],
    });
    expect(checkStack(keyWithWildcard).map((v) => v.rule)).to.deep.equal(["no-wildcard-actions"]);
  });
});

describe("the policy pack runs the same rules", () => {
  const policyResource = (
    type: string,
    urn: string,
    props: Record<string, any>,
    dependencies: any[] = [],
  ): any => ({
    type,
    urn,
    name: urn.split("::").pop(),
    props,
    dependencies,
    provider: {
      type: "pulumi:providers:aws",
      urn: "p",
      name: "aws",
      props: { defaultTags: { tags: { project: "x", stack: "dev" } } },
    },
  });

  it("has one mandatory policy per rule", () => {
    expect(policies.map((p) => p.name)).to.deep.equal(GUARDRAIL_RULES.map((r) => r.name));
    for (const p of policies) expect(p.enforcementLevel).to.equal("mandatory");
  });

  it("links bucket guards by dependency when the bucket name is not known yet (preview)", () => {
    const bucket = policyResource(TYPES.bucket, "urn::bucket", {});
    const sse = policyResource(
      TYPES.bucketServerSideEncryptionConfiguration,
      "urn::sse",
      { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] },
      [bucket],
    );
    const checked = checkedFromPolicy([bucket, sse]);
    expect(checked[0].tags).to.deep.equal({ project: "x", stack: "dev" });
    const rule = GUARDRAIL_RULES.find((r) => r.name === "bucket-encrypted")!;
    expect(rule.check(checked)).to.deep.equal([]);
    expect(rule.check(checkedFromPolicy([bucket]))).to.have.length(1);
  });

  it("reports a stack rule's violations through reportViolation, with the resource's URN", () => {
    const bucket = policyResource(TYPES.bucket, "urn::bucket", { bucket: "b" });
    const reported: [string, string | undefined][] = [];
    const policy = stackPolicies.find((p) => p.name === "bucket-encrypted")!;
    policy.validateStack({ resources: [bucket] } as any, (message: string, urn?: string) =>
      reported.push([message, urn]),
    );
    expect(reported).to.deep.equal([
      ["aws:s3/bucket:Bucket bucket: has no default encryption", "urn::bucket"],
    ]);
  });

  it("runs a resource rule per resource, typed by validateResourceOfType, and only on its own types", () => {
    const policy = resourcePolicies.find((p) => p.name === "glue-security-configuration")!;
    const validators = [policy.validateResource!].flat();
    const run = (type: string, props: Record<string, unknown>) => {
      const reported: string[] = [];
      const args = {
        type,
        props,
        urn: `urn::${type}`,
        name: "x",
        isType: (cls: any) => cls.__pulumiType === type,
        notApplicable: () => undefined,
      };
      for (const validate of validators)
        validate(args as any, (message: string) => reported.push(message));
      return reported;
    };
    expect(run(TYPES.job, {})).to.deep.equal(["has no securityConfiguration"]);
    expect(run(TYPES.crawler, {})).to.deep.equal(["has no securityConfiguration"]);
    expect(run(TYPES.job, { securityConfiguration: "sc" })).to.deep.equal([]);
    expect(run(TYPES.workflow, {})).to.deep.equal([]);
  });
});

describe("the taggable-type list matches the AWS provider's typings", () => {
  it("classifies every AWS resource type the stack declares", async () => {
    const run = await runProgram({
      tables: [{ name: "Reviews", format: "csv" }],
      alertEmail: "ops@example.com",
    });
    const types = [
      ...new Set(run.resources.map((r) => r.type).filter((t) => t.startsWith("aws:"))),
    ];
    for (const type of types) {
      const [, modulePath] = type.split(":");
      const typings = readFileSync(
        path.join(ROOT, "node_modules", "@pulumi", "aws", `${modulePath}.d.ts`),
        "utf8",
      );
      const resourceName = type.split(":")[2];
      const args =
        new RegExp(`export interface ${resourceName}Args \\{([\\s\\S]*?)\\n\\}`).exec(
          typings,
        )?.[1] ?? "";
      expect(args, type).to.not.equal("");
      expect(isTaggable(type), `${type} taggable`).to.equal(/\n\s+tags\?:/.test(args));
    }
    for (const type of TAGGABLE_TYPES.filter((t) => !types.includes(t))) {
      expect.fail(`${type} is listed as taggable but the stack never declares it`);
    }
  });
});

describe("the policy pack is self-contained", () => {
  it("imports nothing from outside policy/ and has its own lockfile, so `npm ci` there is enough", () => {
    const { readdirSync, existsSync } = require("fs") as typeof import("fs");
    const dir = path.join(ROOT, "policy");
    expect(existsSync(path.join(dir, "package-lock.json"))).to.equal(true);
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const imports = [
        ...readFileSync(path.join(dir, file), "utf8").matchAll(/from "([^"]+)"/g),
      ].map((m) => m[1]);
      for (const spec of imports)
        expect(spec, `${file} imports ${spec}`).to.satisfy(
          (s: string) => s.startsWith("./") || s.startsWith("@pulumi/"),
        );
    }
  });
});
