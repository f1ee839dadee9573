/** Bucket policy statements shared by the stack's buckets. Pure. */
import type { PolicyStatement } from "./iam-policy";

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
