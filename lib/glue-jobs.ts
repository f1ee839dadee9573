/**
 * The table's Glue jobs as data: which script each runs, on which engine, how long it may take
 * and whether a retry is safe. TablePipeline declares them all through one function.
 */
import { lateAfterMinutes } from "./alerts";
import type { TableConfig } from "./config";
import type { JobInputs } from "./job-arguments";
import {
  applyJobArguments,
  exportJobArguments,
  plannerJobArguments,
  refreshJobArguments,
} from "./job-arguments";
import type { GlueScriptName, TableNames } from "./naming";

/** export (scan/export mode), planner and apply (incremental mode), refresh (every mode). */
export type GlueJobRole = "export" | "planner" | "apply" | "refresh";

/** The uploaded scripts a job runs as its entry point (the others are modules they import). */
export type JobScript = Extract<
  GlueScriptName,
  "export" | "incrementalExports" | "applyChanges" | "refresh"
>;

export interface GlueJobSpec {
  /** Logical-name suffix, and the TableNames job the physical name comes from. */
  suffix: "export" | "apply" | "refresh";
  name: string;
  /** Shown in the Glue console (at most 2,048 characters). */
  description: string;
  kind: "spark" | "pythonshell";
  script: JobScript;
  timeoutMinutes: number;
  /** The late-run alert's threshold, on the job the schedule starts. */
  lateAfterMinutes?: number;
  maxRetries: number;
  maxConcurrentRuns: number;
  buildArguments: (inputs: JobInputs) => Record<string, string>;
}

/** The refresh script gives Athena 15 minutes, then prunes; past 30 minutes the job is stuck. */
const REFRESH_TIMEOUT_MINUTES = 30;

type JobBase = Pick<GlueJobSpec, "suffix" | "kind" | "script" | "buildArguments">;

// Every job is retried once unless said otherwise, because each converges on a rerun: the export
// overwrites its own snapshot partition, the planner's ClientTokens follow the exports it already
// started, and the apply job's MERGE is guarded by the write timestamp (the watermark moves last).
const JOB_BASES: Record<GlueJobRole, JobBase> = {
  export: { suffix: "export", kind: "spark", script: "export", buildArguments: exportJobArguments },
  planner: {
    suffix: "export",
    kind: "pythonshell",
    script: "incrementalExports",
    buildArguments: plannerJobArguments,
  },
  apply: {
    suffix: "apply",
    kind: "spark",
    script: "applyChanges",
    buildArguments: applyJobArguments,
  },
  refresh: {
    suffix: "refresh",
    kind: "pythonshell",
    script: "refresh",
    buildArguments: refreshJobArguments,
  },
};

/** The job of `role` for one table. */
export function glueJobSpec(role: GlueJobRole, table: TableConfig, names: TableNames): GlueJobSpec {
  const base = {
    ...JOB_BASES[role],
    name: names[`${JOB_BASES[role].suffix}Job`],
    description: jobDescription(role, table, names).slice(0, 2048),
  };
  if (role === "refresh") {
    // A failed view query is not retried blindly: the next run or `ddbsnap run` will. Two
    // concurrent runs: the 6-hourly heartbeat (read-only) must never block the workflow's refresh;
    // the workflow's own maxConcurrentRuns 1 keeps refreshes from overlapping.
    return {
      ...base,
      timeoutMinutes: REFRESH_TIMEOUT_MINUTES,
      maxRetries: 0,
      maxConcurrentRuns: 2,
    };
  }
  const scheduled = role !== "apply";
  return {
    ...base,
    timeoutMinutes: table.timeoutMinutes,
    lateAfterMinutes: scheduled ? lateAfterMinutes(table) : undefined,
    maxRetries: 1,
    maxConcurrentRuns: 1,
  };
}

function jobDescription(role: GlueJobRole, table: TableConfig, names: TableNames): string {
  const text: Record<GlueJobRole, () => string> = {
    export: () => `Snapshots DynamoDB table ${table.name} (${table.mode}) to ${table.format} in S3`,
    planner: () =>
      `Exports the changes of DynamoDB table ${table.name} since the last merge (incremental exports)`,
    apply: () =>
      `Merges the exported changes of DynamoDB table ${table.name} into ${names.icebergTable}`,
    refresh: () =>
      table.mode === "incremental"
        ? `Keeps Athena view ${names.view} over ${names.icebergTable} and reads it back`
        : `Points Athena view ${names.view} at the snapshot its workflow run wrote, then prunes old snapshots`,
  };
  return text[role]();
}
