/**
 * `ddbsnap status [<table>]`: the last runs of each table's workflow, newest first: when it
 * started, how long it took, how it ended, the snapshot it made and, if it failed, where and why.
 */
import type { GlueClient, WorkflowRun } from "@aws-sdk/client-glue";
import { allPages, glueClient } from "../aws";
import { Command, CommandContext, stackOf, targetOf } from "../command";
import { COMMAND_MANIFEST } from "../manifest";
import { AwsError, awsCall, EXIT, UsageError } from "../errors";
import { columns, duration, plural, utc } from "../format";
import { allTables, findTable, StackTable } from "../stack";
import { oneLine, outcomeOf, runSeconds, snapshotOf } from "../workflow-run";
import { stepRole, whenMissing } from "./shared";

/** Every run Glue still keeps, newest first. `pageSize` is a parameter so tests can page. */
export async function workflowRuns(
  glue: GlueClient,
  workflow: string,
  pageSize = 100,
): Promise<WorkflowRun[]> {
  const { GetWorkflowRunsCommand } =
    require("@aws-sdk/client-glue") as typeof import("@aws-sdk/client-glue");
  const runs = await allPages(async (token) => {
    const page = await awsCall("Glue GetWorkflowRuns", () =>
      glue.send(
        new GetWorkflowRunsCommand({
          Name: workflow,
          IncludeGraph: true,
          MaxResults: pageSize,
          NextToken: token,
        }),
      ),
    );
    return { items: page.Runs ?? [], next: page.NextToken };
  });
  // Do not rely on the API's order: sort by start time.
  return runs.sort((a, b) => (b.StartedOn?.getTime() ?? 0) - (a.StartedOn?.getTime() ?? 0));
}

/** One row per run: started, took, state, snapshot, failed step. */
export function runRows(runs: WorkflowRun[], { names }: StackTable, now: number): string[][] {
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
          ? `${stepRole(names, outcome.step)}: ${oneLine(outcome.reason, 120)}`
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

Options:
  --last <n>   how many runs per table (default 5)`,

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

    const results = await Promise.all(
      tables.map(async (t) => {
        try {
          return { t, runs: await workflowRuns(glue, t.names.workflow) };
        } catch (error) {
          // One table's missing workflow should not hide the others' runs; anything else
          // (no credentials, no network) stops the command once.
          const explained = whenMissing(
            error,
            `Workflow ${t.names.workflow}`,
            target,
            stack.config.stack,
          );
          if (explained !== error && explained instanceof AwsError) return { t, error: explained };
          throw explained;
        }
      }),
    );

    let failed = false;
    results.forEach((result, i) => {
      if (i > 0) ctx.io.out("");
      const { table, names } = result.t;
      if ("error" in result && result.error) {
        failed = true;
        ctx.io.out(`${table.name} (workflow ${names.workflow}): ${result.error.message}`);
        return;
      }
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
        runRows(shown, result.t, ctx.io.now()),
      ).forEach((l) => ctx.io.out(`  ${l}`));
    });
    return failed ? EXIT.AWS : EXIT.OK;
  },
};
