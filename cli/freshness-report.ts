/**
 * How fresh each table's view is, against the threshold its stale alarm uses (lib/freshness.ts).
 * Pure: `ddbsnap status` gathers the view's snapshot and the latest run, this judges them.
 */
import type { TableConfig } from "../lib/config";
import { CONTRACT } from "../lib/contract";
import { freshnessOf, humanDuration } from "../lib/freshness";

export interface FreshnessInput {
  table: TableConfig;
  /** The snapshot the view shows, if there is a view. */
  viewSnapshot?: string;
  /** Incremental mode: the watermark (ISO time); the table is current to it. */
  watermark?: string;
  /** The latest finished run of the workflow, if any. */
  lastRun?: { result: "succeeded" | "failed"; started?: string; reason?: string };
}

export interface FreshnessReport {
  table: string;
  enabled: boolean;
  viewSnapshot: string | null;
  /** Incremental mode only. */
  watermark?: string | null;
  ageSeconds: number | null;
  thresholdSeconds: number | null;
  /** fresh, stale, failing (fresh, but the latest run failed), disabled, unwatched (no threshold). */
  state: "fresh" | "stale" | "failing" | "disabled" | "unwatched";
  lastRun: FreshnessInput["lastRun"] | null;
  /** One line for people. */
  summary: string;
}

/** `20261123T020000Z` -> epoch ms. */
export function snapshotTime(ts: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(ts);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

export function judgeFreshness(input: FreshnessInput, now: number): FreshnessReport {
  const { table, viewSnapshot, lastRun, watermark } = input;
  const rule = freshnessOf(table);
  const at = watermark
    ? Date.parse(watermark)
    : viewSnapshot
      ? snapshotTime(viewSnapshot)
      : undefined;
  const ageSeconds = at === undefined ? null : Math.max(0, Math.round((now - at) / 1000));
  const thresholdSeconds = rule?.thresholdSeconds ?? null;
  const shows =
    table.mode === "incremental"
      ? watermark && ageSeconds !== null
        ? `current to ${watermark} (its watermark), ${humanDuration(ageSeconds)} old`
        : "no watermark yet (the first run bootstraps the Iceberg table)"
      : viewSnapshot && ageSeconds !== null
        ? `view shows ${viewSnapshot}, ${humanDuration(ageSeconds)} old`
        : "no snapshot in the view yet";
  const limit = thresholdSeconds === null ? "" : `; stale after ${humanDuration(thresholdSeconds)}`;
  let state: FreshnessReport["state"];
  if (!table.enabled) state = "disabled";
  else if (thresholdSeconds === null) state = "unwatched";
  else if (ageSeconds === null || ageSeconds > thresholdSeconds) state = "stale";
  else if (lastRun?.result === "failed") state = "failing";
  else state = "fresh";
  const why =
    state === "failing"
      ? `: the latest run (${lastRun?.started ?? "?"}) failed: ${lastRun?.reason ?? "no reason given"}`
      : state === "disabled"
        ? " (enabled: false: not checked)"
        : state === "unwatched"
          ? " (the schedule does not repeat: not checked)"
          : "";
  return {
    table: table.name,
    enabled: table.enabled,
    viewSnapshot: viewSnapshot ?? null,
    ...(table.mode === "incremental" ? { watermark: watermark ?? null } : {}),
    ageSeconds,
    thresholdSeconds,
    state,
    lastRun: lastRun ?? null,
    summary: `${table.name}: ${state.toUpperCase()}, ${shows}${limit}${why}`,
  };
}

/** What `--check` exits with: 1 if any enabled, watched table is stale or failing. */
export function checkFails(reports: FreshnessReport[]): boolean {
  return reports.some((r) => r.state === "stale" || r.state === "failing");
}

/** Whether a table's jobs could assume its source role, from its latest finished run. */
export interface SourceRoleReport {
  table: string;
  role: string;
  /** false: the latest run failed because the role could not be assumed; null: no run says. */
  assumable: boolean | null;
  /** One line for people, when the role cannot be assumed. */
  summary?: string;
}

/**
 * A table in another account is read through its owner's role, which only the table's pipeline
 * role may assume (lib/source.ts): not the operator running this CLI. So the CLI judges the role
 * by what the jobs met: their error starts with CONTRACT.sourceAccess.errorPrefix when
 * AssumeRole failed (glue-scripts/source_access.py).
 */
export function judgeSourceRole(
  table: TableConfig,
  lastRun: FreshnessInput["lastRun"],
): SourceRoleReport | undefined {
  if (!table.sourceRoleArn) return undefined;
  const report = { table: table.name, role: table.sourceRoleArn };
  if (!lastRun) return { ...report, assumable: null };
  if (lastRun.result === "succeeded") return { ...report, assumable: true };
  if (!lastRun.reason?.includes(CONTRACT.sourceAccess.errorPrefix))
    return { ...report, assumable: null };
  return {
    ...report,
    assumable: false,
    summary:
      `${table.name}: source role ${table.sourceRoleArn} cannot be assumed: the latest run ` +
      `(${lastRun.started ?? "?"}) failed: ${lastRun.reason}. Its owner creates it in account ${table.account} ` +
      "with the trust and permissions policies `npx ddbsnap plan` prints (pulumi stack output sourceAccess)",
  };
}
