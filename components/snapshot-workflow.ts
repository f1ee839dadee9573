import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TableConfig } from "../lib/config";
import type { TableNames } from "../lib/naming";

export interface SnapshotWorkflowArgs {
  table: TableConfig;
  names: TableNames;
  exportJobName: pulumi.Input<string>;
  crawlerName: pulumi.Input<string>;
  refreshJobName: pulumi.Input<string>;
}

/**
 * The Glue Workflow that chains one table's steps, each started by an event, never by polling:
 * schedule → export job → (SUCCEEDED) crawler → (SUCCEEDED) refresh job.
 */
export class SnapshotWorkflow extends pulumi.ComponentResource {
  readonly workflow: aws.glue.Workflow;
  readonly workflowName: pulumi.Output<string>;

  constructor(name: string, args: SnapshotWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:glue:SnapshotWorkflow", name, {}, opts);
    const { table, names } = args;

    this.workflow = new aws.glue.Workflow(
      `${name}-workflow`,
      {
        name: names.workflow,
        description: `Snapshot of DynamoDB table ${table.name} to Athena: export, crawl, refresh view ${names.view}`,
        // Two overlapping runs would race on the same snapshot partition and view.
        maxConcurrentRuns: 1,
      },
      { parent: this },
    );
    const workflowName = this.workflow.name;

    new aws.glue.Trigger(
      `${name}-schedule`,
      {
        name: names.scheduleTrigger,
        description: `Starts the ${table.name} snapshot on ${table.schedule} (UTC)`,
        workflowName,
        type: "SCHEDULED",
        schedule: table.schedule,
        // enabled: false keeps the schedule but never starts it.
        startOnCreation: table.enabled,
        enabled: table.enabled,
        actions: [{ jobName: args.exportJobName }],
      },
      { parent: this },
    );

    // Always started, whatever `enabled` says: a run started by hand must still complete.
    const conditional = (
      suffix: string,
      triggerName: string,
      description: string,
      condition: aws.types.input.glue.TriggerPredicateCondition,
      action: aws.types.input.glue.TriggerAction,
    ): aws.glue.Trigger =>
      new aws.glue.Trigger(
        `${name}-${suffix}`,
        {
          name: triggerName,
          description,
          workflowName,
          type: "CONDITIONAL",
          startOnCreation: true,
          enabled: true,
          // AWS and moto both reject a predicate without these two operators.
          predicate: { logical: "AND", conditions: [{ ...condition, logicalOperator: "EQUALS" }] },
          actions: [action],
        },
        { parent: this },
      );

    conditional(
      "after-export",
      names.afterExportTrigger,
      `Crawls the new ${table.name} snapshot once the export job succeeds`,
      { jobName: args.exportJobName, state: "SUCCEEDED" },
      { crawlerName: args.crawlerName },
    );
    conditional(
      "after-crawl",
      names.afterCrawlTrigger,
      `Points view ${names.view} at the new snapshot once the crawler succeeds`,
      { crawlerName: args.crawlerName, crawlState: "SUCCEEDED" },
      { jobName: args.refreshJobName },
    );

    this.workflowName = workflowName;
    this.registerOutputs({ workflowName });
  }
}
