/**
 * Tables in other accounts and regions: what the program declares in the stack's account (and
 * only there), what it tells the jobs, what the deploy-time checks do, and the policies it prints
 * for the table's owner. The owner's policies are simulated in iam-simulation.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as aws from "../components/aws";
import { checkExportTables, tableAccess, warnAboutScanCapacity } from "../components/preflight";
import type { ProgramRun } from "../harness/mock-program";
import { MOCK_ACCOUNT, RecordingMocks, runProgram, TYPES } from "../harness/mock-program";
import type { TableConfig } from "../lib/config";
import { TABLE_DEFAULTS } from "../lib/config";
import { tableNames } from "../lib/naming";
import { sourceOf, sourceRolePolicies } from "../lib/source";

const SOURCE_ACCOUNT = "210987654321";
const EXPORT_ROLE = `arn:aws:iam::${SOURCE_ACCOUNT}:role/ddbsnap-orders`;
const SCAN_ROLE = `arn:aws:iam::${SOURCE_ACCOUNT}:role/ddbsnap-carts`;
const TABLES = [
  { name: "Orders", mode: "export", region: "us-east-1", sourceRoleArn: EXPORT_ROLE },
  { name: "Carts", sourceRoleArn: SCAN_ROLE },
  { name: "Events", region: "eu-west-1" },
  { name: "Reviews" },
];

describe("tables in other accounts and regions", () => {
  let run: ProgramRun;
  let mocks: RecordingMocks;
  before(async () => {
    mocks = new RecordingMocks();
    run = await runProgram({ tables: TABLES }, { mocks });
  });

  const statementsOf = (table: string) => run.tableRoleStatements(table).statements;
  const argumentsOf = (job: string) => run.named(TYPES.job, job).inputs.defaultArguments;

  it("lets a cross-account table's role assume its source role and touch no DynamoDB table itself", () => {
    for (const [table, role] of [
      ["Orders", EXPORT_ROLE],
      ["Carts", SCAN_ROLE],
    ]) {
      const statements = statementsOf(table);
      const actions = statements.flatMap((s) => s.Action);
      expect(
        actions.filter((a: string) => a.startsWith("dynamodb:")),
        table,
      ).to.deep.equal([]);
      expect(
        statements.find((s) => s.Sid === "AssumeSourceRole"),
        table,
      ).to.deep.equal({
        Sid: "AssumeSourceRole",
        Effect: "Allow",
        Action: ["sts:AssumeRole"],
        Resource: role,
      });
      expect(actions.filter((a: string) => a.startsWith("sts:"))).to.deep.equal(["sts:AssumeRole"]);
    }
    // DynamoDB writes the export with the source role: this role need not set ACLs.
    expect(statementsOf("Orders").flatMap((s) => s.Action)).to.not.include("s3:PutObjectAcl");
  });

  it("names the role of a table read through a source role, so its owner's trust policy can name it", () => {
    const { role } = run.tableRoleStatements("Orders");
    expect(role.inputs.name).to.equal("ddbsnap-dev-orders-pipeline");
    // Other tables keep Pulumi's auto-name (existing stacks keep their roles).
    expect(run.tableRoleStatements("Reviews").role.inputs.name).to.equal(undefined);
  });

  it("scopes a same-account table in another region to its ARN in that region", () => {
    const scan = statementsOf("Events").find((s) => s.Sid === "ScanSourceTable")!;
    expect(scan.Resource).to.equal(`arn:aws:dynamodb:eu-west-1:${MOCK_ACCOUNT}:table/Events`);
    expect(argumentsOf("ddbsnap-dev-events-export")).to.include({ "--source_region": "eu-west-1" });
    expect(argumentsOf("ddbsnap-dev-events-export")).to.not.have.any.keys("--source_role_arn");
  });

  it("tells the export, planner and refresh jobs the table's ARN, region, role and the bucket's owner", () => {
    expect(argumentsOf("ddbsnap-dev-orders-export")).to.include({
      "--table_arn": `arn:aws:dynamodb:us-east-1:${SOURCE_ACCOUNT}:table/Orders`,
      "--source_region": "us-east-1",
      "--source_role_arn": EXPORT_ROLE,
      "--bucket_owner": MOCK_ACCOUNT,
    });
    expect(argumentsOf("ddbsnap-dev-orders-refresh")).to.include({
      "--source_region": "us-east-1",
      "--source_role_arn": EXPORT_ROLE,
    });
    // A scan writes nothing with the source role: no bucket owner to name.
    expect(argumentsOf("ddbsnap-dev-carts-export")).to.include({ "--source_role_arn": SCAN_ROLE });
    expect(argumentsOf("ddbsnap-dev-carts-export")).to.not.have.any.keys(
      "--bucket_owner",
      "--source_region",
    );
    // A local table's arguments are as they always were.
    expect(argumentsOf("ddbsnap-dev-reviews-export")).to.not.have.any.keys(
      "--source_region",
      "--source_role_arn",
      "--bucket_owner",
    );
  });

  it("admits the source account's export writes to that table's staging prefix only", () => {
    const policy = JSON.parse(run.bucketPart("snapshots-bucket", TYPES.bucketPolicy).inputs.policy);
    const grants = policy.Statement.filter((s: any) => s.Effect === "Allow");
    expect(grants).to.have.length(1); // the scan-mode table writes nothing into the bucket
    expect(grants[0]).to.deep.include({
      Principal: { AWS: `arn:aws:iam::${SOURCE_ACCOUNT}:root` },
      Action: ["s3:PutObject", "s3:PutObjectAcl", "s3:AbortMultipartUpload"],
      Resource: `arn:aws:s3:::${run.snapshotsBucket}/export-staging/orders/*`,
      Condition: { ArnEquals: { "aws:PrincipalArn": EXPORT_ROLE } },
    });
  });

  it("declares nothing in the table's account or region: every resource goes through the stack's provider", () => {
    const aws = run.resources.filter((r) => r.type.startsWith("aws:"));
    expect(aws.length).to.be.greaterThan(100);
    const elsewhere = aws.filter(
      (r) => JSON.stringify(r.state.arn ?? "").includes(SOURCE_ACCOUNT) || r.provider !== "aws",
    );
    expect(elsewhere.map((r) => `${r.type} ${r.name} via ${r.provider}`)).to.deep.equal([]);
  });

  it("describes the other-region table through a provider for its region, and never the cross-account ones", () => {
    const described = mocks.calls
      .filter((c) => c.token === "aws:dynamodb/getTable:getTable")
      .map((c) => `${c.inputs.name} via ${c.provider}`)
      .sort();
    expect(described).to.deep.equal(["Events via aws-eu-west-1", "Reviews via aws"]);
  });

  it("outputs the owner's policies for each cross-account table (pulumi stack output sourceAccess)", () => {
    const access = run.outputs.sourceAccess as Record<string, any>;
    expect(Object.keys(access).sort()).to.deep.equal(["Carts", "Orders"]);
    expect(access.Orders.roleArn).to.equal(EXPORT_ROLE);
    expect(access.Orders.trustPolicy.Statement[0].Condition).to.deep.equal({
      ArnEquals: {
        "aws:PrincipalArn": `arn:aws:iam::${MOCK_ACCOUNT}:role/ddbsnap-dev-orders-pipeline`,
      },
    });
  });
});

describe("the deploy-time checks of a table elsewhere", () => {
  const table = (overrides: Partial<TableConfig>): TableConfig => ({
    ...TABLE_DEFAULTS,
    name: "Orders",
    ...overrides,
  });

  it("say clearly why a cross-account table was not checked, and check the others where they are", async () => {
    await pulumi.runtime.setMocks(new RecordingMocks(), "preflight", "test", false);
    const stack = new aws.Provider("aws", { region: "ap-northeast-1" });
    const regional = new aws.Provider("aws-us-east-1", { region: "us-east-1" });
    const tables = [
      table({
        name: "Orders",
        mode: "export",
        sourceRoleArn: EXPORT_ROLE,
        account: SOURCE_ACCOUNT,
      }),
      table({ name: "Carts", sourceRoleArn: SCAN_ROLE, account: SOURCE_ACCOUNT }),
      table({ name: "Events", mode: "export", region: "us-east-1" }),
    ];
    const used: string[] = [];
    const accessOf = (t: TableConfig) => {
      const access = tableAccess(t, stack, (region) => {
        used.push(`${t.name} in ${region}`);
        return regional;
      });
      return access;
    };
    const warnings: string[] = [];
    await checkExportTables(tables, accessOf, (m) => warnings.push(m));
    await warnAboutScanCapacity(tables, accessOf, (m) => warnings.push(m));
    expect(used).to.deep.equal(["Events in us-east-1"]);
    expect(warnings.sort()).to.deep.equal([
      `tables (Carts): read capacity not checked at deploy: the table is in account ${SOURCE_ACCOUNT}, readable only through sourceRoleArn ${SCAN_ROLE}, whose trust policy admits this table's pipeline role and not the identity deploying the stack; the jobs' first run meets the same check`,
      `tables (Orders): point-in-time recovery not checked at deploy: the table is in account ${SOURCE_ACCOUNT}, readable only through sourceRoleArn ${EXPORT_ROLE}, whose trust policy admits this table's pipeline role and not the identity deploying the stack; the jobs' first run meets the same check`,
    ]);
  });
});

describe("the source role's policies (lib/source.ts)", () => {
  const ctx = { partition: "aws", region: "ap-northeast-1", accountId: MOCK_ACCOUNT };
  const policiesOf = (overrides: Partial<TableConfig>, kmsKeyArn?: string) => {
    const table: TableConfig = {
      ...TABLE_DEFAULTS,
      name: "Orders",
      account: SOURCE_ACCOUNT,
      sourceRoleArn: EXPORT_ROLE,
      ...overrides,
    };
    return sourceRolePolicies({
      ctx,
      table,
      names: tableNames("dev", table.name),
      bucket: "snapshots-bucket-0a1b2c3",
      kmsKeyArn,
    })!;
  };

  it("lets the table's pipeline role, and only it, assume the role", () => {
    expect(policiesOf({}).trustPolicy).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AssumedByTheSnapshotPipeline",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` },
          Action: ["sts:AssumeRole"],
          Condition: {
            ArnEquals: {
              "aws:PrincipalArn": `arn:aws:iam::${MOCK_ACCOUNT}:role/ddbsnap-dev-orders-pipeline`,
            },
          },
        },
      ],
    });
  });

  it("grants a scan DescribeTable and Scan on the table, an export the export calls and the staging writes", () => {
    const arn = `arn:aws:dynamodb:ap-northeast-1:${SOURCE_ACCOUNT}:table/Orders`;
    expect(policiesOf({}).permissionsPolicy.Statement).to.deep.equal([
      {
        Sid: "ScanTheTable",
        Effect: "Allow",
        Action: ["dynamodb:DescribeTable", "dynamodb:Scan"],
        Resource: arn,
      },
    ]);
    const exporting = policiesOf(
      { mode: "incremental", region: "us-east-1" },
      "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    );
    const usEast = `arn:aws:dynamodb:us-east-1:${SOURCE_ACCOUNT}:table/Orders`;
    expect(exporting.permissionsPolicy.Statement.map((s) => [s.Action, s.Resource])).to.deep.equal([
      [
        [
          "dynamodb:DescribeTable",
          "dynamodb:ExportTableToPointInTime",
          "dynamodb:DescribeContinuousBackups",
        ],
        usEast,
      ],
      [["dynamodb:DescribeExport"], `${usEast}/export/*`],
      [
        ["s3:PutObject", "s3:PutObjectAcl", "s3:AbortMultipartUpload"],
        "arn:aws:s3:::snapshots-bucket-0a1b2c3/export-staging/orders/*",
      ],
      [
        ["kms:GenerateDataKey", "kms:Decrypt"],
        "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      ],
    ]);
  });

  it("has nothing for a table of the stack's own account", () => {
    const table = { ...TABLE_DEFAULTS, name: "Reviews", region: "eu-west-1" };
    expect(
      sourceRolePolicies({ ctx, table, names: tableNames("dev", "Reviews"), bucket: "b" }),
    ).to.equal(undefined);
    expect(sourceOf(table, ctx)).to.deep.equal({
      name: "Reviews",
      account: MOCK_ACCOUNT,
      region: "eu-west-1",
      partition: "aws",
      tableArn: `arn:aws:dynamodb:eu-west-1:${MOCK_ACCOUNT}:table/Reviews`,
      crossRegion: true,
    });
  });
});
