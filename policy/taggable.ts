/** Which AWS resource types accept `tags`. Pure; shared by the program and the policy pack. */

/**
 * Resource types this program declares that accept `tags` (checked against the @pulumi/aws typings
 * by test/guardrails.test.ts). Tags must not be set on the others: the provider rejects them.
 */
export const TAGGABLE_TYPES: readonly string[] = [
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketObjectv2:BucketObjectv2",
  "aws:iam/role:Role",
  "aws:iam/policy:Policy",
  "aws:glue/job:Job",
  "aws:glue/crawler:Crawler",
  "aws:glue/trigger:Trigger",
  "aws:glue/workflow:Workflow",
  "aws:glue/catalogDatabase:CatalogDatabase",
  "aws:athena/workgroup:Workgroup",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:sns/topic:Topic",
  "aws:kms/key:Key",
  "aws:sqs/queue:Queue",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
];

export function isTaggable(type: string): boolean {
  return TAGGABLE_TYPES.includes(type);
}
