import { expect } from "chai";
import type { ProgramRun } from "../harness/mock-program";
import { MOCK_ACCOUNT, RecordingMocks, runProgram, TYPES, mockArn } from "../harness/mock-program";
import { ConfigError, parseStackConfig } from "../lib/config";

const TABLE_ARN = mockArn("dynamodb", "table/Orders");
/** One table in each of the three modes. */
const TABLES = [
  { name: "Reviews" },
  { name: "Payments", mode: "export" },
  { name: "Orders", mode: "incremental", schedule: "cron(0 * * * ? *)", retentionDays: 14 },
];

describe("incremental mode (incremental exports merged into Iceberg)", () => {
  let run: ProgramRun;
  before(async () => (run = await runProgram({ tables: TABLES })));

  it("chains schedule → export planner → apply job → refresh job, with no crawler", () => {
    // In the order a run takes them: each trigger's action is the next one's condition.
    const order = ["schedule", "after-export", "after-apply"];
    const triggers = run
      .ofType(TYPES.trigger)
      .filter((t) => t.inputs.workflowName === "ddbsnap-dev-orders")
      .sort(
        (a, b) =>
          order.indexOf(a.state.name.replace("ddbsnap-dev-orders-", "")) -
          order.indexOf(b.state.name.replace("ddbsnap-dev-orders-", "")),
      );
    const graph = triggers.map((t) => [
      t.state.name,
      t.inputs.type,
      (t.inputs.predicate?.conditions ?? []).map((c: any) => `${c.jobName}:${c.state}`),
      t.inputs.actions.map((a: any) => a.jobName ?? a.crawlerName),
    ]);
    expect(graph).to.deep.equal([
      ["ddbsnap-dev-orders-schedule", "SCHEDULED", [], ["ddbsnap-dev-orders-export"]],
      [
        "ddbsnap-dev-orders-after-export",
        "CONDITIONAL",
        ["ddbsnap-dev-orders-export:SUCCEEDED"],
        ["ddbsnap-dev-orders-apply"],
      ],
      [
        "ddbsnap-dev-orders-after-apply",
        "CONDITIONAL",
        ["ddbsnap-dev-orders-apply:SUCCEEDED"],
        ["ddbsnap-dev-orders-refresh"],
      ],
    ]);
    expect(run.ofType(TYPES.crawler).map((c) => c.state.name)).to.deep.equal([
      "ddbsnap-dev-reviews-crawler",
      "ddbsnap-dev-payments-crawler",
    ]);
  });

  it("runs the planner as a Python shell job with the table, its staging and its state", () => {
    const planner = run.named(TYPES.job, "ddbsnap-dev-orders-export");
    expect(planner.inputs.command.name).to.equal("pythonshell");
    expect(planner.inputs.command.scriptLocation).to.match(/incremental_exports\.py$/);
    expect(planner.inputs.defaultArguments).to.include({
      "--table_name": "Orders",
      "--table_arn": TABLE_ARN,
      "--export_staging_path": `s3://${run.snapshotsBucket}/export-staging/orders`,
      "--state_path": `s3://${run.snapshotsBucket}/state/orders`,
    });
    expect(planner.inputs.defaultArguments["--extra-py-files"]).to.contain("export_windows.py");
    // The schedule starts the planner, so the late-run alert hangs on it; a retry is safe.
    expect(planner.inputs.notificationProperty).to.have.property("notifyDelayAfter").above(0);
    expect(planner.inputs.maxRetries).to.equal(1);
  });

  it("retries the apply job once and leaves the late-run threshold to the planner", () => {
    const apply = run.named(TYPES.job, "ddbsnap-dev-orders-apply");
    expect(apply.inputs.maxRetries).to.equal(1);
    expect(apply.inputs.notificationProperty).to.equal(undefined);
    expect(apply.inputs.description).to.contain("into iceberg_orders");
  });

  it("runs the apply job on Glue 6.1 (the default) with Iceberg and Glue's catalog", () => {
    const apply = run.named(TYPES.job, "ddbsnap-dev-orders-apply");
    expect(apply.inputs.glueVersion).to.equal("6.1");
    expect(apply.inputs.command).to.deep.include({ name: "glueetl" });
    expect(apply.inputs.command.scriptLocation).to.match(/apply_changes\.py$/);
    const args = apply.inputs.defaultArguments;
    expect(args).to.include({
      "--datalake-formats": "iceberg",
      "--database": "dynamodb_exports_dev",
      "--iceberg_table": "iceberg_orders",
      "--state_path": `s3://${run.snapshotsBucket}/state/orders`,
    });
    expect(args["--conf"].split(" --conf ")).to.deep.equal([
      "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
      "spark.sql.catalog.glue_catalog=org.apache.iceberg.spark.SparkCatalog",
      `spark.sql.catalog.glue_catalog.warehouse=s3://${run.snapshotsBucket}/iceberg/orders/`,
      "spark.sql.catalog.glue_catalog.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
      "spark.sql.catalog.glue_catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
    ]);
    for (const module of [
      "item_types.py",
      "item_shaping.py",
      "jvm_functions.py",
      "snapshot_staging.py",
      "snapshot_writing.py",
      "spark_runtime.py",
      "export_table.py",
      "export_windows.py",
      "incremental_merge.py",
      "job_arguments.py",
      "contract.py",
      "snapshot_formats.py",
    ])
      expect(args["--extra-py-files"]).to.contain(`glue-scripts/${module}`);
    const refresh = run.named(TYPES.job, "ddbsnap-dev-orders-refresh").inputs.defaultArguments;
    expect(refresh).to.include({
      "--iceberg_table": "iceberg_orders",
      "--state_path": `s3://${run.snapshotsBucket}/state/orders`,
    });
  });

  it("declares the Iceberg table (format version 2) where the apply job writes", () => {
    const table = run.named(TYPES.catalogTable, "iceberg_orders");
    expect(table.inputs.openTableFormatInput).to.deep.equal({
      icebergInput: { metadataOperation: "CREATE", version: "2" },
    });
    expect(table.inputs.storageDescriptor.location).to.equal(
      `s3://${run.snapshotsBucket}/iceberg/orders`,
    );
    expect(run.ofType(TYPES.catalogTable)).to.have.length(1);
  });

  it("keeps the table with managed compaction, retention that deletes expired files, and orphan deletion", () => {
    const optimizers = run.ofType(TYPES.catalogTableOptimizer);
    expect(optimizers.map((o) => o.inputs.type)).to.deep.equal([
      "compaction",
      "retention",
      "orphan_file_deletion",
    ]);
    const [compaction, retention, orphans] = optimizers.map((o) => o.inputs.configuration);
    expect(compaction.compactionConfiguration.icebergConfiguration).to.deep.include({
      strategy: "binpack",
      deleteFileThreshold: 1,
    });
    expect(retention.retentionConfiguration.icebergConfiguration).to.deep.include({
      cleanExpiredFiles: true,
      snapshotRetentionPeriodInDays: 14,
    });
    expect(orphans.orphanFileDeletionConfiguration.icebergConfiguration.location).to.equal(
      `s3://${run.snapshotsBucket}/iceberg/orders`,
    );
    for (const o of optimizers) {
      expect(o.inputs).to.include({
        databaseName: "dynamodb_exports_dev",
        tableName: "iceberg_orders",
        catalogId: MOCK_ACCOUNT,
      });
      expect(o.inputs.configuration.enabled).to.equal(true);
    }
  });

  it("gives the optimizers a role that reaches only this table's data and catalog entry", () => {
    const roleArns = new Set(
      run.ofType(TYPES.catalogTableOptimizer).map((o) => o.inputs.configuration.roleArn),
    );
    expect(roleArns.size).to.equal(1);
    const role = run.ofType(TYPES.role).find((r) => roleArns.has(r.state.arn))!;
    const policy = run.ofType(TYPES.rolePolicy).find((p) => p.inputs.role === role.state.name)!;
    const statements = JSON.parse(policy.inputs.policy).Statement;
    const resources = statements.flatMap((s: any) => [s.Resource].flat());
    expect(resources).to.include(`arn:aws:s3:::${run.snapshotsBucket}/iceberg/orders/*`);
    expect(resources).to.include(mockArn("glue", "table/dynamodb_exports_dev/iceberg_orders"));
    expect(resources.filter((r: string) => r.startsWith("arn:aws:s3:::"))).to.satisfy(
      (rs: string[]) =>
        rs.every(
          (r) => r === `arn:aws:s3:::${run.snapshotsBucket}` || r.includes("/iceberg/orders"),
        ),
    );
    expect(JSON.stringify(statements)).to.not.match(/"Action":\s*"\*"|:\*"\]?,\s*"Resource"/);
  });

  it("lets the pipeline role export changes and read PITR, and nothing of the other tables", () => {
    const statements = run.tableRoleStatements("Orders").statements;
    const dynamo = statements.filter((s) =>
      s.Action.some((a: string) => a.startsWith("dynamodb:")),
    );
    expect(dynamo.map((s) => [s.Action, s.Resource])).to.deep.equal([
      [
        [
          "dynamodb:DescribeTable",
          "dynamodb:ExportTableToPointInTime",
          "dynamodb:DescribeContinuousBackups",
        ],
        TABLE_ARN,
      ],
      [["dynamodb:DescribeExport"], `${TABLE_ARN}/export/*`],
    ]);
    const text = JSON.stringify(statements);
    expect(text)
      .to.contain(`${run.snapshotsBucket}/iceberg/orders/*`)
      .and.contain(`${run.snapshotsBucket}/state/orders/*`);
    expect(text).to.not.contain("snapshots_orders").and.not.contain("Partition");
    expect(text).to.not.contain("payments").and.not.contain("reviews");
  });

  it("alerts when the apply job fails, and has no crawler alert", () => {
    const rules = run.ofType(TYPES.eventRule).filter((r) => r.name.startsWith("alerts-orders"));
    const failed = rules.find((r) => r.name.endsWith("job-failed"))!;
    expect(JSON.parse(failed.inputs.eventPattern).detail.jobName).to.deep.equal([
      "ddbsnap-dev-orders-apply",
      "ddbsnap-dev-orders-refresh",
    ]);
    expect(rules.map((r) => r.name)).to.not.include("alerts-orders-crawler-failed");
  });

  it("outputs the Iceberg table and the apply job instead of the crawler", () => {
    const orders = (run.outputs.tables as any).Orders;
    expect(orders).to.include({ icebergTable: "iceberg_orders", view: "orders" });
    expect(orders).to.not.have.any.keys("crawler", "snapshotTable");
  });
});

describe("incremental mode config", () => {
  const problems = (table: object): string => {
    try {
      parseStackConfig({ tables: [{ name: "Orders", mode: "incremental", ...table }] }, "dev");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("expected a ConfigError");
  };

  it("needs a Glue version whose Iceberg runs the MERGE (5.0 or newer)", () => {
    expect(problems({ glueVersion: "4.0" })).to.contain(
      'tables[0] (Orders): glueVersion is "4.0"; allowed: one of "6.1", "6.0", "5.1", "5.0" in incremental mode ' +
        "(the MERGE needs Spark 3.5 with Iceberg 1.7 or newer; Glue 4.0 ships Spark 3.3.0 with Iceberg 1.0.0)",
    );
  });

  it("rejects the scan-only readPercentage and any format but parquet", () => {
    const message = problems({ readPercentage: 0.5, format: "csv" });
    expect(message).to.contain("readPercentage is 0.5; allowed: nothing in incremental mode");
    expect(message).to.contain(
      'format is "csv"; allowed: nothing but "parquet" in incremental mode',
    );
  });

  it("needs point-in-time recovery, checked before any resource is declared", async () => {
    const mocks = new RecordingMocks({
      "aws:dynamodb/getTable:getTable": (inputs) => ({
        name: inputs.name,
        pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: 0 },
      }),
    });
    let error: Error | undefined;
    try {
      await runProgram({ tables: [{ name: "Orders", mode: "incremental" }] }, { mocks });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.contain('mode is "incremental" but point-in-time recovery is off');
    expect(mocks.resources.map((r) => r.type)).to.deep.equal(["pulumi:providers:aws"]);
  });
});
