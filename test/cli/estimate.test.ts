import { expect } from "chai";
import {
  DEFAULT_ASSUMPTIONS,
  DEFAULT_PRICES,
  estimateSnapshot,
  EstimateInputError,
  GIB,
  MIB,
} from "../../lib/estimate";

// Expected values below are worked out by hand from the model in lib/estimate.ts, step by step,
// so a change to the arithmetic shows up as a failing line, not a silently updated snapshot.
describe("estimate arithmetic", () => {
  describe("a provisioned table (10 GiB, 1,000 RCU) read by 10 × G.1X at readPercentage 0.5", () => {
    const e = estimateSnapshot(
      {
        sizeBytes: 10 * GIB,
        itemCount: 5_000_000,
        billingMode: "PROVISIONED",
        provisionedRcu: 1000,
      },
      { workerType: "G.1X", workers: 10, readPercentage: 0.5 },
    );

    it("is bound by read capacity: 500 RCU/s × 8 KiB = 4,096,000 B/s, against 9 reading workers × 20 MiB/s", () => {
      expect(e.scan.rcuPerSecond).to.equal(500);
      expect(e.scan.assumedOnDemandRcu).to.equal(false);
      expect(e.scan.bytesPerSecond).to.equal(4_096_000);
      expect(e.scan.boundBy).to.equal("read capacity");
      expect(e.scan.seconds).to.be.closeTo(2621.44, 1e-9); // 10,737,418,240 / 4,096,000
    });

    it("bills 10 DPU for 2,622 s, at $0.44 STANDARD and $0.29 FLEX", () => {
      expect(e.dpus).to.equal(10);
      expect(e.scan.billedSeconds).to.equal(2622);
      expect(e.scan.dpuHours).to.be.closeTo((10 * 2622) / 3600, 1e-9);
      expect(e.scan.glue.STANDARD).to.be.closeTo(7.283333 * 0.44, 1e-5);
      expect(e.scan.glue.FLEX).to.be.closeTo(7.283333 * 0.29, 1e-5);
    });

    it("consumes half a read unit per 4 KiB but charges nothing extra: the capacity is already paid for", () => {
      expect(e.scan.readUnits).to.equal(1_310_720); // 2,621,440 blocks of 4 KiB / 2
      expect(e.scan.dynamodb).to.equal(0);
      expect(e.scan.total.STANDARD).to.equal(e.scan.glue.STANDARD);
      expect(e.scan.provisionedRcuHours).to.be.closeTo((500 * 2621.44) / 3600, 1e-9);
      expect(e.scan.provisionedCapacityValue).to.be.closeTo(
        ((500 * 2621.44) / 3600) * 0.00013,
        1e-12,
      );
    });

    it("in export mode pays $0.10 per GB, waits 15 minutes and reads 10 GiB at 180 MiB/s", () => {
      expect(e.sizeGb).to.equal(10);
      expect(e.export.exportCharge).to.be.closeTo(1.0, 1e-12);
      expect(e.export.waitSeconds).to.equal(900);
      expect(e.export.readSeconds).to.be.closeTo(10240 / 180, 1e-9);
      expect(e.export.billedSeconds).to.equal(957); // ceil(900 + 56.89)
      expect(e.export.glue.STANDARD).to.be.closeTo(((10 * 957) / 3600) * 0.44, 1e-9);
      expect(e.export.total.STANDARD).to.be.closeTo(((10 * 957) / 3600) * 0.44 + 1.0, 1e-9);
      expect(e.export.pitrPerMonth).to.be.closeTo(2.0, 1e-12);
    });
  });

  describe("an on-demand table (100 GiB) read by 4 × G.2X at readPercentage 0.25", () => {
    const e = estimateSnapshot(
      { sizeBytes: 100 * GIB, itemCount: 1, billingMode: "PAY_PER_REQUEST" },
      { workerType: "G.2X", workers: 4, readPercentage: 0.25 },
    );

    it("counts the table as 40,000 RCU: 10,000 RCU/s, 81,920,000 B/s, below 3 workers × 2 DPU × 20 MiB/s", () => {
      expect(e.scan.assumedOnDemandRcu).to.equal(true);
      expect(e.scan.rcuPerSecond).to.equal(10_000);
      expect(e.scan.bytesPerSecond).to.equal(81_920_000);
      expect(e.scan.boundBy).to.equal("read capacity");
      expect(e.scan.seconds).to.be.closeTo(1310.72, 1e-9);
    });

    it("charges the read request units at $0.125 per million and has no provisioned capacity to report", () => {
      expect(e.scan.readUnits).to.equal(13_107_200);
      expect(e.scan.dynamodb).to.be.closeTo(13.1072 * 0.125, 1e-9);
      expect(e.scan.provisionedRcuHours).to.equal(undefined);
      const glue = ((4 * 2 * 1311) / 3600) * 0.44;
      expect(e.scan.glue.STANDARD).to.be.closeTo(glue, 1e-9);
      expect(e.scan.total.STANDARD).to.be.closeTo(glue + 1.6384, 1e-9);
    });
  });

  it("is bound by the Glue workers when the table can serve more than they read", () => {
    const e = estimateSnapshot(
      { sizeBytes: GIB, itemCount: 1, billingMode: "PAY_PER_REQUEST" },
      { workerType: "G.1X", workers: 2, readPercentage: 1.5 },
    );
    expect(e.scan.boundBy).to.equal("Glue workers");
    expect(e.scan.bytesPerSecond).to.equal(20 * MIB); // one reading worker
    expect(e.scan.seconds).to.be.closeTo(1024 / 20, 1e-9);
  });

  it("bills at least one minute, and offers no FLEX price for G.4X and G.8X", () => {
    const e = estimateSnapshot(
      { sizeBytes: 1024, itemCount: 3, billingMode: "PROVISIONED", provisionedRcu: 5 },
      { workerType: "G.4X", workers: 2, readPercentage: 0.5 },
    );
    expect(e.scan.seconds).to.be.below(1);
    expect(e.scan.billedSeconds).to.equal(60);
    expect(e.scan.dpuHours).to.be.closeTo((2 * 4 * 60) / 3600, 1e-12);
    expect(e.scan.glue.FLEX).to.equal(undefined);
    expect(e.scan.total.FLEX).to.equal(undefined);
  });

  it("uses the prices and assumptions it is given", () => {
    const table = { sizeBytes: 50 * GIB, itemCount: 1, billingMode: "PAY_PER_REQUEST" as const };
    const job = { workerType: "G.1X" as const, workers: 10, readPercentage: 0.5 };
    const base = estimateSnapshot(table, job);
    const doubled = estimateSnapshot(
      table,
      job,
      { ...DEFAULT_PRICES, dpuHour: 0.88, exportPerGb: 0.2, rruPerMillion: 0.25 },
      { ...DEFAULT_ASSUMPTIONS, exportWaitSeconds: 0 },
    );
    expect(doubled.scan.glue.STANDARD).to.be.closeTo(2 * base.scan.glue.STANDARD, 1e-9);
    expect(doubled.scan.dynamodb).to.be.closeTo(2 * base.scan.dynamodb, 1e-9);
    expect(doubled.export.exportCharge).to.be.closeTo(10, 1e-9);
    expect(doubled.export.seconds).to.be.closeTo(base.export.seconds - 900, 1e-9);
  });

  it("refuses inputs that have no meaning, saying which", () => {
    const job = { workerType: "G.1X" as const, workers: 10, readPercentage: 0.5 };
    expect(() =>
      estimateSnapshot(
        { sizeBytes: GIB, itemCount: 1, billingMode: "PROVISIONED", provisionedRcu: 0 },
        job,
      ),
    ).to.throw(EstimateInputError, /read capacity/);
    expect(() =>
      estimateSnapshot({ sizeBytes: -1, itemCount: 1, billingMode: "PAY_PER_REQUEST" }, job),
    ).to.throw(EstimateInputError, /size/);
    expect(() =>
      estimateSnapshot(
        { sizeBytes: GIB, itemCount: 1, billingMode: "PAY_PER_REQUEST" },
        { ...job, workers: 1 },
      ),
    ).to.throw(EstimateInputError, /at least 2 workers/);
  });
});
