/**
 * Reading a Glue workflow run (GetWorkflowRun / GetWorkflowRuns with IncludeGraph): the state of
 * each step, whether the run succeeded, and following a run until it ends. Pure except for
 * `followRun`, which takes its fetch, clock and sleep as parameters.
 *
 * Glue marks a run COMPLETED when nothing more can start, also after a failed step (its
 * conditional trigger then never fires), so success is "every job and crawler of the graph
 * succeeded", not the run's status.
 */
import { CONTRACT } from "../lib/contract";
import type { Node, WorkflowRun } from "@aws-sdk/client-glue";
import { duration, utc } from "./format";

export const SNAPSHOT_RUN_PROPERTY = CONTRACT.runProperties.snapshotTimestamp;

export interface StepState {
  /** The job's or crawler's name. */
  name: string;
  kind: "job" | "crawler";
  /** The latest attempt's state (a retried job has several runs), or NOT STARTED. */
  state: string;
  error?: string;
  startedOn?: Date;
  completedOn?: Date;
}

const FAILED_STATES = new Set(["FAILED", "ERROR", "TIMEOUT", "STOPPED", "CANCELLED", "EXPIRED"]);
const FINISHED_RUN_STATES = new Set(["COMPLETED", "STOPPED", "ERROR"]);

function latest<T extends { StartedOn?: Date; StartTime?: Date }>(
  attempts: T[] | undefined,
): T | undefined {
  const started = (a: T) => (a.StartedOn ?? a.StartTime)?.getTime() ?? 0;
  return [...(attempts ?? [])].sort((a, b) => started(b) - started(a))[0];
}

/** Nodes in the order a run reaches them (along the graph's edges), triggers included. */
function inRunOrder(nodes: Node[], edges: { SourceId?: string; DestinationId?: string }[]): Node[] {
  const incoming = new Map<string, number>(nodes.map((n) => [n.UniqueId ?? "", 0]));
  for (const e of edges)
    incoming.set(e.DestinationId ?? "", (incoming.get(e.DestinationId ?? "") ?? 0) + 1);
  const ordered: Node[] = [];
  const queue = nodes.filter((n) => (incoming.get(n.UniqueId ?? "") ?? 0) === 0);
  while (queue.length > 0) {
    const node = queue.shift() as Node;
    ordered.push(node);
    for (const e of edges.filter((edge) => edge.SourceId === node.UniqueId)) {
      const left = (incoming.get(e.DestinationId ?? "") ?? 0) - 1;
      incoming.set(e.DestinationId ?? "", left);
      const next = nodes.find((n) => n.UniqueId === e.DestinationId);
      if (left === 0 && next) queue.push(next);
    }
  }
  // A cycle cannot happen in a Glue workflow, but never drop a node.
  return [...ordered, ...nodes.filter((n) => !ordered.includes(n))];
}

/** The jobs and crawlers of a run, in run order; empty when the run has no graph. */
export function stepsOf(run: WorkflowRun): StepState[] {
  const nodes = run.Graph?.Nodes ?? [];
  const steps: StepState[] = [];
  for (const node of inRunOrder(nodes, run.Graph?.Edges ?? [])) {
    if (node.Type === "JOB") {
      const attempt = latest(node.JobDetails?.JobRuns);
      steps.push({
        name: node.Name ?? attempt?.JobName ?? "?",
        kind: "job",
        state: attempt?.JobRunState ?? "NOT STARTED",
        error: attempt?.ErrorMessage || undefined,
        startedOn: attempt?.StartedOn,
        completedOn: attempt?.CompletedOn,
      });
    } else if (node.Type === "CRAWLER") {
      const crawl = latest(node.CrawlerDetails?.Crawls);
      steps.push({
        name: node.Name ?? "?",
        kind: "crawler",
        state: crawl?.State ?? "NOT STARTED",
        error: crawl?.ErrorMessage || undefined,
        startedOn: crawl?.StartedOn,
        completedOn: crawl?.CompletedOn,
      });
    }
  }
  return steps;
}

export type Outcome =
  | { result: "running" }
  | { result: "succeeded" }
  | { result: "failed"; state: string; step?: StepState; reason: string };

export function outcomeOf(run: WorkflowRun): Outcome {
  const status = run.Status ?? "UNKNOWN";
  if (!FINISHED_RUN_STATES.has(status)) return { result: "running" };
  const steps = stepsOf(run);
  const failed = steps.find((s) => FAILED_STATES.has(s.state));
  if (failed) {
    const state = status === "STOPPED" ? "STOPPED" : "FAILED";
    return {
      result: "failed",
      state,
      step: failed,
      reason: failed.error ?? `${failed.kind} ${failed.name} ended ${failed.state}`,
    };
  }
  if (status === "STOPPED")
    return { result: "failed", state: "STOPPED", reason: "the run was stopped" };
  if (status === "ERROR")
    return {
      result: "failed",
      state: "ERROR",
      reason: run.ErrorMessage ?? "Glue reports the run as ERROR",
    };
  if (steps.length > 0) {
    const notDone = steps.find((s) => s.state !== "SUCCEEDED");
    if (notDone)
      return {
        result: "failed",
        state: "FAILED",
        step: notDone,
        reason: `${notDone.kind} ${notDone.name} ended ${notDone.state}`,
      };
    return { result: "succeeded" };
  }
  // No graph: fall back on the counts Glue keeps for every run.
  const stats = run.Statistics;
  const bad =
    (stats?.FailedActions ?? 0) +
    (stats?.ErroredActions ?? 0) +
    (stats?.TimeoutActions ?? 0) +
    (stats?.StoppedActions ?? 0);
  if (bad > 0)
    return {
      result: "failed",
      state: "FAILED",
      reason: `${bad} of ${stats?.TotalActions ?? "?"} steps did not succeed`,
    };
  if (stats?.TotalActions && stats.SucceededActions === stats.TotalActions)
    return { result: "succeeded" };
  return {
    result: "failed",
    state: status,
    reason: "Glue returned no step details for this run, so its steps cannot be confirmed",
  };
}

export function snapshotOf(run: WorkflowRun): string | undefined {
  return run.WorkflowRunProperties?.[SNAPSHOT_RUN_PROPERTY] || undefined;
}

/** Seconds from start to end, or to `now` while the run goes on. */
export function runSeconds(run: WorkflowRun, now: number): number | undefined {
  if (!run.StartedOn) return undefined;
  return ((run.CompletedOn?.getTime() ?? now) - run.StartedOn.getTime()) / 1000;
}

/**
 * A step's error on one line, cut to `width` characters. Line breaks become spaces rather than
 * ending the text: Spark puts the useful part ("ResourceNotFoundException: ...") on line two.
 */
export function oneLine(text: string, width = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export interface FollowIo {
  now(): number;
  sleep(ms: number): Promise<void>;
  print(line: string): void;
}

export interface Followed {
  run: WorkflowRun;
  outcome: Outcome;
  /** True when watching stopped at the time limit with the run still going. */
  timedOut: boolean;
}

/**
 * Polls the run (with `fetch`) until it ends or `timeoutMs` passes, printing each step's state
 * when it changes. `label` names a step for people ("export job").
 */
export async function followRun(
  fetch: () => Promise<WorkflowRun>,
  io: FollowIo,
  options: { intervalMs: number; timeoutMs?: number; label: (step: StepState) => string },
): Promise<Followed> {
  const seen = new Map<string, string>();
  const started = io.now();
  let lastStatus: string | undefined;
  for (;;) {
    const run = await fetch();
    const at = utc(new Date(io.now())).slice(11);
    for (const step of stepsOf(run)) {
      if (seen.get(step.name) === step.state) continue;
      seen.set(step.name, step.state);
      if (step.state === "NOT STARTED") continue;
      const took =
        step.completedOn && step.startedOn
          ? ` after ${duration((step.completedOn.getTime() - step.startedOn.getTime()) / 1000)}`
          : "";
      const error = step.error ? `: ${oneLine(step.error)}` : "";
      io.print(`${at}  ${options.label(step)} ${step.name}: ${step.state}${took}${error}`);
    }
    if (run.Status !== lastStatus && run.Status !== "RUNNING")
      io.print(`${at}  workflow run: ${run.Status}`);
    lastStatus = run.Status;
    const outcome = outcomeOf(run);
    if (outcome.result !== "running") return { run, outcome, timedOut: false };
    if (options.timeoutMs !== undefined && io.now() - started >= options.timeoutMs)
      return { run, outcome, timedOut: true };
    await io.sleep(options.intervalMs);
  }
}
