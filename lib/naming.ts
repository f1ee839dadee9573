/**
 * Every physical name the stack creates, computed from the stack name and config.
 * The Pulumi program and the `ddbsnap` CLI both use this module, so the CLI can find a stack's
 * workflow, jobs, database and workgroup without stack outputs or the Pulumi CLI.
 * No Pulumi imports: this module is pure.
 */

/** Lowercase, every character outside [a-z0-9_] becomes `_` (the form Glue and Athena expect). */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** Stack names go into resource names joined by `-`, so keep them to [a-z0-9-]. */
export function normaliseStack(stack: string): string {
  return stack.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

export const NAME_PREFIX = "ddbsnap";
export const CRAWLER_TABLE_PREFIX = "snapshots_";
export const ATHENA_RESULTS_PREFIX = "athena-results/";
export const SCRIPTS_PREFIX = "glue-scripts/";
export const SNAPSHOT_PARTITION_KEY = "snapshot_timestamp";

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
}

export function stackNames(stack: string, databaseName?: string): StackNames {
  const base = `${NAME_PREFIX}-${normaliseStack(stack)}`;
  return {
    workgroup: base,
    database: databaseName ?? defaultDatabaseName(stack),
    securityConfiguration: base,
    alertTopic: `${base}-alerts`,
  };
}

export interface TableNames {
  /** The DynamoDB table name, as configured. */
  source: string;
  /** Normalised name: S3 folder, view name, crawler table suffix. */
  normalised: string;
  workflow: string;
  exportJob: string;
  refreshJob: string;
  crawler: string;
  scheduleTrigger: string;
  afterExportTrigger: string;
  afterCrawlTrigger: string;
  csvClassifier: string;
  /** Athena view that always shows the latest snapshot. */
  view: string;
  /** Glue table the crawler maintains, one partition per snapshot. */
  crawlerTable: string;
  /** Prefix of the export job's CloudWatch log groups (`<prefix>/output`, `<prefix>/error`). */
  logGroupPrefix: string;
}

export function tableNames(stack: string, table: string): TableNames {
  const normalised = normaliseName(table);
  const base = `${NAME_PREFIX}-${normaliseStack(stack)}-${normalised}`;
  return {
    source: table,
    normalised,
    workflow: base,
    exportJob: `${base}-export`,
    refreshJob: `${base}-refresh`,
    crawler: `${base}-crawler`,
    scheduleTrigger: `${base}-schedule`,
    afterExportTrigger: `${base}-after-export`,
    afterCrawlTrigger: `${base}-after-crawl`,
    csvClassifier: `${base}-csv`,
    view: normalised,
    crawlerTable: `${CRAWLER_TABLE_PREFIX}${normalised}`,
    logGroupPrefix: `/aws-glue/${NAME_PREFIX}/${normaliseStack(stack)}/${normalised}`,
  };
}

/** S3 keys (no bucket, no leading slash) that belong to one table. */
export interface TablePrefixes {
  /** `<format>/<table>`: the snapshots; the crawler's target. */
  snapshots: string;
  /** Spark's scratch space (`--TempDir`). */
  temp: string;
  /** Where DynamoDB's native export stages its files (export mode). */
  exportStaging: string;
}

export function tablePrefixes(format: string, normalisedTable: string): TablePrefixes {
  return {
    snapshots: `${format}/${normalisedTable}`,
    temp: `tmp/${normalisedTable}`,
    exportStaging: `export-staging/${normalisedTable}`,
  };
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
