/**
 * The stack's CloudWatch dashboard body (CloudWatch API reference, "Dashboard body structure and
 * syntax"). Pure: a row per table with its freshness against the stale threshold, items and
 * bytes over time, export duration, and failed Glue job runs.
 */
import { CONTRACT } from "./contract";

export interface DashboardTable {
  /** The DynamoDB table, for titles. */
  table: string;
  /** The normalised name: the metrics' Table dimension. */
  key: string;
  /** Names of the EventBridge rules that match the table's failed runs. */
  failureRules: string[];
  /** The stale threshold; undefined when the table has no alarm (disabled, or a one-off schedule). */
  thresholdSeconds?: number;
}

type Widget = Record<string, unknown>;
const { namespace, names } = CONTRACT.metrics;
const WIDTH = 6;
const HEIGHT = 6;

function metric(stack: string, key: string, name: string, stat: string, label: string) {
  return [namespace, name, "Stack", stack, "Table", key, { stat, label }];
}

function graph(title: string, region: string, metrics: unknown[], extra: Widget = {}): Widget {
  return {
    type: "metric",
    width: WIDTH,
    height: HEIGHT,
    properties: {
      title,
      region,
      view: "timeSeries",
      stacked: false,
      period: 3600,
      metrics,
      ...extra,
    },
  };
}

export function dashboardBody(stack: string, region: string, tables: DashboardTable[]) {
  const widgets: Widget[] = [
    {
      type: "text",
      width: 24,
      height: 2,
      properties: {
        markdown:
          `## ddb-athena-snapshots: stack ${stack}\n` +
          "Snapshot age (the view's, every 6 hours, and each new snapshot's as it lands) against the " +
          "stale threshold; items, bytes and export time per snapshot; failed Glue job runs.",
      },
    },
  ];
  for (const t of tables) {
    const age = graph(
      `${t.table}: snapshot age (s)`,
      region,
      [
        metric(stack, t.key, names.viewAge, "Maximum", "view's snapshot"),
        metric(stack, t.key, names.age, "Maximum", "new snapshot"),
      ],
      t.thresholdSeconds === undefined
        ? {}
        : { annotations: { horizontal: [{ label: "stale", value: t.thresholdSeconds }] } },
    );
    const size = graph(`${t.table}: items and bytes`, region, [
      metric(stack, t.key, names.items, "Maximum", "items"),
      [
        ...metric(stack, t.key, names.bytes, "Maximum", "bytes").slice(0, 6),
        { stat: "Maximum", label: "bytes", yAxis: "right" },
      ],
    ]);
    const duration = graph(`${t.table}: export duration (s) and scan read rate`, region, [
      metric(stack, t.key, names.exportSeconds, "Maximum", "export seconds"),
      [
        ...metric(stack, t.key, names.readUnitsPerSecond, "Maximum", "").slice(0, 6),
        { stat: "Maximum", label: "read units/s", yAxis: "right" },
      ],
    ]);
    // Failed runs: each match of the table's failure alert rules (EventBridge publishes
    // AWS/Events TriggeredRules per rule: EventBridge guide, "Monitoring Amazon EventBridge").
    const failures = graph(`${t.table}: snapshots and failed runs`, region, [
      metric(stack, t.key, names.succeeded, "Sum", "snapshots succeeded"),
      ...t.failureRules.map((rule) => [
        "AWS/Events",
        "TriggeredRules",
        "RuleName",
        rule,
        { stat: "Sum", label: rule.replace(/^.*-(\w+-failed)(-\w+)?$/, "$1") },
      ]),
    ]);
    widgets.push(age, size, duration, failures);
  }
  return { widgets };
}
