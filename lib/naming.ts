/**
 * Every physical name the stack creates, computed from the stack name and config.
 * The Pulumi program and the `ddbsnap` CLI both use this module, so the CLI can find a stack's
 * workflow, jobs, database and workgroup without stack outputs or the Pulumi CLI.
 * No Pulumi imports: this module is pure.
 *
 * DynamoDB table names run to 255 characters, more than several AWS names allow. A name that fits
 * its limit is used as it is (so existing stacks keep their names); a longer one keeps as much as
 * fits and ends with a hash of the whole name, so two long names that share a prefix stay apart.
 */
import { createHash } from "crypto";
import { CONTRACT } from "./contract";

/** Lowercase, every character outside [a-z0-9_] becomes `_` (the form Glue and Athena expect). */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** Stack names go into resource names joined by `-`, so keep them to [a-z0-9-]. */
export function normaliseStack(stack: string): string {
  return stack.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/**
 * AWS's length limits for the names this program sets. Sources: the CreateXxx API references
 * (Glue Job/Crawler/Workflow/Trigger/Classifier Name 1-255; IAM CreateRole RoleName 1-64,
 * CreatePolicy PolicyName 1-128; EventBridge PutRule Name 1-64; CloudWatch Logs CreateLogGroup
 * 1-512; S3 bucket names 3-63; Athena CreateWorkGroup Name 1-128; SNS topic 1-256; SQS queue 1-80;
 * CloudWatch PutMetricAlarm AlarmName 1-255, PutDashboard 1-255) and Athena's limit of 255
 * characters for table and view names ("Names for tables, databases, and columns").
 */
export const NAME_LIMITS = {
  glue: 255,
  glueTable: 255,
  iamRole: 64,
  iamPolicy: 128,
  eventRule: 64,
  logGroup: 512,
  s3Bucket: 63,
  athenaWorkgroup: 128,
  snsTopic: 256,
  sqsQueue: 80,
  cloudwatchAlarm: 255,
  cloudwatchDashboard: 255,
} as const;

/** Eight hex digits of SHA-256: stable across runs and machines. */
export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/**
 * `stem + suffix` when it fits in `limit`; otherwise the start of `stem`, `separator`, a hash of
 * the whole stem, then `suffix` (which is always kept whole, so `-export` stays recognisable).
 */
export function fitName(stem: string, suffix: string, limit: number, separator = "-"): string {
  if (stem.length + suffix.length <= limit) return stem + suffix;
  const hash = shortHash(stem);
  const room = limit - suffix.length - separator.length - hash.length;
  if (room < 1) throw new Error(`cannot fit a name ending in "${suffix}" into ${limit} characters`);
  return `${stem.slice(0, room).replace(/[-_]+$/, "")}${separator}${hash}${suffix}`;
}

/**
 * Pulumi auto-names a resource `<logical name>-<7 hex>`. Returns undefined (keep auto-naming, so a
 * deployed name never changes) while that fits `limit`, else an explicit name that does.
 */
export function autoNameOrFit(
  logicalName: string,
  physicalStem: string,
  suffix: string,
  limit: number,
): string | undefined {
  return logicalName.length + 8 <= limit ? undefined : fitName(physicalStem, suffix, limit);
}

export const NAME_PREFIX = "ddbsnap";
export const CRAWLER_TABLE_PREFIX = CONTRACT.crawlerTablePrefix;
export const ATHENA_RESULTS_PREFIX = CONTRACT.s3Prefixes.athenaResults;
export const SCRIPTS_PREFIX = CONTRACT.s3Prefixes.scripts;
export const SNAPSHOT_PARTITION_KEY = CONTRACT.snapshotPartitionKey;

export function defaultDatabaseName(stack: string): string {
  return normaliseName(`dynamodb_exports_${stack}`);
}

export interface StackNames {
  workgroup: string;
  database: string;
  /** Glue security configuration shared by every job and crawler of the stack. */
  securityConfiguration: string;
  /** SNS topic for failure alerts (unless the stack uses an existing one). */
  alertTopic: string;
  /** SQS queue keeping alerts EventBridge could not deliver. */
  alertDeadLetterQueue: string;
  /** CloudWatch dashboard of the stack. */
  dashboard: string;
  /** Every physical name of the stack starts with it (alarms included). */
  prefix: string;
}

export function stackNames(stack: string, databaseName?: string): StackNames {
  const base = `${NAME_PREFIX}-${normaliseStack(stack)}`;
  return {
    workgroup: base,
    database: databaseName ?? defaultDatabaseName(stack),
    securityConfiguration: base,
    alertTopic: `${base}-alerts`,
    alertDeadLetterQueue: `${base}-undelivered-alerts`,
    dashboard: base,
    prefix: `${base}-`,
  };
}

export interface TableNames {
  /** The DynamoDB table name, as configured. */
  source: string;
  /**
   * Normalised name: S3 folder, view name, crawler table suffix. At most 245 characters, so that
   * `snapshots_<normalised>` stays within Glue's and Athena's 255.
   */
  normalised: string;
  /** Stem of this table's physical names: `ddbsnap-<stack>-<normalised>`. */
  stem: string;
  workflow: string;
  /** Scan/export mode: the Spark export job. Incremental mode: the Python shell export planner. */
  exportJob: string;
  /** Incremental mode: the Spark job that merges the exports into the Iceberg table. */
  applyJob: string;
  refreshJob: string;
  crawler: string;
  scheduleTrigger: string;
  afterExportTrigger: string;
  afterCrawlTrigger: string;
  /** Incremental mode: starts the refresh once the apply job succeeds. */
  afterApplyTrigger: string;
  csvClassifier: string;
  /** Athena view that always shows the latest snapshot. */
  view: string;
  /** Glue table the crawler maintains, one partition per snapshot. */
  crawlerTable: string;
  /** Incremental mode: the Apache Iceberg table the apply job merges into. */
  icebergTable: string;
  /** Prefix of the export job's CloudWatch log groups (`<prefix>/output`, `<prefix>/error`). */
  logGroupPrefix: string;
  /**
   * The table's own Athena workgroup: the refresh job's queries run in it, and it writes their
   * results under the table's own prefix, which no other table's role may read.
   */
  workgroup: string;
}

/** The longest normalised table name, so the crawler's `snapshots_<name>` fits 255 characters. */
export const MAX_NORMALISED_LENGTH = NAME_LIMITS.glueTable - "snapshots_".length;

/** The normalised name a table's folder, view and catalog table use (see TableNames.normalised). */
export function tableKey(table: string): string {
  return fitName(normaliseName(table), "", MAX_NORMALISED_LENGTH, "_");
}

export function tableNames(stack: string, table: string): TableNames {
  const normalised = tableKey(table);
  const base = `${NAME_PREFIX}-${normaliseStack(stack)}-${normalised}`;
  const glue = (suffix: string) => fitName(base, suffix, NAME_LIMITS.glue);
  return {
    source: table,
    normalised,
    stem: base,
    workflow: glue(""),
    exportJob: glue("-export"),
    applyJob: glue("-apply"),
    refreshJob: glue("-refresh"),
    crawler: glue("-crawler"),
    scheduleTrigger: glue("-schedule"),
    afterExportTrigger: glue("-after-export"),
    afterCrawlTrigger: glue("-after-crawl"),
    afterApplyTrigger: glue("-after-apply"),
    csvClassifier: glue("-csv"),
    view: normalised,
    crawlerTable: `${CRAWLER_TABLE_PREFIX}${normalised}`,
    icebergTable: `${CONTRACT.iceberg.tablePrefix}${normalised}`,
    logGroupPrefix: `/aws-glue/${NAME_PREFIX}/${normaliseStack(stack)}/${normalised}`,
    workgroup: fitName(base, "", NAME_LIMITS.athenaWorkgroup),
  };
}

/** S3 keys (no bucket, no leading slash) that belong to one table. */
export interface TablePrefixes {
  /** `<format>/<table>`: the snapshots; the crawler's target. */
  snapshots: string;
  /** Spark's scratch space (`--TempDir`). */
  temp: string;
  /** Where DynamoDB's native export stages its files (export and incremental mode). */
  exportStaging: string;
  /** Incremental mode: the Iceberg table's data and metadata. */
  warehouse: string;
  /** Incremental mode: the watermark (`<state>/watermark.json`). */
  state: string;
  /** Where the table's workgroup writes its query results (the refresh job's read-back). */
  athenaResults: string;
}

export function tablePrefixes(format: string, normalisedTable: string): TablePrefixes {
  return {
    snapshots: `${format}/${normalisedTable}`,
    temp: `${CONTRACT.s3Prefixes.scratch}${normalisedTable}`,
    exportStaging: `${CONTRACT.s3Prefixes.exportStaging}${normalisedTable}`,
    warehouse: `${CONTRACT.s3Prefixes.warehouse}${normalisedTable}`,
    state: `${CONTRACT.s3Prefixes.state}${normalisedTable}`,
    athenaResults: `${ATHENA_RESULTS_PREFIX}tables/${normalisedTable}`,
  };
}

/** Names of one reader set's own workgroup, managed policy and query results (lib/readers.ts). */
export interface ReaderSetNames {
  workgroup: string;
  policy: string;
  /** S3 prefix, no trailing slash. */
  athenaResults: string;
}

export function readerSetNames(stack: string, id: string): ReaderSetNames {
  const base = `${NAME_PREFIX}-${normaliseStack(stack)}-readers-${id}`;
  return {
    workgroup: fitName(base, "", NAME_LIMITS.athenaWorkgroup),
    policy: fitName(base, "", NAME_LIMITS.iamPolicy),
    athenaResults: `${ATHENA_RESULTS_PREFIX}readers/${id}`,
  };
}

/**
 * The scripts the jobs run, from glue-scripts/ in this repository, and the module both import
 * (shipped to each job with `--extra-py-files`).
 */
export const GLUE_SCRIPT_FILES = {
  export: "export_table.py",
  refresh: "refresh_view.py",
  shared: "job_arguments.py",
  contract: "contract.py",
  sourceAccess: "source_access.py",
  columnRules: "column_rules.py",
  itemTypes: "item_types.py",
  itemShaping: "item_shaping.py",
  jvmFunctions: "jvm_functions.py",
  snapshotStaging: "snapshot_staging.py",
  snapshotWriting: "snapshot_writing.py",
  sparkRuntime: "spark_runtime.py",
  snapshotFormats: "snapshot_formats.py",
  incrementalExports: "incremental_exports.py",
  applyChanges: "apply_changes.py",
  exportWindows: "export_windows.py",
  incrementalMerge: "incremental_merge.py",
} as const;
export type GlueScriptName = keyof typeof GLUE_SCRIPT_FILES;

/**
 * The modules the export job's script imports besides the shared ones: the type policy, the
 * column rules, the shaping in Spark, staging, writing and the Spark runtime. The apply job
 * imports them too.
 */
export const EXPORT_JOB_MODULES = [
  "itemTypes",
  "columnRules",
  "itemShaping",
  "jvmFunctions",
  "snapshotStaging",
  "snapshotWriting",
  "sparkRuntime",
] as const satisfies readonly GlueScriptName[];

/** The scripts and modules a table's jobs load: its role may read these and no others. */
export function scriptsOfMode(mode: string): GlueScriptName[] {
  const always: GlueScriptName[] = [
    "refresh",
    "shared",
    "contract",
    "snapshotFormats",
    "sourceAccess",
    ...EXPORT_JOB_MODULES,
    "export",
  ];
  return mode === "incremental"
    ? [...always, "incrementalExports", "applyChanges", "exportWindows", "incrementalMerge"]
    : always;
}

/** Where a script is uploaded in the stack's bucket. */
export function scriptKey(name: GlueScriptName): string {
  return `${SCRIPTS_PREFIX}${GLUE_SCRIPT_FILES[name]}`;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
