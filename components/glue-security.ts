import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";

export interface GlueSecurityArgs {
  name: string;
  /** Customer managed key; when absent S3 data is SSE-S3 and logs/bookmarks use AWS's default. */
  kmsKeyArn?: string;
}

/**
 * The Glue security configuration every job and crawler of the stack runs with: S3 writes
 * encrypted (SSE-KMS with the stack's key, else SSE-S3), and with a key also CloudWatch logs and
 * job bookmarks. Glue offers CloudWatch and bookmark encryption only with a KMS key.
 */
export class GlueSecurity extends pulumi.ComponentResource {
  readonly securityConfigurationName: pulumi.Output<string>;

  constructor(name: string, args: GlueSecurityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:glue:GlueSecurity", name, {}, opts);
    const key = args.kmsKeyArn;

    const configuration = new aws.glue.SecurityConfiguration(
      `${name}-security-configuration`,
      {
        name: args.name,
        encryptionConfiguration: {
          s3Encryption: key
            ? { s3EncryptionMode: "SSE-KMS", kmsKeyArn: key }
            : { s3EncryptionMode: "SSE-S3" },
          cloudwatchEncryption: key
            ? { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: key }
            : { cloudwatchEncryptionMode: "DISABLED" },
          jobBookmarksEncryption: key
            ? { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: key }
            : { jobBookmarksEncryptionMode: "DISABLED" },
        },
      },
      { parent: this },
    );

    this.securityConfigurationName = configuration.name;
    this.registerOutputs({ securityConfigurationName: this.securityConfigurationName });
  }
}
