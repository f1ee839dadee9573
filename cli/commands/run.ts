/**
 * `ddbsnap run <table> [--wait]`: starts the table's workflow run, as the schedule would, and
 * with --wait follows it step by step to the end.
 */
import type { GlueClient, WorkflowRun } from "@aws-sdk/client-glue";
import { glueClient, sdk } from "../aws";
import type { Command, CommandContext } from "../command";
import { stackOf, targetOf } from "../command";
import { COMMAND_MANIFEST } from "../manifest";
import { awsCall, EXIT, UsageError } from "../errors";
import { duration } from "../format";
import type { StackTable } from "../stack";
import { findTable } from "../stack";
import type { Followed } from "../workflow-run";
import { followRun, oneLine, runSeconds, snapshotOf } from "../workflow-run";
import { logHint, stepRole, whenMissing } from "./shared";

/** Glue workflow steps take minutes; polling faster only costs API calls. */
export const POLL_INTERVAL_MS = 15_000;

export async function getRun(
  glue: GlueClient,
  workflow: string,
  runId: string,
): Promise<WorkflowRun> {
  const { GetWorkflowRunCommand } = sdk.glue();
  const answer = await awsCall("Glue GetWorkflowRun", () =>
    glue.send(new GetWorkflowRunCommand({ Name: workflow, RunId: runId, IncludeGraph: true })),
  );
  if (!answer.Run) throw new Error(`GetWorkflowRun returned no run for ${runId}`);
  return answer.Run;
}

function timeoutOf(ctx: CommandContext): number | undefined {
  const text = ctx.options["timeout-minutes"] as string | undefined;
  if (text === undefined) return undefined;
  const minutes = Number(text);
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new UsageError(`--timeout-minutes must be a positive number, got "${text}"`);
  return minutes * 60_000;
}

/** What `run --wait` says at the end, and its exit code: 0 only if every step succeeded. */
export function followedReport(
  followed: Followed,
  { table, names }: StackTable,
  database: string,
  now: number,
): { lines: string[]; code: number } {
  const took = runSeconds(followed.run, now);
  const after = took === undefined ? "" : ` after ${duration(took)}`;
  const { outcome } = followed;
  if (followed.timedOut) {
    return {
      lines: [
        `Still ${followed.run.Status ?? "running"}${after}; stopped watching. The run goes on: ddbsnap status ${table.name}`,
      ],
      code: EXIT.FAILED,
    };
  }
  if (outcome.result === "succeeded") {
    const snapshot = snapshotOf(followed.run);
    return {
      lines: [
        `Run SUCCEEDED${after}: ` +
          (snapshot
            ? table.mode === "incremental"
              ? `${database}.${names.icebergTable} (view ${names.view}) is current to ${snapshot}.`
              : `view ${database}.${names.view} now shows snapshot ${snapshot}.`
            : "every step succeeded, but the run has no snapshot_timestamp property."),
      ],
      code: EXIT.OK,
    };
  }
  if (outcome.result === "failed") {
    const where = outcome.step
      ? ` at the ${stepRole(names, outcome.step, table.mode)} ${outcome.step.name}`
      : "";
    const lines = [`Run ${outcome.state}${after}${where}: ${oneLine(outcome.reason, 400)}`];
    lines.push(
      `${outcome.step ? `Logs: ${logHint(names, outcome.step, table.mode)}. ` : ""}` +
        (table.mode === "incremental"
          ? "The watermark did not move: the next run exports and merges the same changes again."
          : "The view still shows the previous snapshot."),
    );
    return { lines, code: EXIT.FAILED };
  }
  return { lines: [`Run still ${followed.run.Status ?? "running"}${after}.`], code: EXIT.FAILED };
}

export const run: Command = {
  ...COMMAND_MANIFEST.run,
  help: `Starts the workflow ddbsnap-<stack>-<table> (export job → crawler → refresh job), exactly as its
schedule would. <table> is the DynamoDB name or its normalised form (Reviews or reviews).

Options:
  --wait                 follow the run, printing each step's state as it changes, until it ends;
                         exit 0 only if every step succeeded, and print the snapshot it made
  --timeout-minutes <n>  with --wait: stop watching after n minutes (exit 1; the run goes on)`,

  async run(ctx: CommandContext): Promise<number> {
    const stack = stackOf(ctx);
    const { table, names }: StackTable = findTable(stack, ctx.positionals[0]);
    const timeoutMs = timeoutOf(ctx);
    const target = targetOf(ctx, stack);
    const glue = glueClient(target);
    const { StartWorkflowRunCommand } = sdk.glue();

    const started = await awsCall("Glue StartWorkflowRun", () =>
      glue.send(new StartWorkflowRunCommand({ Name: names.workflow })),
    ).catch((e) => {
      throw whenMissing(e, `Workflow ${names.workflow}`, target, stack.config.stack);
    });
    const runId = started.RunId as string;
    ctx.io.out(
      `Started run ${runId} of workflow ${names.workflow} (table ${table.name}, ${target.region}).`,
    );
    if (!ctx.options.wait) {
      ctx.io.out(`Follow it with: ddbsnap status ${table.name}   (or run it with --wait)`);
      return EXIT.OK;
    }

    ctx.io.out(
      `Following it every ${POLL_INTERVAL_MS / 1000}s; Ctrl-C stops watching, the run goes on.`,
    );
    const followed = await followRun(
      () => getRun(glue, names.workflow, runId),
      { now: ctx.io.now, sleep: ctx.io.sleep, print: ctx.io.out },
      {
        intervalMs: POLL_INTERVAL_MS,
        timeoutMs,
        label: (step) => stepRole(names, step, table.mode),
      },
    );
    const report = followedReport(followed, { table, names }, stack.names.database, ctx.io.now());
    report.lines.forEach((l) => ctx.io.out(l));
    return report.code;
  },
};
