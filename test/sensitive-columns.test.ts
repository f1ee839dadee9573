/**
 * Sensitive attributes, on the program's side: the jobs get the rules and the key's ARN, the
 * planner the rules too (a change rebuilds the incremental table), and where DynamoDB's export
 * stages whole items the bucket policy lets only the table's own role read them. The data path
 * itself is tested on real Spark (test/spark/test_sensitive_columns_on_spark.py).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import type { ProgramRun } from "../harness/mock-program";
import { MOCK_ACCOUNT, mockArn, runProgram, TYPES } from "../harness/mock-program";

const KEY = mockArn("ssm", "parameter/ddbsnap/hmac");
const RULES = { email: "hash", ssn: "exclude" };

describe("sensitive attributes in the program", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({
      hashKey: KEY,
      tables: [
        { name: "Users", columns: { ...RULES, age: "int" } },
        { name: "Orders", mode: "export", columns: RULES },
        { name: "Events", mode: "incremental", columns: { ssn: "exclude" } },
        { name: "Reviews" },
      ],
    });
  });
  const args = (job: string) => run.named(TYPES.job, job).inputs.defaultArguments;

  it("tells the export, planner and apply jobs the rules, and the key's ARN where a rule hashes", () => {
    for (const [job, types] of [
      ["ddbsnap-dev-users-export", '{"age":"int"}'],
      ["ddbsnap-dev-orders-export", "{}"],
    ]) {
      // The rules are not column types: the type policy never sees them.
      expect(args(job), job).to.include({
        "--column_rules": JSON.stringify(RULES),
        "--hash_key": KEY,
        "--column_types": types,
      });
    }
    for (const job of ["ddbsnap-dev-events-export", "ddbsnap-dev-events-apply"]) {
      expect(args(job), job).to.include({ "--column_rules": '{"ssn":"exclude"}' });
      expect(args(job), job).to.not.have.any.keys("--hash_key");
    }
    for (const job of ["ddbsnap-dev-reviews-export", "ddbsnap-dev-users-refresh"])
      expect(args(job), job).to.not.have.any.keys("--column_rules", "--hash_key");
  });

  it("lets only the table's own role read what DynamoDB's export staged, even an administrator of the account not", async () => {
    const policy = JSON.parse(run.bucketPart("snapshots-bucket", TYPES.bucketPolicy).inputs.policy);
    const staged = (table: string) =>
      `arn:aws:s3:::${run.snapshotsBucket}/export-staging/${table}/AWSDynamoDB/01700000000000-abcdef12/data/part-1.json.gz`;
    const everything = [
      {
        name: "AdministratorAccess",
        policy: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        },
      },
    ];
    const decide = async (principal: string, resource: string, identity = everything) => {
      const response = await runSimulation(
        {
          identityPolicies: identity,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: policy,
          request: {
            action: "s3:GetObject",
            principal,
            resource: { accountId: MOCK_ACCOUNT, resource },
            contextVariables: { "aws:SecureTransport": "true", "aws:PrincipalArn": principal },
          },
        },
        {},
      );
      if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
      return response.overallResult;
    };
    const admin = `arn:aws:iam::${MOCK_ACCOUNT}:role/administrator`;
    expect(await decide(admin, staged("orders"))).to.equal("ExplicitlyDenied");
    expect(await decide(admin, staged("events"))).to.equal("ExplicitlyDenied");
    const orders = run.tableRoleStatements("Orders").role.state.arn;
    expect(await decide(orders, staged("orders"))).to.equal("Allowed");
    // Another table's role is denied too, and a table without rules keeps the usual rules.
    const events = run.tableRoleStatements("Events").role.state.arn;
    expect(await decide(events, staged("orders"))).to.equal("ExplicitlyDenied");
    expect(await decide(admin, staged("reviews"))).to.equal("Allowed");
    // A scan stages items with the rules applied: no such deny for its scratch space.
    const denies = policy.Statement.filter(
      (s: any) => s.Effect === "Deny" && s.Sid.startsWith("OnlyThePipeline"),
    );
    expect(denies.map((s: any) => s.Resource).sort()).to.deep.equal(
      [
        `arn:aws:s3:::${run.snapshotsBucket}/export-staging/events/*`,
        `arn:aws:s3:::${run.snapshotsBucket}/export-staging/orders/*`,
      ].sort(),
    );
  });
});
