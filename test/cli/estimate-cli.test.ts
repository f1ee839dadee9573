import { expect } from "chai";
import { describeTable } from "../../cli/commands/estimate";
import { motoStackArgs, runCli, useFakeCredentials } from "./harness";
import type { MotoServer } from "./moto-server";
import { Clients, freshMoto, seedDynamoTable } from "./seed";

/** The row of the scan/export comparison whose label is `label`, as [label, scan, export]. */
function row(stdout: string, label: string): string[] {
  const line = stdout.split("\n").find((l) => l.trim().startsWith(`${label}  `));
  if (!line) throw new Error(`no row "${label}" in:\n${stdout}`);
  return line.trim().split(/ {2,}/);
}

describe("estimate against moto", () => {
  useFakeCredentials();
  let moto: MotoServer;
  let aws: Clients;

  before(async () => {
    ({ moto, aws } = await freshMoto());
    await seedDynamoTable(aws, "Reviews", { billing: "PROVISIONED", rcu: 1000 }, 3);
    await seedDynamoTable(aws, "Click.Stream-2024", { billing: "PAY_PER_REQUEST" }, 0);
  });

  it("reads size, item count, billing mode and provisioned RCU with DescribeTable", async () => {
    expect(await describeTable(aws.dynamodb, "Reviews")).to.deep.equal({
      sizeBytes: 0,
      itemCount: 3,
      billingMode: "PROVISIONED",
      provisionedRcu: 1000,
    });
    expect(await describeTable(aws.dynamodb, "Click.Stream-2024")).to.deep.equal({
      sizeBytes: 0,
      itemCount: 0,
      billingMode: "PAY_PER_REQUEST",
      provisionedRcu: undefined,
    });
  });

  // Reviews in the moto stack: 10 × G.1X, readPercentage 0.25; the table has 1,000 RCU.
  // Scan: 250 RCU/s × 8 KiB = 2,048,000 B/s; 10 GiB takes 5,242.88 s (1h27m), billed 5,243 s
  // × 10 DPU = 14.56 DPU-hours: $6.41 STANDARD, $4.22 FLEX. Export: 15 min + 10 GiB read by
  // 9 workers at 20 MiB/s (57 s) = 957 s billed = 2.66 DPU-hours = $1.17, plus 10 GB × $0.10.
  it("prints scan against export for the configured job, with the table's capacity", async () => {
    const result = await runCli([
      "estimate",
      "Reviews",
      "--size-gb",
      "10",
      ...motoStackArgs(moto.endpoint),
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("Table: 10.0 GiB (--size-gb), 3 items, provisioned 1,000 RCU");
    expect(result.stdout).to.contain(
      "Job:   10 × G.1X = 10 DPU, readPercentage 0.25, configured mode scan, STANDARD",
    );
    expect(row(result.stdout, "duration")).to.deep.equal(["duration", "1h27m", "15m57s"]);
    expect(row(result.stdout, "limited by")).to.deep.equal([
      "limited by",
      "read capacity: 2.0 MiB/s",
      "export 15m00s + read 57s",
    ]);
    expect(row(result.stdout, "DynamoDB reads")).to.deep.equal([
      "DynamoDB reads",
      "1,310,720 read units at 250 RCU/s",
      "none (reads the backup)",
    ]);
    expect(row(result.stdout, "Glue DPU-hours")).to.deep.equal(["Glue DPU-hours", "14.56", "2.66"]);
    expect(row(result.stdout, "total STANDARD")).to.deep.equal([
      "total STANDARD",
      "$6.41",
      "$2.17",
    ]);
    expect(row(result.stdout, "total FLEX")).to.deep.equal(["total FLEX", "$4.22", "$1.77"]);
    expect(result.stdout).to.contain(
      "With STANDARD (as configured): export is cheaper ($2.17 against $6.41 a run) and faster (15m57s against 1h27m).",
    );
    expect(result.stdout).to.contain("checked November 2026");
  });

  it("counts an on-demand table as 40,000 RCU and notes that DynamoDB reports no size yet", async () => {
    const result = await runCli(["estimate", "click.stream-2024", ...motoStackArgs(moto.endpoint)]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("Table: 0 B, 0 items, on-demand (DescribeTable;");
    expect(result.stdout).to.contain(
      "Job:   4 × G.2X = 8 DPU, readPercentage 0.5 (the default, for the scan column), configured mode export, FLEX",
    );
    expect(row(result.stdout, "DynamoDB reads")[1]).to.equal(
      "0 read units at 20,000 RCU/s (of 40,000 assumed)",
    );
    expect(result.stdout).to.contain("Note: DynamoDB reports 0 bytes");
  });

  it("takes prices and assumptions from flags, and prints them", async () => {
    const result = await runCli([
      "estimate",
      "Reviews",
      "--size-gb",
      "10",
      "--price-dpu-hour",
      "0.88",
      "--price-export-gb",
      "0",
      "--export-minutes",
      "0",
      ...motoStackArgs(moto.endpoint),
    ]);
    expect(result.code, result.stderr).to.equal(0);
    // Glue at twice the price: 14.56 × 0.88; export: no charge, no wait (57 s read, billed 60 s).
    expect(row(result.stdout, "Glue STANDARD")).to.deep.equal(["Glue STANDARD", "$12.82", "$0.15"]);
    expect(row(result.stdout, "duration")[2]).to.equal("57s");
    expect(result.stdout).to.match(/Glue STANDARD, per DPU-hour +\$0\.88 +--price-dpu-hour/);
  });

  it("rejects a price that is not a number, and a table DynamoDB does not have", async () => {
    const bad = await runCli([
      "estimate",
      "Reviews",
      "--price-rcu-hour",
      "cheap",
      ...motoStackArgs(moto.endpoint),
    ]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--price-rcu-hour must be a number of 0 or more, got "cheap"');
    await moto.reset();
    const missing = await runCli(["estimate", "Reviews", ...motoStackArgs(moto.endpoint)]);
    expect(missing.code).to.equal(3);
    expect(missing.stderr).to.contain("DynamoDB table Reviews not found in eu-west-1");
    expect(missing.stderr).to.match(
      /DynamoDB DescribeTable failed: ResourceNotFoundException: .*request id/,
    );
  });
});
