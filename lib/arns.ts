/** ARNs of the things a pipeline touches, built from names. Pure. */

export interface AwsContext {
  partition: string;
  region: string;
  accountId: string;
}

export function dynamodbTableArn(ctx: AwsContext, table: string): string {
  return `arn:${ctx.partition}:dynamodb:${ctx.region}:${ctx.accountId}:table/${table}`;
}

/**
 * The partition a region belongs to (AWS General Reference, "AWS partitions": China regions are
 * `aws-cn`, GovCloud `aws-us-gov`, the ISO regions their own; every other region `aws`).
 */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  return "aws";
}

/** The partition, service, region and account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
export function arnParts(
  arn: string,
): { partition: string; service: string; region: string; account: string } | undefined {
  const match = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):/.exec(arn);
  return match
    ? { partition: match[1], service: match[2], region: match[3], account: match[4] }
    : undefined;
}

export function iamRoleArn(ctx: Pick<AwsContext, "partition" | "accountId">, name: string): string {
  return `arn:${ctx.partition}:iam::${ctx.accountId}:role/${name}`;
}

export function glueArn(ctx: AwsContext, resource: string): string {
  return `arn:${ctx.partition}:glue:${ctx.region}:${ctx.accountId}:${resource}`;
}

export function glueCatalogArn(ctx: AwsContext): string {
  return glueArn(ctx, "catalog");
}

export function glueDatabaseArn(ctx: AwsContext, database: string): string {
  return glueArn(ctx, `database/${database}`);
}

export function glueTableArn(ctx: AwsContext, database: string, table: string): string {
  return glueArn(ctx, `table/${database}/${table}`);
}

export function athenaWorkgroupArn(ctx: AwsContext, workgroup: string): string {
  return `arn:${ctx.partition}:athena:${ctx.region}:${ctx.accountId}:workgroup/${workgroup}`;
}

export function logGroupArn(ctx: AwsContext, logGroup: string): string {
  return `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${logGroup}`;
}

export function s3BucketArn(ctx: AwsContext, bucket: string): string {
  return `arn:${ctx.partition}:s3:::${bucket}`;
}
