import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlertTarget } from "../lib/alerts";
import {
  alertKeyPolicy,
  alertTopicPolicy,
  stackAlarmArnPattern,
  crawlerFailureAlert,
  deadLetterQueuePolicy,
  exportFailureAlert,
  jobFailureAlert,
  lateRunAlert,
} from "../lib/alerts";
import type { AwsContext } from "../lib/arns";
import { autoNameOrFit, fitName, NAME_LIMITS } from "../lib/naming";

export interface AlertedTable {
  table: string;
  /** Logical-name stem for this table's rules. */
  key: string;
  /** Physical-name stem (`ddbsnap-<stack>-<table>`), for rule names too long to auto-name. */
  stem: string;
  exportJob: string;
  refreshJob: string;
  /** Scan and export mode. */
  crawler?: string;
  /** Incremental mode: the Spark job that merges the exports. */
  applyJob?: string;
  /** The export job's notifyDelayAfter, in minutes. */
  lateAfterMinutes: number;
}

export interface FailureAlertsArgs {
  stack: string;
  ctx: pulumi.Input<AwsContext>;
  tables: AlertedTable[];
  topicName: string;
  /** The SQS queue that keeps alerts EventBridge could not deliver. */
  deadLetterQueueName: string;
  alertEmail?: string;
  /** Every CloudWatch alarm of the stack starts with it (`ddbsnap-<stack>-`). */
  alarmNamePrefix: string;
  /** Publish to this existing topic instead of creating one (its policy is the owner's to manage). */
  alertTopicArn?: string;
  kmsKeyArn?: string;
}

/** Days an undelivered alert waits in the dead-letter queue: SQS's longest retention. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * Tells people when a snapshot did not happen: EventBridge rules for this stack's jobs and
 * crawlers failing (and export runs running late) publish a readable message to an encrypted
 * SNS topic that only those rules may publish to. An alert EventBridge cannot deliver (say a
 * key policy that leaves out events.amazonaws.com) lands in a dead-letter queue instead of being
 * lost, and a CloudWatch alarm on that queue says so.
 */
export class FailureAlerts extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;
  /** Per table key: the names of its rules that match a failed run (the dashboard counts them). */
  readonly failureRuleNames: Record<string, pulumi.Output<string>[]> = {};
  readonly deadLetterQueueUrl: pulumi.Output<string>;

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
            policy: pulumi
              .output(args.ctx)
              .apply((ctx) => JSON.stringify(alertKeyPolicy(ctx.partition, ctx.accountId))),
          },
          parent,
        ).arn;
      topic = new aws.sns.Topic(
        `${name}-topic`,
        { name: args.topicName, kmsMasterKeyId: keyArn },
        parent,
      );
      this.topicArn = topic.arn;
    }

    // SQS-managed encryption, not the stack's key: the queue must still take alerts when a key
    // policy is what stops delivery to the topic.
    const deadLetters = new aws.sqs.Queue(
      `${name}-dead-letters`,
      {
        name: fitName(args.deadLetterQueueName, "", NAME_LIMITS.sqsQueue),
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      },
      parent,
    );

    const rules: aws.cloudwatch.EventRule[] = [];
    const route = (t: AlertedTable, suffix: string, alert: AlertTarget): void => {
      const logical = `${name}-${t.key}-${suffix}`;
      const rule = new aws.cloudwatch.EventRule(
        logical,
        {
          // Pulumi's auto-name while it fits EventBridge's 64 characters, so deployed rules keep theirs.
          name: autoNameOrFit(logical, t.stem, `-${suffix}`, NAME_LIMITS.eventRule),
          description: alert.description.slice(0, 512),
          eventPattern: alert.eventPattern,
        },
        parent,
      );
      new aws.cloudwatch.EventTarget(
        `${logical}-to-topic`,
        {
          rule: rule.name,
          arn: this.topicArn,
          inputTransformer: { inputPaths: alert.inputPaths, inputTemplate: alert.inputTemplate },
          deadLetterConfig: { arn: deadLetters.arn },
          retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
        },
        parent,
      );
      rules.push(rule);
      if (suffix.endsWith("-failed")) (this.failureRuleNames[t.key] ??= []).push(rule.name);
    };
    for (const t of args.tables) {
      route(t, "export-failed", exportFailureAlert(args.stack, t.table, t.exportJob));
      const jobs = t.applyJob ? [t.applyJob, t.refreshJob] : [t.refreshJob];
      route(t, "job-failed", jobFailureAlert(args.stack, t.table, jobs));
      if (t.crawler)
        route(t, "crawler-failed", crawlerFailureAlert(args.stack, t.table, t.crawler));
      route(t, "export-late", lateRunAlert(args.stack, t.table, t.exportJob, t.lateAfterMinutes));
    }

    new aws.sqs.QueuePolicy(
      `${name}-dead-letters-policy`,
      {
        queueUrl: deadLetters.url,
        policy: pulumi
          .all([deadLetters.arn, ...rules.map((r) => r.arn)])
          .apply(([queueArn, ...ruleArns]) =>
            JSON.stringify(deadLetterQueuePolicy(queueArn, ruleArns)),
          ),
      },
      parent,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-undelivered`,
      {
        name: fitName(`${args.deadLetterQueueName}-not-empty`, "", NAME_LIMITS.cloudwatchAlarm),
        alarmDescription:
          `Alerts of stack ${args.stack} that EventBridge could not deliver are waiting in SQS queue ${args.deadLetterQueueName}: ` +
          `read them there (docs/security.md, "Dead-letter queue").`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: deadLetters.name },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [this.topicArn],
      },
      parent,
    );

    if (topic) {
      new aws.sns.TopicPolicy(
        `${name}-topic-policy`,
        {
          arn: topic.arn,
          policy: pulumi
            .all([topic.arn, args.ctx, ...rules.map((r) => r.arn)])
            .apply(([topicArn, ctx, ...ruleArns]) =>
              JSON.stringify(
                alertTopicPolicy(
                  topicArn as string,
                  ruleArns as string[],
                  stackAlarmArnPattern(ctx as AwsContext, args.alarmNamePrefix),
                ),
              ),
            ),
        },
        parent,
      );
    }

    if (args.alertEmail) {
      // Email subscriptions stay pending until the recipient confirms the message AWS sends.
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: this.topicArn, protocol: "email", endpoint: args.alertEmail },
        parent,
      );
    }

    this.deadLetterQueueUrl = deadLetters.url;
    this.registerOutputs({ topicArn: this.topicArn, deadLetterQueueUrl: this.deadLetterQueueUrl });
  }
}
