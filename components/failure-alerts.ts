import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertTarget, alertKeyPolicy, alertTopicPolicy, crawlerFailureAlert, jobFailureAlert, lateRunAlert } from "../lib/alerts";
import type { AwsContext } from "../lib/arns";

export interface AlertedTable {
  table: string;
  /** Logical-name stem for this table's rules. */
  key: string;
  exportJob: string;
  refreshJob: string;
  crawler: string;
  /** The export job's notifyDelayAfter, in minutes. */
  lateAfterMinutes: number;
}

export interface FailureAlertsArgs {
  stack: string;
  ctx: pulumi.Input<AwsContext>;
  tables: AlertedTable[];
  topicName: string;
  alertEmail?: string;
  /** Publish to this existing topic instead of creating one (its policy is the owner's to manage). */
  alertTopicArn?: string;
  kmsKeyArn?: string;
}

/**
 * Tells people when a snapshot did not happen: EventBridge rules for this stack's jobs and
 * crawlers failing (and export runs running late) publish a readable message to an encrypted
 * SNS topic that only those rules may publish to.
 */
export class FailureAlerts extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: FailureAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:alerts:FailureAlerts", name, {}, opts);
    const parent = { parent: this };

    let topic: aws.sns.Topic | undefined;
    if (args.alertTopicArn) {
      this.topicArn = pulumi.output(args.alertTopicArn);
    } else {
      const keyArn =
        args.kmsKeyArn ??
        new aws.kms.Key(
          `${name}-key`,
          {
            description: `Encrypts the ${args.topicName} SNS topic (ddb-athena-snapshots)`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: pulumi.output(args.ctx).apply((ctx) => JSON.stringify(alertKeyPolicy(ctx.partition, ctx.accountId))),
          },
          parent,
        ).arn;
      topic = new aws.sns.Topic(`${name}-topic`, { name: args.topicName, kmsMasterKeyId: keyArn }, parent);
      this.topicArn = topic.arn;
    }

    const rules: aws.cloudwatch.EventRule[] = [];
    const route = (ruleName: string, alert: AlertTarget): void => {
      const rule = new aws.cloudwatch.EventRule(
        ruleName,
        { description: alert.description, eventPattern: alert.eventPattern },
        parent,
      );
      new aws.cloudwatch.EventTarget(
        `${ruleName}-to-topic`,
        {
          rule: rule.name,
          arn: this.topicArn,
          inputTransformer: { inputPaths: alert.inputPaths, inputTemplate: alert.inputTemplate },
        },
        parent,
      );
      rules.push(rule);
    };
    for (const t of args.tables) {
      route(`${name}-${t.key}-job-failed`, jobFailureAlert(args.stack, t.table, [t.exportJob, t.refreshJob]));
      route(`${name}-${t.key}-crawler-failed`, crawlerFailureAlert(args.stack, t.table, t.crawler));
      route(`${name}-${t.key}-export-late`, lateRunAlert(args.stack, t.table, t.exportJob, t.lateAfterMinutes));
    }

    if (topic) {
      new aws.sns.TopicPolicy(
        `${name}-topic-policy`,
        {
          arn: topic.arn,
          policy: pulumi
            .all([topic.arn, ...rules.map((r) => r.arn)])
            .apply(([topicArn, ...ruleArns]) => JSON.stringify(alertTopicPolicy(topicArn, ruleArns))),
        },
        parent,
      );
    }

    if (args.alertEmail) {
      // Email subscriptions stay pending until the recipient confirms the message AWS sends.
      new aws.sns.TopicSubscription(`${name}-email`, { topic: this.topicArn, protocol: "email", endpoint: args.alertEmail }, parent);
    }

    this.registerOutputs({ topicArn: this.topicArn });
  }
}
