import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { accessLogDeliveryStatement, tlsOnlyStatements } from "../lib/bucket-policy";
import type { PolicyStatement } from "../lib/iam-policy";
import { ATHENA_RESULTS_PREFIX } from "../lib/naming";

export interface ExportStorageArgs {
  /** Customer managed key for default encryption; SSE-S3 when absent. */
  kmsKeyArn?: string;
  /** Days to keep Athena query results. */
  athenaResultsDays?: number;
}

/** How long S3 server access logs of the snapshot bucket are kept. */
export const ACCESS_LOG_DAYS = 90;
/** Where in the log bucket the snapshot bucket's access logs go. */
export const ACCESS_LOG_PREFIX = "snapshots/";

/**
 * The one bucket that holds every table's snapshots, the Glue scripts, Spark scratch space and
 * Athena results: encrypted, never public, TLS only, objects owned by the bucket owner.
 * Versioning stays off on purpose: pruning must free the space of expired snapshots.
 * Beside it, a log bucket records who read or wrote the snapshots (S3 server access logging),
 * guarded the same way and emptied after ACCESS_LOG_DAYS days.
 */
export class ExportStorage extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly accessLogBucketName: pulumi.Output<string>;
  readonly athenaResultsLocation: pulumi.Output<string>;

  private readonly snapshotsGuard: {
    name: string;
    publicAccessBlock: aws.s3.BucketPublicAccessBlock;
  };
  private bucketPolicy?: aws.s3.BucketPolicy;

  constructor(name: string, args: ExportStorageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:storage:ExportStorage", name, {}, opts);

    this.bucket = new aws.s3.Bucket(`${name}-bucket`, {}, { parent: this });
    // The snapshot bucket's policy waits for the tables' grants (declarePolicy).
    const publicAccessBlock = this.guard(name, this.bucket, {
      deferPolicy: true,
      // Bucket keys cut KMS requests (and their cost) by orders of magnitude.
      encryption: args.kmsKeyArn
        ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }
        : { sseAlgorithm: "AES256" },
      lifecycle: [
        {
          id: "expire-athena-results",
          status: "Enabled",
          filter: { prefix: ATHENA_RESULTS_PREFIX },
          expiration: { days: args.athenaResultsDays ?? 7 },
        },
        {
          id: "expire-spark-scratch",
          status: "Enabled",
          filter: { prefix: "tmp/" },
          expiration: { days: 1 },
        },
        {
          id: "expire-export-staging",
          status: "Enabled",
          filter: { prefix: "export-staging/" },
          expiration: { days: 1 },
        },
        ABORT_INCOMPLETE_UPLOADS,
      ],
    });

    const logs = new aws.s3.Bucket(`${name}-access-logs`, {}, { parent: this });
    this.guard(`${name}-access-logs`, logs, {
      // S3 delivers server access logs only to buckets encrypted with SSE-S3, not SSE-KMS (S3 guide,
      // "Enabling Amazon S3 server access logging").
      encryption: { sseAlgorithm: "AES256" },
      lifecycle: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: {},
          expiration: { days: ACCESS_LOG_DAYS },
        },
        ABORT_INCOMPLETE_UPLOADS,
      ],
      // With BucketOwnerEnforced, the logging service writes by bucket policy, for this bucket only.
      extraStatements: pulumi
        .all([
          logs.arn,
          this.bucket.arn,
          aws.getCallerIdentityOutput({}, { parent: this }).accountId,
        ])
        .apply(([logArn, sourceArn, accountId]) => [
          accessLogDeliveryStatement(logArn, ACCESS_LOG_PREFIX, sourceArn, accountId),
        ]),
    });
    new aws.s3.BucketLogging(
      `${name}-access-logging`,
      { bucket: this.bucket.bucket, targetBucket: logs.bucket, targetPrefix: ACCESS_LOG_PREFIX },
      { parent: this },
    );

    this.snapshotsGuard = { name, publicAccessBlock };
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.accessLogBucketName = logs.bucket;
    this.athenaResultsLocation = pulumi.interpolate`s3://${this.bucket.bucket}/${ATHENA_RESULTS_PREFIX}`;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      accessLogBucketName: this.accessLogBucketName,
    });
  }

  /**
   * The snapshot bucket's policy: TLS only, plus what the tables need of it (a source account's
   * export writes to a table's staging prefix; the staged exports of a table with sensitive
   * columns readable by its pipeline role alone). Called once, after the tables are declared.
   */
  declarePolicy(tableStatements: pulumi.Input<PolicyStatement[]>): aws.s3.BucketPolicy {
    if (this.bucketPolicy) throw new Error("the snapshot bucket's policy is already declared");
    const { name, publicAccessBlock } = this.snapshotsGuard;
    this.bucketPolicy = this.bucketPolicyOf(
      name,
      this.bucket,
      pulumi.output(tableStatements),
      publicAccessBlock,
    );
    return this.bucketPolicy;
  }

  /** Encryption, no public access, owner-owned objects, TLS only, and lifecycle rules for a bucket. */
  private guard(
    name: string,
    bucket: aws.s3.Bucket,
    args: {
      encryption: aws.types.input.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefault;
      lifecycle: aws.types.input.s3.BucketLifecycleConfigurationRule[];
      extraStatements?: pulumi.Output<PolicyStatement[]>;
      deferPolicy?: boolean;
    },
  ): aws.s3.BucketPublicAccessBlock {
    const parent = { parent: this };
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.bucket,
        rules: [{ applyServerSideEncryptionByDefault: args.encryption, bucketKeyEnabled: true }],
      },
      parent,
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      {
        bucket: bucket.bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    if (!args.deferPolicy)
      this.bucketPolicyOf(
        name,
        bucket,
        args.extraStatements ?? pulumi.output([]),
        publicAccessBlock,
      );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: bucket.bucket, rules: args.lifecycle },
      parent,
    );
    return publicAccessBlock;
  }

  private bucketPolicyOf(
    name: string,
    bucket: aws.s3.Bucket,
    extraStatements: pulumi.Output<PolicyStatement[]>,
    publicAccessBlock: aws.s3.BucketPublicAccessBlock,
  ): aws.s3.BucketPolicy {
    return new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket: bucket.bucket,
        policy: pulumi.all([bucket.arn, extraStatements]).apply(([arn, extra]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [...tlsOnlyStatements(arn), ...extra],
          }),
        ),
      },
      // S3 rejects a bucket policy while a public access block is still being applied.
      { parent: this, dependsOn: [publicAccessBlock] },
    );
  }
}

const ABORT_INCOMPLETE_UPLOADS = {
  id: "abort-incomplete-uploads",
  status: "Enabled",
  filter: {},
  abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
};
