import { expect } from "chai";
import * as path from "path";
import { FIXTURES, runCli, expectExit } from "./harness";

/** The lines of the section that starts with `heading`, up to the next blank line. */
function section(stdout: string, heading: RegExp): string[] {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) throw new Error(`no section ${heading} in:\n${stdout}`);
  const end = lines.indexOf("", start);
  return lines.slice(start, end < 0 ? undefined : end);
}

/** [type, physical name] of each resource row of a section (rows are indented under a header). */
function resources(lines: string[]): [string, string][] {
  const header = lines.findIndex((l) => /^ {2}type +physical name +declared as$/.test(l));
  return lines.slice(header + 1).map((l) => {
    const [type, physical] = l.trim().split(/ {2,}/);
    return [type, physical];
  });
}

describe("plan, for the example stack (Pulumi.dev.yaml: Reviews and Orders)", function () {
  // The real program under Pulumi's mocks: a second or two.
  this.timeout(30_000);
  let stdout: string;

  before(async () => {
    const result = await runCli(["plan"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.equal("");
    stdout = result.stdout;
  });

  it("says which stack file and region it planned, and that nothing was sent to AWS", () => {
    expect(stdout.split("\n")[0]).to.equal(
      "Plan for stack dev (Pulumi.dev.yaml), region ap-northeast-1:",
    );
    expect(stdout).to.contain(
      "Offline: the program ran under Pulumi's mocks, nothing was sent to AWS.",
    );
    expect(stdout.split("\n")[2]).to.equal(
      "Not checked offline: whether each scan table serves the read rate readPercentage asks for; `pulumi preview` and `pulumi up` warn if not.",
    );
  });

  it("gives each table its workflow, three triggers, two jobs and crawler, by physical name", () => {
    for (const [table, base] of [
      ["Reviews", "ddbsnap-dev-reviews"],
      ["Orders", "ddbsnap-dev-orders"],
    ]) {
      const listed = resources(section(stdout, new RegExp(`^${table} → dynamodb_exports_dev\\.`)));
      expect(listed, table).to.deep.include.members([
        ["aws.glue.Workflow", base],
        ["aws.glue.Trigger", `${base}-schedule`],
        ["aws.glue.Trigger", `${base}-after-export`],
        ["aws.glue.Trigger", `${base}-after-crawl`],
        ["aws.glue.Job", `${base}-export`],
        ["aws.glue.Job", `${base}-refresh`],
        ["aws.glue.Crawler", `${base}-crawler`],
        ["aws.cloudwatch.LogGroup", `/aws-glue/ddbsnap/dev/${base.split("-").pop()}/error`],
      ]);
      const other = table === "Reviews" ? "orders" : "reviews";
      expect(
        listed.filter(([, name]) => name.includes(other)),
        `${table} lists ${other}'s resources`,
      ).to.deep.equal([]);
    }
  });

  it("describes each table's config: mode, format, schedule, workers, parallel segments", () => {
    expect(section(stdout, /^Reviews → /).slice(0, 2)).to.deep.equal([
      `Reviews → dynamodb_exports_dev.reviews (${resources(section(stdout, /^Reviews → /)).length}): scan at readPercentage 0.25, 36 parallel segments;`,
      "  parquet, cron(0 10 * * ? *) UTC, 10 × G.1X (x86) STANDARD, Glue 6.1 (Spark 4.1.3, Python 3.14), keeps 30 days",
    ]);
    expect(section(stdout, /^Orders → /)[1]).to.equal(
      "  csv, cron(15 */6 * * ? *) UTC, 4 × G.2X (x86) FLEX, Glue 6.1 (Spark 4.1.3, Python 3.14), keeps 7 days",
    );
  });

  it("gives the CSV table its own classifier, and the parquet one none", () => {
    expect(resources(section(stdout, /^Orders → /))).to.deep.include([
      "aws.glue.Classifier",
      "ddbsnap-dev-orders-csv",
    ]);
    expect(resources(section(stdout, /^Reviews → /)).map(([type]) => type)).not.to.include(
      "aws.glue.Classifier",
    );
  });

  it("lists the shared database, workgroup and the bucket Pulumi names at deploy time", () => {
    const shared = resources(section(stdout, /^Shared by every table/));
    expect(shared).to.deep.include.members([
      ["aws.glue.CatalogDatabase", "dynamodb_exports_dev"],
      ["aws.athena.Workgroup", "ddbsnap-dev"],
      ["aws.s3.Bucket", "snapshots-bucket-<random> (named by Pulumi at deploy)"],
      ["aws.s3.BucketObjectv2", "s3://snapshots-bucket-<random>/glue-scripts/export_table.py"],
    ]);
    expect(shared.filter(([, name]) => /ddbsnap-dev-(reviews|orders)/.test(name))).to.deep.equal(
      [],
    );
  });

  it("lists every resource once, and as many as the header counts", () => {
    const all = [
      section(stdout, /^Shared by every table/),
      section(stdout, /^Reviews → /),
      section(stdout, /^Orders → /),
    ].flatMap(resources);
    const total = Number(/^(\d+) AWS resources for 2 table\(s\)/m.exec(stdout)?.[1]);
    expect(all).to.have.length(total);
    const named = all
      .map(([type, name]) => `${type} ${name}`)
      .filter((n) => !n.includes("<random>") && !n.includes(" on "));
    expect(new Set(named).size).to.equal(named.length);
  });

  it("draws each workflow in Mermaid: schedule → export job → crawler → refresh job", () => {
    const mermaid = stdout.slice(stdout.indexOf("```mermaid"));
    expect(mermaid).to.contain('subgraph reviews["Reviews: workflow ddbsnap-dev-reviews"]');
    const edges = mermaid
      .split("\n")
      .filter((l) => l.includes("-->"))
      .map((l) => l.trim().replace(/\[".*?"\]/g, ""));
    expect(edges).to.deep.equal([
      "reviews_schedule --> reviews_export",
      'reviews_export -- "SUCCEEDED" --> reviews_crawler',
      'reviews_crawler -- "SUCCEEDED" --> reviews_refresh',
      "orders_schedule --> orders_export",
      'orders_export -- "SUCCEEDED" --> orders_crawler',
      'orders_crawler -- "SUCCEEDED" --> orders_refresh',
    ]);
    expect(mermaid).to.contain('reviews_schedule(["schedule<br/>cron(0 10 * * ? *) UTC"])');
    expect(mermaid).to.contain("crawler → dynamodb_exports_dev.snapshots_reviews");
  });
});

describe("plan --mermaid", function () {
  this.timeout(30_000);

  it("prints only the graph, and marks a schedule that is not started", async () => {
    const result = await runCli([
      "plan",
      "--mermaid",
      "--dir",
      path.join(FIXTURES, "paused"),
      "--stack",
      "paused",
    ]);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).to.equal("flowchart LR");
    expect(lines.at(-1)).to.equal("  end");
    expect(result.stdout).to.contain(
      'audit_log_schedule(["schedule (not started: enabled: false)<br/>cron(30 4 ? * MON *) UTC"])',
    );
    expect(result.stdout).to.contain("crawler → exports.snapshots_audit_log");
    expect(result.stdout).not.to.contain("Plan for stack");
  });
});

describe("plan with a broken config", function () {
  this.timeout(30_000);

  it("prints the program's validation message, every problem, no stack trace, and exits 2", async () => {
    const result = await runCli(["plan", "--dir", path.join(FIXTURES, "broken")]);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.contain(
      "ddbsnap: Invalid stack config (namespace ddb-athena-snapshots):",
    );
    expect(result.stderr).to.contain(
      'tables[0] (Reviews): glueVersion is "2.0"; allowed: one of "6.1", "6.0", "5.1", "5.0", "4.0" (the versions AWS supports',
    );
    expect(result.stderr).to.contain(
      "tables[1] (Orders): readPercentage is 2; allowed: a number from 0.1 to 1.5",
    );
    expect(result.stderr).not.to.match(/^\s+at /m);
  });

  it("names the stacks there are when the stack file is missing", async () => {
    const result = await runCli(["plan", "--stack", "prod"]);
    expectExit(
      result,
      2,
      /No stack file Pulumi\.prod\.yaml in \S+\. Stacks there: .*dev.*; pick one with --stack <name>\./,
    );
  });

  it("takes the stack from PULUMI_STACK when --stack is not given", async () => {
    const result = await runCli(["plan", "--dir", path.join(FIXTURES, "broken")], {
      ...process.env,
      PULUMI_STACK: "staging",
    });
    expectExit(result, 2, "No stack file Pulumi.staging.yaml in");
  });
});

describe("plan, for a stack with one table in each mode", function () {
  this.timeout(30_000);
  const planThreeModes = (...options: string[]) =>
    runCli(["plan", ...options, "--dir", path.join(FIXTURES, "three-modes"), "--stack", "modes"]);

  it("draws the incremental workflow: schedule → export planner → apply job → refresh job", async () => {
    const result = await planThreeModes("--mermaid");
    expect(result.code, result.stderr).to.equal(0);
    const edges = result.stdout
      .split("\n")
      .filter((l) => l.includes("-->") && l.includes("orders_"))
      .map((l) => l.trim().replace(/\[".*?"\]/g, ""));
    expect(edges).to.deep.equal([
      "orders_schedule --> orders_export",
      'orders_export -- "SUCCEEDED" --> orders_apply',
      'orders_apply -- "SUCCEEDED" --> orders_refresh',
    ]);
    expect(result.stdout).to.contain("Python shell job, 0.0625 DPU");
    expect(result.stdout).to.contain("Spark job (Glue 6.1), 10 × G.1X STANDARD");
    expect(result.stdout).not.to.contain("orders_crawler");
  });

  it("describes the incremental table: its Iceberg table and how far time travel reaches", async () => {
    const result = await planThreeModes();
    expect(result.code, result.stderr).to.equal(0);
    const orders = section(result.stdout, /^Orders → /);
    expect(orders[0]).to.contain(
      "incremental (changes merged into Iceberg table dynamodb_exports_modes.iceberg_orders, no read capacity)",
    );
    expect(orders[1]).to.contain("time travel reaches 14 days back");
    const types = resources(orders).map(([type]) => type);
    expect(types.filter((t) => t === "aws.glue.CatalogTableOptimizer")).to.have.length(3);
    expect(types).to.not.include("aws.glue.Crawler");
  });
});

describe("plan, for the second example stack (Pulumi.analytics.yaml: a table elsewhere, readers, hashed columns)", function () {
  this.timeout(30_000);
  let stdout: string;

  before(async () => {
    const result = await runCli(["plan", "--stack", "analytics"]);
    expect(result.code, result.stderr).to.equal(0);
    stdout = result.stdout;
  });

  it("draws the cross-account table's source, its hashed and excluded columns, and its readers", () => {
    const orders = section(stdout, /^Orders → dynamodb_exports_analytics\.orders/);
    expect(orders).to.include(
      "  source: account 444455556666, region us-east-1 (another region: every run moves its data across regions; `ddbsnap estimate Orders` prices it); every DynamoDB call made with role arn:aws:iam::444455556666:role/ddbsnap-orders-export, which its owner creates (below)",
    );
    expect(orders.find((l) => l.startsWith("  columns: "))).to.equal(
      "  columns: email hashed, cardNumber excluded (hashes: HMAC-SHA-256 keyed with arn:aws:secretsmanager:eu-west-1:111122223333:secret:ddbsnap-hmac-Xy12Ab); DynamoDB's export stages whole items: clear in export-staging/orders/ until the job has read them, readable by this table's role alone",
    );
    expect(orders).to.include(
      "  readers: arn:aws:iam::111122223333:role/analytics-team (every table), arn:aws:iam::111122223333:role/finance",
    );
    // The pipeline role the owner's trust policy names, with its fixed name.
    expect(resources(orders)).to.deep.include([
      "aws.iam.Role",
      "ddbsnap-analytics-orders-pipeline",
    ]);
  });

  it("lists each reader set with its views, workgroup and results", () => {
    const readers = section(stdout, /^Readers \(2 reader sets\)/);
    expect(readers[0]).to.contain("granted through IAM");
    expect(readers.join("\n"))
      .to.match(
        /views dynamodb_exports_analytics\.orders; workgroup ddbsnap-analytics-readers-[0-9a-f]{8}, results/,
      )
      .and.contain("arn:aws:iam::111122223333:role/finance");
  });

  it("prints the exact trust and permissions policies the table's owner creates, in the pinned account", () => {
    const start = stdout.indexOf(
      "  Orders: role arn:aws:iam::444455556666:role/ddbsnap-orders-export",
    );
    expect(start).to.be.greaterThan(0);
    const block = stdout.slice(start, stdout.indexOf("\n\n", start)).split("\n");
    const documentAfter = (heading: string) => {
      const from = block.indexOf(heading) + 1;
      const to = block.findIndex((l, i) => i > from && l === "    }");
      return JSON.parse(block.slice(from, to + 1).join("\n"));
    };
    const trust = documentAfter("   trust policy:");
    expect(trust.Statement[0].Principal).to.deep.equal({ AWS: "arn:aws:iam::111122223333:root" });
    expect(trust.Statement[0].Condition).to.deep.equal({
      ArnEquals: {
        "aws:PrincipalArn": "arn:aws:iam::111122223333:role/ddbsnap-analytics-orders-pipeline",
      },
    });
    const permissions = documentAfter("   permissions policy:");
    expect(permissions.Statement.map((s: any) => s.Resource)).to.deep.equal([
      "arn:aws:dynamodb:us-east-1:444455556666:table/Orders",
      "arn:aws:dynamodb:us-east-1:444455556666:table/Orders/export/*",
      "arn:aws:s3:::snapshots-bucket-<random>/export-staging/orders/*",
    ]);
  });
});
