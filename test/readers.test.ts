/**
 * Readers per view (lib/readers.ts, components/readers.ts): how roles group into reader sets,
 * what each set gets (its workgroup, its results prefix, its policies on its roles), the Lake
 * Formation grants, and the deploy-time check of the readers' account. What the policies allow
 * and deny is simulated in iam-simulation.test.ts.
 */
import { expect } from "chai";
import type { ProgramRun } from "../harness/mock-program";
import { MOCK_ACCOUNT, RecordingMocks, runProgram, TYPES } from "../harness/mock-program";
import { ConfigError, parseStackConfig } from "../lib/config";
import { IAM_LIMITS, policySize } from "../lib/iam-policy";
import { readerPolicies, readerSets } from "../lib/readers";

const ANALYST = `arn:aws:iam::${MOCK_ACCOUNT}:role/analyst`;
const FINANCE = `arn:aws:iam::${MOCK_ACCOUNT}:role/team/finance`;
const SUPPORT = `arn:aws:iam::${MOCK_ACCOUNT}:role/support`;
const CONFIG = {
  readers: [ANALYST],
  tables: [
    { name: "Orders", readers: [FINANCE] },
    { name: "Reviews", readers: [SUPPORT] },
    { name: "Carts", mode: "incremental", readers: [FINANCE] },
  ],
};

describe("reader sets", () => {
  const config = parseStackConfig(CONFIG, "dev");

  it("group the roles that read the same views, each set with its own workgroup and results", () => {
    const sets = readerSets(config);
    expect(sets.map((s) => [s.roles, s.tables.map((t) => t.name)])).to.deep.equal([
      [[ANALYST], ["Orders", "Reviews", "Carts"]],
      [[FINANCE], ["Orders", "Carts"]],
      [[SUPPORT], ["Reviews"]],
    ]);
    for (const set of sets) {
      expect(set.id).to.match(/^[0-9a-f]{8}$/);
      expect(set.names.workgroup).to.equal(`ddbsnap-dev-readers-${set.id}`);
      expect(set.names.athenaResults).to.equal(`athena-results/readers/${set.id}`);
    }
    // The same tables give the same set, whatever else changes.
    const again = readerSets(parseStackConfig({ ...CONFIG, readers: [] }, "dev"));
    expect(again.find((s) => s.roles.includes(FINANCE))!.id).to.equal(sets[1].id);
  });

  it("split a set's grants over as many policies as IAM's 6,144 characters need, every table in one", () => {
    const many = parseStackConfig(
      {
        readers: [ANALYST],
        tables: Array.from({ length: 40 }, (_, i) => ({ name: `T${i}-${"x".repeat(250)}` })),
      },
      "production-eu",
    );
    const [set] = readerSets(many);
    const documents = readerPolicies({
      ctx: { partition: "aws", region: "ap-southeast-1", accountId: MOCK_ACCOUNT },
      set,
      stack: "production-eu",
      bucket: "snapshots-bucket-0a1b2c3",
      database: many.databaseName,
      governed: new Set(),
    });
    expect(documents.length).to.be.greaterThan(1);
    for (const doc of documents)
      expect(policySize(doc)).to.be.at.most(IAM_LIMITS.managedPolicyChars);
    const granted = JSON.stringify(documents);
    for (const table of many.tables)
      expect(granted).to.contain(
        `snapshots_${table.name
          .slice(0, 20)
          .toLowerCase()
          .replace(/[^a-z0-9_]/g, "_")}`,
      );
    // The workgroup and results once, in the first policy.
    expect(
      documents.filter((d) => JSON.stringify(d).includes("athena:StartQueryExecution")),
    ).to.have.length(1);
  });
});

describe("readers in the program", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram(CONFIG);
  });

  it("declares one enforced workgroup per reader set, writing under the set's own results prefix", () => {
    const sets = run.outputs.readers as Record<
      string,
      { roles: string[]; views: string[]; workgroup: string }
    >;
    expect(
      Object.values(sets)
        .map((s) => s.views.join(","))
        .sort(),
    ).to.deep.equal(["orders,carts", "orders,reviews,carts", "reviews"]);
    for (const [id, set] of Object.entries(sets)) {
      const workgroup = run.named(TYPES.workgroup, set.workgroup);
      expect(workgroup.inputs.configuration).to.deep.include({
        enforceWorkgroupConfiguration: true,
        resultConfiguration: {
          outputLocation: `s3://${run.snapshotsBucket}/athena-results/readers/${id}/`,
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      });
    }
  });

  it("attaches each set's policy to its roles, by role name, and to no other role", () => {
    const attached = run
      .ofType(TYPES.rolePolicyAttachment)
      .filter((a) => ["analyst", "finance", "support"].includes(a.inputs.role))
      .map((a) => a.inputs.role)
      .sort();
    expect(attached).to.deep.equal(["analyst", "finance", "support"]);
    const finance = run
      .ofType(TYPES.rolePolicyAttachment)
      .find((a) => a.inputs.role === "finance")!;
    const policy = JSON.parse(
      run.ofType(TYPES.policy).find((p) => p.state.arn === finance.inputs.policyArn)!.inputs.policy,
    );
    const text = JSON.stringify(policy);
    expect(text).to.contain("table/dynamodb_exports_dev/orders").and.contain("iceberg_carts");
    expect(text).to.not.contain("reviews");
    expect(text).to.not.contain("lakeformation");
  });

  it("refuses, before declaring anything, a reader in another account than the stack's", async () => {
    const mocks = new RecordingMocks();
    let error: unknown;
    try {
      await runProgram(
        { readers: ["arn:aws:iam::210987654321:role/analyst"], tables: [{ name: "Orders" }] },
        { mocks },
      );
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.contain(
      `stack config: readers names "arn:aws:iam::210987654321:role/analyst"; allowed: roles of the stack's account ${MOCK_ACCOUNT}`,
    );
    expect(mocks.resources.filter((r) => r.type.startsWith("aws:"))).to.deep.equal([]);
  });

  it("declares nothing for a stack without readers", async () => {
    const plain = await runProgram({ tables: [{ name: "Orders" }] });
    expect(plain.outputs.readers).to.deep.equal({});
    expect(
      plain
        .ofType(TYPES.workgroup)
        .map((w) => w.inputs.name)
        .sort(),
    ).to.deep.equal(["ddbsnap-dev", "ddbsnap-dev-orders"]);
  });
});

describe("readers through Lake Formation", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ ...CONFIG, lakeFormation: true });
  });

  it("registers each read table's data location in hybrid access mode, with a role that reads only those prefixes", () => {
    const locations = run
      .ofType(TYPES.lakeFormationResource)
      .map((r) => [r.inputs.arn, r.inputs.hybridAccessEnabled]);
    const bucket = `arn:aws:s3:::${run.snapshotsBucket}`;
    expect(locations.sort()).to.deep.equal(
      [
        [`${bucket}/iceberg/carts`, true],
        [`${bucket}/parquet/orders`, true],
        [`${bucket}/parquet/reviews`, true],
      ].sort(),
    );
    const role = run.ofType(TYPES.role).find((r) => r.name === "readers-lakeformation-role")!;
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({
      Service: "lakeformation.amazonaws.com",
    });
  });

  it("grants each reader SELECT and DESCRIBE on its views and their tables, opts it in, and nothing on others", () => {
    const grants = run
      .ofType(TYPES.lakeFormationPermissions)
      .filter((p) => p.inputs.table)
      .map(
        (p) =>
          `${p.inputs.principal.split("/").pop()} ${p.inputs.permissions.join("+")} ${p.inputs.table.name}`,
      )
      .sort();
    expect(grants).to.deep.equal(
      [
        "analyst SELECT+DESCRIBE carts",
        "analyst SELECT+DESCRIBE iceberg_carts",
        "analyst SELECT+DESCRIBE orders",
        "analyst SELECT+DESCRIBE reviews",
        "analyst SELECT+DESCRIBE snapshots_orders",
        "analyst SELECT+DESCRIBE snapshots_reviews",
        "finance SELECT+DESCRIBE carts",
        "finance SELECT+DESCRIBE iceberg_carts",
        "finance SELECT+DESCRIBE orders",
        "finance SELECT+DESCRIBE snapshots_orders",
        "support SELECT+DESCRIBE reviews",
        "support SELECT+DESCRIBE snapshots_reviews",
      ].sort(),
    );
    const optIns = run.ofType(TYPES.lakeFormationOptIn);
    expect(optIns).to.have.length(6);
    // The pipelines (and the incremental table's optimizers) keep the right to add partitions
    // and commit to their registered locations.
    const locations = run
      .ofType(TYPES.lakeFormationPermissions)
      .filter((p) => p.inputs.dataLocation)
      .map((p) => `${p.name.replace(/^readers-/, "")} ${p.inputs.permissions}`);
    expect(locations.sort()).to.deep.equal([
      "carts-optimizer-location DATA_LOCATION_ACCESS",
      "carts-pipeline-location DATA_LOCATION_ACCESS",
      "orders-pipeline-location DATA_LOCATION_ACCESS",
      "reviews-pipeline-location DATA_LOCATION_ACCESS",
    ]);
  });

  it("gives the readers Lake Formation's credentials instead of S3 on the data", () => {
    const finance = run
      .ofType(TYPES.rolePolicyAttachment)
      .find((a) => a.inputs.role === "finance")!;
    const policy = JSON.parse(
      run.ofType(TYPES.policy).find((p) => p.state.arn === finance.inputs.policyArn)!.inputs.policy,
    );
    const actions = policy.Statement.flatMap((s: any) => s.Action);
    expect(actions).to.include("lakeformation:GetDataAccess");
    const objects = policy.Statement.filter((s: any) => s.Action.includes("s3:GetObject")).flatMap(
      (s: any) => s.Resource,
    );
    expect(objects).to.deep.equal([
      `arn:aws:s3:::${run.snapshotsBucket}/athena-results/readers/${policy.Statement[0].Resource.split("readers-").pop()}/*`,
    ]);
  });

  it("waits for a view the first run creates, saying so, and reads that table through S3 until then", async () => {
    const mocks = new RecordingMocks({
      "aws:glue/getCatalogTable:getCatalogTable": (inputs) => {
        if (inputs.name === "orders") throw new Error("EntityNotFoundException");
        return { name: inputs.name, databaseName: inputs.databaseName };
      },
    });
    const waiting = await runProgram({ ...CONFIG, lakeFormation: true }, { mocks });
    const granted = waiting.ofType(TYPES.lakeFormationPermissions).filter((p) => p.inputs.table);
    expect(granted.map((p) => p.inputs.table.name)).to.not.include("orders");
    const finance = waiting
      .ofType(TYPES.rolePolicyAttachment)
      .find((a) => a.inputs.role === "finance")!;
    const policy = waiting
      .ofType(TYPES.policy)
      .find((p) => p.state.arn === finance.inputs.policyArn)!.inputs.policy;
    expect(policy).to.contain(`arn:aws:s3:::${waiting.snapshotsBucket}/parquet/orders/*`);
    expect(policy).to.not.contain("iceberg/carts/*");
  });
});
