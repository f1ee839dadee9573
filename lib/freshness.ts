/**
 * When a table's snapshot counts as stale, and how CloudWatch can tell. Pure.
 *
 * Stale: no successful snapshot within the schedule's longest gap between two firings, plus the
 * export job's timeout, plus a margin for the crawler and the refresh job. A CloudWatch alarm
 * looks back at most 7 days (Period × EvaluationPeriods ≤ 604,800 s, and ≤ 86,400 s for periods
 * under an hour: CloudWatch API reference, PutMetricAlarm). So:
 * - a threshold of up to 7 days alarms when SnapshotSucceeded (published by each successful
 *   refresh) sums to less than 1 over the threshold, in one-hour periods, missing data breaching;
 * - a longer one (weekly, monthly schedules) alarms on ViewAgeSeconds, the age of the snapshot the
 *   view shows, which each table's heartbeat publishes every 6 hours: Maximum above the threshold
 *   in a one-day period, missing data (no heartbeat) breaching.
 */
import type { TableConfig } from "./config";
import { CONTRACT } from "./contract";
import { longestGapSeconds } from "./schedule-gap";

/** The crawler and the refresh job after the export, with room to spare. */
export const FRESHNESS_MARGIN_SECONDS = 3600;
/** The longest look-back of a CloudWatch alarm. */
export const MAX_ALARM_WINDOW_SECONDS = 604_800;
/** How often each table's heartbeat publishes the view's age (Glue cron, UTC). */
export const HEARTBEAT_SCHEDULE = "cron(17 0/6 * * ? *)";
export const METRIC_NAMES = CONTRACT.metrics.names;

export type StaleAlarm =
  | {
      kind: "no-success";
      metricName: string;
      statistic: "Sum";
      period: number;
      evaluationPeriods: number;
      comparisonOperator: "LessThanThreshold";
      threshold: 1;
    }
  | {
      kind: "view-age";
      metricName: string;
      statistic: "Maximum";
      period: number;
      evaluationPeriods: 1;
      comparisonOperator: "GreaterThanThreshold";
      threshold: number;
    };

export interface Freshness {
  /** The schedule's longest gap between two firings. */
  gapSeconds: number;
  /** A snapshot older than this is stale. */
  thresholdSeconds: number;
  alarm: StaleAlarm;
}

/** The table's freshness rule; undefined for a schedule that does not repeat (no threshold fits). */
export function freshnessOf(
  table: Pick<TableConfig, "schedule" | "timeoutMinutes">,
): Freshness | undefined {
  const gapSeconds = longestGapSeconds(table.schedule);
  if (gapSeconds === undefined) return undefined;
  const thresholdSeconds = gapSeconds + table.timeoutMinutes * 60 + FRESHNESS_MARGIN_SECONDS;
  if (thresholdSeconds <= MAX_ALARM_WINDOW_SECONDS) {
    const period = 3600;
    return {
      gapSeconds,
      thresholdSeconds,
      alarm: {
        kind: "no-success",
        metricName: METRIC_NAMES.succeeded,
        statistic: "Sum",
        period,
        evaluationPeriods: Math.ceil(thresholdSeconds / period),
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
      },
    };
  }
  return {
    gapSeconds,
    thresholdSeconds,
    alarm: {
      kind: "view-age",
      metricName: METRIC_NAMES.viewAge,
      statistic: "Maximum",
      period: 86_400,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: thresholdSeconds,
    },
  };
}

/** `1d 7h`, `31d`, `6h`, for alarm descriptions and the CLI. */
export function humanDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  const parts = [days && `${days}d`, hours && `${hours}h`, minutes && `${minutes}m`].filter(
    Boolean,
  );
  return parts.length ? parts.join(" ") : "0m";
}
