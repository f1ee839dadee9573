/**
 * Runs the real program (index.ts) under Pulumi's mocks with a given stack config and records
 * every resource it declares. A harness shared by `ddbsnap plan`, the tests, the guardrail suite
 * and the bench; its one reach into Pulumi's internals is fenced in pulumi-internals.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { waitForPendingRegistrations } from "./pulumi-internals";

export const PROJECT = "ddb-athena-snapshots";
export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "ap-northeast-1";

/** The Pulumi type tokens of the resources the tests look up. */
export const TYPES = {
  bucket: "aws:s3/bucket:Bucket",
  bucketLifecycleConfiguration: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  bucketLogging: "aws:s3/bucketLogging:BucketLogging",
  bucketObjectv2: "aws:s3/bucketObjectv2:BucketObjectv2",
  bucketOwnershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketServerSideEncryptionConfiguration:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  catalogDatabase: "aws:glue/catalogDatabase:CatalogDatabase",
  catalogTable: "aws:glue/catalogTable:CatalogTable",
  catalogTableOptimizer: "aws:glue/catalogTableOptimizer:CatalogTableOptimizer",
  classifier: "aws:glue/classifier:Classifier",
  connection: "aws:glue/connection:Connection",
  crawler: "aws:glue/crawler:Crawler",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  job: "aws:glue/job:Job",
  key: "aws:kms/key:Key",
  lakeFormationOptIn: "aws:lakeformation/optIn:OptIn",
  lakeFormationPermissions: "aws:lakeformation/permissions:Permissions",
  lakeFormationResource: "aws:lakeformation/resource:Resource",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  policy: "aws:iam/policy:Policy",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  securityConfiguration: "aws:glue/securityConfiguration:SecurityConfiguration",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  topicSubscription: "aws:sns/topicSubscription:TopicSubscription",
  trigger: "aws:glue/trigger:Trigger",
  workflow: "aws:glue/workflow:Workflow",
  workgroup: "aws:athena/workgroup:Workgroup",
} as const;

export interface RecordedResource {
  type: string;
  /** Pulumi's logical name. */
  name: string;
  inputs: Record<string, any>;
  /** What the mock says AWS returned (inputs plus computed names and ARNs). */
  state: Record<string, any>;
  /** Logical name of the explicit provider the resource uses, if any. */
  provider?: string;
}

/** Computed attributes as AWS would fill them, so names and ARNs flow between resources. */
function computedState(
  type: string,
  name: string,
  inputs: Record<string, any>,
  account: string,
): Record<string, any> {
  const physical = inputs.name ?? `${name}-0a1b2c3`;
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  const state: Record<string, any> = { ...inputs, name: physical };
  switch (type) {
    case "aws:s3/bucket:Bucket":
      state.bucket = inputs.bucket ?? `${name}-0a1b2c3`;
      state.arn = `arn:aws:s3:::${state.bucket}`;
      break;
    case "aws:iam/role:Role":
      state.arn = `arn:aws:iam::${account}:role/${physical}`;
      break;
    default:
      state.arn = `arn:aws:${service}:${MOCK_REGION}:${account}:${physical}`;
  }
  return state;
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, any>;
  /** Logical name of the explicit provider the call went through, if any. */
  provider?: string;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly calls: RecordedCall[] = [];
  /**
   * `callResults`: answers for data-source calls by token, on top of the defaults. `account`: the
   * account the stack deploys to (the stack's single `aws:allowedAccountIds`, else MOCK_ACCOUNT).
   */
  constructor(
    private readonly callResults: Record<string, (inputs: any) => Record<string, any>> = {},
    readonly account: string = MOCK_ACCOUNT,
  ) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const state = computedState(args.type, args.name, args.inputs, this.account);
    // A provider reference is `<urn>::<id>`, and a URN ends in `::<name>`.
    const provider = args.provider ? args.provider.split("::").slice(-2, -1)[0] : undefined;
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, state, provider });
    const id = args.type === "aws:s3/bucket:Bucket" ? state.bucket : `${args.name}-id`;
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    this.calls.push({
      token: args.token,
      inputs: args.inputs,
      provider: args.provider ? args.provider.split("::").slice(-2, -1)[0] : undefined,
    });
    const custom = this.callResults[args.token];
    if (custom) return custom(args.inputs);
    switch (args.token) {
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:index/getRegion:getRegion":
        return { region: MOCK_REGION, name: MOCK_REGION, id: MOCK_REGION };
      case "aws:dynamodb/getTable:getTable":
        // Offline there is no table to describe: assume export-mode tables have PITR on.
        return {
          name: args.inputs.name,
          arn: `arn:aws:dynamodb:${MOCK_REGION}:${this.account}:table/${args.inputs.name}`,
          pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 35 },
        };
      case "aws:glue/getCatalogTable:getCatalogTable":
        // Offline there is no catalog to look in: assume the views and tables exist (as after
        // the first runs), so the plan shows every Lake Formation grant.
        return {
          name: args.inputs.name,
          databaseName: args.inputs.databaseName,
          arn: `arn:aws:glue:${MOCK_REGION}:${this.account}:table/${args.inputs.databaseName}/${args.inputs.name}`,
        };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId: this.account,
          arn: `arn:aws:iam::${this.account}:user/test`,
          userId: "AIDTEST",
          id: this.account,
        };
      default:
        throw new Error(`unexpected data source call in the mocks: ${args.token}`);
    }
  }
}

/**
 * The account a stack pins with a single `aws:allowedAccountIds` (the provider refuses any other):
 * the mocks then deploy there, so names and policies that hold the account are the real ones.
 */
export function pinnedAccount(config: Record<string, unknown>): string | undefined {
  const value = config["aws:allowedAccountIds"];
  const list = typeof value === "string" ? safeJson(value) : value;
  return Array.isArray(list) && list.length === 1 && /^\d{12}$/.test(String(list[0]))
    ? String(list[0])
    : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The ARN of `resource` in the mocks' account and region, e.g. mockArn("dynamodb", "table/Orders"). */
export function mockArn(service: string, resource: string): string {
  return `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT}:${resource}`;
}

/** Resolves an Output to its value through `apply`, the public API. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value))
    return resolveDeep(await promiseOf(value as pulumi.Output<unknown>));
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (value && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

export const PROGRAM_PATH = path.join(__dirname, "..", "index.ts");

/**
 * Declares the stack `stack` with the given config (keys without the project namespace are put in
 * it; `aws:region` and the like are kept as they are) and returns what was declared.
 */
export async function runProgram(
  config: Record<string, unknown>,
  options: { stack?: string; mocks?: RecordingMocks } = {},
): Promise<ProgramRun> {
  const mocks = options.mocks ?? new RecordingMocks({}, pinnedAccount(config) ?? MOCK_ACCOUNT);
  await pulumi.runtime.setMocks(mocks, PROJECT, options.stack ?? "dev", false);
  const flat: Record<string, string> = { "aws:region": MOCK_REGION };
  for (const [key, value] of Object.entries(config)) {
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    flat[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  pulumi.runtime.setAllConfig(flat);

  delete require.cache[require.resolve(PROGRAM_PATH)];
  // Pulumi records `new Error().stack` for every promise and resource it makes (for leak and
  // error messages), and under ts-node each stack is source-mapped: over half of a mocked run's
  // time. Nothing reads those stacks here, so they stay empty while the program runs.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    // index.ts exports an async function, as Pulumi allows; Pulumi calls it and awaits the outputs.
    const exported = require(PROGRAM_PATH) as
      Record<string, unknown> | (() => Promise<Record<string, unknown>>);
    const program = typeof exported === "function" ? await exported() : exported;
    const outputs = (await resolveDeep(program)) as Record<string, unknown>;
    await waitForPendingRegistrations();
    return new ProgramRun(mocks.resources, outputs);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** What one mocked program run declared, with the lookups the tests make. */
export class ProgramRun {
  constructor(
    readonly resources: RecordedResource[],
    readonly outputs: Record<string, unknown>,
  ) {}

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of `type` whose physical name is `name`. */
  named(type: string, name: string): RecordedResource {
    const found = this.ofType(type).filter((r) => r.state.name === name);
    if (found.length !== 1) {
      const have = this.ofType(type).map((r) => r.state.name);
      throw new Error(
        `expected one ${type} named ${name}, found ${found.length} (have: ${have.join(", ")})`,
      );
    }
    return found[0];
  }

  /** The policy documents attached to a role (its managed policies, in declaration order). */
  attachedPolicies(
    role: RecordedResource,
  ): { policy: RecordedResource; document: { Statement: any[] } }[] {
    const attachments = this.ofType(TYPES.rolePolicyAttachment).filter(
      (a) => a.inputs.role === role.state.name,
    );
    return attachments.map((a) => {
      const policy = this.ofType(TYPES.policy).find((p) => p.state.arn === a.inputs.policyArn);
      if (!policy)
        throw new Error(
          `attachment ${a.name} points at no declared policy (${a.inputs.policyArn})`,
        );
      return { policy, document: JSON.parse(policy.inputs.policy) };
    });
  }

  /** The role of one configured table (found by its description) and all its statements. */
  tableRoleStatements(table: string): { role: RecordedResource; statements: any[] } {
    const role = this.ofType(TYPES.role).find((r) => r.inputs.description.endsWith(` ${table}`));
    if (!role) throw new Error(`no role for table ${table}`);
    return { role, statements: this.attachedPolicies(role).flatMap((p) => p.document.Statement) };
  }

  /** The bucket declared under `logicalName`, and the one resource of `type` that configures it. */
  bucketPart(logicalName: string, type?: string): RecordedResource {
    const bucket = this.resources.find((r) => r.type === TYPES.bucket && r.name === logicalName);
    if (!bucket) throw new Error(`no bucket declared as ${logicalName}`);
    if (!type) return bucket;
    const parts = this.ofType(type).filter((r) => r.inputs.bucket === bucket.state.bucket);
    if (parts.length !== 1)
      throw new Error(`expected one ${type} for bucket ${logicalName}, found ${parts.length}`);
    return parts[0];
  }

  /** The physical name of the snapshot bucket. */
  get snapshotsBucket(): string {
    return this.bucketPart("snapshots-bucket").state.bucket;
  }
}
