import {
  CreateDatabaseCommand,
  CreateTableCommand,
  CreateWorkflowCommand,
} from "@aws-sdk/client-glue";
import { CreateWorkGroupCommand } from "@aws-sdk/client-athena";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { stackNames, tableNames } from "../../lib/naming";
import { FIXTURES, MOTO_REGION } from "./harness";
import type { Clients } from "./seed";
import { BUCKET, useMotoStack } from "./seed";

const STACK = "moto-incremental";
const shared = stackNames(STACK);
const orders = tableNames(STACK, "Orders");

function args(endpoint: string): string[] {
  return ["--dir", FIXTURES, "--stack", STACK, "--endpoint-url", endpoint];
}

/** What a deployed incremental table leaves in AWS: the Iceberg table, its watermark, a run. */
async function seedIncremental(aws: Clients, watermark?: object): Promise<void> {
  await aws.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: shared.database } }));
  await aws.glue.send(
    new CreateTableCommand({
      DatabaseName: shared.database,
      TableInput: {
        Name: orders.icebergTable,
        TableType: "EXTERNAL_TABLE",
        Parameters: { table_type: "ICEBERG" },
        StorageDescriptor: {
          Location: `s3://${BUCKET}/iceberg/orders`,
          Columns: [{ Name: "pk", Type: "string" }],
        },
      },
    }),
  );
  await aws.glue.send(new CreateWorkflowCommand({ Name: orders.workflow }));
  await aws.athena.send(
    new CreateWorkGroupCommand({
      Name: shared.workgroup,
      Configuration: {
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: { OutputLocation: `s3://${BUCKET}/athena-results/` },
      },
    }),
  );
  await aws.s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: MOTO_REGION },
    }),
  );
  if (watermark)
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "state/orders/watermark.json",
        Body: JSON.stringify(watermark),
      }),
    );
}

const column = (name: string) => ({ Name: name, Type: "varchar", Label: name });
const cell = (v: string) => ({ VarCharValue: v });

describe("the CLI on an incremental table, against moto", () => {
  const stack = useMotoStack(args);

  before(async () => {
    await seedIncremental(stack.aws, {
      watermark: "2026-11-23T11:30:00+00:00",
      bootstrappedAt: "2026-11-20T02:00:00+00:00",
      pending: [],
    });
  });

  it("snapshots lists the Iceberg snapshots Athena reads from <table>$snapshots, and the watermark", async () => {
    const header = ["committed_at", "snapshot_id", "operation", "added", "deleted", "total"];
    await stack.moto.queueAthenaResults(MOTO_REGION, [
      {
        column_info: header.map(column),
        rows: [
          { Data: header.map(cell) },
          {
            Data: ["2026-11-23 11:31:02.000 UTC", "811", "overwrite", "120", "7", "10113"].map(
              cell,
            ),
          },
          {
            Data: ["2026-11-20 02:05:40.000 UTC", "42", "overwrite", "10000", "0", "10000"].map(
              cell,
            ),
          },
        ],
      },
    ]);
    const result = await stack.cli("snapshots", "Orders");
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).to.equal(
      "Iceberg snapshots of Orders in dynamodb_exports_moto_incremental.iceberg_orders, newest first (time travel reaches each until retention expires it, after 14 days):",
    );
    expect(result.stdout).to.contain("811").and.contain("10113");
    expect(result.stdout).to.contain("2 snapshots.");
    expect(result.stdout).to.contain(
      `Current to 2026-11-23T11:30:00+00:00 (the watermark in s3://${BUCKET}/state/orders/watermark.json; bootstrapped from a full export at 2026-11-20T02:00:00+00:00).`,
    );
    expect(result.stdout).to.contain('ddbsnap query "SELECT * FROM orders" --as-of <time>');
  });

  it("status judges freshness by the watermark", async () => {
    const result = await stack.cli("status", "Orders", "--json");
    expect(result.code, result.stderr).to.equal(0);
    const [report] = JSON.parse(result.stdout);
    expect(report).to.include({
      table: "Orders",
      watermark: "2026-11-23T11:30:00+00:00",
      ageSeconds: 30 * 60,
      state: "fresh",
    });
    const text = await stack.cli("status", "Orders");
    expect(text.stdout).to.contain(
      "Orders: FRESH, current to 2026-11-23T11:30:00+00:00 (its watermark), 30m old; stale after 8h",
    );
  });
});

describe("the CLI on an incremental table not run yet, against moto", () => {
  const stack = useMotoStack(args);

  before(async () => {
    await seedIncremental(stack.aws);
  });

  it("status says there is no watermark yet, which is stale", async () => {
    const result = await stack.cli("status", "Orders", "--check");
    expect(result.code).to.equal(1);
    expect(result.stdout).to.contain(
      "Orders: STALE, no watermark yet (the first run bootstraps the Iceberg table)",
    );
  });
});
