/**
 * The contract between the program and the Glue scripts (DEVELOPMENT.md, "The contract with the
 * Glue scripts"): the arguments each job gets. Pure, so tests and the CLI can compute them
 * without Pulumi.
 */
import type { TableConfig } from "./config";
import { CONTRACT } from "./contract";
import { dynamodbSplits } from "./glue-facts";
import type { TableNames } from "./naming";
import { EXPORT_JOB_MODULES, s3Uri, scriptKey, tablePrefixes } from "./naming";
import type { SourceTable } from "./source";

/**
 * The modules every job imports, for `--extra-py-files` (a comma-separated list): argument
 * reading, the contract, the source table's access (its role and region), and how each snapshot
 * format stores and Athena reads the columns.
 */
export function sharedModules(bucket: string): string {
  return [
    scriptKey("shared"),
    scriptKey("contract"),
    scriptKey("sourceAccess"),
    scriptKey("snapshotFormats"),
  ]
    .map((key) => s3Uri(bucket, key))
    .join(",");
}

export interface ExportJobInputs {
  table: TableConfig;
  names: TableNames;
  bucket: string;
  /** The Glue database of the crawler's table, whose column types later snapshots keep. */
  database: string;
  /** Needed in export mode only. */
  tableArn?: string;
  /** Where the table lives (lib/source.ts); absent or local: the stack's account and region. */
  source?: SourceTable;
  /** The stack's account: the bucket owner a cross-account export names. */
  bucketOwner?: string;
  /** The stack's hashKey, for tables that hash a column. */
  hashKey?: string;
}

/**
 * The source table's region and role, for the jobs that call DynamoDB (export job, planner,
 * refresh job): only what differs from the stack, so a local table's arguments stay as they were.
 */
export function sourceArguments(
  { table, source, bucketOwner }: ExportJobInputs,
  /** Whether the job exports into the bucket (not the refresh job, nor a scan). */
  exports = table.mode !== "scan",
): Record<string, string> {
  const args: Record<string, string> = {};
  if (source?.crossRegion) args["--source_region"] = source.region;
  if (source?.roleArn) {
    args["--source_role_arn"] = source.roleArn;
    if (exports) {
      if (!bucketOwner)
        throw new Error(`a cross-account export of ${table.name} needs the bucket owner`);
      args["--bucket_owner"] = bucketOwner;
    }
  }
  return args;
}

/** What the export and apply jobs drop or hash before anything is written (column_rules.py). */
export function columnRuleArguments({ table, hashKey }: ExportJobInputs): Record<string, string> {
  const rules = table.columnRules;
  if (Object.keys(rules).length === 0) return {};
  const args: Record<string, string> = { "--column_rules": JSON.stringify(rules) };
  if (Object.values(rules).includes("hash")) {
    if (!hashKey)
      throw new Error(`table ${table.name} hashes a column but the stack has no hashKey`);
    args["--hash_key"] = hashKey;
  }
  return args;
}

/** Arguments the export script reads (see glue-scripts/export_table.py). */
export function exportScriptArguments({
  table,
  names,
  bucket,
  database,
  tableArn,
}: ExportJobInputs): Record<string, string> {
  const prefixes = tablePrefixes(table.format, names.normalised);
  const args: Record<string, string> = {
    "--table_name": table.name,
    "--mode": table.mode,
    "--output_path": s3Uri(bucket, prefixes.snapshots),
    "--output_format": table.format,
    "--database": database,
    "--column_types": JSON.stringify(table.columns),
  };
  if (table.mode === "scan") {
    args["--read_percentage"] = String(table.readPercentage);
    args["--splits"] = String(dynamodbSplits(table.workerType, table.workers));
  } else {
    if (!tableArn) throw new Error(`export mode needs the ARN of table ${table.name}`);
    args["--table_arn"] = tableArn;
    args["--export_staging_path"] = `${s3Uri(bucket, prefixes.exportStaging)}/`;
  }
  return args;
}

/** Glue's own job parameters for the Spark export job. */
export function exportRuntimeArguments({
  table,
  names,
  bucket,
}: ExportJobInputs): Record<string, string> {
  const args: Record<string, string> = {
    "--job-language": "python",
    // Every run is a full snapshot: nothing for a bookmark to remember.
    "--job-bookmark-option": "job-bookmark-disable",
    "--TempDir": `${s3Uri(bucket, tablePrefixes(table.format, names.normalised).temp)}/`,
    "--enable-metrics": "true",
    "--enable-auto-scaling": "true",
    "--extra-py-files": [
      sharedModules(bucket),
      ...EXPORT_JOB_MODULES.map((m) => s3Uri(bucket, scriptKey(m))),
    ].join(","),
  };
  if (table.glueVersion === "4.0") {
    args["--enable-continuous-cloudwatch-log"] = "true";
    args["--continuous-log-logGroup"] = `${names.logGroupPrefix}/output`;
  } else {
    // Glue 5.x always logs in real time; this moves its output/error groups to the job's own.
    args["--custom-logGroup-prefix"] = names.logGroupPrefix;
  }
  return args;
}

export function exportJobArguments(inputs: ExportJobInputs): Record<string, string> {
  return {
    ...exportRuntimeArguments(inputs),
    ...exportScriptArguments(inputs),
    ...sourceArguments(inputs),
    ...columnRuleArguments(inputs),
  };
}

/** Incremental mode: the planner (glue-scripts/incremental_exports.py, Python shell). */
export function plannerJobArguments(inputs: ExportJobInputs): Record<string, string> {
  const { table, names, bucket, tableArn } = inputs;
  if (!tableArn) throw new Error(`incremental mode needs the ARN of table ${table.name}`);
  const prefixes = tablePrefixes(table.format, names.normalised);
  return {
    ...sourceArguments(inputs),
    // A change of the rules (or of the key) makes the planner rebuild the table from a full
    // export, so that no row keeps a value the new rules drop or hash.
    ...columnRuleArguments(inputs),
    // The column rules' digest needs column_rules.py, which reads item_types.py.
    "--extra-py-files": [
      sharedModules(bucket),
      ...(["exportWindows", "itemTypes", "columnRules"] as const).map((m) =>
        s3Uri(bucket, scriptKey(m)),
      ),
    ].join(","),
    "--table_name": table.name,
    "--table_arn": tableArn,
    "--export_staging_path": s3Uri(bucket, prefixes.exportStaging),
    "--state_path": s3Uri(bucket, prefixes.state),
  };
}

/** The Iceberg catalog the apply job's Spark session uses: Glue's, named as in the contract. */
export const ICEBERG_CATALOG = CONTRACT.iceberg.catalog;

/**
 * Glue's Iceberg settings for a Spark job, as one `--conf` value chaining the rest (Glue guide,
 * "Using the Iceberg framework in AWS Glue"). The warehouse is the table's own prefix.
 */
export function icebergSparkConf(warehouseUri: string): string {
  const catalog = `spark.sql.catalog.${ICEBERG_CATALOG}`;
  return [
    "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    `${catalog}=org.apache.iceberg.spark.SparkCatalog`,
    `${catalog}.warehouse=${warehouseUri}/`,
    `${catalog}.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog`,
    `${catalog}.io-impl=org.apache.iceberg.aws.s3.S3FileIO`,
  ].join(" --conf ");
}

/** Incremental mode: the Spark job that merges (glue-scripts/apply_changes.py). */
export function applyJobArguments(inputs: ExportJobInputs): Record<string, string> {
  const { table, names, bucket, database } = inputs;
  const prefixes = tablePrefixes(table.format, names.normalised);
  const modules = [...EXPORT_JOB_MODULES, "export", "exportWindows", "incrementalMerge"] as const;
  return {
    ...exportRuntimeArguments(inputs),
    "--extra-py-files": [
      sharedModules(bucket),
      ...modules.map((m) => s3Uri(bucket, scriptKey(m))),
    ].join(","),
    "--datalake-formats": "iceberg",
    "--conf": icebergSparkConf(s3Uri(bucket, prefixes.warehouse)),
    "--table_name": table.name,
    "--database": database,
    "--iceberg_table": names.icebergTable,
    "--state_path": s3Uri(bucket, prefixes.state),
    "--column_types": JSON.stringify(table.columns),
    ...columnRuleArguments(inputs),
  };
}

/** Everything a job's arguments can depend on (the refresh job's need the stack and workgroup). */
export interface JobInputs extends ExportJobInputs {
  stack: string;
  workgroup: string;
}

/** Arguments the refresh script reads (see glue-scripts/refresh_view.py). */
export function refreshJobArguments(inputs: JobInputs): Record<string, string> {
  const { stack, table, names, bucket, database, workgroup } = inputs;
  const prefixes = tablePrefixes(table.format, names.normalised);
  const incremental: Record<string, string> =
    table.mode === "incremental"
      ? {
          "--iceberg_table": names.icebergTable,
          "--state_path": s3Uri(bucket, prefixes.state),
        }
      : {};
  return {
    ...incremental,
    ...sourceArguments(inputs, false),
    // The module both scripts import (Glue guide, "Special parameters": --extra-py-files).
    "--extra-py-files": sharedModules(bucket),
    "--database": database,
    "--table": names.normalised,
    "--workgroup": workgroup,
    "--output_path": s3Uri(
      bucket,
      table.mode === "incremental" ? prefixes.warehouse : prefixes.snapshots,
    ),
    "--retention_days": String(table.retentionDays),
    "--table_name": table.name,
    "--min_item_ratio": String(table.minItemRatio),
    // A metric dimension: dev and prod can share an account.
    "--stack": stack,
  };
}
