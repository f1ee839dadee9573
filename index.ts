/**
 * ddb-athena-snapshots: one Glue Workflow per DynamoDB table in the stack config, each turning the
 * table into a periodically refreshed, Athena-queryable snapshot. This file only reads config and
 * wires components; see components/ for the resources and lib/ for the rules they follow.
 */
import { SnapshotDashboard } from "./components/dashboard";
import { TableFreshness } from "./components/table-freshness";
import { freshnessOf } from "./lib/freshness";
import * as aws from "./components/aws";
import * as pulumi from "@pulumi/pulumi";
import { AnalyticsCatalog } from "./components/catalog";
import { FailureAlerts } from "./components/failure-alerts";
import { GlueSecurity } from "./components/glue-security";
import { GlueScriptObjects } from "./components/glue-scripts";
import {
  checkExportTables,
  checkReaders,
  lakeFormationTables,
  tableAccess,
  warnAboutScanCapacity,
} from "./components/preflight";
import { ReaderAccess } from "./components/readers";
import { ExportStorage } from "./components/storage";
import { tagTable, TablePipeline } from "./components/table-pipeline";
import { lateAfterMinutes } from "./lib/alerts";
import type { AwsContext } from "./lib/arns";
import { awsProviderSettings, SECRET_AWS_SETTINGS } from "./lib/aws-provider";
import { tableBucketStatements } from "./lib/bucket-policy";
import { readerSets } from "./lib/readers";
import { sourceRolePolicies } from "./lib/source";
import type { TableConfig } from "./lib/config";
import { parseStackConfig, rawConfigFromPulumi } from "./lib/config";
import { scriptKey, scriptsOfMode, stackNames, tableNames } from "./lib/naming";
import { stackTags } from "./lib/tags";

/** The stack's `aws:` settings as provider arguments, credentials kept secret in the state. */
function awsProviderArgs(
  allConfig: Record<string, string>,
  tags: Record<string, string>,
): aws.ProviderArgs {
  const settings: Record<string, unknown> = awsProviderSettings(allConfig, tags);
  for (const key of SECRET_AWS_SETTINGS)
    if (settings[key] !== undefined) settings[key] = pulumi.secret(settings[key]);
  return settings as aws.ProviderArgs;
}

export = async () => {
  // Validate everything before declaring anything: a bad value fails the preview, not half a deploy.
  const allConfig = pulumi.runtime.allConfig();
  const config = parseStackConfig(
    rawConfigFromPulumi(allConfig),
    pulumi.getStack(),
    allConfig["aws:region"],
  );

  // One provider for every resource and every deploy-time check: the stack's own `aws:` settings
  // (profile, assumed roles, allowed accounts, default tags...) plus the project and stack tags;
  // table components add `table`.
  const provider = new aws.Provider("aws", awsProviderArgs(allConfig, stackTags(config.stack)));
  const opts = { providers: [provider] };
  // Tables in another region are described there, with the same credentials; tables in another
  // account are not described at deploy (components/preflight.ts says why).
  const regional = new Map<string, aws.Provider>();
  const regionalProvider = (region: string) =>
    regional.get(region) ??
    regional
      .set(
        region,
        new aws.Provider(`aws-${region}`, {
          ...awsProviderArgs(allConfig, stackTags(config.stack)),
          region: region as aws.ProviderArgs["region"],
        }),
      )
      .get(region)!;
  const accessOf = (table: TableConfig) => tableAccess(table, provider, regionalProvider);
  await checkExportTables(config.tables, accessOf);
  await warnAboutScanCapacity(config.tables, accessOf);
  await checkReaders(config, provider);
  const shared = stackNames(config.stack, config.databaseName);
  const governed = await lakeFormationTables(config, shared.database, provider);

  const ctx: pulumi.Output<AwsContext> = pulumi
    .all([
      aws.getPartitionOutput({}, { provider }),
      aws.getRegionOutput({}, { provider }),
      aws.getCallerIdentityOutput({}, { provider }),
    ])
    .apply(([partition, region, caller]) => ({
      partition: partition.partition,
      region: region.region,
      accountId: caller.accountId,
    }));

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
  const security = new GlueSecurity(
    "glue",
    { name: shared.securityConfiguration, kmsKeyArn: config.kmsKeyArn },
    opts,
  );
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
        scriptLocations: scripts.locations,
        scriptKeys: scriptsOfMode(table.mode).map(scriptKey),
        logRetentionDays: config.logRetentionDays,
        securityConfiguration: security.securityConfigurationName,
        kmsKeyArn: config.kmsKeyArn,
        hashKey: config.hashKey,
      },
      opts,
    );
    return { table, names, pipeline };
  });

  // The snapshot bucket's policy, once the tables' roles exist: exports from other accounts, and
  // staged clear values that only a table's own pipeline may read.
  storage.declarePolicy(
    pulumi
      .all([ctx, storage.bucketArn, pulumi.all(pipelines.map(({ pipeline }) => pipeline.roleArn))])
      .apply(([context, bucketArn, roleArns]) =>
        tableBucketStatements(
          context,
          bucketArn,
          pipelines.map(({ table, names }, i) => ({ table, names, pipelineRoleArn: roleArns[i] })),
        ),
      ),
  );

  // Who may read which views: a workgroup and policies per reader set (lib/readers.ts).
  const sets = readerSets(config);
  const readers =
    sets.length > 0
      ? new ReaderAccess(
          "readers",
          {
            stack: config.stack,
            ctx,
            sets,
            bucket: storage.bucketName,
            bucketArn: storage.bucketArn,
            databaseName: shared.database,
            kmsKeyArn: config.kmsKeyArn,
            lakeFormation: config.lakeFormation,
            governed,
            writerRoles: Object.fromEntries(
              pipelines.map(({ table, pipeline }) => [
                table.name,
                [
                  pipeline.roleArn,
                  ...(pipeline.optimizerRoleArn ? [pipeline.optimizerRoleArn] : []),
                ],
              ]),
            ),
          },
          { ...opts, dependsOn: [catalog] },
        )
      : undefined;

  const alerts = new FailureAlerts(
    "alerts",
    {
      stack: config.stack,
      ctx,
      topicName: shared.alertTopic,
      deadLetterQueueName: shared.alertDeadLetterQueue,
      alarmNamePrefix: shared.prefix,
      alertEmail: config.alertEmail,
      alertTopicArn: config.alertTopicArn,
      kmsKeyArn: config.kmsKeyArn,
      tables: pipelines.map(({ table, names }) => ({
        table: table.name,
        key: names.normalised,
        stem: names.stem,
        exportJob: names.exportJob,
        refreshJob: names.refreshJob,
        ...(table.mode === "incremental"
          ? { applyJob: names.applyJob }
          : { crawler: names.crawler }),
        lateAfterMinutes: lateAfterMinutes(table),
      })),
    },
    opts,
  );

  // Stale-snapshot alarms and heartbeats for enabled tables; a disabled table is expected to go
  // stale, so it gets neither (README, "Alarms").
  const freshness = pipelines.map(({ table, names, pipeline }) => {
    const rule = table.enabled ? freshnessOf(table) : undefined;
    if (rule) {
      new TableFreshness(
        `table-${names.normalised}-freshness`,
        {
          stack: config.stack,
          table: table.name,
          names,
          freshness: rule,
          refreshJob: pipeline.refreshJobName,
          alertTopicArn: alerts.topicArn,
        },
        { ...opts, transformations: [tagTable(table.name)] },
      );
    }
    return rule;
  });
  const dashboard = new SnapshotDashboard(
    "dashboard",
    {
      name: shared.dashboard,
      stack: config.stack,
      region: pulumi.output(ctx).apply((c) => c.region),
      tables: pipelines.map(({ table, names }, i) => ({
        table: table.name,
        key: names.normalised,
        failureRules: alerts.failureRuleNames[names.normalised] ?? [],
        thresholdSeconds: freshness[i]?.thresholdSeconds,
      })),
    },
    opts,
  );

  // What the owners of tables in other accounts create there (`ddbsnap plan` prints the same).
  const sourceAccess = pulumi.all([ctx, storage.bucketName]).apply(([context, bucket]) =>
    Object.fromEntries(
      pipelines.flatMap(({ table, names }) => {
        const policies = sourceRolePolicies({
          ctx: context,
          table,
          names,
          bucket,
          kmsKeyArn: config.kmsKeyArn,
        });
        return policies ? [[table.name, policies]] : [];
      }),
    ),
  );

  return {
    dashboardUrl: dashboard.url,
    sourceAccess,
    readers: Object.fromEntries(
      sets.map((set) => [
        set.id,
        {
          roles: set.roles,
          views: set.tables.map((t) => tableNames(config.stack, t.name).view),
          workgroup: readers!.workgroupNames[set.id],
        },
      ]),
    ),
    bucketName: storage.bucketName,
    databaseName: catalog.databaseName,
    workgroupName: catalog.workgroupName,
    alertTopicArn: alerts.topicArn,
    alertDeadLetterQueueUrl: alerts.deadLetterQueueUrl,
    accessLogBucketName: storage.accessLogBucketName,
    tables: Object.fromEntries(
      pipelines.map(({ table, names, pipeline }) => [
        table.name,
        {
          workflow: pipeline.workflowName,
          exportJob: pipeline.exportJobName,
          refreshJob: pipeline.refreshJobName,
          workgroup: pipeline.workgroupName,
          view: names.view,
          ...(table.mode === "incremental"
            ? { applyJob: pipeline.applyJobName, icebergTable: names.icebergTable }
            : { crawler: pipeline.crawlerName, snapshotTable: names.crawlerTable }),
          athenaQuery: pulumi.interpolate`SELECT * FROM "${catalog.databaseName}"."${names.view}" LIMIT 10;`,
        },
      ]),
    ),
  };
};
