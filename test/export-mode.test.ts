import { expect } from "chai";
import type { ProgramRun } from "../harness/mock-program";
import { RecordingMocks, runProgram, TYPES, mockArn } from "../harness/mock-program";
import { ConfigError } from "../lib/config";

const TABLE_ARN = mockArn("dynamodb", "table/Orders");
/** A stack mixing both modes. */
const TABLES = [{ name: "Reviews" }, { name: "Orders", mode: "export", format: "orc" }];

function policyOf(
  run: ProgramRun,
  table: string,
): { Sid: string; Action: string[]; Resource: string | string[]; Condition?: any }[] {
  return run.tableRoleStatements(table).statements;
}

async function failure(mocks: RecordingMocks, tables: object[]): Promise<Error> {
  try {
    await runProgram({ tables }, { mocks });
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the program to fail");
}

describe("export mode (DynamoDB point-in-time export)", () => {
  let run: ProgramRun;
  before(async () => (run = await runProgram({ tables: TABLES })));

  it("passes the table ARN and a per-table staging path, and no scan arguments", () => {
    const args = run.named(TYPES.job, "ddbsnap-dev-orders-export").inputs.defaultArguments;
    expect(args).to.include({
      "--mode": "export",
      "--table_arn": TABLE_ARN,
      "--export_staging_path": `s3://${run.snapshotsBucket}/export-staging/orders/`,
      "--output_path": `s3://${run.snapshotsBucket}/orc/orders`,
    });
    expect(args).to.not.have.any.keys("--read_percentage", "--splits");
    expect(
      run.named(TYPES.job, "ddbsnap-dev-orders-export").inputs.connections ?? [],
    ).to.deep.equal([]);
    expect(run.named(TYPES.job, "ddbsnap-dev-reviews-export").inputs.defaultArguments).to.include({
      "--mode": "scan",
    });
  });

  it("lets the role export that table and follow its exports, and nothing broader", () => {
    const statements = policyOf(run, "Orders");
    const dynamo = statements.filter((s) => s.Action.some((a) => a.startsWith("dynamodb:")));
    expect(dynamo.map((s) => [s.Action, s.Resource])).to.deep.equal([
      [["dynamodb:DescribeTable", "dynamodb:ExportTableToPointInTime"], TABLE_ARN],
      [["dynamodb:DescribeExport"], `${TABLE_ARN}/export/*`],
    ]);
    expect(JSON.stringify(statements)).to.not.contain("dynamodb:Scan");
    expect(JSON.stringify(policyOf(run, "Reviews"))).to.not.contain("ExportTableToPointInTime");
  });

  it("gives the role the staging prefix, and the scan table's role none", () => {
    const objects = policyOf(run, "Orders").find((s) => s.Sid === "ReadWriteScratch")!;
    expect(objects.Resource).to.include(
      `arn:aws:s3:::${run.snapshotsBucket}/export-staging/orders/*`,
    );
    const acl = policyOf(run, "Orders").find((s) => s.Action.includes("s3:PutObjectAcl"))!;
    expect(acl.Resource).to.equal(`arn:aws:s3:::${run.snapshotsBucket}/export-staging/orders/*`);
    const listing = policyOf(run, "Orders").find((s) => s.Sid === "ListScratch")!;
    expect(listing.Condition.StringLike["s3:prefix"]).to.include("export-staging/orders/*");
    expect(JSON.stringify(policyOf(run, "Reviews"))).to.not.contain("export-staging");
  });

  it("expires staged export files after a day", () => {
    const rules = run.bucketPart("snapshots-bucket", TYPES.bucketLifecycleConfiguration).inputs
      .rules;
    expect(rules.find((r: any) => r.filter?.prefix === "export-staging/")).to.deep.include({
      status: "Enabled",
      expiration: { days: 1 },
    });
  });

  it("fails before declaring any AWS resource when the table has point-in-time recovery off, saying how to turn it on", async () => {
    const mocks = new RecordingMocks({
      "aws:dynamodb/getTable:getTable": (inputs) => ({
        name: inputs.name,
        pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: 0 },
      }),
    });
    const error = await failure(mocks, TABLES);
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message)
      .to.contain("tables (Orders)")
      .and.contain("point-in-time recovery is off")
      .and.contain(
        "aws dynamodb update-continuous-backups --table-name Orders --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
      )
      .and.contain("skipPitrCheck");
    // Only the provider the check describes the table through: it is no AWS resource.
    expect(mocks.resources.map((r) => r.type)).to.deep.equal(["pulumi:providers:aws"]);
  });

  it("fails clearly when the table cannot be described", async () => {
    const mocks = new RecordingMocks({
      "aws:dynamodb/getTable:getTable": () => {
        throw new Error("ResourceNotFoundException: Requested resource not found");
      },
    });
    const error = await failure(mocks, TABLES);
    // Pulumi's mocks drop an invoke's error text, so only our part of the message is checked.
    expect(error.message)
      .to.contain("tables (Orders)")
      .and.contain("could not be described")
      .and.contain("skipPitrCheck");
    // Only the provider the check describes the table through: it is no AWS resource.
    expect(mocks.resources.map((r) => r.type)).to.deep.equal(["pulumi:providers:aws"]);
  });

  it("skips the check with skipPitrCheck, and never checks scan tables for PITR", async () => {
    const checked: string[] = [];
    const mocks = new RecordingMocks({
      "aws:dynamodb/getTable:getTable": (inputs) => {
        checked.push(inputs.name);
        return {
          name: inputs.name,
          pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: 0 },
        };
      },
    });
    const run = await runProgram(
      { tables: [{ name: "Reviews" }, { name: "Orders", mode: "export", skipPitrCheck: true }] },
      { mocks },
    );
    // Reviews is described for its read capacity only (preflight.ts): PITR off does not stop it.
    expect(checked).to.deep.equal(["Reviews"]);
    expect(run.ofType(TYPES.job)).to.have.length(4);
  });
});
