/**
 * The text `ddbsnap estimate` prints for one table, and the README's "Scan or export?" section,
 * both from lib/estimate.ts. Pure.
 */
import type { TableConfig } from "../lib/config";
import {
  Assumptions,
  ClassCosts,
  DEFAULT_ASSUMPTIONS,
  DEFAULT_PRICES,
  estimateSnapshot,
  GIB,
  JobShape,
  MIB,
  Prices,
  PRICES_SOURCE,
  SnapshotEstimate,
  TableFacts,
} from "../lib/estimate";
import { bytes, columns, count, duration, usd } from "./format";

/** The flag that overrides each price, named once for the help text and the printout. */
export const PRICE_FLAGS: Record<keyof Prices, { flag: string; what: string }> = {
  dpuHour: { flag: "price-dpu-hour", what: "Glue STANDARD, per DPU-hour" },
  flexDpuHour: { flag: "price-flex-dpu-hour", what: "Glue FLEX, per DPU-hour" },
  exportPerGb: { flag: "price-export-gb", what: "DynamoDB export to S3, per GB" },
  rruPerMillion: { flag: "price-rru-million", what: "DynamoDB on-demand reads, per million read request units" },
  rcuHour: { flag: "price-rcu-hour", what: "DynamoDB provisioned reads, per RCU-hour" },
  pitrPerGbMonth: { flag: "price-pitr-gb-month", what: "DynamoDB point-in-time recovery, per GB-month" },
};

function costRow(label: string, scan: ClassCosts, exp: ClassCosts, cls: "STANDARD" | "FLEX"): string[] {
  const cell = (c: ClassCosts) => (c[cls] === undefined ? "n/a (FLEX runs on G.1X/G.2X only)" : usd(c[cls] as number));
  return [label, cell(scan), cell(exp)];
}

/** A unit price as published: at least cents, and every digit it has ($0.125, $0.00013). */
function price(amount: number): string {
  return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 8 })}`;
}

export interface EstimateReport {
  tableName: string;
  stack: string;
  region: string;
  facts: TableFacts;
  /** True when --size-gb replaced DescribeTable's size. */
  sizeOverridden: boolean;
  table: TableConfig;
  prices: Prices;
  assumptions: Assumptions;
}

export function jobShape(table: TableConfig): JobShape {
  return { workerType: table.workerType, workers: table.workers, readPercentage: table.readPercentage };
}

export function renderEstimate(report: EstimateReport): string[] {
  const { facts, table, prices, assumptions } = report;
  const e: SnapshotEstimate = estimateSnapshot(facts, jobShape(table), prices, assumptions);
  const cls = table.executionClass;
  const lines: string[] = [];
  const capacity =
    facts.billingMode === "PAY_PER_REQUEST" ? "on-demand" : `provisioned ${count(facts.provisionedRcu ?? 0)} RCU`;
  lines.push(`Estimate for one snapshot run of ${report.tableName} (stack ${report.stack}, ${report.region})`);
  lines.push("");
  lines.push(
    `Table: ${bytes(facts.sizeBytes)}${report.sizeOverridden ? " (--size-gb)" : ""}, ${count(facts.itemCount)} items, ${capacity}` +
      `${report.sizeOverridden ? "" : " (DescribeTable; DynamoDB refreshes size and count about every six hours)"}`,
  );
  lines.push(
    `Job:   ${table.workers} × ${table.workerType} = ${e.dpus} DPU, readPercentage ${table.readPercentage}, ` +
      `configured mode ${table.mode}, ${cls}`,
  );
  lines.push("");
  const scanRate = `${count(e.scan.rcuPerSecond)} RCU/s${e.scan.assumedOnDemandRcu ? ` (of ${count(assumptions.onDemandRcu)} assumed)` : ""}`;
  const rows: string[][] = [
    ["duration", duration(e.scan.seconds), duration(e.export.seconds)],
    [
      "limited by",
      `${e.scan.boundBy}: ${(e.scan.bytesPerSecond / MIB).toFixed(1)} MiB/s`,
      `export ${duration(e.export.waitSeconds)} + read ${duration(e.export.readSeconds)}`,
    ],
    ["DynamoDB reads", `${count(e.scan.readUnits)} read units at ${scanRate}`, "none (reads the backup)"],
    [
      "DynamoDB charge",
      facts.billingMode === "PAY_PER_REQUEST" ? usd(e.scan.dynamodb) : `${usd(0)} (capacity already paid for)`,
      `${usd(e.export.exportCharge)} (${e.sizeGb.toFixed(1)} GB × ${price(prices.exportPerGb)})`,
    ],
    ["Glue DPU-hours", e.scan.dpuHours.toFixed(2), e.export.dpuHours.toFixed(2)],
    costRow("Glue STANDARD", e.scan.glue, e.export.glue, "STANDARD"),
    costRow("Glue FLEX", e.scan.glue, e.export.glue, "FLEX"),
    costRow("total STANDARD", e.scan.total, e.export.total, "STANDARD"),
    costRow("total FLEX", e.scan.total, e.export.total, "FLEX"),
  ];
  columns(["", "scan", "export"], rows).forEach((l) => lines.push(`  ${l}`));
  lines.push("");

  if (e.scan.provisionedRcuHours !== undefined) {
    lines.push(
      `The scan holds ${count(e.scan.rcuPerSecond)} of the table's ${count(facts.provisionedRcu ?? 0)} RCU for ${duration(e.scan.seconds)} ` +
        `(${count(e.scan.provisionedRcuHours, 1)} RCU-hours, worth ${usd(e.scan.provisionedCapacityValue ?? 0)} at ${price(prices.rcuHour)} per RCU-hour, billed either way).`,
    );
  }
  lines.push(`Export mode needs point-in-time recovery: if it is off, turning it on adds ${usd(e.export.pitrPerMonth)} per month for this table.`);
  const scanTotal = e.scan.total[cls] ?? e.scan.total.STANDARD;
  const exportTotal = e.export.total[cls] ?? e.export.total.STANDARD;
  const cheaper = scanTotal <= exportTotal ? "scan" : "export";
  const faster = e.scan.seconds <= e.export.seconds ? "scan" : "export";
  lines.push(
    `With ${cls} (as configured): ${cheaper} is cheaper (${usd(Math.min(scanTotal, exportTotal))} against ${usd(Math.max(scanTotal, exportTotal))} a run)` +
      `${faster === cheaper ? " and faster" : `, ${faster} is faster`} (${duration(Math.min(e.scan.seconds, e.export.seconds))} against ${duration(Math.max(e.scan.seconds, e.export.seconds))}).`,
  );
  if (e.scan.seconds > table.timeoutMinutes * 60) {
    lines.push(
      `Warning: a scan would outlast the export job's timeout (${table.timeoutMinutes} minutes) and be stopped: ` +
        "raise readPercentage or the table's read capacity, raise timeoutMinutes, or use mode: export.",
    );
  }
  if (facts.sizeBytes === 0 && !report.sizeOverridden) {
    lines.push("Note: DynamoDB reports 0 bytes; a new or just-loaded table may not be counted yet. Pass --size-gb <n> to estimate a size.");
  }
  lines.push("");
  lines.push("Assumptions (flags change them):");
  lines.push("  scans read eventually consistent: one RCU reads 8 KiB a second, half a read unit per 4 KiB");
  lines.push(`  on-demand tables count as ${count(assumptions.onDemandRcu)} RCU (AWS's rule for the Glue DynamoDB connector)`);
  lines.push(`  every worker but the driver reads and writes ${count(assumptions.glueBytesPerSecondPerDpu / MIB, 1)} MiB/s per DPU (--glue-mib-per-dpu)`);
  lines.push(`  a DynamoDB export takes ${duration(assumptions.exportWaitSeconds)}, billed while the job waits for it (--export-minutes)`);
  lines.push("  Glue bills every configured worker for the whole run (auto scaling may use fewer), per second, one-minute minimum");
  lines.push(`Prices (USD; ${PRICES_SOURCE}):`);
  const priceRows = (Object.keys(PRICE_FLAGS) as (keyof Prices)[]).map((key) => [PRICE_FLAGS[key].what, price(prices[key]), `--${PRICE_FLAGS[key].flag}`]);
  columns(["", "", ""], priceRows, ["left", "right"]).slice(1).forEach((l) => lines.push(`  ${l}`));
  return lines;
}

/** Table sizes and capacity the README compares. */
const README_SIZES = [1, 100, 1024];
const README_PROVISIONED_RCU = 1000;

/**
 * The README's "Scan or export?" section: the defaults (10 × G.1X, readPercentage 0.5) for 1 GB,
 * 100 GB and 1 TB tables, on-demand and provisioned, at the default prices and assumptions.
 */
export function scanOrExportSection(prices: Prices = DEFAULT_PRICES, assumptions: Assumptions = DEFAULT_ASSUMPTIONS): string[] {
  const job: JobShape = { workerType: "G.1X", workers: 10, readPercentage: 0.5 };
  const sizeLabel = (gb: number) => (gb >= 1024 ? `${gb / 1024} TB` : `${gb} GB`);
  const rows: string[][] = [];
  for (const billing of ["PAY_PER_REQUEST", "PROVISIONED"] as const) {
    for (const gb of README_SIZES) {
      const facts: TableFacts = { sizeBytes: gb * GIB, itemCount: 0, billingMode: billing, provisionedRcu: README_PROVISIONED_RCU };
      const e = estimateSnapshot(facts, job, prices, assumptions);
      const capacity = billing === "PAY_PER_REQUEST" ? "on-demand" : `${count(README_PROVISIONED_RCU)} RCU`;
      rows.push([
        `${sizeLabel(gb)}, ${capacity}`,
        duration(e.scan.seconds),
        usd(e.scan.total.STANDARD),
        usd(e.scan.total.FLEX as number),
        duration(e.export.seconds),
        usd(e.export.total.STANDARD),
        usd(e.export.total.FLEX as number),
      ]);
    }
  }
  const header = ["table", "scan: time", "scan: STANDARD", "scan: FLEX", "export: time", "export: STANDARD", "export: FLEX"];
  const table = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
  return table;
}
