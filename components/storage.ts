import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ATHENA_RESULTS_PREFIX } from "../lib/naming";

export interface ExportStorageArgs {
  /** Customer managed key for default encryption; SSE-S3 when absent. */
  kmsKeyArn?: string;
  /** Days to keep Athena query results. */
  athenaResultsDays?: number;
}

/**
 * The one bucket that holds every table's snapshots, the Glue scripts, Spark scratch space and
 * Athena results: encrypted, never public, TLS only, objects owned by the bucket owner.
 * Versioning stays off on purpose: pruning must free the space of expired snapshots.
 */
export class ExportStorage extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly athenaResultsLocation: pulumi.Output<string>;

  constructor(name: string, args: ExportStorageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:storage:ExportStorage", name, {}, opts);
    const parent = { parent: this };

    this.bucket = new aws.s3.Bucket(`${name}-bucket`, {}, parent);
    const bucket = this.bucket.bucket;

    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: args.kmsKeyArn
              ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }
              : { sseAlgorithm: "AES256" },
            // Bucket keys cut KMS requests (and their cost) by orders of magnitude.
            bucketKeyEnabled: true,
          },
        ],
      },
      parent,
    );

    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );

    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );

    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket,
        policy: this.bucket.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                // A Deny for every S3 action is how a bucket refuses plain HTTP; it grants nothing.
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
              {
                Sid: "DenyOutdatedTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
              },
            ],
          }),
        ),
      },
      // S3 rejects a bucket policy while a public access block is still being applied.
      { parent: this, dependsOn: [publicAccessBlock] },
    );

    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket,
        rules: [
          {
            id: "expire-athena-results",
            status: "Enabled",
            filter: { prefix: ATHENA_RESULTS_PREFIX },
            expiration: { days: args.athenaResultsDays ?? 7 },
          },
          { id: "expire-spark-scratch", status: "Enabled", filter: { prefix: "tmp/" }, expiration: { days: 1 } },
          {
            id: "expire-export-staging",
            status: "Enabled",
            filter: { prefix: "export-staging/" },
            expiration: { days: 1 },
          },
          {
            id: "abort-incomplete-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      parent,
    );

    this.bucketName = bucket;
    this.bucketArn = this.bucket.arn;
    this.athenaResultsLocation = pulumi.interpolate`s3://${bucket}/${ATHENA_RESULTS_PREFIX}`;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
