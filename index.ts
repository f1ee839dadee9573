/**
 * ddb-athena-snapshots: one Glue Workflow per DynamoDB table in the stack config, each turning the
 * table into a periodically refreshed, Athena-queryable snapshot. This file only reads config and
 * wires components; see components/ for the resources and lib/ for the rules they follow.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AnalyticsCatalog } from "./components/catalog";
import { FailureAlerts } from "./components/failure-alerts";
import { GlueSecurity } from "./components/glue-security";
import { GLUE_SCRIPT_FILES, GlueScriptName, GlueScriptObjects, scriptKey } from "./components/glue-scripts";
import { checkExportTables } from "./components/preflight";
import { ExportStorage } from "./components/storage";
import { lateAfterMinutes, TablePipeline } from "./components/table-pipeline";
import type { AwsContext } from "./lib/arns";
import { parseStackConfig, rawConfigFromPulumi } from "./lib/config";
import { stackNames, tableNames } from "./lib/naming";
import { stackTags } from "./lib/tags";

export = async () => {
  // Validate everything before declaring anything: a bad value fails the preview, not half a deploy.
  const config = parseStackConfig(rawConfigFromPulumi(pulumi.runtime.allConfig()), pulumi.getStack());
  await checkExportTables(config.tables);
  const shared = stackNames(config.stack, config.databaseName);

  // Every resource gets the project and stack tags from here; table components add `table`.
  const provider = new aws.Provider("aws", { region: aws.config.region, defaultTags: { tags: stackTags(config.stack) } });
  const opts = { providers: [provider] };

  const ctx: pulumi.Output<AwsContext> = pulumi
    .all([aws.getPartitionOutput({}, { provider }), aws.getRegionOutput({}, { provider }), aws.getCallerIdentityOutput({}, { provider })])
    .apply(([partition, region, caller]) => ({ partition: partition.partition, region: region.region, accountId: caller.accountId }));

  const storage = new ExportStorage("snapshots", { kmsKeyArn: config.kmsKeyArn }, opts);
  const catalog = new AnalyticsCatalog(
    "catalog",
    {
      databaseName: shared.database,
      workgroupName: shared.workgroup,
      resultsLocation: storage.athenaResultsLocation,
      kmsKeyArn: config.kmsKeyArn,
    },
    opts,
  );
  const security = new GlueSecurity("glue", { name: shared.securityConfiguration, kmsKeyArn: config.kmsKeyArn }, opts);
  const scripts = new GlueScriptObjects("scripts", { bucket: storage.bucketName }, opts);

  const pipelines = config.tables.map((table) => {
    const names = tableNames(config.stack, table.name);
    const pipeline = new TablePipeline(
      `table-${names.normalised}`,
      {
        stack: config.stack,
        table,
        ctx,
        bucket: storage.bucketName,
        database: catalog.databaseName,
        workgroup: catalog.workgroupName,
        scriptLocations: scripts.locations,
        scriptKeys: (Object.keys(GLUE_SCRIPT_FILES) as GlueScriptName[]).map(scriptKey),
        logRetentionDays: config.logRetentionDays,
        securityConfiguration: security.securityConfigurationName,
        kmsKeyArn: config.kmsKeyArn,
      },
      opts,
    );
    return { table, names, pipeline };
  });

  const alerts = new FailureAlerts(
    "alerts",
    {
      stack: config.stack,
      ctx,
      topicName: shared.alertTopic,
      alertEmail: config.alertEmail,
      alertTopicArn: config.alertTopicArn,
      kmsKeyArn: config.kmsKeyArn,
      tables: pipelines.map(({ table, names }) => ({
        table: table.name,
        key: names.normalised,
        exportJob: names.exportJob,
        refreshJob: names.refreshJob,
        crawler: names.crawler,
        lateAfterMinutes: lateAfterMinutes(table),
      })),
    },
    opts,
  );

  return {
    bucketName: storage.bucketName,
    databaseName: catalog.databaseName,
    workgroupName: catalog.workgroupName,
    alertTopicArn: alerts.topicArn,
    tables: Object.fromEntries(
      pipelines.map(({ table, names, pipeline }) => [
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
      ]),
    ),
  };
};
