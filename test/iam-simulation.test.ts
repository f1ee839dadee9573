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
