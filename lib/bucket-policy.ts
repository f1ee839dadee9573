/** Bucket policy statements shared by the stack's buckets, and those the tables add. Pure. */
import type { AwsContext } from "./arns";
import type { TableConfig } from "./config";
import type { PolicyStatement } from "./iam-policy";
import type { TableNames } from "./naming";
import { shortHash, tablePrefixes } from "./naming";
import { sourceExportBucketStatements } from "./source";

/** Refuse plain HTTP and TLS below 1.2. A Deny for every S3 action grants nothing. */
export function tlsOnlyStatements(bucketArn: string): PolicyStatement[] {
  const resources = [bucketArn, `${bucketArn}/*`];
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:*"],
      Resource: resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyOutdatedTls",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:*"],
      Resource: resources,
      Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
    },
  ];
}

/**
 * Lets S3's logging service write the source bucket's access logs under `prefix`, and nothing
 * else (S3 guide, "Permissions for log delivery": a bucket policy for logging.s3.amazonaws.com,
 * limited by aws:SourceArn and aws:SourceAccount).
 */
export function accessLogDeliveryStatement(
  logBucketArn: string,
  prefix: string,
  sourceBucketArn: string,
  accountId: string,
): PolicyStatement {
  return {
    Sid: "S3ServerAccessLogsFromSnapshotBucket",
    Effect: "Allow",
    Principal: { Service: "logging.s3.amazonaws.com" },
    Action: ["s3:PutObject"],
    Resource: `${logBucketArn}/${prefix}*`,
    Condition: {
      ArnLike: { "aws:SourceArn": sourceBucketArn },
      StringEquals: { "aws:SourceAccount": accountId },
    },
  };
}

/** What the snapshot bucket's policy says about one table, beyond TLS. */
export interface TableBucketGrants {
  table: TableConfig;
  names: TableNames;
  /** The role the table's jobs run as. */
  pipelineRoleArn: string;
}

/**
 * Statements the tables add to the snapshot bucket's policy:
 * - a table in another account exported into this bucket: its source role may write that
 *   table's staging prefix (lib/source.ts);
 * - a table with `exclude` or `hash` columns in export or incremental mode: DynamoDB's export
 *   writes whole items, clear values included, to the staging prefix, so only the table's own
 *   pipeline role may read them there. A Deny in the bucket policy holds even for principals whose
 *   identity policies allow every S3 action in the account (docs/security.md, "Sensitive
 *   attributes"). S3's lifecycle expiration is not a request, so it still removes what is left.
 */
export function tableBucketStatements(
  ctx: AwsContext,
  bucketArn: string,
  tables: TableBucketGrants[],
): PolicyStatement[] {
  const sensitiveStaging = tables
    .filter(({ table }) => table.mode !== "scan" && Object.keys(table.columnRules).length > 0)
    .map(({ table, names, pipelineRoleArn }) => ({
      Sid: `OnlyThePipelineReadsStagedClearValues${shortHash(names.normalised)}`,
      Effect: "Deny" as const,
      Principal: "*",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: `${bucketArn}/${tablePrefixes(table.format, names.normalised).exportStaging}/*`,
      Condition: { ArnNotEquals: { "aws:PrincipalArn": pipelineRoleArn } },
    }));
  return [...sourceExportBucketStatements(ctx, tables, bucketArn), ...sensitiveStaging];
}
