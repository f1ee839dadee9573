import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import * as path from "path";
import { expectExit, FIXTURES } from "./harness";
import { describeTable } from "../../cli/commands/estimate";
import { seedDynamoTable, useMotoStack } from "./seed";

/** The row of the scan/export comparison whose label is `label`, as [label, scan, export]. */
function row(stdout: string, label: string): string[] {
  const line = stdout.split("\n").find((l) => l.trim().startsWith(`${label}  `));
  if (!line) throw new Error(`no row "${label}" in:\n${stdout}`);
  return line.trim().split(/ {2,}/);
}

/** Each row named in `expected` has the cells given after its label. */
function expectRows(stdout: string, expected: Record<string, string[]>): void {
  const labels = Object.keys(expected);
  const actual = Object.fromEntries(labels.map((label) => [label, row(stdout, label).slice(1)]));
  expect(actual).to.deep.equal(expected);
}

describe("estimate against moto", () => {
  const stack = useMotoStack();

  before(async () => {
    await seedDynamoTable(stack.aws, "Reviews", { billing: "PROVISIONED", rcu: 1000 }, 3);
    await seedDynamoTable(stack.aws, "Click.Stream-2024", { billing: "PAY_PER_REQUEST" }, 0);
  });

  it("compares all three modes per run and per 30 days at the table's schedule and --change-rate", async () => {
    const result = await stack.cli("estimate", "Reviews", "--size-gb", "100", "--change-rate", "1");
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain(
      "All three modes at 1 run(s) a day (cron(0 2 * * ? *)), 1 % of the table changing a day (--change-rate), STANDARD:",
    );
    expectRows(result.stdout, {
      "data per run": ["100 GiB", "100 GiB", "1.0 GiB"],
      "DynamoDB per run": ["$0.00", "$10.00", "$0.10"],
    });
    expect(row(result.stdout, "history")[3]).to.equal("time travel, 30 days");
    const bad = await stack.cli("estimate", "Reviews", "--change-rate", "150");
    expectExit(bad, 2, "--change-rate is a percentage of 0 to 100");
  });

  it("reads size, item count, billing mode and provisioned RCU with DescribeTable", async () => {
    expect(await describeTable(stack.aws.dynamodb, "Reviews")).to.deep.equal({
      sizeBytes: 0,
      itemCount: 3,
      billingMode: "PROVISIONED",
      provisionedRcu: 1000,
    });
    expect(await describeTable(stack.aws.dynamodb, "Click.Stream-2024")).to.deep.equal({
      sizeBytes: 0,
      itemCount: 0,
      billingMode: "PAY_PER_REQUEST",
      provisionedRcu: undefined,
    });
  });

  // Reviews in the moto stack: 10 × G.1X, readPercentage 0.25; the table has 1,000 RCU.
  // Scan: 250 RCU/s × 8 KiB × 91% = 1,863,680 B/s (fast) to × 66% = 1,351,680 B/s with a 1.3×
  // tail (slow): 30 s + 5,761 s = 1h36m to 90 s + 10,327 s = 2h53m. Export: 1.5–6 min + 10/1024
  // TiB at 30–90 min per TiB, + 57 s of reading (9 workers × 20 MiB/s), + 30–90 s start-up.
  it("prints scan against export for the configured job as ranges, with the table's capacity", async () => {
    const result = await stack.cli("estimate", "Reviews", "--size-gb", "10");
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("Table: 10.0 GiB (--size-gb), 3 items, provisioned 1,000 RCU");
    expect(result.stdout).to.contain(
      "Job:   10 × G.1X = 10 DPU (4 task slots a worker: 36 scan segments), Glue 6.1, readPercentage 0.25, configured mode scan, STANDARD",
    );
    expectRows(result.stdout, {
      "Glue job": ["1h36m–2h53m", "3m14s–9m20s"],
      "limited by": ["read capacity: 1.3–1.8 MiB/s", "export 1m48s–6m53s + read 57s"],
      "DynamoDB reads": ["1,310,720 read units at 250 RCU/s", "none (reads the backup)"],
      "crawler + refresh": ["$0.15", "$0.15"],
      "total STANDARD": ["$7.23–$12.88", "$1.39–$1.83"],
    });
    expect(result.stdout).to.contain(
      "With STANDARD (as configured): export is cheaper at every point of the ranges.",
    );
    expect(result.stdout).to.contain("checked November 2026");
  });

  it("counts an on-demand table as 40,000 RCU and notes that DynamoDB reports no size yet", async () => {
    const result = await stack.cli("estimate", "click.stream-2024");
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("Table: 0 B, 0 items, on-demand (DescribeTable;");
    expect(result.stdout).to.contain(
      "Job:   4 × G.2X = 8 DPU (8 task slots a worker: 24 scan segments), Glue 6.1, readPercentage 0.5 (the default, for the scan column), configured mode export, FLEX",
    );
    expect(row(result.stdout, "DynamoDB reads")[1]).to.equal(
      "0 read units at 12,000 RCU/s (asks for 20,000; the table serves 12,000) (of 40,000 assumed)",
    );
    expect(result.stdout).to.contain("Note: DynamoDB reports 0 bytes");
  });

  it("takes prices and assumptions from flags, and prints them", async () => {
    const result = await stack.cli(
      "estimate",
      "Reviews",
      "--size-gb",
      "10",
      "--price-dpu-hour",
      "0.88",
      "--price-export-gb",
      "0",
      "--assume",
      "exportFloorSeconds=0",
      "--assume",
      "exportSecondsPerTib=0",
      "--assume",
      "startupSeconds=0",
    );
    expect(result.code, result.stderr).to.equal(0);
    // Export with no charge, no wait and no start-up: the 57 s read, billed 60 s × 10 DPU at $0.88.
    expect(row(result.stdout, "Glue STANDARD")[2]).to.equal("$0.15");
    expect(row(result.stdout, "Glue job")[2]).to.equal("57s");
    expect(result.stdout).to.match(/exportFloorSeconds +0 /);
    expect(result.stdout).to.match(/Glue STANDARD, per DPU-hour +\$0\.88 +--price-dpu-hour/);
  });

  it("rejects a price that is not a number, and a table DynamoDB does not have", async () => {
    const bad = await stack.cli("estimate", "Reviews", "--price-rcu-hour", "cheap");
    expectExit(bad, 2, '--price-rcu-hour must be a number of 0 or more, got "cheap"');
    await stack.moto.reset();
    const missing = await stack.cli("estimate", "Reviews");
    expectExit(
      missing,
      3,
      "DynamoDB table Reviews not found in eu-west-1",
      /DynamoDB DescribeTable failed: ResourceNotFoundException: .*request id/,
    );
  });
});

describe("estimate --assume", () => {
  it("sets one assumption, or a range, and refuses an unknown name or a reversed range", async () => {
    const { assumptionsFrom } = await import("../../cli/commands/estimate");
    const range = assumptionsFrom(["scanEfficiency=0.8", "exportSecondsPerTib=600-7200"]);
    expect([range.low.scanEfficiency, range.high.scanEfficiency]).to.deep.equal([0.8, 0.8]);
    expect([range.low.exportSecondsPerTib, range.high.exportSecondsPerTib]).to.deep.equal([
      600, 7200,
    ]);
    expect(() => assumptionsFrom("speed=1")).to.throw(/--assume must be <name>=<low>\[-<high>\]/);
    expect(() => assumptionsFrom("skewTail=2-1")).to.throw(/0 <= low <= high/);
  });
});

describe("estimate of a table in another region or account", () => {
  const stack = useMotoStack((endpoint) => [
    "--dir",
    path.join(FIXTURES, "elsewhere"),
    "--stack",
    "elsewhere",
    "--endpoint-url",
    endpoint,
  ]);

  before(async () => {
    // The table lives in us-east-1; the stack, its jobs and its bucket in eu-west-1.
    const usEast = new DynamoDBClient({
      region: "us-east-1",
      endpoint: stack.moto.endpoint,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    await seedDynamoTable(
      { ...stack.aws, dynamodb: usEast },
      "Orders",
      { billing: "PAY_PER_REQUEST" },
      2,
    );
  });

  it("describes the table in its own region and shows what moving its data across regions costs", async () => {
    const result = await stack.cli("estimate", "Orders", "--size-gb", "100", "--change-rate", "1");
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.split("\n")[0]).to.contain(
      "(stack elsewhere, eu-west-1; the table in us-east-1)",
    );
    expectRows(result.stdout, { "us-east-1 → eu-west-1": ["$2.00", "$2.00", "$0.02"] });
    expect(result.stdout).to.contain(
      "The table is in us-east-1, the stack in eu-west-1: every run moves its data across regions ($0.02 per GB, --price-transfer-gb)",
    );
    const cheaper = await stack.cli(
      "estimate",
      "Orders",
      "--size-gb",
      "100",
      "--price-transfer-gb",
      "0.01",
    );
    expectRows(cheaper.stdout, { "us-east-1 → eu-west-1": ["$1.00", "$1.00", "$0.01"] });
  });

  it("says why it cannot describe a table of another account, and goes on from --size-gb", async () => {
    const refused = await stack.cli("estimate", "Payments");
    expectExit(refused, 2, "cannot describe Payments in account 210987654321 from here");
    expect(refused.stderr).to.contain("Pass --size-gb <n>");
    const sized = await stack.cli("estimate", "Payments", "--size-gb", "10");
    expect(sized.code, sized.stderr).to.equal(0);
    expect(sized.stdout).to.contain(
      "(DescribeTable of account 210987654321 refused; size from --size-gb, on-demand assumed)",
    );
    expectRows(sized.stdout, { "us-east-1 → eu-west-1": ["$0.20", "$0.20", "$0.0020"] });
  });
});
