import { expect } from "chai";
import { renderEstimate } from "../../cli/estimate-view";
import { TABLE_DEFAULTS } from "../../lib/config";
import type { TableFacts } from "../../lib/estimate";
import {
  ASSUMPTION_SOURCES,
  DEFAULT_ASSUMPTION_RANGE,
  DEFAULT_PRICES,
  estimateIncremental,
  estimateRange,
  estimateSnapshot,
  EstimateInputError,
  GIB,
} from "../../lib/estimate";

const { low: FAST, high: SLOW } = DEFAULT_ASSUMPTION_RANGE;
const JOB = { workerType: "G.1X" as const, workers: 10, readPercentage: 0.5 };
const provisioned = (gb: number, rcu = 1000): TableFacts => ({
  sizeBytes: gb * GIB,
  itemCount: 0,
  billingMode: "PROVISIONED",
  provisionedRcu: rcu,
});
const onDemand = (gb: number): TableFacts => ({
  sizeBytes: gb * GIB,
  itemCount: 0,
  billingMode: "PAY_PER_REQUEST",
});
/** The crawler (2 DPU, 10-minute minimum) and the refresh job (0.0625 DPU, 1 minute). */
const OVERHEAD = ((2 * 600 + 0.0625 * 60) / 3600) * 0.44;

describe("estimate model: ranges grounded in published measurements", () => {
  describe("a provisioned table (10 GiB, 1,000 RCU), 10 × G.1X at readPercentage 0.5", () => {
    const r = estimateRange(provisioned(10), JOB);

    it("scans at 500 RCU × 8 KiB × 91% (fast) to × 66% with a 1.3× skew tail (slow), plus start-up", () => {
      expect(r.low.scan.bytesPerSecond).to.equal(500 * 8192 * 0.91);
      expect(r.low.scan.seconds).to.be.closeTo(30 + (10 * GIB) / (500 * 8192 * 0.91), 1e-6);
      expect(r.high.scan.bytesPerSecond).to.equal(500 * 8192 * 0.66);
      expect(r.high.scan.seconds).to.be.closeTo(
        90 + ((10 * GIB) / (500 * 8192 * 0.66)) * 1.3,
        1e-6,
      );
      expect(r.low.scan.boundBy).to.equal("read capacity");
    });

    it("exports in a floor of 1.5–6 minutes plus 30–90 minutes per TiB, then reads the files", () => {
      expect(r.low.export.waitSeconds).to.be.closeTo(90 + (10 / 1024) * 1800, 1e-9);
      expect(r.high.export.waitSeconds).to.be.closeTo(360 + (10 / 1024) * 5400, 1e-9);
      expect(r.low.export.seconds).to.be.closeTo(
        30 + r.low.export.waitSeconds + r.low.export.readSeconds,
        1e-9,
      );
    });

    it("adds the crawler's 10-minute billing minimum and the refresh job to every run", () => {
      expect(r.low.scan.overheadCost).to.be.closeTo(OVERHEAD, 1e-12);
      expect(r.low.scan.total.STANDARD).to.be.closeTo(r.low.scan.glue.STANDARD + OVERHEAD, 1e-12);
      expect(r.low.export.total.STANDARD).to.be.closeTo(
        r.low.export.glue.STANDARD + OVERHEAD + 10 * 0.1,
        1e-12,
      );
      expect(r.low.scan.workflowSeconds).to.be.closeTo(r.low.scan.seconds + 60 + 30, 1e-9);
    });

    it("prices FLEX from the one published pair: 1× to 1.9× the DPU-hours, 1× to 2.1× the time", () => {
      expect(r.low.scan.glue.FLEX).to.be.closeTo(r.low.scan.dpuHours * 0.29, 1e-12);
      expect(r.high.scan.glue.FLEX).to.be.closeTo(r.high.scan.dpuHours * 1.9 * 0.29, 1e-12);
      expect(r.high.scan.flexSeconds).to.be.closeTo(r.high.scan.seconds * 2.1, 1e-9);
    });
  });

  it("caps a scan at what the table serves: a young on-demand table's 12,000 reads, 3,000 RCU per partition", () => {
    const young = estimateSnapshot(onDemand(1), JOB);
    expect(young.scan.askedRcu).to.equal(20_000); // 40,000 assumed × 0.5
    expect(young.scan.rcuPerSecond).to.equal(12_000);
    const big = estimateSnapshot(onDemand(1024), JOB);
    expect(big.scan.rcuPerSecond).to.equal(20_000); // 103 partitions serve 309,000
    const oneHotPartition = estimateSnapshot(provisioned(5, 10_000), { ...JOB, readPercentage: 1 });
    expect(oneHotPartition.scan.rcuPerSecond).to.equal(10_000); // 4 partitions by capacity
    const overAsked = estimateSnapshot(provisioned(5, 1000), { ...JOB, readPercentage: 1.5 });
    expect(overAsked.scan.rcuPerSecond).to.equal(1000);
  });

  for (const gb of [1, 10, 100, 1024, 10 * 1024]) {
    for (const [label, facts] of [
      ["on-demand", onDemand(gb)],
      ["1,000 RCU", provisioned(gb)],
      ["40,000 RCU", provisioned(gb, 40_000)],
    ] as const) {
      it(`${gb} GB, ${label}: the fast end is never slower or dearer than the slow end`, () => {
        const r = estimateRange(facts, JOB);
        for (const mode of ["scan", "export"] as const) {
          expect(r.low[mode].seconds).to.be.at.most(r.high[mode].seconds);
          expect(r.low[mode].total.STANDARD).to.be.at.most(r.high[mode].total.STANDARD);
          expect(r.low[mode].total.FLEX!).to.be.at.most(r.high[mode].total.FLEX!);
          expect(r.low[mode].flexSeconds).to.be.at.most(r.high[mode].flexSeconds);
        }
        // An export's time grows with the table, but even an empty one takes the floor.
        expect(r.low.export.waitSeconds).to.be.at.least(FAST.exportFloorSeconds);
      });
    }
  }

  /** The report for an on-demand table of `gb` GB with the default settings, as --size-gb gives. */
  const renderFor = (tableName: string, gb: number) =>
    renderEstimate({
      tableName,
      stack: "dev",
      region: "us-east-1",
      facts: onDemand(gb),
      sizeOverridden: true,
      table: { ...TABLE_DEFAULTS, name: tableName },
      prices: DEFAULT_PRICES,
      assumptions: DEFAULT_ASSUMPTION_RANGE,
      changeRatePerDay: 0.01,
    });

  it("names a source for every figure, and prints each next to its range", () => {
    const lines = renderFor("Reviews", 100).join("\n");
    for (const [name, source] of Object.entries(ASSUMPTION_SOURCES)) {
      expect(source, name).to.match(/\S/);
      expect(lines, name).to.contain(source);
    }
    expect(lines).to.contain("scanEfficiency");
    expect(lines).to.match(/scanEfficiency +0\.66–0\.91/);
    expect(lines).to.contain("checked November 2026");
  });

  it("warns when readPercentage asks for more than the table serves", () => {
    const lines = renderFor("Young", 1);
    expect(lines.join("\n")).to.contain(
      "Warning: readPercentage 0.5 asks for 20,000 RCU/s, more than the table serves (about 12,000)",
    );
  });

  it("refuses inputs that have no meaning, saying which", () => {
    expect(() => estimateSnapshot(provisioned(1, 0), JOB)).to.throw(
      EstimateInputError,
      /read capacity/,
    );
    expect(() =>
      estimateSnapshot({ sizeBytes: -1, itemCount: 1, billingMode: "PAY_PER_REQUEST" }, JOB),
    ).to.throw(EstimateInputError, /size/);
    expect(() => estimateSnapshot(onDemand(1), { ...JOB, workers: 1 })).to.throw(
      EstimateInputError,
      /at least 2 workers/,
    );
  });

  describe("Graviton workers (Glue 6.1)", () => {
    const graviton = { ...JOB, workerType: "G.2X.GRAVITON" as const, workers: 5 };

    it("never invents a price AWS has not published: the estimate names the flag that sets it", () => {
      expect(DEFAULT_PRICES.gravitonDpuHour).to.equal(undefined);
      expect(() => estimateSnapshot(provisioned(10), graviton)).to.throw(
        EstimateInputError,
        "publishes no price for G.2X.GRAVITON workers; pass --price-graviton-dpu-hour <usd>",
      );
      expect(() =>
        estimateSnapshot(provisioned(10), { ...graviton, workerType: "R.1X.GRAVITON" }),
      ).to.throw(EstimateInputError, "--price-graviton-memory-dpu-hour");
    });

    it("bills DPU-hours at the price given, with the worker's DPUs", () => {
      const prices = { ...DEFAULT_PRICES, gravitonDpuHour: 0.35 };
      const e = estimateSnapshot(provisioned(10), graviton, prices);
      const x86 = estimateSnapshot(provisioned(10), { ...graviton, workerType: "G.2X" });
      expect(e.dpus).to.equal(10);
      expect(e.scan.dpuHours).to.equal(x86.scan.dpuHours);
      expect(e.scan.glue.STANDARD).to.be.closeTo(e.scan.dpuHours * 0.35, 1e-12);
      expect(e.scan.glue.FLEX).to.equal(undefined, "FLEX runs on G.1X and G.2X only");
    });

    it("shows the worker's task slots, the scan segments and the Glue version", () => {
      const lines = renderEstimate({
        tableName: "Reviews",
        stack: "dev",
        region: "us-east-1",
        facts: onDemand(10),
        sizeOverridden: true,
        table: { ...TABLE_DEFAULTS, name: "Reviews", workerType: "G.2X.GRAVITON", workers: 5 },
        prices: { ...DEFAULT_PRICES, gravitonDpuHour: 0.35 },
        assumptions: DEFAULT_ASSUMPTION_RANGE,
        changeRatePerDay: 0.01,
      });
      expect(lines.join("\n")).to.contain(
        "Job:   5 × G.2X.GRAVITON = 10 DPU (8 task slots a worker: 32 scan segments), Glue 6.1,",
      );
      expect(lines.join("\n")).to.match(
        /Graviton G workers, per DPU-hour +\$0\.35 +--price-graviton-dpu-hour/,
      );
      expect(lines.join("\n")).to.match(/Graviton R workers, per M-DPU-hour +not published/);
    });
  });

  it("keeps the slow end at the published figures", () => {
    expect([SLOW.scanEfficiency, FAST.scanEfficiency]).to.deep.equal([0.66, 0.91]);
    expect([SLOW.flexWallFactor, SLOW.flexDpuHourFactor]).to.deep.equal([2.1, 1.9]);
    expect(SLOW.exportFloorSeconds).to.equal(6 * 60);
  });
});

describe("the incremental column: exports of what changed, merged", () => {
  const JOB = { workerType: "G.1X" as const, workers: 10, readPercentage: 0.5 };
  const table = (gb: number): TableFacts => ({
    sizeBytes: gb * GIB,
    itemCount: 0,
    billingMode: "PAY_PER_REQUEST",
  });

  it("bills the changed bytes, not the table: 100 GB at 1 % a day is $3 a month against $300 of full exports", () => {
    const inc = estimateIncremental(table(100), JOB, 0.01, 1);
    const full = estimateSnapshot(table(100), JOB);
    expect(inc.changedBytesPerRun).to.equal(1 * GIB);
    expect(inc.exportCharge * 30).to.be.closeTo(3, 1e-9);
    expect(full.export.exportCharge * 30).to.be.closeTo(300, 1e-9);
    expect(inc.pitrPerMonth).to.be.closeTo(20, 1e-9);
  });

  it("bills at least 10 MB per export, and one export per day a run covers", () => {
    const hourly = estimateIncremental(table(1), JOB, 0.0001, 24);
    expect(hourly.windowsPerRun).to.equal(1);
    expect(hourly.exportCharge).to.be.closeTo((10 / 1024) * 0.1, 1e-12);
    const weekly = estimateIncremental(table(100), JOB, 0.01, 1 / 7);
    expect(weekly.windowsPerRun).to.equal(7);
    expect(weekly.changedBytesPerRun).to.be.closeTo(7 * GIB, 1);
    // The planner waits for each window: about 6.5 minutes apiece at the measured median.
    expect(weekly.plannerSeconds).to.equal(30 + 7 * 381);
  });

  it("grows the merge with the share of the table it must read, not with the table's full size", () => {
    const small = estimateIncremental(table(100), JOB, 0.01, 1);
    const slow = estimateIncremental(table(100), JOB, 0.01, 1, undefined, {
      ...DEFAULT_ASSUMPTION_RANGE.high,
    });
    expect(slow.applySeconds).to.be.greaterThan(small.applySeconds);
    const fullRead = (100 * GIB) / (9 * 20 * 2 ** 20);
    expect(small.applySeconds).to.be.lessThan(fullRead / 5);
  });

  it("refuses a change rate outside 0 to 100 %", () => {
    expect(() => estimateIncremental(table(1), JOB, 1.5, 1)).to.throw(EstimateInputError);
  });
});
