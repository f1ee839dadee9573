import { expect } from "chai";
import { checkFails, judgeFreshness } from "../../cli/freshness-report";
import { TABLE_DEFAULTS } from "../../lib/config";

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
