/** ARNs of the things a pipeline touches, built from names. Pure. */

export interface AwsContext {
  partition: string;
  region: string;
  accountId: string;
}

export function dynamodbTableArn(ctx: AwsContext, table: string): string {
  return `arn:${ctx.partition}:dynamodb:${ctx.region}:${ctx.accountId}:table/${table}`;
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
