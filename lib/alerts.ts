/**
 * What the failure alerts match and say, and who may publish them. Pure, so the tests read the
 * exact event patterns and messages.
 */
import type { TableConfig } from "./config";
import type { PolicyDocument } from "./iam-policy";

/** When an export run counts as late and an alert goes out (its notifyDelayAfter): half its timeout. */
export function lateAfterMinutes(table: TableConfig): number {
  return Math.max(1, Math.ceil(table.timeoutMinutes / 2));
}

/** Job end states that mean the snapshot did not happen ("Glue Job State Change" events). */
export const FAILED_JOB_STATES = ["FAILED", "TIMEOUT", "STOPPED", "ERROR"];
/** Crawler end state that means the partition was not added ("Glue Crawler State Change"). */
export const FAILED_CRAWLER_STATES = ["Failed"];

export interface AlertTarget {
  /** EventBridge event pattern, as JSON text. */
  eventPattern: string;
  inputPaths: Record<string, string>;
  /** A quoted JSON string, so SNS delivers plain text. */
  inputTemplate: string;
  description: string;
}

function sentence(text: string): string {
  return JSON.stringify(text);
}

export function jobFailureAlert(stack: string, table: string, jobNames: string[]): AlertTarget {
  return {
    description: `Glue jobs of DynamoDB table ${table} (stack ${stack}) that end ${FAILED_JOB_STATES.join("/")}`,
    eventPattern: JSON.stringify({
      source: ["aws.glue"],
      "detail-type": ["Glue Job State Change"],
      detail: { jobName: jobNames, state: FAILED_JOB_STATES },
    }),
    inputPaths: {
      job: "$.detail.jobName",
      state: "$.detail.state",
      message: "$.detail.message",
      run: "$.detail.jobRunId",
    },
    inputTemplate: sentence(
      `ddb-athena-snapshots ${stack}: table ${table}: Glue job <job> ended <state>: <message> (job run <run>). ` +
        `The Athena view still shows the previous snapshot.`,
    ),
  };
}

/**
 * The export job retries once (maxRetries 1), and every attempt that fails sends its own event,
 * which carries no attempt number. So the message says plainly what happens next instead of
 * implying the snapshot is lost: Glue names a retry's run `<first run id>_attempt_1` (inferred
 * from observed run ids, not documented), which tells the two apart for the reader.
 */
export function exportFailureAlert(stack: string, table: string, jobName: string): AlertTarget {
  const job = jobFailureAlert(stack, table, [jobName]);
  return {
    ...job,
    description: `Export job of DynamoDB table ${table} (stack ${stack}) attempts that end ${FAILED_JOB_STATES.join("/")}`,
    inputTemplate: sentence(
      `ddb-athena-snapshots ${stack}: table ${table}: Glue job <job> ended <state>: <message> (job run <run>). ` +
        `Glue retries a failed export once: if the run id ends in _attempt_1 this was the retry and no snapshot was made; ` +
        `otherwise the retry is starting now, and another alert follows only if it fails too. ` +
        `The Athena view keeps the previous snapshot until a run succeeds.`,
    ),
  };
}

export function crawlerFailureAlert(
  stack: string,
  table: string,
  crawlerName: string,
): AlertTarget {
  return {
    description: `Crawler of DynamoDB table ${table} (stack ${stack}) failing`,
    eventPattern: JSON.stringify({
      source: ["aws.glue"],
      "detail-type": ["Glue Crawler State Change"],
      detail: { crawlerName: [crawlerName], state: FAILED_CRAWLER_STATES },
    }),
    inputPaths: {
      crawler: "$.detail.crawlerName",
      state: "$.detail.state",
      error: "$.detail.errorMessage",
    },
    inputTemplate: sentence(
      `ddb-athena-snapshots ${stack}: table ${table}: crawler <crawler> ended <state>: <error>. ` +
        `The new snapshot was not catalogued; the Athena view still shows the previous one.`,
    ),
  };
}

/** Glue emits "Glue Job Run Status" once a run passes the job's notifyDelayAfter. */
export function lateRunAlert(
  stack: string,
  table: string,
  jobName: string,
  minutes: number,
): AlertTarget {
  return {
    description: `Export job of DynamoDB table ${table} (stack ${stack}) running longer than ${minutes} minutes`,
    eventPattern: JSON.stringify({
      source: ["aws.glue"],
      "detail-type": ["Glue Job Run Status"],
      detail: { jobName: [jobName] },
    }),
    inputPaths: { job: "$.detail.jobName", state: "$.detail.state", run: "$.detail.jobRunId" },
    inputTemplate: sentence(
      `ddb-athena-snapshots ${stack}: table ${table}: Glue job <job> is still <state> after ${minutes} minutes (job run <run>).`,
    ),
  };
}

/** A resource policy letting EventBridge act on `resource` for this stack's alert rules only. */
function onlyStackRules(
  sid: string,
  action: string,
  resource: string,
  ruleArns: string[],
): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: sid,
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: [action],
        Resource: resource,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
      },
    ],
  };
}

/** Only this stack's alert rules may send to its dead-letter queue. */
export function deadLetterQueuePolicy(queueArn: string, ruleArns: string[]): PolicyDocument {
  return onlyStackRules("StackAlertRulesDeadLetter", "sqs:SendMessage", queueArn, ruleArns);
}

/**
 * Only this stack's alert rules, and its CloudWatch alarms (stale snapshots, undelivered alerts),
 * may publish to its topic. CloudWatch publishes as cloudwatch.amazonaws.com, so a topic policy
 * must name it (SNS guide, "Amazon SNS access control": service principals).
 */
export function alertTopicPolicy(
  topicArn: string,
  ruleArns: string[],
  alarmArnPattern: string,
): PolicyDocument {
  const rules = onlyStackRules("StackAlertRulesPublish", "sns:Publish", topicArn, ruleArns);
  return {
    ...rules,
    Statement: [
      ...rules.Statement,
      {
        Sid: "StackAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["sns:Publish"],
        Resource: topicArn,
        Condition: { ArnLike: { "aws:SourceArn": alarmArnPattern } },
      },
    ],
  };
}

/** ARN pattern of the stack's CloudWatch alarms: every one is named `ddbsnap-<stack>-…`. */
export function stackAlarmArnPattern(
  ctx: { partition: string; region: string; accountId: string },
  namePrefix: string,
): string {
  return `arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${namePrefix}*`;
}

/** Actions the account keeps on the alerts key, listed rather than `kms:*`. */
const KEY_ADMIN_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:ListResourceTags",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:CreateGrant",
  "kms:ListGrants",
  "kms:RevokeGrant",
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:GenerateDataKey",
];

/**
 * Policy of the key that encrypts the alerts topic. EventBridge cannot publish to a topic
 * encrypted with the AWS managed SNS key, so the topic gets its own key that EventBridge may use.
 * In a key policy, Resource "*" means this key.
 */
export function alertKeyPolicy(partition: string, accountId: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: KEY_ADMIN_ACTIONS,
        Resource: "*",
      },
      {
        Sid: "EventBridgeEncryptsAlerts",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "*",
      },
      {
        // CloudWatch alarms publish to the encrypted topic too (SNS guide, "Enable compatibility
        // between event sources from AWS services and encrypted topics").
        Sid: "CloudWatchAlarmsEncryptAlerts",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "*",
      },
    ],
  };
}
