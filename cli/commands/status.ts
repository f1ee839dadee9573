/**
 * `ddbsnap status [<table>]`: each table's freshness (the age of the snapshot its view shows,
 * against the threshold its stale alarm uses), and the last runs of its workflow, newest first:
 * when it started, how long it took, how it ended, the snapshot it made and, if it failed, where
 * and why. `--check` prints only what is wrong and exits 1 if anything is: for cron, CI or an
 * on-call runbook. `--json` for machines.
 */
import type { GlueClient, WorkflowRun } from "@aws-sdk/client-glue";
import type { S3Client } from "@aws-sdk/client-s3";
import { allPages, glueClient, s3Client, sdk } from "../aws";
import type { Command, CommandContext } from "../command";
import { stackOf, targetOf } from "../command";
import { COMMAND_MANIFEST } from "../manifest";
import { AwsError, EXIT, UsageError } from "../errors";
import { columns, duration, plural, utc } from "../format";
import type { FreshnessReport, SourceRoleReport } from "../freshness-report";
import { checkFails, judgeFreshness, judgeSourceRole } from "../freshness-report";
import { viewSnapshot, viewSql } from "../presto-view";
import { SNAPSHOT_PARTITION_KEY } from "../../lib/naming";
import type { StackTable } from "../stack";
import { allTables, findTable } from "../stack";
import { catalogTable } from "../catalog";
import { readWatermark } from "../watermark";
import { oneLine, outcomeOf, runSeconds, snapshotOf } from "../workflow-run";
import { stepRole, whenMissing } from "./shared";

/** Every run Glue still keeps, newest first. `pageSize` is a parameter so tests can page. */
export async function workflowRuns(glue: GlueClient, workflow: string, pageSize = 100) {
  const input = { Name: workflow, IncludeGraph: true, MaxResults: pageSize };
  const runs = await allPages(
    "Glue GetWorkflowRuns",
    (NextToken) => glue.send(new (sdk.glue().GetWorkflowRunsCommand)({ ...input, NextToken })),
    (page) => ({ items: page.Runs ?? [], next: page.NextToken }),
  );
  // Do not rely on the API's order: sort by start time.
  return runs.sort((a, b) => (b.StartedOn?.getTime() ?? 0) - (a.StartedOn?.getTime() ?? 0));
}

/** One row per run: started, took, state, snapshot, failed step. */
export function runRows(
  runs: WorkflowRun[],
  { table, names }: StackTable,
  now: number,
): string[][] {
  return runs.map((run) => {
    const outcome = outcomeOf(run);
    const seconds = runSeconds(run, now);
    const took =
      seconds === undefined
        ? "-"
        : outcome.result === "running"
          ? `${duration(seconds)} so far`
          : duration(seconds);
    const state =
      outcome.result === "running"
        ? (run.Status ?? "RUNNING")
        : outcome.result === "succeeded"
          ? "SUCCEEDED"
          : outcome.state;
    const failure =
      outcome.result === "failed"
        ? outcome.step
          ? `${stepRole(names, outcome.step, table.mode)}: ${oneLine(outcome.reason, 120)}`
          : oneLine(outcome.reason, 120)
        : "";
    return [run.StartedOn ? utc(run.StartedOn) : "-", took, state, snapshotOf(run) ?? "-", failure];
  });
}

export const status: Command = {
  ...COMMAND_MANIFEST.status,
  help: `Lists the most recent runs of every table's workflow (or only <table>'s), newest first, with the
snapshot each run made (its snapshot_timestamp run property) and, for a failed run, the step that
failed and its error.

Each table's first line says whether it is FRESH (its view's snapshot is younger than the
threshold its stale-snapshot alarm uses: the schedule's longest gap + timeoutMinutes + 1 hour),
STALE, FAILING (fresh, but its latest run failed), DISABLED or UNWATCHED (a schedule that does not
repeat). A table in another account whose latest run could not assume its source role says so,
naming the role.

Options:
  --last <n>   how many runs per table (default 5)
  --check      print one line per stale or failing table, and per source role its jobs could not
               assume, and exit 1 if there is one, else 0 (disabled tables are not checked)
  --json       print the freshness and the last runs as JSON`,

  async run(ctx: CommandContext): Promise<number> {
    const stack = stackOf(ctx);
    const tables = ctx.positionals.length
      ? [findTable(stack, ctx.positionals[0])]
      : allTables(stack);
    const last = Number(ctx.options.last ?? 5);
    if (!Number.isInteger(last) || last < 1)
      throw new UsageError(`--last must be a whole number from 1, got "${ctx.options.last}"`);
    const target = targetOf(ctx, stack);
    const glue = glueClient(target);
    const now = ctx.io.now();

    const results = await Promise.all(
      tables.map(async (t): Promise<TableStatus> => {
        try {
          return await tableStatus(glue, () => s3Client(target), stack.names.database, t, now);
        } catch (error) {
          // One table's missing workflow should not hide the others' runs; anything else
          // (no credentials, no network) stops the command once.
          const what = `Workflow ${t.names.workflow}`;
          const explained = whenMissing(error, what, target, stack.config.stack);
          if (explained !== error && explained instanceof AwsError) return { t, error: explained };
          throw explained;
        }
      }),
    );
    const missing = results.some((r) => r.error);
    if (ctx.options.json) ctx.io.out(JSON.stringify(asJson(results, last, now), null, 2));
    if (ctx.options.check) {
      const reports = results.flatMap((r) => (r.freshness ? [r.freshness] : []));
      if (!ctx.options.json) printCheck(ctx, results, reports);
      if (missing) return EXIT.AWS;
      const unassumable = results.some((r) => r.sourceRole?.assumable === false);
      return checkFails(reports) || unassumable ? EXIT.FAILED : EXIT.OK;
    }
    if (!ctx.options.json) printRuns(ctx, results, last, now);
    return missing ? EXIT.AWS : EXIT.OK;
  },
};

/** One table's runs and freshness, or why they could not be read. */
export interface TableStatus {
  t: StackTable;
  runs?: WorkflowRun[];
  freshness?: FreshnessReport;
  /** A table in another account: whether its jobs could assume its source role. */
  sourceRole?: SourceRoleReport;
  error?: AwsError;
}

async function tableStatus(
  glue: GlueClient,
  s3: () => S3Client,
  database: string,
  t: StackTable,
  now: number,
): Promise<TableStatus> {
  const runs = await workflowRuns(glue, t.names.workflow);
  const sql = viewSql((await catalogTable(glue, database, t.names.view))?.ViewOriginalText);
  const stored =
    t.table.mode === "incremental" ? await readWatermark(glue, s3(), database, t.names) : undefined;
  const finished = runs.find((r) => outcomeOf(r).result !== "running");
  const outcome = finished ? outcomeOf(finished) : undefined;
  const lastRun =
    outcome && outcome.result !== "running"
      ? {
          result: outcome.result,
          started: finished?.StartedOn ? utc(finished.StartedOn) : undefined,
          reason: outcome.result === "failed" ? oneLine(outcome.reason, 200) : undefined,
        }
      : undefined;
  const viewSnapshotNow = sql === undefined ? undefined : viewSnapshot(sql, SNAPSHOT_PARTITION_KEY);
  const freshness = judgeFreshness(
    { table: t.table, viewSnapshot: viewSnapshotNow, watermark: stored?.watermark, lastRun },
    now,
  );
  return { t, runs, freshness, sourceRole: judgeSourceRole(t.table, lastRun) };
}

function asJson(results: TableStatus[], last: number, now: number): object[] {
  return results.map((r) => {
    if (r.error) return { table: r.t.table.name, error: r.error.message };
    const runs = runRows((r.runs ?? []).slice(0, last), r.t, now).map(
      ([started, took, state, snapshot, failedStep]) => ({
        started,
        took,
        state,
        snapshot,
        failedStep,
      }),
    );
    return { ...r.freshness, ...(r.sourceRole ? { sourceRole: r.sourceRole } : {}), runs };
  });
}

/** `--check`: only what is wrong, or one line saying all is well. */
function printCheck(ctx: CommandContext, results: TableStatus[], reports: FreshnessReport[]) {
  for (const line of checkLines(results, reports)) ctx.io.out(line);
}

/** The lines `--check` prints: each stale or failing table, role and missing workflow. */
export function checkLines(
  results: Pick<TableStatus, "t" | "sourceRole" | "error">[],
  reports: FreshnessReport[],
): string[] {
  const lines: string[] = [];
  const unassumable = new Map(
    results.flatMap((r) => (r.sourceRole?.summary ? [[r.t.table.name, r.sourceRole.summary]] : [])),
  );
  // For a table whose jobs could not assume its source role, the role's own line replaces the
  // generic failing one: it names the role, and who fixes it.
  for (const r of reports.filter((f) => f.state === "stale" || f.state === "failing"))
    if (r.state === "stale" || !unassumable.has(r.table)) lines.push(r.summary);
  lines.push(...unassumable.values());
  const missing = results.filter((r) => r.error);
  for (const r of missing) lines.push(`${r.t.table.name}: ${r.error!.message}`);
  if (!checkFails(reports) && missing.length === 0 && unassumable.size === 0) {
    const enabled = reports.filter((r) => r.enabled).length;
    lines.push(`All ${plural(enabled, "enabled table")} fresh.`);
  }
  return lines;
}

/** Each table's freshness line and its last runs as a table. */
function printRuns(ctx: CommandContext, results: TableStatus[], last: number, now: number) {
  results.forEach((result, i) => {
    if (i > 0) ctx.io.out("");
    const { table, names } = result.t;
    if (result.error) {
      ctx.io.out(`${table.name} (workflow ${names.workflow}): ${result.error.message}`);
      return;
    }
    if (result.freshness) ctx.io.out(result.freshness.summary);
    const runs = result.runs ?? [];
    if (runs.length === 0) {
      ctx.io.out(
        `${table.name} (workflow ${names.workflow}): no runs yet. Start one with: ddbsnap run ${table.name} --wait`,
      );
      return;
    }
    const shown = runs.slice(0, last);
    ctx.io.out(
      `${table.name} (workflow ${names.workflow}), last ${shown.length} of ${plural(runs.length, "run")}:`,
    );
    columns(
      ["started", "took", "state", "snapshot", "failed step"],
      runRows(shown, result.t, now),
    ).forEach((l) => ctx.io.out(`  ${l}`));
  });
}
