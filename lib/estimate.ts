/**
 * How long one snapshot run takes and what it costs, scan mode versus export mode. Pure
 * arithmetic (no Pulumi, no AWS calls): `ddbsnap estimate` feeds it DescribeTable's numbers and
 * the README's "Scan or export?" table is computed by the same function.
 *
 * The model, every part of it printed by the CLI next to the result:
 * - Scan: the connector reads with eventually consistent Scans, which cost half a read unit per
 *   4 KiB, so one RCU per second moves 8 KiB per second. It may use `readPercentage` of the
 *   table's read capacity; on-demand tables count as 40,000 RCU (AWS's rule for the connector).
 *   The Glue workers can also be the bottleneck: every worker but the driver reads, at an assumed
 *   rate per DPU. The run takes size / the slower of the two rates.
 * - Export: DynamoDB writes the table to S3 from its point-in-time backup (no read capacity,
 *   priced per GB); the Glue job waits for it, then reads the files at the same per-DPU rate.
 * - Glue bills every configured worker for the whole run (an upper bound: auto scaling may
 *   release idle ones), per second with a one-minute minimum.
 */
import { FLEX_WORKER_TYPES, WorkerType } from "./glue-facts";

/** DPUs per worker, per worker type (AWS Glue worker types). */
export const DPU_PER_WORKER: Record<WorkerType, number> = {
  "G.1X": 1,
  "G.2X": 2,
  "G.4X": 4,
  "G.8X": 8,
};

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
  exportPerGb: number;
  rruPerMillion: number;
  rcuHour: number;
  pitrPerGbMonth: number;
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
};
export const PRICES_SOURCE =
  "us-east-1 list prices, aws.amazon.com/glue/pricing and aws.amazon.com/dynamodb/pricing, checked November 2026";

export interface Assumptions {
  /** Read capacity the connector assumes for an on-demand table (AWS's documented figure). */
  onDemandRcu: number;
  /** Bytes one RCU reads per second with eventually consistent reads: 2 × 4 KiB. */
  bytesPerRcuSecond: number;
  /** Bytes per second one DPU reads and writes out (our assumption; measure yours). */
  glueBytesPerSecondPerDpu: number;
  /** How long DynamoDB takes to finish an export, while the Glue job waits (our assumption). */
  exportWaitSeconds: number;
  /** Glue bills at least this long per run. */
  minimumBilledSeconds: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  onDemandRcu: 40_000,
  bytesPerRcuSecond: 8 * 1024,
  glueBytesPerSecondPerDpu: 20 * MIB,
  exportWaitSeconds: 15 * 60,
  minimumBilledSeconds: 60,
};

/** Cost of one run with each execution class; FLEX is undefined where AWS does not offer it. */
export interface ClassCosts {
  STANDARD: number;
  FLEX?: number;
}

interface RunCost {
  /** Wall-clock time of the Glue job. */
  seconds: number;
  billedSeconds: number;
  dpuHours: number;
  glue: ClassCosts;
  /** What DynamoDB charges for this run on top of what you already pay. */
  dynamodb: number;
  total: ClassCosts;
}

export interface ScanEstimate extends RunCost {
  /** Read capacity the scan may use per second. */
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

function glueRun(seconds: number, job: JobShape, prices: Prices, assumptions: Assumptions) {
  const billedSeconds = Math.max(assumptions.minimumBilledSeconds, Math.ceil(seconds));
  const dpuHours = (job.workers * DPU_PER_WORKER[job.workerType] * billedSeconds) / 3600;
  const glue: ClassCosts = { STANDARD: dpuHours * prices.dpuHour };
  if (FLEX_WORKER_TYPES.includes(job.workerType)) glue.FLEX = dpuHours * prices.flexDpuHour;
  return { seconds, billedSeconds, dpuHours, glue };
}

function plus(costs: ClassCosts, amount: number): ClassCosts {
  const total: ClassCosts = { STANDARD: costs.STANDARD + amount };
  if (costs.FLEX !== undefined) total.FLEX = costs.FLEX + amount;
  return total;
}

/** Time and cost of one snapshot of `table` by a job shaped like `job`, in both modes. */
export function estimateSnapshot(
  table: TableFacts,
  job: JobShape,
  prices: Prices = DEFAULT_PRICES,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): SnapshotEstimate {
  check(table, job);
  const sizeGb = table.sizeBytes / GIB;
  const dpus = job.workers * DPU_PER_WORKER[job.workerType];
  // The driver does not read: the same rule as dynamodb.splits (slots × (workers − 1)).
  const glueBytesPerSecond =
    (job.workers - 1) * DPU_PER_WORKER[job.workerType] * assumptions.glueBytesPerSecondPerDpu;

  const onDemand = table.billingMode === "PAY_PER_REQUEST";
  const tableRcu = onDemand ? assumptions.onDemandRcu : (table.provisionedRcu as number);
  const rcuPerSecond = tableRcu * job.readPercentage;
  const capacityBytesPerSecond = rcuPerSecond * assumptions.bytesPerRcuSecond;
  const boundBy = capacityBytesPerSecond <= glueBytesPerSecond ? "read capacity" : "Glue workers";
  const bytesPerSecond = Math.min(capacityBytesPerSecond, glueBytesPerSecond);
  // The job scans the table once (into its scratch space) and reads that copy twice.
  const scanRun = glueRun(table.sizeBytes / bytesPerSecond, job, prices, assumptions);
  // Eventually consistent: half a unit per 4 KiB read.
  const readUnits = Math.ceil(table.sizeBytes / 4096) / 2;
  const scanDynamodb = onDemand ? (readUnits / 1e6) * prices.rruPerMillion : 0;
  const scan: ScanEstimate = {
    ...scanRun,
    rcuPerSecond,
    assumedOnDemandRcu: onDemand,
    bytesPerSecond,
    boundBy,
    readUnits,
    dynamodb: scanDynamodb,
    total: plus(scanRun.glue, scanDynamodb),
  };
  if (!onDemand) {
    // The scan holds rcuPerSecond of capacity for its whole run; that capacity is billed anyway.
    scan.provisionedRcuHours = (rcuPerSecond * scanRun.seconds) / 3600;
    scan.provisionedCapacityValue = scan.provisionedRcuHours * prices.rcuHour;
  }

  const readSeconds = table.sizeBytes / glueBytesPerSecond;
  const exportRun = glueRun(assumptions.exportWaitSeconds + readSeconds, job, prices, assumptions);
  const exportCharge = sizeGb * prices.exportPerGb;
  const exportEstimate: ExportEstimate = {
    ...exportRun,
    exportCharge,
    waitSeconds: assumptions.exportWaitSeconds,
    readSeconds,
    dynamodb: exportCharge,
    total: plus(exportRun.glue, exportCharge),
    pitrPerMonth: sizeGb * prices.pitrPerGbMonth,
  };

  return { sizeGb, dpus, scan, export: exportEstimate };
}
