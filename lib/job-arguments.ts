/**
 * The contract between the program and the Glue scripts (DEVELOPMENT.md, "The contract with the
 * Glue scripts"): the arguments each job gets. Pure, so tests and the CLI can compute them
 * without Pulumi.
 */
import type { TableConfig } from "./config";
import { dynamodbSplits } from "./glue-facts";
import { s3Uri, scriptKey, TableNames, tablePrefixes } from "./naming";

/** The modules both scripts import, for `--extra-py-files` (a comma-separated list). */
export function sharedModules(bucket: string): string {
  return [scriptKey("shared"), scriptKey("contract")].map((key) => s3Uri(bucket, key)).join(",");
}

export interface ExportJobInputs {
  table: TableConfig;
  names: TableNames;
  bucket: string;
  /** The Glue database of the crawler's table, whose column types later snapshots keep. */
  database: string;
  /** Needed in export mode only. */
  tableArn?: string;
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
    "--extra-py-files": [sharedModules(bucket), s3Uri(bucket, scriptKey("itemTypes"))].join(","),
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
  return { ...exportRuntimeArguments(inputs), ...exportScriptArguments(inputs) };
}

export interface RefreshJobInputs {
  stack: string;
  table: TableConfig;
  names: TableNames;
  bucket: string;
  database: string;
  workgroup: string;
}

/** Arguments the refresh script reads (see glue-scripts/refresh_view.py). */
export function refreshJobArguments({
  stack,
  table,
  names,
  bucket,
  database,
  workgroup,
}: RefreshJobInputs): Record<string, string> {
  return {
    // The module both scripts import (Glue guide, "Special parameters": --extra-py-files).
    "--extra-py-files": sharedModules(bucket),
    "--database": database,
    "--table": names.normalised,
    "--workgroup": workgroup,
    "--output_path": s3Uri(bucket, tablePrefixes(table.format, names.normalised).snapshots),
    "--retention_days": String(table.retentionDays),
    "--table_name": table.name,
    "--min_item_ratio": String(table.minItemRatio),
    // A metric dimension: dev and prod can share an account.
    "--stack": stack,
  };
}
