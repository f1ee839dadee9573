/**
 * The text `ddbsnap estimate` prints for one table, and the README's "Scan or export?" section,
 * both from lib/estimate.ts. Pure.
 */
import { dynamodbSplits } from "../lib/glue-facts";
import { describeLayout, planLayout } from "../lib/layout";
import type { TableConfig } from "../lib/config";
import {
  Assumptions,
  BillingMode,
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
  rruPerMillion: {
    flag: "price-rru-million",
    what: "DynamoDB on-demand reads, per million read request units",
  },
  rcuHour: { flag: "price-rcu-hour", what: "DynamoDB provisioned reads, per RCU-hour" },
  pitrPerGbMonth: {
    flag: "price-pitr-gb-month",
    what: "DynamoDB point-in-time recovery, per GB-month",
  },
};

function costRow(
  label: string,
  scan: ClassCosts,
  exp: ClassCosts,
  cls: "STANDARD" | "FLEX",
): string[] {
  const cell = (c: ClassCosts) =>
    c[cls] === undefined ? "n/a (FLEX runs on G.1X/G.2X only)" : usd(c[cls] as number);
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
  return {
    workerType: table.workerType,
    workers: table.workers,
    readPercentage: table.readPercentage,
  };
}

export function renderEstimate(report: EstimateReport): string[] {
  const { facts, table, prices, assumptions } = report;
  const e: SnapshotEstimate = estimateSnapshot(facts, jobShape(table), prices, assumptions);
  const cls = table.executionClass;
  const lines: string[] = [];
  const capacity =
    facts.billingMode === "PAY_PER_REQUEST"
      ? "on-demand"
      : `provisioned ${count(facts.provisionedRcu ?? 0)} RCU`;
  lines.push(
    `Estimate for one snapshot run of ${report.tableName} (stack ${report.stack}, ${report.region})`,
  );
  lines.push("");
  lines.push(
    `Table: ${bytes(facts.sizeBytes)}${report.sizeOverridden ? " (--size-gb)" : ""}, ${count(facts.itemCount)} items, ${capacity}` +
      `${report.sizeOverridden ? "" : " (DescribeTable; DynamoDB refreshes size and count about every six hours)"}`,
  );
  lines.push(
    `Job:   ${table.workers} × ${table.workerType} = ${e.dpus} DPU, readPercentage ${table.readPercentage}` +
      `${table.mode === "export" ? " (the default, for the scan column)" : ""}, ` +
      `configured mode ${table.mode}, ${cls}`,
  );
  lines.push(
    `Files: ${describeLayout(planLayout(facts.sizeBytes, dynamodbSplits(table.workerType, table.workers)), table.mode)}`,
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
    [
      "DynamoDB reads",
      `${count(e.scan.readUnits)} read units at ${scanRate}`,
      "none (reads the backup)",
    ],
    [
      "DynamoDB charge",
      facts.billingMode === "PAY_PER_REQUEST"
        ? usd(e.scan.dynamodb)
        : `${usd(0)} (capacity already paid for)`,
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
  lines.push(
    `Export mode needs point-in-time recovery: if it is off, turning it on adds ${usd(e.export.pitrPerMonth)} per month for this table.`,
  );
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
    lines.push(
      "Note: DynamoDB reports 0 bytes; a new or just-loaded table may not be counted yet. Pass --size-gb <n> to estimate a size.",
    );
  }
  lines.push("");
  lines.push("Assumptions (flags change them):");
  lines.push(
    "  scans read eventually consistent: one RCU reads 8 KiB a second, half a read unit per 4 KiB",
  );
  lines.push(
    "  a scan reads the table once: it is staged as DynamoDB JSON, which the job then reads twice",
  );
  lines.push(
    `  on-demand tables count as ${count(assumptions.onDemandRcu)} RCU (AWS's rule for the Glue DynamoDB connector)`,
  );
  lines.push(
    `  every worker but the driver reads and writes ${count(assumptions.glueBytesPerSecondPerDpu / MIB, 1)} MiB/s per DPU (--glue-mib-per-dpu)`,
  );
  lines.push(
    `  a DynamoDB export takes ${duration(assumptions.exportWaitSeconds)}, billed while the job waits for it (--export-minutes)`,
  );
  lines.push(
    "  Glue bills every configured worker for the whole run (auto scaling may use fewer), per second, one-minute minimum",
  );
  lines.push(`Prices (USD; ${PRICES_SOURCE}):`);
  const priceRows = (Object.keys(PRICE_FLAGS) as (keyof Prices)[]).map((key) => [
    PRICE_FLAGS[key].what,
    price(prices[key]),
    `--${PRICE_FLAGS[key].flag}`,
  ]);
  columns(["", "", ""], priceRows, ["left", "right"])
    .slice(1)
    .forEach((l) => lines.push(`  ${l}`));
  return lines;
}

/** The README compares tables of these sizes, on-demand and with this much provisioned capacity. */
const README_SIZES_GB = [1, 100, 1024];
const README_PROVISIONED_RCU = 1000;
/** The job every table gets by default (TABLE_DEFAULTS): 10 × G.1X at readPercentage 0.5. */
const README_JOB: JobShape = { workerType: "G.1X", workers: 10, readPercentage: 0.5 };
const DEFAULT_TIMEOUT_MINUTES = 360;

function readmeFacts(gb: number, billingMode: BillingMode): TableFacts {
  return {
    sizeBytes: gb * GIB,
    itemCount: 0,
    billingMode,
    provisionedRcu: billingMode === "PROVISIONED" ? README_PROVISIONED_RCU : undefined,
  };
}

/**
 * The smallest size (GB, up to 10 TB) from which export beats scan by `measure`, found by
 * bisection; undefined if scan wins at every size. Both costs grow with size, so the first
 * crossing is the one that matters.
 */
function crossoverGb(
  billingMode: BillingMode,
  measure: (e: SnapshotEstimate, mode: "scan" | "export") => number,
  prices: Prices,
  assumptions: Assumptions,
): number | undefined {
  const exportWins = (gb: number) => {
    const e = estimateSnapshot(readmeFacts(gb, billingMode), README_JOB, prices, assumptions);
    return measure(e, "export") < measure(e, "scan");
  };
  let low = 0.001;
  let high = 10 * 1024;
  if (exportWins(low)) return 0;
  if (!exportWins(high)) return undefined;
  while (high / low > 1.01) {
    const middle = Math.sqrt(low * high);
    if (exportWins(middle)) high = middle;
    else low = middle;
  }
  return high;
}

function roughGb(gb: number): string {
  if (gb >= 1024) return `${(gb / 1024).toPrecision(2)} TB`;
  return `${gb >= 10 ? Math.round(gb) : gb.toPrecision(1)} GB`;
}

/**
 * The README's "Scan or export?" section, computed from the same model and prices as
 * `ddbsnap estimate`: the default job for 1 GB, 100 GB and 1 TB tables, on-demand and with
 * 1,000 provisioned RCU, and where export starts to win. A test keeps the README equal to it.
 */
export function scanOrExportSection(
  prices: Prices = DEFAULT_PRICES,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): string[] {
  const sizeLabel = (gb: number) => (gb >= 1024 ? `${gb / 1024} TB` : `${gb} GB`);
  const rows: string[][] = [];
  for (const billing of ["PAY_PER_REQUEST", "PROVISIONED"] as const) {
    for (const gb of README_SIZES_GB) {
      const e = estimateSnapshot(readmeFacts(gb, billing), README_JOB, prices, assumptions);
      const capacity =
        billing === "PAY_PER_REQUEST" ? "on-demand" : `${count(README_PROVISIONED_RCU)} RCU`;
      const late = e.scan.seconds > DEFAULT_TIMEOUT_MINUTES * 60 ? " ⚠" : "";
      rows.push([
        `${sizeLabel(gb)}, ${capacity}`,
        `${duration(e.scan.seconds)}${late}`,
        usd(e.scan.total.STANDARD),
        usd(e.scan.total.FLEX as number),
        duration(e.export.seconds),
        usd(e.export.total.STANDARD),
        usd(e.export.total.FLEX as number),
      ]);
    }
  }
  const header = [
    "table",
    "scan: time",
    "scan: STANDARD",
    "scan: FLEX",
    "export: time",
    "export: STANDARD",
    "export: FLEX",
  ];
  const cost = (e: SnapshotEstimate, mode: "scan" | "export") => e[mode].total.STANDARD;
  const time = (e: SnapshotEstimate, mode: "scan" | "export") => e[mode].seconds;
  const onDemandCost = crossoverGb("PAY_PER_REQUEST", cost, prices, assumptions);
  const onDemandTime = crossoverGb("PAY_PER_REQUEST", time, prices, assumptions);
  const provisionedCost = crossoverGb("PROVISIONED", cost, prices, assumptions);
  const readPerGb = (GIB / 8192 / 1e6) * prices.rruPerMillion;
  const provisionedRate =
    README_PROVISIONED_RCU * README_JOB.readPercentage * assumptions.bytesPerRcuSecond;
  const timeoutGb = (provisionedRate * DEFAULT_TIMEOUT_MINUTES * 60) / GIB;

  return [
    "## Scan or export?",
    "",
    "`mode: scan` reads the table through its read capacity; `mode: export` has DynamoDB write a",
    "point-in-time export to S3 (no read capacity used) and reads that. For the default job (10 × G.1X,",
    "`readPercentage: 0.5`), one run costs and takes:",
    "",
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    `- **On-demand tables**: the scan ${
      onDemandCost === undefined
        ? "is cheaper at every size up to 10 TB"
        : `is cheaper up to about ${roughGb(onDemandCost)}`
    } (its reads cost $${readPerGb.toPrecision(2)} per GB, the export ${price(prices.exportPerGb)} per GB)` +
      `${onDemandTime === undefined ? " and faster" : ` and faster up to about ${roughGb(onDemandTime)}`}. ` +
      `Choose export when production traffic must not share the table with a scan: at \`readPercentage\` ${README_JOB.readPercentage} it may take ` +
      `${count(assumptions.onDemandRcu * README_JOB.readPercentage)} RCU per second.`,
    `- **Provisioned tables**: the scan gets only \`readPercentage\` of the capacity, so its time, and the Glue workers billed ` +
      `meanwhile, grow with the table: with ${count(README_PROVISIONED_RCU)} RCU, export is cheaper ` +
      `${provisionedCost === undefined ? "at no size up to 10 TB" : `from about ${roughGb(provisionedCost)}`}, and above about ` +
      `${roughGb(timeoutGb)} a scan outlasts the job's default ${DEFAULT_TIMEOUT_MINUTES / 60}-hour timeout (⚠).`,
    `- Export mode needs point-in-time recovery: if it is off, it adds ${usd(prices.pitrPerGbMonth)} per GB-month.`,
    "",
    "`npx ddbsnap estimate <table>` prints the same comparison for a deployed table's own size, capacity and job.",
    `Assumptions: eventually consistent scans (one RCU reads 8 KiB a second); on-demand tables count as ` +
      `${count(assumptions.onDemandRcu)} RCU; each worker but the driver moves ${count(assumptions.glueBytesPerSecondPerDpu / MIB, 1)} MiB/s per DPU; ` +
      `an export takes ${duration(assumptions.exportWaitSeconds)}; every worker is billed for the whole run, per second, one minute ` +
      `at least. Prices: Glue ${price(prices.dpuHour)} (FLEX ${price(prices.flexDpuHour)}) per DPU-hour, export ${price(prices.exportPerGb)} per GB, ` +
      `on-demand reads ${price(prices.rruPerMillion)} per million; ${PRICES_SOURCE}. Each is a flag of \`estimate\`.`,
  ];
}
