import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../lib/arns";
import { sourceOf } from "../lib/source";
import type { TableConfig } from "../lib/config";
import {
  CRAWLER_EXCLUSIONS,
  CRAWLER_RECRAWL_BEHAVIOR,
  CRAWLER_SCHEMA_CHANGE_POLICY,
  crawlerConfiguration,
} from "../lib/crawler-settings";
import { PYTHON_SHELL } from "../lib/glue-facts";
import { ownLogGroups } from "../lib/iam-policy";
import type { GlueJobRole, JobScript } from "../lib/glue-jobs";
import { glueJobSpec } from "../lib/glue-jobs";
import type { TableNames } from "../lib/naming";
import { CRAWLER_TABLE_PREFIX, s3Uri, tableNames, tablePrefixes } from "../lib/naming";
import { isTaggable } from "../lib/tags";
import { queryWorkgroupArgs } from "./catalog";
import { PipelineRole } from "./pipeline-role";
import { IcebergTable } from "./iceberg-table";
import type { WorkflowStep } from "./snapshot-workflow";
import { SnapshotWorkflow } from "./snapshot-workflow";

export interface TablePipelineArgs {
  stack: string;
  table: TableConfig;
  ctx: pulumi.Input<AwsContext>;
  bucket: pulumi.Input<string>;
  database: pulumi.Input<string>;
  scriptLocations: Record<JobScript, pulumi.Input<string>>;
  scriptKeys: string[];
  logRetentionDays: number;
  securityConfiguration: pulumi.Input<string>;
  kmsKeyArn?: string;
  /** The stack's HMAC key (Secrets Manager or SSM ARN), for tables that hash a column. */
  hashKey?: string;
}

/** Options for what must wait for the role's policies and the log groups. */
type AfterRole = pulumi.CustomResourceOptions & { dependsOn: pulumi.Resource[] };

/** What a mode's chain of steps declared: the job the schedule starts, and the steps after it. */
interface Chain {
  firstJob: aws.glue.Job;
  steps: WorkflowStep[];
  description: string;
  crawler?: aws.glue.Crawler;
  applyJob?: aws.glue.Job;
  optimizerRoleArn?: pulumi.Output<string>;
}

/**
 * Logical-name suffixes of the log groups ownLogGroups() returns, in its order: the job's own
 * groups, then (with a KMS key) the encrypted groups Glue names after the security configuration
 * and the role.
 */
const OWN_LOG_GROUP_KEYS = ["output", "error"];
const ENCRYPTED_LOG_GROUP_KEYS = [
  "output-encrypted",
  "error-encrypted",
  "driver-output",
  "driver-error",
  "shell-output",
  "shell-error",
  "crawler",
];

/** Adds the `table` cost-allocation tag to every taggable resource of the component. */
export function tagTable(table: string): pulumi.ResourceTransformation {
  return (args) =>
    isTaggable(args.type)
      ? { props: { ...args.props, tags: { ...(args.props.tags ?? {}), table } }, opts: args.opts }
      : undefined;
}

/**
 * Everything one DynamoDB table needs: its role, its log groups, its jobs and the workflow that
 * chains them. Scan and export mode: the export job, the crawler and the view-refresh job.
 * Incremental mode: the export planner, the apply job, the refresh job and the Iceberg table
 * with its optimizers; no crawler (the apply job owns the table's schema).
 */
export class TablePipeline extends pulumi.ComponentResource {
  readonly workflowName: pulumi.Output<string>;
  readonly exportJobName: pulumi.Output<string>;
  readonly refreshJobName: pulumi.Output<string>;
  /** Scan and export mode only. */
  readonly crawlerName?: pulumi.Output<string>;
  /** Incremental mode only. */
  readonly applyJobName?: pulumi.Output<string>;
  /** Incremental mode only: the role of the Iceberg table's optimizers. */
  readonly optimizerRoleArn?: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  /** The table's own Athena workgroup, where its refresh job's queries run. */
  readonly workgroupName: pulumi.Output<string>;

  private readonly names: TableNames;
  private readonly workgroup: aws.athena.Workgroup;

  constructor(
    private readonly logicalName: string,
    private readonly args: TablePipelineArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(
      "ddbsnap:pipeline:TablePipeline",
      logicalName,
      {},
      {
        ...opts,
        transformations: [...(opts?.transformations ?? []), tagTable(args.table.name)],
      },
    );
    this.names = tableNames(args.stack, args.table.name);

    this.workgroup = this.declareWorkgroup();
    const role = this.declareRole();
    // Jobs and crawler must not start before their permissions and log groups exist.
    const afterRole = {
      parent: this,
      dependsOn: [...role.attachments, ...this.declareLogGroups(role)],
    };
    const refreshJob = this.declareJob("refresh", role, afterRole);
    const chain =
      args.table.mode === "incremental"
        ? this.declareMergeChain(role, afterRole, refreshJob)
        : this.declareSnapshotChain(role, afterRole, refreshJob);
    const workflow = new SnapshotWorkflow(
      `${logicalName}-flow`,
      {
        table: args.table,
        names: this.names,
        firstJobName: chain.firstJob.name,
        steps: chain.steps,
        description: chain.description,
      },
      { parent: this },
    );

    this.workflowName = workflow.workflowName;
    this.exportJobName = chain.firstJob.name;
    this.refreshJobName = refreshJob.name;
    this.crawlerName = chain.crawler?.name;
    this.applyJobName = chain.applyJob?.name;
    this.optimizerRoleArn = chain.optimizerRoleArn;
    this.roleArn = role.roleArn;
    this.workgroupName = this.workgroup.name;
    this.registerOutputs({
      workflowName: this.workflowName,
      exportJobName: this.exportJobName,
      refreshJobName: this.refreshJobName,
      crawlerName: this.crawlerName,
      applyJobName: this.applyJobName,
    });
  }

  /**
   * The table's own workgroup: its results prefix holds rows of this table only, so only this
   * table's role may read it (a shared prefix would hold every table's read-back rows).
   */
  private declareWorkgroup(): aws.athena.Workgroup {
    const { table, bucket, kmsKeyArn } = this.args;
    const results = tablePrefixes(table.format, this.names.normalised).athenaResults;
    return new aws.athena.Workgroup(
      `${this.logicalName}-workgroup`,
      queryWorkgroupArgs({
        name: this.names.workgroup,
        description: `The refresh job's queries over DynamoDB table ${table.name} (ddb-athena-snapshots)`,
        resultsLocation: pulumi.output(bucket).apply((b) => `${s3Uri(b, results)}/`),
        kmsKeyArn,
      }),
      { parent: this },
    );
  }

  /** The role every job and the crawler of this table run as, scoped to this table. */
  private declareRole(): PipelineRole {
    const { args } = this;
    return new PipelineRole(
      `${this.logicalName}-access`,
      {
        ctx: args.ctx,
        table: args.table,
        names: this.names,
        bucket: args.bucket,
        database: args.database,
        workgroup: this.workgroup.name,
        scriptKeys: args.scriptKeys,
        securityConfiguration: args.securityConfiguration,
        kmsKeyArn: args.kmsKeyArn,
        hashKey: args.hashKey,
      },
      { parent: this },
    );
  }

  /** Scan and export mode: export job → crawler → refresh job. */
  private declareSnapshotChain(
    role: PipelineRole,
    afterRole: AfterRole,
    refreshJob: aws.glue.Job,
  ): Chain {
    const { table } = this.args;
    const names = this.names;
    const firstJob = this.declareJob("export", role, afterRole);
    const crawler = this.declareCrawler(role, afterRole);
    return {
      firstJob,
      crawler,
      description: `Snapshot of DynamoDB table ${table.name} to Athena: export, crawl, refresh view ${names.view}`,
      steps: [
        {
          key: "after-export",
          triggerName: names.afterExportTrigger,
          description: `Crawls the new ${table.name} snapshot once the export job succeeds`,
          crawler: crawler.name,
        },
        {
          key: "after-crawl",
          triggerName: names.afterCrawlTrigger,
          description: `Points view ${names.view} at the new snapshot once the crawler succeeds`,
          job: refreshJob.name,
        },
      ],
    };
  }

  /** Incremental mode: export planner → apply job (into the Iceberg table) → refresh job. */
  private declareMergeChain(
    role: PipelineRole,
    afterRole: AfterRole,
    refreshJob: aws.glue.Job,
  ): Chain {
    const { args } = this;
    const names = this.names;
    const iceberg = new IcebergTable(
      `${this.logicalName}-iceberg`,
      {
        ctx: args.ctx,
        table: args.table,
        names,
        bucket: args.bucket,
        database: args.database,
        kmsKeyArn: args.kmsKeyArn,
      },
      { parent: this },
    );
    const firstJob = this.declareJob("planner", role, afterRole);
    const applyJob = this.declareJob("apply", role, {
      ...afterRole,
      dependsOn: [...afterRole.dependsOn, iceberg],
    });
    return {
      firstJob,
      applyJob,
      optimizerRoleArn: iceberg.optimizerRoleArn,
      description: `Incremental copy of DynamoDB table ${args.table.name}: export changes, merge them into ${names.icebergTable}, refresh view ${names.view}`,
      steps: [
        {
          key: "after-export",
          triggerName: names.afterExportTrigger,
          description: `Merges the ${args.table.name} exports into ${names.icebergTable} once the planner succeeds`,
          job: applyJob.name,
        },
        {
          key: "after-apply",
          triggerName: names.afterApplyTrigger,
          description: `Reads ${names.icebergTable} back through view ${names.view} once the merge succeeds`,
          job: refreshJob.name,
        },
      ],
    };
  }

  /** The groups only this table writes to, declared so they get a retention (and the key). */
  private declareLogGroups(role: PipelineRole): aws.cloudwatch.LogGroup[] {
    const { kmsKeyArn, logRetentionDays, securityConfiguration } = this.args;
    const keys = kmsKeyArn
      ? [...OWN_LOG_GROUP_KEYS, ...ENCRYPTED_LOG_GROUP_KEYS]
      : OWN_LOG_GROUP_KEYS;
    const groupNames = pulumi
      .all([role.roleName, securityConfiguration])
      .apply(([roleName, sc]) =>
        ownLogGroups(this.names, kmsKeyArn ? { roleName, securityConfiguration: sc } : undefined),
      );
    return keys.map(
      (key, i) =>
        new aws.cloudwatch.LogGroup(
          `${this.logicalName}-logs-${key}`,
          {
            name: groupNames.apply((n) => n[i]),
            retentionInDays: logRetentionDays,
            kmsKeyId: kmsKeyArn,
          },
          { parent: this },
        ),
    );
  }

  /**
   * One of the table's Glue jobs (lib/glue-jobs.ts says which). Spark jobs take the table's worker
   * settings; Python shell jobs a DPU fraction (AWS rejects workerType for them). Every job gets
   * the security configuration and its arguments from lib/job-arguments.ts.
   */
  private declareJob(
    jobRole: GlueJobRole,
    role: PipelineRole,
    opts: pulumi.CustomResourceOptions,
  ): aws.glue.Job {
    const { table, stack, ctx, bucket, database } = this.args;
    const workgroup = this.workgroup.name;
    const names = this.names;
    const spec = glueJobSpec(jobRole, table, names);
    const script = this.args.scriptLocations[spec.script];
    const shape =
      spec.kind === "spark"
        ? {
            glueVersion: table.glueVersion,
            command: { name: "glueetl", pythonVersion: "3", scriptLocation: script },
            workerType: table.workerType,
            numberOfWorkers: table.workers,
            executionClass: table.executionClass,
          }
        : {
            glueVersion: PYTHON_SHELL.glueVersion,
            command: {
              name: "pythonshell",
              pythonVersion: PYTHON_SHELL.pythonVersion,
              scriptLocation: script,
            },
            maxCapacity: PYTHON_SHELL.maxCapacity,
          };
    return new aws.glue.Job(
      `${this.logicalName}-${spec.suffix}`,
      {
        name: spec.name,
        description: spec.description,
        roleArn: role.roleArn,
        ...shape,
        timeout: spec.timeoutMinutes,
        // Emits "Glue Job Run Status" once a run passes this, which the late-run alert forwards.
        ...(spec.lateAfterMinutes
          ? { notificationProperty: { notifyDelayAfter: spec.lateAfterMinutes } }
          : {}),
        securityConfiguration: this.args.securityConfiguration,
        maxRetries: spec.maxRetries,
        executionProperty: { maxConcurrentRuns: spec.maxConcurrentRuns },
        defaultArguments: pulumi
          .output({ ctx, bucket, database, workgroup })
          .apply(({ ctx, ...resolved }) => {
            const source = sourceOf(table, ctx);
            return spec.buildArguments({
              stack,
              table,
              names,
              ...resolved,
              tableArn: source.tableArn,
              source,
              bucketOwner: ctx.accountId,
              hashKey: this.args.hashKey,
            });
          }),
      },
      opts,
    );
  }

  private declareCrawler(role: PipelineRole, opts: pulumi.CustomResourceOptions): aws.glue.Crawler {
    const { table, bucket } = this.args;
    const names = this.names;
    const classifiers: pulumi.Input<string>[] = [];
    if (table.format === "csv") {
      // Without it the crawler guesses whether line 1 is a header, and guesses wrong when
      // every column is a string.
      const csv = new aws.glue.Classifier(
        `${this.logicalName}-csv`,
        {
          name: names.csvClassifier,
          csvClassifier: { containsHeader: "PRESENT", delimiter: ",", quoteSymbol: '"' },
        },
        { parent: this },
      );
      classifiers.push(csv.name);
    }
    const snapshots = tablePrefixes(table.format, names.normalised).snapshots;
    return new aws.glue.Crawler(
      `${this.logicalName}-crawler`,
      {
        name: names.crawler,
        description:
          `Adds each new ${table.name} snapshot as a partition of ${names.crawlerTable}`.slice(
            0,
            2048,
          ),
        role: role.roleArn,
        databaseName: this.args.database,
        tablePrefix: CRAWLER_TABLE_PREFIX,
        s3Targets: [
          {
            path: pulumi.output(bucket).apply((b) => `${s3Uri(b, snapshots)}/`),
            exclusions: CRAWLER_EXCLUSIONS,
          },
        ],
        classifiers,
        recrawlPolicy: { recrawlBehavior: CRAWLER_RECRAWL_BEHAVIOR },
        schemaChangePolicy: CRAWLER_SCHEMA_CHANGE_POLICY,
        configuration: crawlerConfiguration(),
        securityConfiguration: this.args.securityConfiguration,
      },
      opts,
    );
  }
}
