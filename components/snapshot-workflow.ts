import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import type { TableConfig } from "../lib/config";
import type { TableNames } from "../lib/naming";

/** One step after the schedule's: a job or a crawler, started when the step before succeeds. */
export interface WorkflowStep {
  /** Logical-name suffix and physical name of the conditional trigger that starts this step. */
  key: string;
  triggerName: string;
  description: string;
  job?: pulumi.Input<string>;
  crawler?: pulumi.Input<string>;
}

export interface SnapshotWorkflowArgs {
  table: TableConfig;
  names: TableNames;
  /** The job the schedule starts. */
  firstJobName: pulumi.Input<string>;
  /** The steps after it, in order. */
  steps: WorkflowStep[];
  description: string;
}

/**
 * The Glue Workflow that chains one table's steps, each started by an event, never by polling.
 * Scan and export mode: schedule → export job → (SUCCEEDED) crawler → (SUCCEEDED) refresh job.
 * Incremental mode: schedule → export planner → (SUCCEEDED) apply job → (SUCCEEDED) refresh job.
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
        description: args.description,
        // Two overlapping runs would race on the same snapshot, view or watermark.
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
        actions: [{ jobName: args.firstJobName }],
      },
      { parent: this },
    );

    // Always started, whatever `enabled` says: a run started by hand must still complete.
    let previous: { job?: pulumi.Input<string>; crawler?: pulumi.Input<string> } = {
      job: args.firstJobName,
    };
    for (const step of args.steps) {
      const condition: aws.types.input.glue.TriggerPredicateCondition = previous.crawler
        ? { crawlerName: previous.crawler, crawlState: "SUCCEEDED" }
        : { jobName: previous.job, state: "SUCCEEDED" };
      new aws.glue.Trigger(
        `${name}-${step.key}`,
        {
          name: step.triggerName,
          description: step.description,
          workflowName,
          type: "CONDITIONAL",
          startOnCreation: true,
          enabled: true,
          // AWS and moto both reject a predicate without these two operators.
          predicate: {
            logical: "AND",
            conditions: [{ ...condition, logicalOperator: "EQUALS" }],
          },
          actions: [step.crawler ? { crawlerName: step.crawler } : { jobName: step.job }],
        },
        { parent: this },
      );
      previous = step;
    }

    this.workflowName = workflowName;
    this.registerOutputs({ workflowName });
  }
}
