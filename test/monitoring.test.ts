/**
 * Stale-snapshot alarms, heartbeats and the stack's dashboard, under Pulumi's mocks: thresholds
 * come from each table's schedule (lib/freshness.ts), disabled tables get none.
 */
import { expect } from "chai";
import type { ProgramRun } from "../harness/mock-program";
import { runProgram, TYPES } from "../harness/mock-program";

const HOUR = 3600;
const DAY = 24 * HOUR;

describe("monitoring: stale-snapshot alarms, heartbeats and the dashboard", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({
      tables: [
        { name: "Daily", schedule: "cron(0 2 * * ? *)" },
        { name: "Weekdays", schedule: "cron(0 2 ? * MON-FRI *)", timeoutMinutes: 60 },
        { name: "Monthly", schedule: "cron(0 0 L * ? *)", mode: "export" },
        { name: "Paused", enabled: false },
      ],
    });
  });

  it("alarms when a daily table has had no successful snapshot for a day + timeout + an hour", () => {
    const alarm = run.named(TYPES.metricAlarm, "ddbsnap-dev-daily-stale").inputs;
    expect(alarm).to.include({
      namespace: "ddb-athena-snapshots",
      metricName: "SnapshotSucceeded",
      statistic: "Sum",
      period: HOUR,
      evaluationPeriods: 31,
      datapointsToAlarm: 31,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    });
    expect(alarm.dimensions).to.deep.equal({ Stack: "dev", Table: "daily" });
    const topic = run.ofType(TYPES.topic)[0].state.arn;
    expect(alarm.alarmActions).to.deep.equal([topic]);
    expect(alarm.okActions).to.deep.equal([topic], "says so when it recovers");
    expect(alarm.alarmDescription).to.contain("no snapshot of Daily has succeeded for 1d 7h");
  });

  it("gives a weekday-only table the Friday-to-Monday gap", () => {
    const alarm = run.named(TYPES.metricAlarm, "ddbsnap-dev-weekdays-stale").inputs;
    expect(alarm.evaluationPeriods).to.equal((3 * DAY + HOUR + HOUR) / HOUR);
  });

  it("watches a monthly table's view age from the heartbeat, past CloudWatch's 7-day look-back", () => {
    const alarm = run.named(TYPES.metricAlarm, "ddbsnap-dev-monthly-stale").inputs;
    expect(alarm).to.include({
      metricName: "ViewAgeSeconds",
      statistic: "Maximum",
      period: DAY,
      evaluationPeriods: 1,
      threshold: 31 * DAY + 6 * HOUR + HOUR,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "breaching",
    });
    expect(alarm.period * alarm.evaluationPeriods).to.be.at.most(604_800);
  });

  it("keeps every alarm within CloudWatch's limits", () => {
    for (const { inputs } of run.ofType(TYPES.metricAlarm)) {
      const window = inputs.period * inputs.evaluationPeriods;
      expect(window, inputs.name).to.be.at.most(inputs.period < HOUR ? DAY : 604_800);
    }
  });

  it("runs a heartbeat every 6 hours for each enabled table, and nothing for a disabled one", () => {
    for (const table of ["daily", "weekdays", "monthly"]) {
      const heartbeat = run.named(TYPES.trigger, `ddbsnap-dev-${table}-heartbeat`).inputs;
      expect(heartbeat).to.include({
        type: "SCHEDULED",
        schedule: "cron(17 0/6 * * ? *)",
        startOnCreation: true,
      });
      expect(heartbeat.workflowName).to.equal(undefined);
      expect(heartbeat.actions).to.deep.equal([
        { jobName: `ddbsnap-dev-${table}-refresh`, arguments: { "--heartbeat": "true" } },
      ]);
    }
    const paused = (r: { inputs: Record<string, any> }) => String(r.inputs.name).includes("paused");
    expect(run.ofType(TYPES.metricAlarm).filter(paused)).to.deep.equal([]);
    expect(
      run.ofType(TYPES.trigger).filter((t) => paused(t) && !t.inputs.workflowName),
    ).to.deep.equal([]);
  });

  it("declares one dashboard with each table's age against its threshold, size, export time and failed runs", () => {
    const [dashboard] = run.ofType(TYPES.dashboard);
    expect(dashboard.inputs.dashboardName).to.equal("ddbsnap-dev");
    const body = JSON.parse(dashboard.inputs.dashboardBody);
    const titles = body.widgets.map((w: any) => w.properties.title).filter(Boolean);
    for (const table of ["Daily", "Weekdays", "Monthly", "Paused"]) {
      expect(titles).to.include.members([
        `${table}: snapshot age (s)`,
        `${table}: items and bytes`,
        `${table}: export duration (s) and scan read rate`,
        `${table}: snapshots and failed runs`,
      ]);
    }
    const age = body.widgets.find((w: any) => w.properties.title === "Daily: snapshot age (s)");
    expect(age.properties.annotations.horizontal).to.deep.equal([
      { label: "stale", value: DAY + 7 * HOUR },
    ]);
    const paused = body.widgets.find((w: any) => w.properties.title === "Paused: snapshot age (s)");
    expect(paused.properties.annotations).to.equal(undefined);
    const failed = body.widgets.find(
      (w: any) => w.properties.title === "Daily: snapshots and failed runs",
    );
    const ruleNames = run
      .ofType(TYPES.eventRule)
      .map((r) => r.state.name as string)
      .filter((n) => /^alerts-daily-.*-failed/.test(n));
    expect(ruleNames).to.have.length(3);
    expect(failed.properties.metrics.map((m: unknown[]) => m[3])).to.include.members(ruleNames);
  });

  it("outputs the dashboard's console URL", () => {
    expect(run.outputs.dashboardUrl).to.equal(
      "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/ddbsnap-dev",
    );
  });
});
