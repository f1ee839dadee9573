/**
 * AWS Glue facts the program relies on (checked December 2026). Pure: no Pulumi imports.
 *
 * Sources (AWS Glue developer guide): "AWS Glue versions" (release-notes.html), "Migrating AWS
 * Glue for Spark jobs to AWS Glue version 5.1 / 6.0 / 6.1" (migrating-version-51/60/61.html),
 * "AWS Glue version support policy" (glue-version-support-policy.html), "AWS Glue worker types"
 * (worker-types.html), and the Flex page of "Configuring job properties for Spark jobs"
 * (add-job.html). What no page states is marked "inferred".
 */

/** Newest first. 4.0 stays: the support-policy page lists no end of support for it. */
export const SUPPORTED_GLUE_VERSIONS = ["6.1", "6.0", "5.1", "5.0", "4.0"] as const;
export type GlueVersion = (typeof SUPPORTED_GLUE_VERSIONS)[number];
/** Versions AWS retired on 2026-04-01: no new jobs, no runs. */
export const RETIRED_GLUE_VERSIONS = ["0.9", "1.0", "2.0"] as const;

/** x86 general-purpose workers, on every supported version. */
export const X86_WORKER_TYPES = ["G.1X", "G.2X", "G.4X", "G.8X"] as const;
/**
 * Graviton (arm64) workers: general-purpose G and memory-optimised R (one M-DPU: 4 vCPU, 32 GB).
 * AWS documents them for Glue 6.1 only, where a job without a worker type gets G.1X.GRAVITON.
 */
export const GRAVITON_WORKER_TYPES = [
  "G.1X.GRAVITON",
  "G.2X.GRAVITON",
  "G.4X.GRAVITON",
  "G.8X.GRAVITON",
  "G.12X.GRAVITON",
  "G.16X.GRAVITON",
  "R.1X.GRAVITON",
  "R.2X.GRAVITON",
  "R.4X.GRAVITON",
  "R.8X.GRAVITON",
] as const;
export const WORKER_TYPES = [...X86_WORKER_TYPES, ...GRAVITON_WORKER_TYPES] as const;
export type WorkerType = (typeof WORKER_TYPES)[number];

/** How a worker type is billed: per DPU-hour (x86 or Graviton), or per M-DPU-hour (R types). */
export type PriceClass = "x86" | "graviton" | "gravitonMemory";

export interface WorkerFacts {
  /** DPUs (M-DPUs for R types) per worker: what a worker-hour bills. */
  dpus: number;
  /** vCPUs per worker: one Spark task slot each (4 per DPU, as AWS's connector guidance counts). */
  slots: number;
  priceClass: PriceClass;
  /** AWS's per-job maximum number of workers. */
  maxWorkers: number;
}

function worker(size: number, priceClass: PriceClass, maxWorkers = 149): WorkerFacts {
  return { dpus: size, slots: 4 * size, priceClass, maxWorkers };
}

/**
 * Per worker type. x86: AWS's table (G.1X 299 workers, the others 149). Graviton: sized like the
 * x86 type of the same name (4 vCPU per DPU or M-DPU: worker-types.html); their worker maximum is
 * not on the pages checked, so the x86 limit of the same size is assumed (inferred).
 */
export const WORKERS: Record<WorkerType, WorkerFacts> = {
  "G.1X": worker(1, "x86", 299),
  "G.2X": worker(2, "x86"),
  "G.4X": worker(4, "x86"),
  "G.8X": worker(8, "x86"),
  "G.1X.GRAVITON": worker(1, "graviton", 299),
  "G.2X.GRAVITON": worker(2, "graviton"),
  "G.4X.GRAVITON": worker(4, "graviton"),
  "G.8X.GRAVITON": worker(8, "graviton"),
  "G.12X.GRAVITON": worker(12, "graviton"),
  "G.16X.GRAVITON": worker(16, "graviton"),
  "R.1X.GRAVITON": worker(1, "gravitonMemory"),
  "R.2X.GRAVITON": worker(2, "gravitonMemory"),
  "R.4X.GRAVITON": worker(4, "gravitonMemory"),
  "R.8X.GRAVITON": worker(8, "gravitonMemory"),
};
export const MIN_WORKERS = 2;

/** FLEX runs on spare capacity and only on these worker types (AWS: G.1X or G.2X, Glue >= 3.0). */
export const FLEX_WORKER_TYPES: readonly WorkerType[] = ["G.1X", "G.2X"];
export const EXECUTION_CLASSES = ["STANDARD", "FLEX"] as const;
export type ExecutionClass = (typeof EXECUTION_CLASSES)[number];

/** The local Spark line of test/spark that runs a version's jobs (scripts/test-spark.sh). */
export type SparkLine = "3.5" | "4.1";

export interface GlueRuntime {
  spark: string;
  scala: string;
  /** The Spark jobs' Python. */
  python: string;
  iceberg: string;
  /** Glue's default S3 connector: EMRFS up to 5.0, S3A from 5.1. */
  s3Connector: "EMRFS" | "S3A";
  workerTypes: readonly WorkerType[];
  /** Incremental mode's MERGE needs Spark 3.5 with Iceberg 1.7 or newer. */
  incremental: boolean;
  /** The test/spark line that proves this version's jobs; none for 4.0 (Spark 3.3). */
  provenOn?: SparkLine;
  /** The AWS page the row rests on. */
  source: string;
}

export const GLUE_RUNTIMES: Record<GlueVersion, GlueRuntime> = {
  "6.1": {
    spark: "4.1.3",
    scala: "2.13",
    python: "3.14",
    iceberg: "1.11.0",
    s3Connector: "S3A",
    workerTypes: WORKER_TYPES,
    incremental: true,
    provenOn: "4.1",
    source: "migrating-version-61.html",
  },
  "6.0": {
    spark: "4.1.1",
    scala: "2.13",
    python: "3.13",
    iceberg: "1.11.0",
    // The 6.0 page lists its changes from 5.1 and names no change of connector (inferred).
    s3Connector: "S3A",
    workerTypes: X86_WORKER_TYPES,
    incremental: true,
    provenOn: "4.1",
    source: "migrating-version-60.html",
  },
  "5.1": {
    spark: "3.5.6",
    scala: "2.12",
    python: "3.11",
    iceberg: "1.10.0",
    s3Connector: "S3A",
    workerTypes: X86_WORKER_TYPES,
    incremental: true,
    provenOn: "3.5",
    source: "migrating-version-51.html",
  },
  "5.0": {
    spark: "3.5.4",
    scala: "2.12",
    python: "3.11",
    iceberg: "1.7.1",
    s3Connector: "EMRFS",
    workerTypes: X86_WORKER_TYPES,
    incremental: true,
    provenOn: "3.5",
    source: "migrating-version-50.html",
  },
  "4.0": {
    spark: "3.3.0",
    scala: "2.12",
    python: "3.10",
    iceberg: "1.0.0",
    s3Connector: "EMRFS",
    workerTypes: X86_WORKER_TYPES,
    incremental: false,
    source: "migrating-version-40.html",
  },
};

/**
 * The default: the newest version whose jobs this repository proves on its own Spark line
 * (test/spark runs on both lines in CI).
 */
export const DEFAULT_GLUE_VERSION: GlueVersion = "6.1";

/**
 * The default worker type, the cheapest per item shaped among those whose price AWS publishes:
 * shaping is CPU-bound Python, so the smallest worker (whose driver takes the least) wins, and the
 * Graviton price was not on the pricing page this project checked (docs/performance.md).
 */
export const DEFAULT_WORKER_TYPE: WorkerType = "G.1X";

/** The versions that run incremental mode's MERGE, for messages. */
export const INCREMENTAL_GLUE_VERSIONS = SUPPORTED_GLUE_VERSIONS.filter(
  (v) => GLUE_RUNTIMES[v].incremental,
);

/** The versions on which a worker type is allowed, for messages. */
export function versionsAllowing(workerType: WorkerType): GlueVersion[] {
  return SUPPORTED_GLUE_VERSIONS.filter((v) => GLUE_RUNTIMES[v].workerTypes.includes(workerType));
}

/**
 * Parallel scan segments for the DynamoDB connector: one per task slot on every worker but the
 * driver. With the default of 1 split, every worker but one idles.
 */
export function dynamodbSplits(workerType: WorkerType, workers: number): number {
  return WORKERS[workerType].slots * (workers - 1);
}

/** Python shell settings for the view-refresh job (Python shell 3.6 ended 2026-03-01). */
export const PYTHON_SHELL = {
  glueVersion: "3.0",
  pythonVersion: "3.9",
  maxCapacity: 0.0625,
} as const;

/** docs/configuration.md's table of Glue versions, from GLUE_RUNTIMES (`npm run docs`). */
export function glueVersionsTable(): string[] {
  const workers = (v: GlueVersion) =>
    GLUE_RUNTIMES[v].workerTypes.length === WORKER_TYPES.length
      ? "G.1X–G.8X; Graviton G.1X–G.16X.GRAVITON, R.1X–R.8X.GRAVITON"
      : "G.1X, G.2X, G.4X, G.8X";
  return [
    "| `glueVersion` | Spark | Scala | Python (Spark jobs) | Iceberg | S3 connector | worker types | incremental mode | proven here on | AWS page |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...SUPPORTED_GLUE_VERSIONS.map((v) => {
      const r = GLUE_RUNTIMES[v];
      return (
        `| \`"${v}"\`${v === DEFAULT_GLUE_VERSION ? " (default)" : ""} | ${r.spark} | ${r.scala} | ${r.python} | ` +
        `${r.iceberg} | ${r.s3Connector} | ${workers(v)} | ${r.incremental ? "yes" : "no"} | ` +
        `${r.provenOn ? `Spark ${r.provenOn} line of test/spark` : "not tested here"} | ${r.source} |`
      );
    }),
  ];
}
