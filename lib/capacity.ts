/**
 * Whether a scan-mode table can serve the read rate its config asks the Glue connector for. Pure.
 *
 * The connector reads at `readPercentage` × the table's read capacity, and counts an on-demand
 * table as 40,000 RCU (Glue guide, "DynamoDB connection option reference":
 * dynamodb.throughput.read.percent). A new on-demand table serves about 12,000 reads per second
 * at first (DynamoDB guide, "Initial throughput for on-demand capacity mode"); a provisioned table
 * its provisioned RCU. Asking for more throttles the scan, and with it the application's own reads.
 */
import type { TableConfig } from "./config";
import { CONTRACT } from "./contract";

/** Shared with the export job's own scan, which paces itself the same way. */
export const GLUE_ON_DEMAND_RCU = CONTRACT.layout.onDemandReadCapacity;
export const NEW_ON_DEMAND_READS_PER_SECOND = 12_000;

/** What DescribeTable says about the table's read capacity. */
export interface ReadCapacity {
  billingMode: "PROVISIONED" | "PAY_PER_REQUEST";
  /** Provisioned read capacity units (provisioned tables). */
  readCapacity?: number;
}

export interface ScanRate {
  /** Read units per second the scan asks for. */
  asked: number;
  /** What the table serves: its RCU, or a new on-demand table's 12,000 reads per second. */
  served: number;
  /** The readPercentage at which the scan asks for no more than the table serves. */
  safeReadPercentage: number;
}

export function scanRate(table: TableConfig, capacity: ReadCapacity): ScanRate {
  const onDemand = capacity.billingMode === "PAY_PER_REQUEST";
  const basis = onDemand ? GLUE_ON_DEMAND_RCU : (capacity.readCapacity ?? 0);
  const served = onDemand ? NEW_ON_DEMAND_READS_PER_SECOND : (capacity.readCapacity ?? 0);
  return {
    asked: table.readPercentage * basis,
    served,
    safeReadPercentage: basis > 0 ? Math.floor((served / basis) * 100) / 100 : 0,
  };
}

const count = (n: number) => Math.round(n).toLocaleString("en-US");

/** The warning a scan-mode table deserves, or undefined when the table can serve the scan. */
export function scanCapacityWarning(
  table: TableConfig,
  capacity: ReadCapacity,
): string | undefined {
  if (table.mode !== "scan") return undefined;
  const rate = scanRate(table, capacity);
  if (rate.asked <= rate.served) return undefined;
  const onDemand = capacity.billingMode === "PAY_PER_REQUEST";
  const basis = onDemand
    ? `${table.readPercentage} × ${count(GLUE_ON_DEMAND_RCU)}, the RCU Glue assumes for an on-demand table`
    : `${table.readPercentage} × the table's ${count(capacity.readCapacity ?? 0)} provisioned RCU`;
  const serves = onDemand
    ? `a new on-demand table serves about ${count(rate.served)} reads/s`
    : `the table serves ${count(rate.served)} RCU`;
  return (
    `tables (${table.name}): readPercentage ${table.readPercentage} asks the scan for ${count(rate.asked)} RCU/s ` +
    `(${basis}), but ${serves}: the scan would be throttled, and so would the application's own reads. ` +
    `Set readPercentage to ${rate.safeReadPercentage} or less, or use mode: export (no read capacity).`
  );
}
