import { expect } from "chai";
import { cronProblem } from "../lib/cron";
import { dynamodbSplits } from "../lib/glue-facts";
import { normaliseName, stackNames, tableNames, tablePrefixes } from "../lib/naming";

describe("splits follow AWS's rule: slots per executor x (workers - 1)", () => {
  it("per worker type", () => {
    expect(dynamodbSplits("G.1X", 10)).to.equal(36);
    expect(dynamodbSplits("G.2X", 4)).to.equal(24);
    expect(dynamodbSplits("G.4X", 3)).to.equal(32);
    expect(dynamodbSplits("G.8X", 2)).to.equal(32);
  });

  it("Graviton workers have the task slots of their size: 4 vCPU per DPU or M-DPU", () => {
    expect(dynamodbSplits("G.1X.GRAVITON", 10)).to.equal(36);
    expect(dynamodbSplits("G.16X.GRAVITON", 2)).to.equal(64);
    expect(dynamodbSplits("R.4X.GRAVITON", 3)).to.equal(32);
  });
});

describe("Glue cron validation", () => {
  for (const ok of [
    "cron(0 10 * * ? *)",
    "cron(15 */6 * * ? *)",
    "cron(0 2 ? * MON-FRI *)",
    "cron(0/30 8-18 ? * 2#1 2026)",
    "cron(0 0 L * ? *)",
  ]) {
    it(`accepts ${ok}`, () => expect(cronProblem(ok)).to.equal(undefined));
  }
  for (const bad of [
    "rate(1 day)",
    "cron(0 10 * * ?)",
    "cron(60 10 * * ? *)",
    "cron(0 10 ? * ? *)",
    "cron(0 10 1 13 ? *)",
    "cron(0 10 * * FUNDAY *)",
  ]) {
    it(`rejects ${bad}`, () => expect(cronProblem(bad)).to.be.a("string"));
  }
});

describe("naming", () => {
  it("normalises to [a-z0-9_]", () => {
    expect(normaliseName("Click.Stream-2024")).to.equal("click_stream_2024");
  });

  it("puts the stack in every physical name so two stacks share an account", () => {
    const dev = tableNames("dev", "Reviews");
    const prod = tableNames("prod", "Reviews");
    expect(dev).to.include({
      workflow: "ddbsnap-dev-reviews",
      exportJob: "ddbsnap-dev-reviews-export",
      refreshJob: "ddbsnap-dev-reviews-refresh",
      crawler: "ddbsnap-dev-reviews-crawler",
      view: "reviews",
      crawlerTable: "snapshots_reviews",
    });
    for (const key of [
      "workflow",
      "exportJob",
      "refreshJob",
      "crawler",
      "logGroupPrefix",
    ] as const) {
      expect(dev[key]).to.not.equal(prod[key]);
    }
    expect(stackNames("My.Stack")).to.include({
      workgroup: "ddbsnap-my-stack",
      database: "dynamodb_exports_my_stack",
    });
  });

  it("lays out S3 as <format>/<table>", () => {
    expect(tablePrefixes("csv", "orders").snapshots).to.equal("csv/orders");
  });
});
