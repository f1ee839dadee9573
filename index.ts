/**
 * ddb-athena-snapshots: one Glue Workflow per DynamoDB table in the stack config, each turning the
 * table into a periodically refreshed, Athena-queryable snapshot. This file only reads config and
 * wires components; see components/ for the resources and lib/ for the rules they follow.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AnalyticsCatalog } from "./components/catalog";
import { GLUE_SCRIPT_FILES, GlueScriptObjects, scriptKey } from "./components/glue-scripts";
import { ExportStorage } from "./components/storage";
import { TablePipeline } from "./components/table-pipeline";
import type { AwsContext } from "./lib/arns";
import { parseStackConfig, rawConfigFromPulumi } from "./lib/config";
import { stackNames, tableNames } from "./lib/naming";

// Validate everything before declaring anything: a bad value fails the preview, not half a deploy.
const config = parseStackConfig(rawConfigFromPulumi(pulumi.runtime.allConfig()), pulumi.getStack());
const shared = stackNames(config.stack, config.databaseName);

const ctx: pulumi.Output<AwsContext> = pulumi
  .all([aws.getPartitionOutput(), aws.getRegionOutput(), aws.getCallerIdentityOutput()])
  .apply(([partition, region, caller]) => ({
    partition: partition.partition,
    region: region.region,
    accountId: caller.accountId,
  }));

const storage = new ExportStorage("snapshots");
const catalog = new AnalyticsCatalog("catalog", {
  databaseName: shared.database,
  workgroupName: shared.workgroup,
  resultsLocation: storage.athenaResultsLocation,
});
const scripts = new GlueScriptObjects("scripts", { bucket: storage.bucketName });

const pipelines = config.tables.map((table) => {
  const pipeline = new TablePipeline(`table-${tableNames(config.stack, table.name).normalised}`, {
    stack: config.stack,
    table,
    ctx,
    bucket: storage.bucketName,
    database: catalog.databaseName,
    workgroup: catalog.workgroupName,
    scriptLocations: scripts.locations,
    scriptKeys: Object.keys(GLUE_SCRIPT_FILES).map((s) => scriptKey(s as keyof typeof GLUE_SCRIPT_FILES)),
    logRetentionDays: 30,
  });
  return { table, pipeline };
});

export const bucketName = storage.bucketName;
export const databaseName = catalog.databaseName;
export const workgroupName = catalog.workgroupName;
export const tables = Object.fromEntries(
  pipelines.map(({ table, pipeline }) => {
    const names = tableNames(config.stack, table.name);
    return [
      table.name,
      {
        workflow: pipeline.workflowName,
        exportJob: pipeline.exportJobName,
        crawler: pipeline.crawlerName,
        refreshJob: pipeline.refreshJobName,
        view: names.view,
        snapshotTable: names.crawlerTable,
        athenaQuery: pulumi.interpolate`SELECT * FROM "${catalog.databaseName}"."${names.view}" LIMIT 10;`,
      },
    ];
  }),
);
