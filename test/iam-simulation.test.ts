/**
 * Offline IAM evaluation of each table role the program declares, with a maintained simulator
 * (@cloud-copilot/iam-simulate): every request the pipeline makes must be allowed, and requests
 * outside the table's own resources denied. The requests are listed in fixtures/iam-requests.ts.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import * as path from "path";
import type { ProgramRun } from "../harness/mock-program";
import { MOCK_ACCOUNT, MOCK_REGION, runProgram, TYPES, mockArn } from "../harness/mock-program";
import { readStackFile } from "../cli/stack";
import type { TableConfig } from "../lib/config";
import { parseStackConfig, rawConfigFromPulumi } from "../lib/config";
import { tableKey } from "../lib/naming";
import type { PipelineFacts, SimulatedRequest } from "./fixtures/iam-requests";
import { pipelineRequests } from "./fixtures/iam-requests";
import type { IncrementalFacts, IncrementalRequest } from "./fixtures/iam-requests-incremental";
import { incrementalRequests, optimizerRequests } from "./fixtures/iam-requests-incremental";
import type { ReaderFacts } from "./fixtures/iam-requests-readers";
import { readerRequests } from "./fixtures/iam-requests-readers";
import type { SourceFacts, SourceRequest } from "./fixtures/iam-requests-source";
import { sourceRequests } from "./fixtures/iam-requests-source";
import type { SourceRolePolicies } from "../lib/source";

const KEY = mockArn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab");

/** The key policy AWS gives a key by default: the account's IAM policies decide. */
const DEFAULT_KEY_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "EnableIamPolicies",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
};

async function decide(
  run: ProgramRun,
  roleArn: string,
  policies: { name: string; policy: any }[],
  request: SimulatedRequest,
): Promise<string> {
  const s3Request = request.action.startsWith("s3:");
  const response = await runSimulation(
    {
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // The snapshot bucket's own policy (TLS only) takes part in every S3 request, as in AWS.
      resourcePolicy: s3Request
        ? JSON.parse(run.bucketPart("snapshots-bucket", TYPES.bucketPolicy).inputs.policy)
        : request.action.startsWith("kms:")
          ? DEFAULT_KEY_POLICY
          : undefined,
      request: {
        action: request.action,
        principal: roleArn,
        resource: { accountId: MOCK_ACCOUNT, resource: request.resource },
        contextVariables: {
          ...(s3Request ? { "aws:SecureTransport": "true" } : {}),
          ...(request.context ?? {}),
        },
      },
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(
      `the simulator rejected ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`,
    );
  }
  return response.overallResult;
}

interface StackCase {
  label: string;
  stack: string;
  config: Record<string, unknown>;
}

const CASES: StackCase[] = [
  {
    label: "the example stack (Pulumi.dev.yaml)",
    stack: "dev",
    config: readStackFile(path.join(__dirname, ".."), "dev").values,
  },
  {
    label: "a KMS + export-mode + Glue 4.0 stack",
    stack: "prod",
    config: {
      kmsKeyArn: KEY,
      tables: [
        { name: "Orders.Events", mode: "export", glueVersion: "4.0", format: "json" },
        { name: "Reviews", glueVersion: "4.0" },
      ],
    },
  },
];

for (const { label, stack, config } of CASES) {
  describe(`IAM simulation: ${label}`, () => {
    let run: ProgramRun;
    let tables: TableConfig[];
    before(async () => {
      run = await runProgram(config, { stack });
      const flat = Object.fromEntries(
        Object.entries(config).map(([k, v]) => [
          k.includes(":") ? k : `ddb-athena-snapshots:${k}`,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      );
      tables = parseStackConfig(rawConfigFromPulumi(flat), stack).tables;
      expect(tables.length).to.be.at.least(2);
    });

    const factsFor = (table: TableConfig, other: TableConfig, roleName: string): PipelineFacts => ({
      region: MOCK_REGION,
      account: MOCK_ACCOUNT,
      bucket: run.snapshotsBucket,
      database: `dynamodb_exports_${stack}`,
      workgroup: `ddbsnap-${stack}`,
      roleName,
      securityConfiguration: `ddbsnap-${stack}`,
      table: {
        name: table.name,
        key: tableKey(table.name),
        format: table.format,
        mode: table.mode as "scan" | "export",
        glueVersion: table.glueVersion,
      },
      other: { name: other.name, key: tableKey(other.name), format: other.format },
      stack,
      kmsKeyArn: config.kmsKeyArn as string | undefined,
    });

    /** The table's role, its attached policies as the simulator takes them, and its requests. */
    const roleOf = (i: number) => {
      const table = tables[i];
      const role = run
        .ofType(TYPES.role)
        .find((r) => r.inputs.description.endsWith(` ${table.name}`))!;
      const policies = run.attachedPolicies(role).map((p) => ({
        name: p.policy.inputs.name,
        policy: p.document,
      }));
      const requests = pipelineRequests(
        factsFor(table, tables[(i + 1) % tables.length], role.state.name),
      );
      return { table, arn: role.state.arn as string, policies, requests };
    };

    it("allows every request each table's export job, crawler, refresh job, Athena and Glue make", async () => {
      for (const i of tables.keys()) {
        const { table, arn, policies, requests } = roleOf(i);
        const { allowed } = requests;
        expect(allowed.length).to.be.greaterThan(50);
        const refused: string[] = [];
        for (const request of allowed) {
          const result = await decide(run, arn, policies, request);
          if (result !== "Allowed")
            refused.push(
              `${request.who} (${request.why}): ${request.action} on ${request.resource} -> ${result}`,
            );
        }
        expect(
          refused,
          `${table.name}: requests the pipeline makes but its role may not`,
        ).to.deep.equal([]);
      }
    });

    it("denies each role everything outside its own table's resources", async () => {
      for (const i of tables.keys()) {
        const { table, arn, policies, requests } = roleOf(i);
        const { denied } = requests;
        const granted: string[] = [];
        for (const request of denied) {
          const result = await decide(run, arn, policies, request);
          if (result === "Allowed")
            granted.push(`${request.why}: ${request.action} on ${request.resource}`);
        }
        expect(granted, `${table.name}: requests its role must not be able to make`).to.deep.equal(
          [],
        );
      }
    });

    it("refuses the same requests over plain HTTP, through the bucket policy", async () => {
      const { arn, policies, requests } = roleOf(0);
      const write = requests.allowed.find((r) => r.why === "writes the snapshot")!;
      expect(await decide(run, arn, policies, write)).to.equal("Allowed");
      const insecure = { ...write, context: { "aws:SecureTransport": "false" } };
      expect(await decide(run, arn, policies, insecure)).to.equal("ExplicitlyDenied");
    });
  });
}

describe("IAM simulation: incremental mode (pipeline role and optimizer role)", () => {
  let run: ProgramRun;
  let facts: IncrementalFacts;
  const config = {
    kmsKeyArn: KEY,
    tables: [{ name: "Orders.Events", mode: "incremental" }, { name: "Reviews" }],
  };
  before(async () => {
    run = await runProgram(config, { stack: "prod" });
    facts = {
      region: MOCK_REGION,
      account: MOCK_ACCOUNT,
      bucket: run.snapshotsBucket,
      database: "dynamodb_exports_prod",
      workgroup: "ddbsnap-prod",
      stack: "prod",
      table: { name: "Orders.Events", key: tableKey("Orders.Events") },
      other: { name: "Reviews", key: tableKey("Reviews") },
    };
  });

  const pipelineRole = () => {
    const role = run
      .ofType(TYPES.role)
      .find((r) => r.inputs.description.endsWith(" Orders.Events"))!;
    const policies = run.attachedPolicies(role).map((p) => ({
      name: p.policy.inputs.name,
      policy: p.document,
    }));
    return { arn: role.state.arn as string, policies };
  };
  const optimizerRole = () => {
    const role = run
      .ofType(TYPES.role)
      .find((r) => r.inputs.description.startsWith("Glue table optimizers"))!;
    const policies = run
      .ofType(TYPES.rolePolicy)
      .filter((p) => p.inputs.role === role.state.name)
      .map((p) => ({ name: p.name, policy: JSON.parse(p.inputs.policy) }));
    expect(policies).to.have.length(1);
    return { arn: role.state.arn as string, policies };
  };

  const outcomes = async (
    role: { arn: string; policies: { name: string; policy: any }[] },
    requests: IncrementalRequest[],
  ) => {
    const results: string[] = [];
    for (const request of requests) {
      const result = await decide(run, role.arn, role.policies, request as SimulatedRequest);
      results.push(
        `${result}: ${request.who} (${request.why}) ${request.action} ${request.resource}`,
      );
    }
    return results;
  };

  it("allows every request the planner, the apply job, Iceberg's catalog and the refresh job make", async () => {
    const { allowed } = incrementalRequests(facts);
    const results = await outcomes(pipelineRole(), allowed);
    expect(results.filter((r) => !r.startsWith("Allowed:"))).to.deep.equal([]);
  });

  it("denies the pipeline role other tables, dropping its table, scans and PITR changes", async () => {
    const { denied } = incrementalRequests(facts);
    const results = await outcomes(pipelineRole(), denied);
    expect(results.filter((r) => r.startsWith("Allowed:"))).to.deep.equal([]);
  });

  it("lets the optimizers maintain only their table's files and catalog entry", async () => {
    const { allowed, denied } = optimizerRequests(facts);
    const role = optimizerRole();
    const granted = await outcomes(role, allowed);
    expect(granted.filter((r) => !r.startsWith("Allowed:"))).to.deep.equal([]);
    const refused = await outcomes(role, denied);
    expect(refused.filter((r) => r.startsWith("Allowed:"))).to.deep.equal([]);
  });
});

describe("IAM simulation: a table in another account, read through its owner's role", () => {
  const SOURCE_ACCOUNT = "210987654321";
  const ORDERS_ROLE = `arn:aws:iam::${SOURCE_ACCOUNT}:role/ddbsnap-orders`;
  const PAYMENTS_ROLE = `arn:aws:iam::${SOURCE_ACCOUNT}:role/ddbsnap-payments`;
  let run: ProgramRun;
  let facts: SourceFacts;
  let owner: Record<string, SourceRolePolicies>;
  before(async () => {
    run = await runProgram(
      {
        tables: [
          { name: "Orders", mode: "export", region: "us-east-1", sourceRoleArn: ORDERS_ROLE },
          { name: "Payments", mode: "incremental", sourceRoleArn: PAYMENTS_ROLE },
          { name: "Reviews" },
        ],
      },
      { stack: "prod" },
    );
    owner = run.outputs.sourceAccess as Record<string, SourceRolePolicies>;
    const pipelineRole = (table: string) => run.tableRoleStatements(table).role.state.arn;
    facts = {
      region: MOCK_REGION,
      account: MOCK_ACCOUNT,
      sourceAccount: SOURCE_ACCOUNT,
      sourceRegion: "us-east-1",
      bucket: run.snapshotsBucket,
      stack: "prod",
      table: {
        name: "Orders",
        key: "orders",
        roleArn: ORDERS_ROLE,
        pipelineRoleArn: pipelineRole("Orders"),
      },
      other: {
        name: "Payments",
        key: "payments",
        roleArn: PAYMENTS_ROLE,
        pipelineRoleArn: pipelineRole("Payments"),
      },
      deployer: `arn:aws:iam::${MOCK_ACCOUNT}:role/administrator`,
    };
  });

  /** The identity policies each principal has: the stack's roles as declared, the owner's as printed. */
  const identityOf = (principal: string): { name: string; policy: any }[] => {
    if (principal === facts.deployer) {
      const everything = { Effect: "Allow", Action: "*", Resource: "*" };
      return [
        { name: "AdministratorAccess", policy: { Version: "2012-10-17", Statement: [everything] } },
      ];
    }
    for (const [table, policies] of Object.entries(owner))
      if (policies.roleArn === principal)
        return [{ name: `${table}-source`, policy: policies.permissionsPolicy }];
    const role = run.ofType(TYPES.role).find((r) => r.state.arn === principal)!;
    return run
      .attachedPolicies(role)
      .map((p) => ({ name: p.policy.inputs.name, policy: p.document }));
  };

  /** The resource's own policy: the source role's trust policy, or the snapshot bucket's. */
  const resourcePolicyOf = (request: SourceRequest) => {
    if (request.action === "sts:AssumeRole")
      return Object.values(owner).find((p) => p.roleArn === request.resource)?.trustPolicy;
    if (request.action.startsWith("s3:"))
      return JSON.parse(run.bucketPart("snapshots-bucket", TYPES.bucketPolicy).inputs.policy);
    return undefined;
  };

  const decideSource = async (request: SourceRequest, identity = identityOf(request.principal)) => {
    const response = await runSimulation(
      {
        identityPolicies: identity,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: resourcePolicyOf(request),
        request: {
          action: request.action,
          principal: request.principal,
          resource: { accountId: request.resourceAccount, resource: request.resource },
          contextVariables: {
            // AWS sets both on every request.
            "aws:PrincipalArn": request.principal,
            "aws:PrincipalAccount": request.principal.split(":")[4],
            ...(request.action.startsWith("s3:") ? { "aws:SecureTransport": "true" } : {}),
            ...(request.context ?? {}),
          },
        },
      },
      {},
    );
    if (response.resultType === "error")
      throw new Error(
        `the simulator rejected ${request.action}: ${JSON.stringify(response.errors)}`,
      );
    return response.overallResult;
  };

  const outcomes = async (requests: SourceRequest[]) => {
    const results: string[] = [];
    for (const r of requests)
      results.push(
        `${await decideSource(r)}: ${r.why}: ${r.action} on ${r.resource} as ${r.principal}`,
      );
    return results;
  };

  it("allows every call the jobs make: the pipeline role assumes, the source role calls DynamoDB and writes the export", async () => {
    const results = await outcomes(sourceRequests(facts).allowed);
    expect(results.filter((r) => !r.startsWith("Allowed:"))).to.deep.equal([]);
  });

  it("denies the pipeline role DynamoDB itself, the owner's role anything else, and everyone else the role", async () => {
    const results = await outcomes(sourceRequests(facts).denied);
    expect(results.filter((r) => r.startsWith("Allowed:"))).to.deep.equal([]);
  });

  it("prints an owner's policy of exactly those calls: every granted action is one the jobs make", () => {
    const made = new Set(
      sourceRequests(facts)
        .allowed.filter((r) => r.principal === ORDERS_ROLE)
        .map((r) => r.action),
    );
    const granted = owner.Orders.permissionsPolicy.Statement.flatMap((s) => s.Action);
    expect([...new Set(granted)].sort()).to.deep.equal([...made].sort());
  });

  it("admits a source account's writes to its own table's staging prefix only, even if its owner grants more", async () => {
    const careless = [
      {
        name: "owner-grants-everything",
        policy: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
        },
      },
    ];
    const write = (role: string, key: string): SourceRequest => ({
      principal: role,
      who: "DynamoDB",
      why: `writes ${key}`,
      action: "s3:PutObject",
      resource: `arn:aws:s3:::${facts.bucket}/${key}`,
      resourceAccount: MOCK_ACCOUNT,
    });
    expect(
      await decideSource(write(PAYMENTS_ROLE, "export-staging/payments/full/x.gz"), careless),
    ).to.equal("Allowed");
    for (const key of [
      "export-staging/orders/AWSDynamoDB/x/data/part-1.json.gz",
      "iceberg/payments/data/00000-1-abc.parquet",
      "state/payments/watermark.json",
      "glue-scripts/export_table.py",
    ])
      expect(await decideSource(write(PAYMENTS_ROLE, key), careless), key).to.not.equal("Allowed");
    const read: SourceRequest = {
      ...write(PAYMENTS_ROLE, "export-staging/payments/full/x.gz"),
      action: "s3:GetObject",
    };
    expect(await decideSource(read, careless)).to.not.equal("Allowed");
  });
});

describe("IAM simulation: readers, per reader set", () => {
  const ANALYST = `arn:aws:iam::${MOCK_ACCOUNT}:role/analyst`;
  const FINANCE = `arn:aws:iam::${MOCK_ACCOUNT}:role/team/finance`;
  let run: ProgramRun;
  let sets: Record<string, { roles: string[]; views: string[] }>;
  const config = {
    readers: [ANALYST],
    tables: [
      { name: "Orders", readers: [FINANCE], format: "json" },
      { name: "Reviews" },
      { name: "Carts", mode: "incremental", readers: [FINANCE] },
    ],
  };
  before(async () => {
    run = await runProgram(config, { stack: "prod" });
    sets = run.outputs.readers as typeof sets;
  });

  const setOf = (role: string) => Object.entries(sets).find(([, s]) => s.roles.includes(role))!;
  /** The managed policies attached to a reader role (by its name, the last part of its ARN). */
  const policiesOf = (role: string) =>
    run
      .ofType(TYPES.rolePolicyAttachment)
      .filter((a) => a.inputs.role === role.slice(role.lastIndexOf("/") + 1))
      .map((a) => {
        const policy = run.ofType(TYPES.policy).find((p) => p.state.arn === a.inputs.policyArn)!;
        return { name: policy.inputs.name, policy: JSON.parse(policy.inputs.policy) };
      });

  const check = async (role: string, table: ReaderFacts["table"], other: ReaderFacts["other"]) => {
    const [set] = setOf(role);
    const otherSet = Object.keys(sets).find((id) => id !== set)!;
    const facts: ReaderFacts = {
      region: MOCK_REGION,
      account: MOCK_ACCOUNT,
      bucket: run.snapshotsBucket,
      database: "dynamodb_exports_prod",
      stack: "prod",
      set,
      otherSet,
      table,
      other,
    };
    const { allowed, denied } = readerRequests(facts);
    const policies = policiesOf(role);
    expect(policies.length, role).to.be.greaterThan(0);
    const results: string[] = [];
    for (const request of [...allowed, ...denied]) {
      const result = await decide(run, role, policies, request as SimulatedRequest);
      const wanted = request.who === "reader" ? "Allowed" : "denied";
      if ((result === "Allowed") !== (wanted === "Allowed"))
        results.push(
          `${result} (want ${wanted}): ${request.why}: ${request.action} ${request.resource}`,
        );
    }
    return results;
  };

  it("lets a table's reader SELECT its views through its workgroup, and nothing of another table or reader set", async () => {
    const orders = { key: "orders", format: "json", mode: "scan" as const };
    const carts = { key: "carts", format: "parquet", mode: "incremental" as const };
    const reviews = { key: "reviews", format: "parquet", mode: "scan" as const };
    expect(await check(FINANCE, orders, reviews)).to.deep.equal([]);
    expect(await check(FINANCE, carts, reviews)).to.deep.equal([]);
  });

  it("lets a stack reader SELECT every view, and still no other set's results or workgroup", async () => {
    const reviews = { key: "reviews", format: "parquet", mode: "scan" as const };
    const none = { key: "payments", format: "parquet", mode: "scan" as const };
    expect(await check(ANALYST, reviews, none)).to.deep.equal([]);
  });

  it("keeps a reader's writes and plain-HTTP reads out, through the bucket policy", async () => {
    const [set] = setOf(FINANCE);
    const result = `athena-results/readers/${set}/0a1b.csv`;
    const write = {
      who: "reader" as const,
      why: "writes results",
      action: "s3:PutObject",
      resource: `arn:aws:s3:::${run.snapshotsBucket}/${result}`,
    };
    expect(await decide(run, FINANCE, policiesOf(FINANCE), write as SimulatedRequest)).to.equal(
      "Allowed",
    );
    const insecure = { ...write, context: { "aws:SecureTransport": "false" } };
    expect(await decide(run, FINANCE, policiesOf(FINANCE), insecure as SimulatedRequest)).to.equal(
      "ExplicitlyDenied",
    );
  });
});

describe("IAM simulation: the HMAC key of hashed columns", () => {
  const PARAMETER = mockArn("ssm", "parameter/ddbsnap/hmac");
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({
      hashKey: PARAMETER,
      tables: [
        { name: "Users", columns: { email: "hash", ssn: "exclude" } },
        { name: "Events", mode: "incremental", columns: { ip: "hash" } },
        { name: "Reviews", columns: { note: "exclude" } },
      ],
    });
  });

  const read = (resource: string): SimulatedRequest => ({
    who: "export job",
    why: "reads the HMAC key",
    action: "ssm:GetParameter",
    resource,
  });
  const decideFor = async (table: string, request: SimulatedRequest) => {
    const { role } = run.tableRoleStatements(table);
    const policies = run
      .attachedPolicies(role)
      .map((p) => ({ name: p.policy.inputs.name, policy: p.document }));
    return decide(run, role.state.arn, policies, request);
  };

  it("lets the roles of tables that hash a column read the key, and only that key", async () => {
    expect(await decideFor("Users", read(PARAMETER))).to.equal("Allowed");
    expect(await decideFor("Events", read(PARAMETER))).to.equal("Allowed");
    expect(await decideFor("Users", read(mockArn("ssm", "parameter/other")))).to.not.equal(
      "Allowed",
    );
    expect(
      await decideFor("Users", { ...read(PARAMETER), action: "ssm:PutParameter" }),
    ).to.not.equal("Allowed");
  });

  it("denies it to a table that hashes nothing", async () => {
    expect(await decideFor("Reviews", read(PARAMETER))).to.not.equal("Allowed");
  });
});
