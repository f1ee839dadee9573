import { expect } from "chai";
import { firings, longestGapSeconds } from "../lib/schedule-gap";

const HOUR = 3600;
const DAY = 24 * HOUR;

describe("the longest gap between two firings of a Glue cron schedule", () => {
  const cases: [string, string, number][] = [
    ["daily", "cron(0 2 * * ? *)", DAY],
    ["every six hours", "cron(0 0/6 * * ? *)", 6 * HOUR],
    ["twice a day, unevenly", "cron(0 1,7 * * ? *)", 18 * HOUR],
    ["weekdays only: Friday to Monday", "cron(0 2 ? * MON-FRI *)", 3 * DAY],
    ["weekdays by number", "cron(30 8 ? * 2-6 *)", 3 * DAY],
    ["weekly", "cron(0 3 ? * SUN *)", 7 * DAY],
    ["monthly on the 1st: 31 days after a long month", "cron(0 0 1 * ? *)", 31 * DAY],
    [
      "last day of the month: Jan 31 to Feb 28 is 28 days, Feb to Mar 31",
      "cron(0 0 L * ? *)",
      31 * DAY,
    ],
    ["last Friday of the month: up to five weeks", "cron(0 0 ? * 6L *)", 35 * DAY],
    ["quarterly", "cron(0 0 1 1,4,7,10 ? *)", 92 * DAY],
  ];
  for (const [label, expression, gap] of cases) {
    it(`${label}: ${expression}`, () => {
      expect(longestGapSeconds(expression)).to.equal(gap);
    });
  }

  it("places L on the last day, W on the nearest weekday and # on the nth weekday", () => {
    const day = (expression: string) =>
      firings(expression, Date.UTC(2027, 1, 1), 28).map((t) => new Date(t).getUTCDate());
    expect(day("cron(0 0 L * ? *)")).to.deep.equal([28]); // February 2027
    expect(day("cron(0 0 13W * ? *)")).to.deep.equal([12]); // Sat 13 Feb 2027 -> Fri 12
    expect(day("cron(0 0 ? * MON#2 *)")).to.deep.equal([8]);
    expect(day("cron(0 0 LW * ? *)")).to.deep.equal([26]); // Sun 28 -> Fri 26
  });

  it("has no gap for a schedule that fires once or never in the next years", () => {
    expect(longestGapSeconds("cron(0 0 1 1 ? 2027)")).to.equal(undefined);
    expect(longestGapSeconds("cron(0 0 * * ? 2020)")).to.equal(undefined);
  });
});
