/**
 * How long one snapshot run takes and what it costs, scan mode versus export mode, as ranges
 * from the fast to the slow end of every assumption. Pure arithmetic (no Pulumi, no AWS calls):
 * `ddbsnap estimate` feeds it DescribeTable's numbers, and the "Scan or export?" table in
 * docs/modes-and-cost.md is computed by the same functions. Each assumption names its source
 * (ASSUMPTION_SOURCES), which the CLI prints beside it.
 *
 * - Scan: bound by read capacity, not workers. The rate asked for is readPercentage × the table's
 *   RCU (on-demand tables count as 40,000, Glue's rule); the table serves at most 3,000 RCU per
 *   partition (one partition per 10 GB at least), and a young on-demand table about 12,000 reads
 *   a second. Eventually consistent reads move 8 KiB per RCU-second, at the 66–91 % efficiency the
 *   published runs reached, and the slowest segment adds a skew tail. Glue's workers are a second
 *   cap, at an assumed rate per DPU. The table is read once.
 * - Export: a floor of minutes even for an empty table, plus a size-dependent part, then the job
 *   reads the files.
 * - Every run: job start-up, Glue's per-second billing with a 1-minute minimum (every configured
 *   worker, an upper bound), the crawler (10-minute billing minimum) and the refresh job. FLEX:
 *   a wall-time and DPU-hour factor from a single published pair.
 */
import { GLUE_ON_DEMAND_RCU, NEW_ON_DEMAND_READS_PER_SECOND } from "./capacity";
import type { WorkerType } from "./glue-facts";
import { FLEX_WORKER_TYPES, WORKERS } from "./glue-facts";

/** AWS bills storage and exports per GB of 2^30 bytes. */
export const GIB = 2 ** 30;
export const MIB = 2 ** 20;

export type BillingMode = "PROVISIONED" | "PAY_PER_REQUEST";

/** What DescribeTable says about the table. */
export interface TableFacts {
  sizeBytes: number;
  itemCount: number;
  billingMode: BillingMode;
  /** Provisioned read capacity; ignored for on-demand tables. */
  provisionedRcu?: number;
}

/** The export job as configured in the stack. */
export interface JobShape {
  workerType: WorkerType;
  workers: number;
  /** Share of the read capacity the scan may use (0.1 to 1.5). */
  readPercentage: number;
}

/** USD list prices. */
export interface Prices {
  dpuHour: number;
  flexDpuHour: number;
  /**
   * Graviton G workers per DPU-hour and R workers per M-DPU-hour: not on the Glue pricing page as
   * this project read it (December 2026), so there is no default; `--price-graviton-*` sets them.
   */
  gravitonDpuHour?: number;
  gravitonMemoryDpuHour?: number;
  exportPerGb: number;
  rruPerMillion: number;
  rcuHour: number;
  pitrPerGbMonth: number;
  /** Data moved between two regions, per GB: a table in another region than the stack's. */
  transferPerGb: number;
}

/**
 * us-east-1 list prices from aws.amazon.com/glue/pricing and aws.amazon.com/dynamodb/pricing
 * (on-demand read price as cut on 2024-11-01), checked November 2026. Other regions differ:
 * pass the `--price-*` flags.
 */
export const DEFAULT_PRICES: Prices = {
  dpuHour: 0.44,
  flexDpuHour: 0.29,
  exportPerGb: 0.1,
  rruPerMillion: 0.125,
  rcuHour: 0.00013,
  pitrPerGbMonth: 0.2,
  // An assumption, not a checked price: AWS's usual rate between two regions, which differs by
  // region pair; this project found no DynamoDB page to cite for a scan's or export's transfer.
  transferPerGb: 0.02,
};
export const PRICES_SOURCE =
  "us-east-1 list prices, aws.amazon.com/glue/pricing and aws.amazon.com/dynamodb/pricing, checked November 2026; " +
  "no Graviton price was published there when checked in December 2026";

/** The flag that sets each price a worker class bills at. */
const WORKER_PRICE = {
  x86: { key: "dpuHour", flag: "--price-dpu-hour" },
  graviton: { key: "gravitonDpuHour", flag: "--price-graviton-dpu-hour" },
  gravitonMemory: { key: "gravitonMemoryDpuHour", flag: "--price-graviton-memory-dpu-hour" },
} as const;

/**
 * What one DPU-hour (M-DPU-hour for R types) of `workerType` costs with STANDARD. A price no
 * source publishes is never invented: the estimate stops and says which flag supplies it.
 */
export function workerDpuHourPrice(workerType: WorkerType, prices: Prices): number {
  const { key, flag } = WORKER_PRICE[WORKERS[workerType].priceClass];
  const price = prices[key];
  if (price === undefined) {
    throw new EstimateInputError(
      `AWS's Glue pricing page, as this project checked it (December 2026), publishes no price for ${workerType} ` +
        `workers; pass ${flag} <usd> with the price your region's pricing page shows`,
    );
  }
  return price;
}

/**
 * A table in another region: what one run moves across regions, by mode. A scan reads every
 * item across regions, an export writes its files into the stack's bucket across regions (its
 * gzip files are smaller than the table: the table's size is an upper bound), incremental mode
 * moves what changed. Billed as data transfer between regions (inferred: AWS bills data leaving a
 * region; this project has not found DynamoDB's own page saying so for a scan or an export).
 */
export interface CrossRegionTransfer {
  fullCopyBytes: number;
  fullCopyCost: number;
  changesBytes: number;
  changesCost: number;
}

export function crossRegionTransfer(
  table: TableFacts,
  changedBytesPerRun: number,
  prices: Prices,
): CrossRegionTransfer {
  return {
    fullCopyBytes: table.sizeBytes,
    fullCopyCost: (table.sizeBytes / GIB) * prices.transferPerGb,
    changesBytes: changedBytesPerRun,
    changesCost: (changedBytesPerRun / GIB) * prices.transferPerGb,
  };
}

export interface Assumptions {
  /** Read capacity Glue's connector assumes for an on-demand table (AWS's documented figure). */
  onDemandRcu: number;
  /** Reads per second a young on-demand table sustains before it has scaled. */
  youngOnDemandReads: number;
  /** Read capacity one DynamoDB partition serves. */
  partitionRcu: number;
  /** Table bytes per partition (DynamoDB splits a partition at about 10 GB). */
  partitionBytes: number;
  /** Bytes one RCU reads per second with eventually consistent reads: 2 × 4 KiB. */
  bytesPerRcuSecond: number;
  /** Share of the target read rate a scan achieves. */
  scanEfficiency: number;
  /** Factor for the slowest segment: each segment's rate is fixed at its start. */
  skewTail: number;
  /** Bytes per second one DPU moves (no published measurement: an assumption). */
  glueBytesPerSecondPerDpu: number;
  /** A DynamoDB export's fixed time, even for an empty table. */
  exportFloorSeconds: number;
  /** A DynamoDB export's time per TiB of table. */
  exportSecondsPerTib: number;
  /** A Glue job's start-up before it does any work. */
  startupSeconds: number;
  /** Glue bills a Spark job at least this long per run. */
  minimumBilledSeconds: number;
  /** The crawler's run, its DPUs and its billing minimum. */
  crawlerSeconds: number;
  crawlerDpus: number;
  crawlerMinimumBilledSeconds: number;
  /** The refresh job (Python shell, 0.0625 DPU), billed at least a minute. */
  refreshSeconds: number;
  /** FLEX against STANDARD: wall time and DPU-hours. */
  flexWallFactor: number;
  flexDpuHourFactor: number;
  /** Incremental mode: how long one incremental export window takes to complete. */
  incrementalExportSeconds: number;
  /** Incremental mode: the share of the table's bytes the MERGE reads to find matching rows. */
  mergeReadShare: number;
  /** Incremental mode: the least DynamoDB bills per incremental export. */
  minimumExportBytes: number;
}

/** The fast (low) and the slow (high) end of every range the model prints. */
export interface AssumptionRange {
  low: Assumptions;
  high: Assumptions;
}

const FIXED = {
  onDemandRcu: GLUE_ON_DEMAND_RCU,
  youngOnDemandReads: NEW_ON_DEMAND_READS_PER_SECOND,
  partitionRcu: 3_000,
  partitionBytes: 10 * 1024 ** 3,
  bytesPerRcuSecond: 8 * 1024,
  glueBytesPerSecondPerDpu: 20 * 2 ** 20,
  minimumBilledSeconds: 60,
  crawlerDpus: 2,
  crawlerMinimumBilledSeconds: 600,
  minimumExportBytes: 10 * 2 ** 20,
};

export const DEFAULT_ASSUMPTION_RANGE: AssumptionRange = {
  low: {
    ...FIXED,
    scanEfficiency: 0.91,
    skewTail: 1,
    exportFloorSeconds: 90,
    exportSecondsPerTib: 30 * 60,
    startupSeconds: 30,
    crawlerSeconds: 60,
    refreshSeconds: 30,
    flexWallFactor: 1,
    flexDpuHourFactor: 1,
    incrementalExportSeconds: 6 * 60 + 21,
    mergeReadShare: 0.05,
  },
  high: {
    ...FIXED,
    scanEfficiency: 0.66,
    skewTail: 1.3,
    exportFloorSeconds: 6 * 60,
    exportSecondsPerTib: 90 * 60,
    startupSeconds: 90,
    crawlerSeconds: 120,
    refreshSeconds: 60,
    flexWallFactor: 2.1,
    flexDpuHourFactor: 1.9,
    incrementalExportSeconds: 16 * 60 + 7,
    mergeReadShare: 0.25,
  },
};

/** Where each assumption comes from: printed beside the figures by `ddbsnap estimate`. */
export const ASSUMPTION_SOURCES: Record<keyof Assumptions, string> = {
  onDemandRcu: "Glue guide, dynamodb.throughput.read.percent (documented)",
  youngOnDemandReads: "DynamoDB guide, on-demand initial throughput (documented)",
  partitionRcu: "DynamoDB guide, partition throughput limit (documented)",
  partitionBytes: "DynamoDB guide, partitions (documented); partition count inferred from size",
  bytesPerRcuSecond: "DynamoDB guide, read consumption for Scan (documented)",
  scanEfficiency:
    "measured 86-91% (github.com/qyjohn/DDBImportExport, 6.8 TB) and 66% (awslabs/emr-dynamodb-connector#135, 70 TB)",
  skewTail:
    "inferred: each segment's rate is fixed at its start; awslabs/emr-dynamodb-connector#135 saw a multi-day tail",
  glueBytesPerSecondPerDpu: "assumption: no published MB/s per Glue worker; measure yours",
  exportFloorSeconds:
    "measured: 5m39s for an empty table (mondoohq/mql#3965); 1.5-6 min for small tables (turbot/steampipe-plugin-aws#1218)",
  exportSecondsPerTib:
    'inferred from AWS guidance "terabyte tables can take more than an hour" (DynamoDB guide, migrating a table between accounts); no published timing',
  startupSeconds:
    "about a minute per job start (awslabs/amazon-dynamodb-tools bulk_executor README)",
  minimumBilledSeconds: "Glue pricing page: per second, 1-minute minimum",
  crawlerSeconds: "about 60 s on small prefixes (anecdotal, an AWS maintainer)",
  crawlerDpus: "inferred from the Glue pricing page's crawler example",
  crawlerMinimumBilledSeconds:
    "Glue pricing page: crawlers billed with a 10-minute minimum (check the live page)",
  refreshSeconds: "this project's refresh job: a few Athena queries",
  flexWallFactor:
    "one published pair: FLEX took 2.1× the wall time (awslabs/amazon-dynamodb-tools bulk_executor README); a single data point",
  flexDpuHourFactor: "the same single pair: 1.9× the DPU-hours",
  incrementalExportSeconds:
    "measured 6:21-16:07 per 15-minute window, median 6:41 (aws-samples/dynamodb-continuous-incremental-exports)",
  mergeReadShare:
    "inferred: a merge-on-read MERGE reads the key and write-timestamp columns of every data file it cannot prune, and randomly spread keys prune none",
  minimumExportBytes:
    "10 MB billed at least per incremental export (secondary summary of the DynamoDB pricing page; unverified)",
};

/** Cost of one run with each execution class; FLEX is undefined where AWS does not offer it. */
export interface ClassCosts {
  STANDARD: number;
  FLEX?: number;
}

interface RunCost {
  /** Wall-clock time of the Glue job (STANDARD). */
  seconds: number;
  /** Wall-clock time with FLEX. */
  flexSeconds: number;
  /** The whole workflow run: the job, the crawler and the refresh job. */
  workflowSeconds: number;
  /** The crawler and the refresh job, per run. */
  overheadCost: number;
  billedSeconds: number;
  dpuHours: number;
  glue: ClassCosts;
  /** What DynamoDB charges for this run on top of what you already pay. */
  dynamodb: number;
  total: ClassCosts;
}

export interface ScanEstimate extends RunCost {
  /** Read capacity the scan asks for per second (readPercentage × capacity). */
  askedRcu: number;
  /** What the table serves of it: its partitions' limit; a young on-demand table's rate. */
  rcuPerSecond: number;
  /** True when the table is on-demand and AWS's 40,000 RCU assumption applies. */
  assumedOnDemandRcu: boolean;
  bytesPerSecond: number;
  boundBy: "read capacity" | "Glue workers";
  /** Read units the scan consumes (read request units on on-demand tables). */
  readUnits: number;
  /** Provisioned tables: RCU-hours the scan occupies, and their value (already paid for). */
  provisionedRcuHours?: number;
  provisionedCapacityValue?: number;
}

export interface ExportEstimate extends RunCost {
  exportCharge: number;
  waitSeconds: number;
  readSeconds: number;
  /** Point-in-time recovery, which export mode needs, costs this much per month if it is not on yet. */
  pitrPerMonth: number;
}

export interface SnapshotEstimate {
  sizeGb: number;
  dpus: number;
  scan: ScanEstimate;
  export: ExportEstimate;
}

export class EstimateInputError extends Error {}

function check(table: TableFacts, job: JobShape): void {
  if (!(table.sizeBytes >= 0))
    throw new EstimateInputError(`table size must be 0 or more bytes, got ${table.sizeBytes}`);
  if (table.billingMode === "PROVISIONED" && !((table.provisionedRcu ?? 0) > 0)) {
    throw new EstimateInputError("a provisioned table needs its read capacity (RCU) above 0");
  }
  if (!(job.workers >= 2))
    throw new EstimateInputError(`a Glue Spark job has at least 2 workers, got ${job.workers}`);
  if (!(job.readPercentage > 0))
    throw new EstimateInputError(`readPercentage must be above 0, got ${job.readPercentage}`);
}

function glueRun(seconds: number, job: JobShape, prices: Prices, a: Assumptions) {
  const billed = (wall: number) => Math.max(a.minimumBilledSeconds, Math.ceil(wall));
  const billedSeconds = billed(seconds);
  const dpuHours = (job.workers * WORKERS[job.workerType].dpus * billedSeconds) / 3600;
  const glue: ClassCosts = { STANDARD: dpuHours * workerDpuHourPrice(job.workerType, prices) };
  if (FLEX_WORKER_TYPES.includes(job.workerType))
    glue.FLEX = dpuHours * a.flexDpuHourFactor * prices.flexDpuHour;
  // The crawler (billed with its minimum) and the refresh job (0.0625 DPU, one minute at least).
  const overheadCost =
    ((a.crawlerDpus * Math.max(a.crawlerMinimumBilledSeconds, a.crawlerSeconds) +
      0.0625 * Math.max(60, a.refreshSeconds)) /
      3600) *
    prices.dpuHour;
  return {
    seconds,
    flexSeconds: seconds * a.flexWallFactor,
    workflowSeconds: seconds + a.crawlerSeconds + a.refreshSeconds,
    billedSeconds,
    dpuHours,
    glue,
    overheadCost,
  };
}

/** Bytes a second the job's workers read; the driver does not (the rule of dynamodb.splits). */
function glueReadRate(job: JobShape, a: Assumptions): number {
  return (job.workers - 1) * WORKERS[job.workerType].dpus * a.glueBytesPerSecondPerDpu;
}

function plus(costs: ClassCosts, amount: number): ClassCosts {
  const total: ClassCosts = { STANDARD: costs.STANDARD + amount };
  if (costs.FLEX !== undefined) total.FLEX = costs.FLEX + amount;
  return total;
}

/** Partitions a table has at least: one per 10 GB, and enough for its provisioned reads. */
export function partitionsOf(table: TableFacts, a: Assumptions): number {
  const bySize = Math.ceil(table.sizeBytes / a.partitionBytes);
  const byReads =
    table.billingMode === "PAY_PER_REQUEST"
      ? Math.ceil(a.youngOnDemandReads / a.partitionRcu)
      : Math.ceil((table.provisionedRcu ?? 0) / a.partitionRcu);
  return Math.max(1, bySize, byReads);
}

/** Time and cost of one snapshot of `table` by a job shaped like `job`, in both modes. */
export function estimateSnapshot(
  table: TableFacts,
  job: JobShape,
  prices: Prices = DEFAULT_PRICES,
  assumptions: Assumptions = DEFAULT_ASSUMPTION_RANGE.low,
): SnapshotEstimate {
  check(table, job);
  const sizeGb = table.sizeBytes / GIB;
  const dpus = job.workers * WORKERS[job.workerType].dpus;
  const glueBytesPerSecond = glueReadRate(job, assumptions);

  const onDemand = table.billingMode === "PAY_PER_REQUEST";
  const tableRcu = onDemand ? assumptions.onDemandRcu : (table.provisionedRcu as number);
  // What the job asks for, then what the table can give: its partitions' limit, and for a young
  // on-demand table what it sustains before scaling.
  const askedRcu = tableRcu * job.readPercentage;
  const partitionLimit = partitionsOf(table, assumptions) * assumptions.partitionRcu;
  const servedRcu = onDemand
    ? Math.max(assumptions.youngOnDemandReads, partitionLimit)
    : Math.min(table.provisionedRcu as number, partitionLimit);
  const rcuPerSecond = Math.min(askedRcu, servedRcu);
  const capacityBytesPerSecond =
    rcuPerSecond * assumptions.bytesPerRcuSecond * assumptions.scanEfficiency;
  const boundBy = capacityBytesPerSecond <= glueBytesPerSecond ? "read capacity" : "Glue workers";
  const bytesPerSecond = Math.min(capacityBytesPerSecond, glueBytesPerSecond);
  // The job scans the table once (into its scratch space) and reads that copy twice.
  const scanSeconds =
    assumptions.startupSeconds + (table.sizeBytes / bytesPerSecond) * assumptions.skewTail;
  const scanRun = glueRun(scanSeconds, job, prices, assumptions);
  // Eventually consistent: half a unit per 4 KiB read.
  const readUnits = Math.ceil(table.sizeBytes / 4096) / 2;
  const scanDynamodb = onDemand ? (readUnits / 1e6) * prices.rruPerMillion : 0;
  const scan: ScanEstimate = {
    ...scanRun,
    rcuPerSecond,
    askedRcu,
    assumedOnDemandRcu: onDemand,
    bytesPerSecond,
    boundBy,
    readUnits,
    dynamodb: scanDynamodb,
    total: plus(scanRun.glue, scanDynamodb + scanRun.overheadCost),
  };
  if (!onDemand) {
    // The scan holds rcuPerSecond of capacity for its whole run; that capacity is billed anyway.
    scan.provisionedRcuHours = (rcuPerSecond * scanRun.seconds) / 3600;
    scan.provisionedCapacityValue = scan.provisionedRcuHours * prices.rcuHour;
  }

  const waitSeconds =
    assumptions.exportFloorSeconds +
    (table.sizeBytes / 1024 ** 4) * assumptions.exportSecondsPerTib;
  const readSeconds = table.sizeBytes / glueBytesPerSecond;
  const exportRun = glueRun(
    assumptions.startupSeconds + waitSeconds + readSeconds,
    job,
    prices,
    assumptions,
  );
  const exportCharge = sizeGb * prices.exportPerGb;
  const exportEstimate: ExportEstimate = {
    ...exportRun,
    exportCharge,
    waitSeconds,
    readSeconds,
    dynamodb: exportCharge,
    total: plus(exportRun.glue, exportCharge + exportRun.overheadCost),
    pitrPerMonth: sizeGb * prices.pitrPerGbMonth,
  };

  return { sizeGb, dpus, scan, export: exportEstimate };
}

/** The fast and the slow end of one snapshot run, from the two ends of every assumption. */
export interface SnapshotRange {
  low: SnapshotEstimate;
  high: SnapshotEstimate;
}

export function estimateRange(
  table: TableFacts,
  job: JobShape,
  prices: Prices = DEFAULT_PRICES,
  range: AssumptionRange = DEFAULT_ASSUMPTION_RANGE,
): SnapshotRange {
  return atBothEnds(range, (a) => estimateSnapshot(table, job, prices, a));
}

/** An estimate at the fast and at the slow end of every assumption. */
function atBothEnds<T>(
  range: AssumptionRange,
  estimate: (a: Assumptions) => T,
): { low: T; high: T } {
  return { low: estimate(range.low), high: estimate(range.high) };
}

/** Incremental mode, one workflow run: the planner's exports, the merge, the refresh. */
export interface IncrementalEstimate {
  changedBytesPerRun: number;
  /** Export windows per run: one per day covered (a window lasts at most 24 hours). */
  windowsPerRun: number;
  exportCharge: number;
  plannerSeconds: number;
  plannerCost: number;
  applySeconds: number;
  applyDpuHours: number;
  glue: ClassCosts;
  refreshCost: number;
  workflowSeconds: number;
  total: ClassCosts;
  pitrPerMonth: number;
}

const PYTHON_SHELL_DPU = 0.0625;

/**
 * One incremental run when `changeRatePerDay` of the table's bytes change each day and the
 * workflow runs `runsPerDay` times: each run exports the changes since the last (billed per GB
 * processed, at least `minimumExportBytes` per export), waits for them in a Python shell job, and
 * merges them with the configured Spark job, which reads the changes and `mergeReadShare` of the
 * table. No crawler. What the managed compaction optimizer bills is not modelled: its DPU rate is
 * not on the pricing pages this project checked.
 */
export function estimateIncremental(
  table: TableFacts,
  job: JobShape,
  changeRatePerDay: number,
  runsPerDay: number,
  prices: Prices = DEFAULT_PRICES,
  a: Assumptions = DEFAULT_ASSUMPTION_RANGE.low,
): IncrementalEstimate {
  check(table, { ...job, readPercentage: 1 });
  if (!(changeRatePerDay >= 0 && changeRatePerDay <= 1))
    throw new EstimateInputError(
      `the change rate must be 0 to 100 %, got ${changeRatePerDay * 100}`,
    );
  if (!(runsPerDay > 0))
    throw new EstimateInputError(`runs per day must be above 0, got ${runsPerDay}`);
  const changedBytesPerRun = (table.sizeBytes * changeRatePerDay) / runsPerDay;
  const windowsPerRun = Math.max(1, Math.ceil(1 / runsPerDay));
  const billedBytes = Math.max(changedBytesPerRun, windowsPerRun * a.minimumExportBytes);
  const exportCharge = (billedBytes / GIB) * prices.exportPerGb;
  const plannerSeconds = a.startupSeconds + windowsPerRun * a.incrementalExportSeconds;
  const plannerCost = (PYTHON_SHELL_DPU * Math.max(60, plannerSeconds) * prices.dpuHour) / 3600;
  const glueBytesPerSecond = glueReadRate(job, a);
  const applySeconds =
    a.startupSeconds +
    (changedBytesPerRun + table.sizeBytes * a.mergeReadShare) / glueBytesPerSecond;
  const apply = glueRun(applySeconds, job, prices, a);
  const refreshCost = (PYTHON_SHELL_DPU * Math.max(60, a.refreshSeconds) * prices.dpuHour) / 3600;
  return {
    changedBytesPerRun,
    windowsPerRun,
    exportCharge,
    plannerSeconds,
    plannerCost,
    applySeconds,
    applyDpuHours: apply.dpuHours,
    glue: apply.glue,
    refreshCost,
    workflowSeconds: plannerSeconds + applySeconds + a.refreshSeconds,
    total: plus(apply.glue, exportCharge + plannerCost + refreshCost),
    pitrPerMonth: (table.sizeBytes / GIB) * prices.pitrPerGbMonth,
  };
}

export interface IncrementalRange {
  low: IncrementalEstimate;
  high: IncrementalEstimate;
}

export function estimateIncrementalRange(
  table: TableFacts,
  job: JobShape,
  changeRatePerDay: number,
  runsPerDay: number,
  prices: Prices = DEFAULT_PRICES,
  range: AssumptionRange = DEFAULT_ASSUMPTION_RANGE,
): IncrementalRange {
  return atBothEnds(range, (a) =>
    estimateIncremental(table, job, changeRatePerDay, runsPerDay, prices, a),
  );
}
