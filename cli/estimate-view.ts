/**
 * The text `ddbsnap estimate` prints for one table, and the README's "Scan or export?" section,
 * both from lib/estimate.ts. Pure.
 */
import { dynamodbSplits, WORKERS } from "../lib/glue-facts";
import { describeLayout, planLayout } from "../lib/layout";
import type { TableConfig } from "../lib/config";
import type {
  AssumptionRange,
  Assumptions,
  BillingMode,
  ClassCosts,
  IncrementalEstimate,
  JobShape,
  Prices,
  SnapshotEstimate,
  SnapshotRange,
  TableFacts,
} from "../lib/estimate";
import {
  ASSUMPTION_SOURCES,
  DEFAULT_ASSUMPTION_RANGE,
  DEFAULT_PRICES,
  estimateIncrementalRange,
  estimateRange,
  GIB,
  MIB,
  PRICES_SOURCE,
} from "../lib/estimate";
import { bytes, columns, count, duration, usd } from "./format";
import { runsPerDay } from "../lib/schedule-gap";
import { crossRegionTransfer } from "../lib/estimate";

/** The flag that overrides each price, named once for the help text and the printout. */
export const PRICE_FLAGS: Record<keyof Prices, { flag: string; what: string }> = {
  dpuHour: { flag: "price-dpu-hour", what: "Glue STANDARD, per DPU-hour" },
  flexDpuHour: { flag: "price-flex-dpu-hour", what: "Glue FLEX, per DPU-hour" },
  gravitonDpuHour: {
    flag: "price-graviton-dpu-hour",
    what: "Glue STANDARD on Graviton G workers, per DPU-hour",
  },
  gravitonMemoryDpuHour: {
    flag: "price-graviton-memory-dpu-hour",
    what: "Glue STANDARD on Graviton R workers, per M-DPU-hour",
  },
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
  transferPerGb: {
    flag: "price-transfer-gb",
    what: "data transfer between regions, per GB (a table in another region; assumed, not checked: it differs by region pair)",
  },
};

/** An assumption's value as written: whole numbers exactly, fractions to six digits. */
function figure(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** `low–high`, or one value when both ends print the same. */
export function span(low: number, high: number, format: (n: number) => string): string {
  const [a, b] = [format(Math.min(low, high)), format(Math.max(low, high))];
  return a === b ? a : `${a}–${b}`;
}

function costRow(
  label: string,
  r: SnapshotRange,
  pick: (e: SnapshotEstimate, mode: "scan" | "export") => ClassCosts,
  cls: "STANDARD" | "FLEX",
): string[] {
  const cell = (mode: "scan" | "export") => {
    const [low, high] = [pick(r.low, mode)[cls], pick(r.high, mode)[cls]];
    return low === undefined || high === undefined
      ? "n/a (FLEX runs on G.1X/G.2X only)"
      : span(low, high, usd);
  };
  return [label, cell("scan"), cell("export")];
}

/** A unit price as published: at least cents, and every digit it has ($0.125, $0.00013). */
export function price(amount: number | undefined): string {
  if (amount === undefined) return "not published";
  return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 8 })}`;
}

export interface EstimateReport {
  tableName: string;
  stack: string;
  /** The stack's region, where the jobs run and the bucket is. */
  region: string;
  /** The table's own region, when the table names one. */
  tableRegion?: string;
  /** The table is in another account: DescribeTable was not possible, so its facts are assumed. */
  factsAssumed?: string;
  facts: TableFacts;
  /** True when --size-gb replaced DescribeTable's size. */
  sizeOverridden: boolean;
  table: TableConfig;
  prices: Prices;
  assumptions: AssumptionRange;
  /** Share of the table's bytes that change a day, for the incremental column (0 to 1). */
  changeRatePerDay: number;
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
  const r = estimateRange(facts, jobShape(table), prices, assumptions);
  const e = r.low;
  const cls = table.executionClass;
  const lines: string[] = [];
  const capacity =
    facts.billingMode === "PAY_PER_REQUEST"
      ? "on-demand"
      : `provisioned ${count(facts.provisionedRcu ?? 0)} RCU`;
  const elsewhere =
    report.tableRegion && report.tableRegion !== report.region ? report.tableRegion : undefined;
  lines.push(
    `Estimate for one snapshot run of ${report.tableName} (stack ${report.stack}, ${report.region}` +
      `${elsewhere ? `; the table in ${elsewhere}` : ""}): ranges run from the fast to the slow end of each assumption`,
  );
  lines.push("");
  lines.push(
    `Table: ${bytes(facts.sizeBytes)}${report.sizeOverridden ? " (--size-gb)" : ""}, ${count(facts.itemCount)} items, ${capacity}` +
      (report.factsAssumed
        ? ` (${report.factsAssumed})`
        : report.sizeOverridden
          ? ""
          : " (DescribeTable; DynamoDB refreshes size and count about every six hours)"),
  );
  const worker = WORKERS[table.workerType];
  lines.push(
    `Job:   ${table.workers} × ${table.workerType} = ${e.dpus} ${worker.priceClass === "gravitonMemory" ? "M-DPU" : "DPU"} ` +
      `(${worker.slots} task slots a worker: ${dynamodbSplits(table.workerType, table.workers)} scan segments), ` +
      `Glue ${table.glueVersion}, readPercentage ${table.readPercentage}` +
      `${table.mode === "export" ? " (the default, for the scan column)" : ""}, ` +
      `configured mode ${table.mode}, ${cls}`,
  );
  lines.push(
    `Files: ${describeLayout(planLayout(facts.sizeBytes, dynamodbSplits(table.workerType, table.workers)), table.mode === "scan" ? "scan" : "export")}`,
  );
  lines.push("");
  const both = (f: (x: SnapshotEstimate) => number, fmt: (n: number) => string) =>
    span(f(r.low), f(r.high), fmt);
  const asked = e.scan.askedRcu;
  const served = e.scan.rcuPerSecond;
  const scanRate =
    `${count(served)} RCU/s` +
    (served < asked ? ` (asks for ${count(asked)}; the table serves ${count(served)})` : "") +
    (e.scan.assumedOnDemandRcu ? ` (of ${count(assumptions.low.onDemandRcu)} assumed)` : "");
  const rows: string[][] = [
    ["Glue job", both((x) => x.scan.seconds, duration), both((x) => x.export.seconds, duration)],
    [
      "with FLEX",
      both((x) => x.scan.flexSeconds, duration),
      both((x) => x.export.flexSeconds, duration),
    ],
    [
      "whole workflow",
      both((x) => x.scan.workflowSeconds, duration),
      both((x) => x.export.workflowSeconds, duration),
    ],
    [
      "limited by",
      `${e.scan.boundBy}: ${both(
        (x) => x.scan.bytesPerSecond / MIB,
        (n) => n.toFixed(1),
      )} MiB/s`,
      `export ${both((x) => x.export.waitSeconds, duration)} + read ${duration(e.export.readSeconds)}`,
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
    [
      "Glue DPU-hours",
      both(
        (x) => x.scan.dpuHours,
        (n) => n.toFixed(2),
      ),
      both(
        (x) => x.export.dpuHours,
        (n) => n.toFixed(2),
      ),
    ],
    costRow("Glue STANDARD", r, (x, m) => x[m].glue, "STANDARD"),
    costRow("Glue FLEX", r, (x, m) => x[m].glue, "FLEX"),
    [
      "crawler + refresh",
      both((x) => x.scan.overheadCost, usd),
      both((x) => x.export.overheadCost, usd),
    ],
    costRow("total STANDARD", r, (x, m) => x[m].total, "STANDARD"),
    costRow("total FLEX", r, (x, m) => x[m].total, "FLEX"),
  ];
  columns(["", "scan", "export"], rows).forEach((l) => lines.push(`  ${l}`));
  lines.push("");

  if (e.scan.provisionedRcuHours !== undefined) {
    lines.push(
      `The scan holds ${count(served)} of the table's ${count(facts.provisionedRcu ?? 0)} RCU for ${both((x) => x.scan.seconds, duration)} ` +
        `(${both(
          (x) => x.scan.provisionedRcuHours ?? 0,
          (n) => count(n, 1),
        )} RCU-hours, billed either way).`,
    );
  }
  if (served < asked) {
    lines.push(
      `Warning: readPercentage ${table.readPercentage} asks for ${count(asked)} RCU/s, more than the table serves (about ${count(served)}): ` +
        "the scan would be throttled, and so would the application's own reads. Lower readPercentage, or use mode: export.",
    );
  }
  lines.push(
    `Export mode needs point-in-time recovery: if it is off, turning it on adds ${usd(e.export.pitrPerMonth)} per month for this table.`,
  );
  const key = (x: SnapshotEstimate, mode: "scan" | "export") =>
    x[mode].total[cls] ?? x[mode].total.STANDARD;
  const cheaper =
    key(r.high, "scan") <= key(r.low, "export")
      ? "scan is cheaper at every point of the ranges"
      : key(r.high, "export") <= key(r.low, "scan")
        ? "export is cheaper at every point of the ranges"
        : "the ranges overlap: neither is surely cheaper";
  lines.push(`With ${cls} (as configured): ${cheaper}.`);
  if (
    r.low.scan.seconds > table.timeoutMinutes * 60 ||
    r.high.scan.seconds > table.timeoutMinutes * 60
  ) {
    lines.push(
      `Warning: a scan may outlast the export job's timeout (${table.timeoutMinutes} minutes) and be stopped: ` +
        "raise readPercentage or the table's read capacity, raise timeoutMinutes, or use mode: export.",
    );
  }
  if (facts.sizeBytes === 0 && !report.sizeOverridden) {
    lines.push(
      "Note: DynamoDB reports 0 bytes; a new or just-loaded table may not be counted yet. Pass --size-gb <n> to estimate a size.",
    );
  }
  lines.push("");
  lines.push(...threeModes(report, r));
  lines.push("");
  lines.push(
    "Assumptions, fast–slow end, and their sources (--assume <name>=<low>[-<high>] changes one):",
  );
  const rowsOfAssumptions = (Object.keys(ASSUMPTION_SOURCES) as (keyof Assumptions)[]).map(
    (name) => [
      name,
      span(assumptions.low[name], assumptions.high[name], figure),
      ASSUMPTION_SOURCES[name],
    ],
  );
  columns(["", "", ""], rowsOfAssumptions, ["left", "right"])
    .slice(1)
    .forEach((l) => lines.push(`  ${l}`));
  lines.push(
    "  Glue bills every configured worker for the whole run (auto scaling may use fewer); a scan reads the table once, staged as DynamoDB JSON",
  );
  lines.push(`Prices (USD; ${PRICES_SOURCE}):`);
  const priceRows = (Object.keys(PRICE_FLAGS) as (keyof Prices)[]).map((k) => [
    PRICE_FLAGS[k].what,
    price(prices[k]),
    `--${PRICE_FLAGS[k].flag}`,
  ]);
  columns(["", "", ""], priceRows, ["left", "right"])
    .slice(1)
    .forEach((l) => lines.push(`  ${l}`));
  return lines;
}

/** One run of a mode, in the terms the three-mode table compares. */
interface ModeRun {
  workflowSeconds: number;
  dataBytes: number;
  dynamodb: number;
  glue: number;
  /** Data moved between regions (a table in another region), USD. */
  transfer: number;
  total: number;
}

/**
 * Scan, export and incremental side by side, per run and per 30 days at the table's schedule:
 * the first two copy the whole table every run, incremental exports and merges what changed.
 */
function threeModes(report: EstimateReport, r: SnapshotRange): string[] {
  const { facts, table, prices, assumptions, changeRatePerDay } = report;
  const perDay = runsPerDay(table.schedule) ?? 1;
  const inc = estimateIncrementalRange(
    facts,
    jobShape(table),
    changeRatePerDay,
    perDay,
    prices,
    assumptions,
  );
  const cls = table.executionClass;
  const total = (c: ClassCosts) => c[cls] ?? c.STANDARD;
  const month = perDay * 30;
  const crossRegion = report.tableRegion !== undefined && report.tableRegion !== report.region;
  const transfer = crossRegionTransfer(facts, inc.low.changedBytesPerRun, prices);
  // Each mode's run in the same terms, at the low and the high end of the ranges.
  const fullCopy = (m: SnapshotEstimate["scan"] | SnapshotEstimate["export"]): ModeRun => {
    const moved = crossRegion ? transfer.fullCopyCost : 0;
    return {
      workflowSeconds: m.workflowSeconds,
      dataBytes: facts.sizeBytes,
      dynamodb: m.dynamodb,
      glue: total(m.glue) + m.overheadCost,
      transfer: moved,
      total: total(m.total) + moved,
    };
  };
  const changesOnly = (x: IncrementalEstimate): ModeRun => {
    const moved = crossRegion ? transfer.changesCost : 0;
    return {
      workflowSeconds: x.workflowSeconds,
      dataBytes: x.changedBytesPerRun,
      dynamodb: x.exportCharge,
      glue: total(x.glue) + x.plannerCost + x.refreshCost,
      transfer: moved,
      total: total(x.total) + moved,
    };
  };
  const modes: [ModeRun, ModeRun][] = [
    [fullCopy(r.low.scan), fullCopy(r.high.scan)],
    [fullCopy(r.low.export), fullCopy(r.high.export)],
    [changesOnly(inc.low), changesOnly(inc.high)],
  ];
  const row = (label: string, pick: (m: ModeRun) => number, fmt: (n: number) => string) => [
    label,
    ...modes.map(([low, high]) => span(pick(low), pick(high), fmt)),
  ];
  const pct = `${+(changeRatePerDay * 100).toFixed(3)} %`;
  const lines = [
    `All three modes at ${perDay >= 1 ? count(perDay, perDay % 1 ? 1 : 0) : perDay.toFixed(2)} run(s) a day (${table.schedule}), ${pct} of the table changing a day (--change-rate), ${cls}:`,
  ];
  const rows = [
    row("whole workflow", (m) => m.workflowSeconds, duration),
    row("data per run", (m) => m.dataBytes, bytes),
    row("DynamoDB per run", (m) => m.dynamodb, usd),
    row("Glue per run", (m) => m.glue, usd),
    ...(crossRegion
      ? [row(`${report.tableRegion} → ${report.region}`, (m) => m.transfer, usd)]
      : []),
    row("total per run", (m) => m.total, usd),
    row("per 30 days", (m) => m.total * month, usd),
    [
      "PITR per month",
      "not needed",
      `${usd(r.low.export.pitrPerMonth)} if not on yet`,
      `${usd(inc.low.pitrPerMonth)} if not on yet`,
    ],
    [
      "history",
      `${table.retentionDays} days of full copies`,
      `${table.retentionDays} days of full copies`,
      `time travel, ${table.retentionDays} days`,
    ],
  ];
  columns(["", "scan", "export", "incremental"], rows).forEach((l) => lines.push(`  ${l}`));
  if (crossRegion) {
    lines.push(
      `  The table is in ${report.tableRegion}, the stack in ${report.region}: every run moves its data across regions ` +
        `(${price(prices.transferPerGb)} per GB, --price-transfer-gb), in the totals: a scan reads every item, an export writes its ` +
        `files into the stack's bucket (at most the table's ${bytes(transfer.fullCopyBytes)}: they are gzip), incremental moves what changed.`,
    );
  }
  lines.push(
    "  Not in these figures: S3 storage (full copies in scan and export mode; in incremental mode the table plus the files retention keeps), " +
      "and the managed compaction optimizer's DPU-hours (its rate is not on the pricing pages this project checked).",
  );
  return lines;
}

/** The README compares tables of these sizes, on-demand and with this much provisioned capacity. */
const README_SIZES_GB = [1, 100, 1024, 10 * 1024];
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
 * The smallest size (GB, up to 10 TB) from which export beats scan by `measure` at both ends of
 * the ranges, found by bisection; undefined if it never does.
 */
function crossoverGb(
  billingMode: BillingMode,
  measure: (e: SnapshotEstimate, mode: "scan" | "export") => number,
  prices: Prices,
  range: AssumptionRange,
): number | undefined {
  const exportWins = (gb: number) => {
    const r = estimateRange(readmeFacts(gb, billingMode), README_JOB, prices, range);
    return (
      measure(r.low, "export") < measure(r.low, "scan") &&
      measure(r.high, "export") < measure(r.high, "scan")
    );
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
 * `ddbsnap estimate`: the default job for 1 GB to 10 TB tables, on-demand and with 1,000
 * provisioned RCU, as ranges, and where export starts to win. A test keeps the README equal to it.
 */
export function scanOrExportSection(
  prices: Prices = DEFAULT_PRICES,
  range: AssumptionRange = DEFAULT_ASSUMPTION_RANGE,
): string[] {
  const sizeLabel = (gb: number) => (gb >= 1024 ? `${gb / 1024} TB` : `${gb} GB`);
  const rows: string[][] = [];
  for (const billing of ["PAY_PER_REQUEST", "PROVISIONED"] as const) {
    for (const gb of README_SIZES_GB) {
      const r = estimateRange(readmeFacts(gb, billing), README_JOB, prices, range);
      const both = (f: (x: SnapshotEstimate) => number, fmt: (n: number) => string) =>
        span(f(r.low), f(r.high), fmt);
      const capacity =
        billing === "PAY_PER_REQUEST" ? "on-demand" : `${count(README_PROVISIONED_RCU)} RCU`;
      const late = r.high.scan.seconds > DEFAULT_TIMEOUT_MINUTES * 60 ? " ⚠" : "";
      rows.push([
        `${sizeLabel(gb)}, ${capacity}`,
        `${both((x) => x.scan.seconds, duration)}${late}`,
        both((x) => x.scan.total.STANDARD, usd),
        both((x) => x.export.seconds, duration),
        both((x) => x.export.total.STANDARD, usd),
      ]);
    }
  }
  const header = ["table", "scan: job time", "scan: cost", "export: job time", "export: cost"];
  const cost = (e: SnapshotEstimate, mode: "scan" | "export") => e[mode].total.STANDARD;
  const time = (e: SnapshotEstimate, mode: "scan" | "export") => e[mode].seconds;
  const onDemandCost = crossoverGb("PAY_PER_REQUEST", cost, prices, range);
  const onDemandTime = crossoverGb("PAY_PER_REQUEST", time, prices, range);
  const provisionedCost = crossoverGb("PROVISIONED", cost, prices, range);
  const readPerGb = (GIB / 8192 / 1e6) * prices.rruPerMillion;
  const a = range.low;
  const timeoutGb = (g: Assumptions) =>
    (README_PROVISIONED_RCU *
      README_JOB.readPercentage *
      g.bytesPerRcuSecond *
      g.scanEfficiency *
      (DEFAULT_TIMEOUT_MINUTES * 60 - g.startupSeconds)) /
    g.skewTail /
    GIB;
  const sources = (Object.keys(ASSUMPTION_SOURCES) as (keyof Assumptions)[])
    .filter((k) => range.low[k] !== range.high[k] || k === "glueBytesPerSecondPerDpu")
    .map((k) => `\`${k}\` ${span(range.low[k], range.high[k], figure)} (${ASSUMPTION_SOURCES[k]})`);

  return [
    "## Scan or export?",
    "",
    "`mode: scan` reads the table through its read capacity; `mode: export` has DynamoDB write a",
    "point-in-time export to S3 (no read capacity used) and reads that. For the default job (10 × G.1X,",
    "`readPercentage: 0.5`, STANDARD), one run takes and costs, from the fast to the slow end of the",
    "model's assumptions (the cost includes the crawler's 10-minute billing minimum and the refresh job):",
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
      `${onDemandTime === undefined ? "" : `, and surely faster up to about ${roughGb(onDemandTime)}`}. ` +
      `But at \`readPercentage\` ${README_JOB.readPercentage} a scan asks for ${count(a.onDemandRcu * README_JOB.readPercentage)} RCU per second ` +
      `(Glue counts on-demand tables as ${count(a.onDemandRcu)} RCU), more than a young on-demand table's ${count(a.youngOnDemandReads)} reads per second: ` +
      "it is throttled, and so are the application's own reads. Deploys warn about it; choose export, or a lower `readPercentage`.",
    `- **Provisioned tables**: the scan gets only \`readPercentage\` of the capacity, so its time, and the Glue workers billed ` +
      `meanwhile, grow with the table: with ${count(README_PROVISIONED_RCU)} RCU, export is cheaper ` +
      `${provisionedCost === undefined ? "at no size up to 10 TB" : `from about ${roughGb(provisionedCost)}`}, and from about ` +
      `${roughGb(timeoutGb(range.high))}–${roughGb(timeoutGb(range.low))} a scan outlasts the job's default ${DEFAULT_TIMEOUT_MINUTES / 60}-hour timeout (⚠).`,
    `- FLEX costs ${price(prices.flexDpuHour)} instead of ${price(prices.dpuHour)} per DPU-hour, but in the one published pair it took ` +
      `${range.high.flexWallFactor}× the time and ${range.high.flexDpuHourFactor}× the DPU-hours: from no saving to about a third.`,
    `- Export mode needs point-in-time recovery: if it is off, it adds ${usd(prices.pitrPerGbMonth)} per GB-month.`,
    "",
    "`npx ddbsnap estimate <table>` prints the same comparison for a deployed table's own size, capacity and job.",
    `Assumptions, fast–slow: ${sources.join("; ")}. Scans read eventually consistent (one RCU reads 8 KiB a second), ` +
      `capped by the table's partitions (${count(a.partitionRcu)} RCU each, one per ${count(a.partitionBytes / GIB)} GiB). ` +
      `Prices: Glue ${price(prices.dpuHour)} (FLEX ${price(prices.flexDpuHour)}) per DPU-hour, export ${price(prices.exportPerGb)} per GB, ` +
      `on-demand reads ${price(prices.rruPerMillion)} per million; ${PRICES_SOURCE}. Each is a flag of \`estimate\`.`,
  ];
}

/** The incremental comparison in docs/modes-and-cost.md: these sizes, daily, 1 % a day. */
const MODES_SIZES_GB = [10, 100, 1024];
const MODES_CHANGE_RATE = 0.01;

/**
 * Markdown for docs/modes-and-cost.md's "modes" region: 30 days of daily runs in each mode for
 * on-demand tables of a few sizes, from the same model as `ddbsnap estimate`.
 */
export function threeModesSection(
  prices: Prices = DEFAULT_PRICES,
  range: AssumptionRange = DEFAULT_ASSUMPTION_RANGE,
): string[] {
  const rows = MODES_SIZES_GB.map((gb) => {
    const facts = readmeFacts(gb, "PAY_PER_REQUEST");
    const r = estimateRange(facts, README_JOB, prices, range);
    const inc = estimateIncrementalRange(facts, README_JOB, MODES_CHANGE_RATE, 1, prices, range);
    const month = (low: number, high: number) => span(low * 30, high * 30, usd);
    return `| ${gb >= 1024 ? `${gb / 1024} TB` : `${gb} GB`} | ${month(r.low.scan.total.STANDARD, r.high.scan.total.STANDARD)} | ${month(r.low.export.total.STANDARD, r.high.export.total.STANDARD)} (${usd(r.low.export.exportCharge * 30)} of it export fees) | ${month(inc.low.total.STANDARD, inc.high.total.STANDARD)} (${usd(inc.low.exportCharge * 30)} of it export fees) | ${usd(inc.low.pitrPerMonth)} |`;
  });
  return [
    "## Scan, export or incremental?",
    "",
    `30 daily runs of the default job (10 × G.1X, STANDARD) on an on-demand table of which ${MODES_CHANGE_RATE * 100} % changes a day,`,
    "from the fast to the slow end of the model's assumptions:",
    "",
    "| table | scan | export | incremental | PITR a month (export and incremental need it) |",
    "|---|---:|---:|---:|---:|",
    ...rows,
    "",
    "- Scan and export copy the whole table every run; incremental exports only what changed since the last run " +
      `(at least ${range.low.minimumExportBytes / 2 ** 20} MB billed per export) and merges it, reading about ` +
      `${range.low.mergeReadShare * 100}–${range.high.mergeReadShare * 100} % of the table to find the rows it replaces.`,
    `- Each incremental export window takes ${duration(range.low.incrementalExportSeconds)}–${duration(range.high.incrementalExportSeconds)} ` +
      "to complete in the one published series, whatever its size: the planner job (Python shell, 0.0625 DPU) waits that long.",
    "- Not in these figures: S3 storage (30 full copies in scan and export mode; in incremental mode the table plus the files " +
      "snapshot retention keeps), and the managed compaction optimizer's DPU-hours (its rate is not on the pricing pages this project checked).",
    "",
    "`npx ddbsnap estimate <table> --change-rate <percent>` prints the same comparison for a table's own size and schedule.",
  ];
}

/** The README's one-sentence cost comparison (its `<!-- modes-summary:... -->` region). */
export function modesSummary(
  prices: Prices = DEFAULT_PRICES,
  range: AssumptionRange = DEFAULT_ASSUMPTION_RANGE,
): string[] {
  const gb = 100;
  const facts = readmeFacts(gb, "PAY_PER_REQUEST");
  const r = estimateRange(facts, README_JOB, prices, range);
  const inc = estimateIncrementalRange(facts, README_JOB, MODES_CHANGE_RATE, 1, prices, range);
  const month = (low: number, high: number) => span(low * 30, high * 30, usd);
  return [
    `For a ${gb} GB on-demand table of which ${MODES_CHANGE_RATE * 100} % changes a day, 30 daily runs cost ` +
      `${month(r.low.scan.total.STANDARD, r.high.scan.total.STANDARD)} by scan, ` +
      `${month(r.low.export.total.STANDARD, r.high.export.total.STANDARD)} by export (${usd(r.low.export.exportCharge * 30)} of it export fees) and ` +
      `${month(inc.low.total.STANDARD, inc.high.total.STANDARD)} incremental (${usd(inc.low.exportCharge * 30)} of export fees), ` +
      `plus ${usd(inc.low.pitrPerMonth)} a month of PITR for export and incremental if it is not on yet ` +
      "([the model](docs/modes-and-cost.md#scan-export-or-incremental)).",
  ];
}
