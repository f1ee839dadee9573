import { expect } from "chai";
import { freshnessOf, humanDuration } from "../lib/freshness";

const HOUR = 3600;
const DAY = 24 * HOUR;
const of = (schedule: string, timeoutMinutes = 360) => freshnessOf({ schedule, timeoutMinutes });

describe("when a snapshot is stale", () => {
  it("daily: a day, plus the export timeout, plus an hour", () => {
    const f = of("cron(0 2 * * ? *)")!;
    expect(f.gapSeconds).to.equal(DAY);
    expect(f.thresholdSeconds).to.equal(DAY + 6 * HOUR + HOUR);
    expect(f.alarm).to.deep.equal({
      kind: "no-success",
      metricName: "SnapshotSucceeded",
      statistic: "Sum",
      period: HOUR,
      evaluationPeriods: 31,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
    });
  });

  it("every six hours and weekdays only: counted successes, within CloudWatch's 7-day look-back", () => {
    expect(of("cron(0 0/6 * * ? *)", 60)!.alarm).to.include({
      kind: "no-success",
      evaluationPeriods: 8,
    });
    const weekdays = of("cron(0 2 ? * MON-FRI *)")!;
    expect(weekdays.thresholdSeconds).to.equal(3 * DAY + 7 * HOUR);
    expect(weekdays.alarm).to.include({ kind: "no-success", evaluationPeriods: 79 });
  });

  it("weekly and monthly: past 7 days, so the alarm watches the view's age from the heartbeat", () => {
    const weekly = of("cron(0 3 ? * SUN *)")!;
    expect(weekly.thresholdSeconds).to.be.above(7 * DAY);
    expect(weekly.alarm).to.deep.equal({
      kind: "view-age",
      metricName: "ViewAgeSeconds",
      statistic: "Maximum",
      period: DAY,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 7 * DAY + 7 * HOUR,
    });
    for (const monthly of ["cron(0 0 1 * ? *)", "cron(0 0 L * ? *)"]) {
      expect(of(monthly)!.alarm).to.include({ kind: "view-age", threshold: 31 * DAY + 7 * HOUR });
    }
  });

  it("a schedule that does not repeat has no threshold", () => {
    expect(of("cron(0 0 1 1 ? 2027)")).to.equal(undefined);
  });

  it("says durations the way people read them", () => {
    expect(humanDuration(DAY + 7 * HOUR)).to.equal("1d 7h");
    expect(humanDuration(31 * DAY)).to.equal("31d");
    expect(humanDuration(90)).to.equal("2m");
  });
});
