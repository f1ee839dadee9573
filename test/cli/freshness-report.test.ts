import { expect } from "chai";
import { checkLines } from "../../cli/commands/status";
import { checkFails, judgeFreshness, judgeSourceRole } from "../../cli/freshness-report";
import { TABLE_DEFAULTS } from "../../lib/config";
import { tableNames } from "../../lib/naming";

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const daily = { ...TABLE_DEFAULTS, name: "Reviews" };

describe("freshness judgement", () => {
  it("a recent snapshot whose latest run failed is FAILING, and fails --check", () => {
    const report = judgeFreshness(
      {
        table: daily,
        viewSnapshot: "20261123T020000Z",
        lastRun: { result: "failed", started: "2026-11-23 11:00:00Z", reason: "AccessDenied" },
      },
      NOW,
    );
    expect(report.state).to.equal("failing");
    expect(report.summary).to.contain("the latest run (2026-11-23 11:00:00Z) failed: AccessDenied");
    expect(checkFails([report])).to.equal(true);
  });

  it("a disabled table is reported but never fails --check", () => {
    const report = judgeFreshness({ table: { ...daily, enabled: false } }, NOW);
    expect(report.state).to.equal("disabled");
    expect(checkFails([report])).to.equal(false);
  });

  it("a one-off schedule is unwatched", () => {
    const report = judgeFreshness(
      { table: { ...daily, schedule: "cron(0 0 1 1 ? 2027)" }, viewSnapshot: "20200101T000000Z" },
      NOW,
    );
    expect(report.state).to.equal("unwatched");
    expect(checkFails([report])).to.equal(false);
  });

  it("a table never snapshotted is stale", () => {
    expect(judgeFreshness({ table: daily }, NOW).state).to.equal("stale");
  });
});

describe("a source role the jobs could not assume", () => {
  const ROLE = "arn:aws:iam::210987654321:role/ddbsnap-orders";
  const orders = { ...daily, name: "Orders", sourceRoleArn: ROLE, account: "210987654321" };
  const refused = {
    result: "failed" as const,
    started: "2026-11-23 02:00:00Z",
    reason: `SourceAccessError: cannot assume source role ${ROLE}: An error occurred (AccessDenied) when calling the AssumeRole operation: not authorized`,
  };

  it("is named, with the run that met it and who fixes it, instead of the generic failing line", () => {
    const role = judgeSourceRole(orders, refused)!;
    expect(role.assumable).to.equal(false);
    const report = judgeFreshness(
      { table: orders, viewSnapshot: "20261123T020000Z", lastRun: refused },
      NOW,
    );
    const lines = checkLines(
      [{ t: { table: orders, names: tableNames("dev", "Orders") }, sourceRole: role }],
      [report],
    );
    expect(lines).to.deep.equal([
      `Orders: source role ${ROLE} cannot be assumed: the latest run (2026-11-23 02:00:00Z) failed: ${refused.reason}. ` +
        "Its owner creates it in account 210987654321 with the trust and permissions policies `npx ddbsnap plan` prints (pulumi stack output sourceAccess)",
    ]);
  });

  it("is not blamed for other failures, and is fine once a run succeeds", () => {
    const other = { ...refused, reason: "ResourceNotFoundException: table not found" };
    expect(judgeSourceRole(orders, other)!.assumable).to.equal(null);
    expect(judgeSourceRole(orders, { result: "succeeded" })!.assumable).to.equal(true);
    expect(judgeSourceRole(orders, undefined)!.assumable).to.equal(null);
    expect(judgeSourceRole(daily, refused)).to.equal(undefined); // a table of the stack's account
    const report = judgeFreshness(
      { table: orders, viewSnapshot: "20261123T020000Z", lastRun: other },
      NOW,
    );
    const lines = checkLines(
      [
        {
          t: { table: orders, names: tableNames("dev", "Orders") },
          sourceRole: judgeSourceRole(orders, other),
        },
      ],
      [report],
    );
    expect(lines).to.deep.equal([report.summary]);
  });
});
