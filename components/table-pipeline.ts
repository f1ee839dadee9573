import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, dynamodbTableArn } from "../lib/arns";
import type { TableConfig } from "../lib/config";
import { CRAWLER_EXCLUSIONS, CRAWLER_RECRAWL_BEHAVIOR, CRAWLER_SCHEMA_CHANGE_POLICY, crawlerConfiguration } from "../lib/crawler-settings";
import { PYTHON_SHELL } from "../lib/glue-facts";
import { exportJobArguments, refreshJobArguments } from "../lib/job-arguments";
import { CRAWLER_TABLE_PREFIX, s3Uri, tableNames, tablePrefixes } from "../lib/naming";
import { isTaggable } from "../lib/tags";
import { PipelineRole } from "./pipeline-role";
import { SnapshotWorkflow } from "./snapshot-workflow";

export interface TablePipelineArgs {
  stack: string;
  table: TableConfig;
  ctx: pulumi.Input<AwsContext>;
  bucket: pulumi.Input<string>;
  database: pulumi.Input<string>;
  workgroup: pulumi.Input<string>;
  scriptLocations: { export: pulumi.Input<string>; refresh: pulumi.Input<string> };
  scriptKeys: string[];
  logRetentionDays: number;
  securityConfiguration: pulumi.Input<string>;
  kmsKeyArn?: string;
}

/** The refresh script gives Athena 15 minutes, then prunes; past 30 minutes the job is stuck. */
const REFRESH_TIMEOUT_MINUTES = 30;

/** When an export run counts as late and an alert goes out: half its timeout. */
export function lateAfterMinutes(table: TableConfig): number {
  return Math.max(1, Math.ceil(table.timeoutMinutes / 2));
}

/** Adds the `table` cost-allocation tag to every taggable resource of the component. */
function tagTable(table: string): pulumi.ResourceTransformation {
  return (args) =>
    isTaggable(args.type) ? { props: { ...args.props, tags: { ...(args.props.tags ?? {}), table } }, opts: args.opts } : undefined;
}

/**
 * Everything one DynamoDB table needs: its role, the export job, the crawler, the view-refresh
 * job, their log groups, and the workflow that chains them.
 */
export class TablePipeline extends pulumi.ComponentResource {
  readonly workflowName: pulumi.Output<string>;
  readonly exportJobName: pulumi.Output<string>;
  readonly refreshJobName: pulumi.Output<string>;
  readonly crawlerName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: TablePipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:pipeline:TablePipeline", name, {}, {
      ...opts,
      transformations: [...(opts?.transformations ?? []), tagTable(args.table.name)],
    });
    const { table } = args;
    const names = tableNames(args.stack, table.name);
    const prefixes = tablePrefixes(table.format, names.normalised);

    const role = new PipelineRole(
      `${name}-access`,
      {
        ctx: args.ctx,
        table,
        names,
        bucket: args.bucket,
        database: args.database,
        workgroup: args.workgroup,
        scriptKeys: args.scriptKeys,
        securityConfiguration: args.securityConfiguration,
        kmsKeyArn: args.kmsKeyArn,
      },
      { parent: this },
    );
    // Jobs and crawler must not start before their permissions exist.
    const afterRole = { parent: this, dependsOn: [role.policy] };

    for (const stream of ["output", "error"]) {
      new aws.cloudwatch.LogGroup(
        `${name}-logs-${stream}`,
        { name: `${names.logGroupPrefix}/${stream}`, retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn },
        { parent: this },
      );
    }

    const exportJob = new aws.glue.Job(
      `${name}-export`,
      {
        name: names.exportJob,
        description: `Snapshots DynamoDB table ${table.name} (${table.mode}) to ${table.format} in S3`,
        roleArn: role.roleArn,
        glueVersion: table.glueVersion,
        command: { name: "glueetl", pythonVersion: "3", scriptLocation: args.scriptLocations.export },
        workerType: table.workerType,
        numberOfWorkers: table.workers,
        executionClass: table.executionClass,
        timeout: table.timeoutMinutes,
        // Emits "Glue Job Run Status" once a run passes this, which the late-run alert forwards.
        notificationProperty: { notifyDelayAfter: lateAfterMinutes(table) },
        securityConfiguration: args.securityConfiguration,
        // Safe to retry: the job overwrites its own snapshot partition.
        maxRetries: 1,
        executionProperty: { maxConcurrentRuns: 1 },
        defaultArguments: pulumi
          .all([args.bucket, args.ctx])
          .apply(([bucket, ctx]) => exportJobArguments({ table, names, bucket, tableArn: dynamodbTableArn(ctx, table.name) })),
      },
      afterRole,
    );

    const classifiers: pulumi.Input<string>[] = [];
    if (table.format === "csv") {
      // Without it the crawler guesses whether line 1 is a header, and guesses wrong when
      // every column is a string.
      const csv = new aws.glue.Classifier(
        `${name}-csv`,
        { name: names.csvClassifier, csvClassifier: { containsHeader: "PRESENT", delimiter: ",", quoteSymbol: '"' } },
        { parent: this },
      );
      classifiers.push(csv.name);
    }

    const crawler = new aws.glue.Crawler(
      `${name}-crawler`,
      {
        name: names.crawler,
        description: `Adds each new ${table.name} snapshot as a partition of ${names.crawlerTable}`,
        role: role.roleArn,
        databaseName: args.database,
        tablePrefix: CRAWLER_TABLE_PREFIX,
        s3Targets: [
          {
            path: pulumi.interpolate`${pulumi.output(args.bucket).apply((b) => s3Uri(b, prefixes.snapshots))}/`,
            exclusions: CRAWLER_EXCLUSIONS,
          },
        ],
        classifiers,
        recrawlPolicy: { recrawlBehavior: CRAWLER_RECRAWL_BEHAVIOR },
        schemaChangePolicy: CRAWLER_SCHEMA_CHANGE_POLICY,
        configuration: crawlerConfiguration(),
        securityConfiguration: args.securityConfiguration,
      },
      afterRole,
    );

    const refreshJob = new aws.glue.Job(
      `${name}-refresh`,
      {
        name: names.refreshJob,
        description: `Points Athena view ${names.view} at the snapshot its workflow run wrote, then prunes old snapshots`,
        roleArn: role.roleArn,
        glueVersion: PYTHON_SHELL.glueVersion,
        command: { name: "pythonshell", pythonVersion: PYTHON_SHELL.pythonVersion, scriptLocation: args.scriptLocations.refresh },
        // Python shell jobs take a DPU fraction; AWS rejects workerType for them.
        maxCapacity: PYTHON_SHELL.maxCapacity,
        timeout: REFRESH_TIMEOUT_MINUTES,
        securityConfiguration: args.securityConfiguration,
        // A failed view query is not retried blindly: the next run or `ddbsnap run` will.
        maxRetries: 0,
        executionProperty: { maxConcurrentRuns: 1 },
        defaultArguments: pulumi
          .all([args.bucket, args.database, args.workgroup])
          .apply(([bucket, database, workgroup]) => refreshJobArguments({ table, names, bucket, database, workgroup })),
      },
      afterRole,
    );

    const workflow = new SnapshotWorkflow(
      `${name}-flow`,
      { table, names, exportJobName: exportJob.name, crawlerName: crawler.name, refreshJobName: refreshJob.name },
      { parent: this },
    );

    this.workflowName = workflow.workflowName;
    this.exportJobName = exportJob.name;
    this.refreshJobName = refreshJob.name;
    this.crawlerName = crawler.name;
    this.roleArn = role.roleArn;
    this.registerOutputs({
      workflowName: this.workflowName,
      exportJobName: this.exportJobName,
      refreshJobName: this.refreshJobName,
      crawlerName: this.crawlerName,
    });
  }
}
