/**
 * AWS Glue facts the program relies on (checked November 2026, see README "Facts").
 * Pure: no Pulumi imports.
 */

export const SUPPORTED_GLUE_VERSIONS = ["4.0", "5.0", "5.1"] as const;
export type GlueVersion = (typeof SUPPORTED_GLUE_VERSIONS)[number];
export const DEFAULT_GLUE_VERSION: GlueVersion = "5.0";
/** Versions AWS retired on 2026-04-01: no new jobs, no runs. */
export const RETIRED_GLUE_VERSIONS = ["0.9", "1.0", "2.0"] as const;

export const WORKER_TYPES = ["G.1X", "G.2X", "G.4X", "G.8X"] as const;
export type WorkerType = (typeof WORKER_TYPES)[number];

/** Spark task slots per executor, per worker type (AWS's DynamoDB connector guidance for Glue >= 3.0). */
export const SLOTS_PER_EXECUTOR: Record<WorkerType, number> = {
  "G.1X": 4,
  "G.2X": 8,
  "G.4X": 16,
  "G.8X": 32,
};

/** AWS's per-job maximum number of workers. */
export const MAX_WORKERS: Record<WorkerType, number> = {
  "G.1X": 299,
  "G.2X": 149,
  "G.4X": 149,
  "G.8X": 149,
};
export const MIN_WORKERS = 2;

/** FLEX runs on spare capacity and only on these worker types. */
export const FLEX_WORKER_TYPES: readonly WorkerType[] = ["G.1X", "G.2X"];
export const EXECUTION_CLASSES = ["STANDARD", "FLEX"] as const;
export type ExecutionClass = (typeof EXECUTION_CLASSES)[number];

/**
 * Parallel scan segments for the DynamoDB connector: one per task slot on every worker but the
 * driver. With the default of 1 split, every worker but one idles.
 */
export function dynamodbSplits(workerType: WorkerType, workers: number): number {
  return SLOTS_PER_EXECUTOR[workerType] * (workers - 1);
}

/** Python shell settings for the view-refresh job (Python shell 3.6 ended 2026-03-01). */
export const PYTHON_SHELL = {
  glueVersion: "3.0",
  pythonVersion: "3.9",
  maxCapacity: 0.0625,
} as const;
