import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { CONTRACT } from "../lib/contract";
import type { Freshness } from "../lib/freshness";
import { HEARTBEAT_SCHEDULE, humanDuration } from "../lib/freshness";
import type { TableNames } from "../lib/naming";
import { fitName, NAME_LIMITS } from "../lib/naming";

export interface TableFreshnessArgs {
  stack: string;
  table: string;
  names: TableNames;
  freshness: Freshness;
  /** The table's refresh job, which publishes the metrics and runs the heartbeat. */
  refreshJob: pulumi.Input<string>;
  alertTopicArn: pulumi.Input<string>;
}

/**
 * Catches snapshots that never happen (a schedule switched off by hand, a quota, a run stuck in
 * RUNNING): an alarm that fires when no successful snapshot has landed within the schedule's
 * longest gap plus the export timeout plus a margin (lib/freshness.ts), and the 6-hourly
 * heartbeat that publishes the age of the snapshot the view shows. Declared for enabled tables
 * only: a disabled table is expected to go stale.
 */
export class TableFreshness extends pulumi.ComponentResource {
  readonly alarmName: pulumi.Output<string>;

  constructor(name: string, args: TableFreshnessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:monitoring:TableFreshness", name, {}, opts);
    const { names, freshness } = args;
    const { alarm } = freshness;

    // Outside the workflow: the heartbeat only reads the catalog and publishes ViewAgeSeconds.
    new aws.glue.Trigger(
      `${name}-heartbeat`,
      {
        name: fitName(names.stem, "-heartbeat", NAME_LIMITS.glue),
        description: `Every 6 hours: publishes the age of the snapshot view ${names.view} shows`,
        type: "SCHEDULED",
        schedule: HEARTBEAT_SCHEDULE,
        startOnCreation: true,
        actions: [{ jobName: args.refreshJob, arguments: { "--heartbeat": "true" } }],
      },
      { parent: this },
    );

    const what =
      alarm.kind === "no-success"
        ? `no snapshot of ${args.table} has succeeded for ${humanDuration(freshness.thresholdSeconds)}`
        : `the snapshot view ${names.view} shows is older than ${humanDuration(freshness.thresholdSeconds)} (or the heartbeat stopped)`;
    const stale = new aws.cloudwatch.MetricAlarm(
      `${name}-stale`,
      {
        name: fitName(names.stem, "-stale", NAME_LIMITS.cloudwatchAlarm),
        alarmDescription:
          `Stack ${args.stack}: ${what}. The schedule's longest gap is ` +
          `${humanDuration(freshness.gapSeconds)}; the threshold adds the export timeout and an hour. ` +
          `Check the workflow ${names.workflow} with \`ddbsnap status --check\` (docs/operations.md, "A snapshot is stale").`,
        namespace: CONTRACT.metrics.namespace,
        metricName: alarm.metricName,
        dimensions: { Stack: args.stack, Table: names.normalised },
        statistic: alarm.statistic,
        period: alarm.period,
        evaluationPeriods: alarm.evaluationPeriods,
        datapointsToAlarm: alarm.evaluationPeriods,
        threshold: alarm.threshold,
        comparisonOperator: alarm.comparisonOperator,
        // No data is the failure this alarm exists for.
        treatMissingData: "breaching",
        alarmActions: [args.alertTopicArn],
        okActions: [args.alertTopicArn],
      },
      { parent: this },
    );
    this.alarmName = stale.name;
    this.registerOutputs({ alarmName: this.alarmName });
  }
}
