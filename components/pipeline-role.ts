import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../lib/arns";
import type { TableConfig } from "../lib/config";
import { glueAssumeRolePolicy, pipelinePolicy } from "../lib/iam-policy";
import type { TableNames } from "../lib/naming";

export interface PipelineRoleArgs {
  ctx: pulumi.Input<AwsContext>;
  table: TableConfig;
  names: TableNames;
  bucket: pulumi.Input<string>;
  database: pulumi.Input<string>;
  workgroup: pulumi.Input<string>;
  scriptKeys: string[];
  securityConfiguration: pulumi.Input<string>;
  kmsKeyArn?: string;
}

/**
 * The role one table's export job, crawler and refresh job run as. Its only policy is scoped to
 * that table, its S3 prefixes, its catalog tables, the workgroup and its log groups
 * (lib/iam-policy.ts), so one table's pipeline cannot read or overwrite another's data.
 */
export class PipelineRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly roleArn: pulumi.Output<string>;
  /** The policy as attached; jobs depend on it so they never start without their permissions. */
  readonly policy: aws.iam.RolePolicy;

  constructor(name: string, args: PipelineRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:iam:PipelineRole", name, {}, opts);

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: JSON.stringify(glueAssumeRolePolicy()),
        description: `Glue export, crawl and view refresh for DynamoDB table ${args.table.name}`,
      },
      { parent: this },
    );

    this.policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([args.ctx, args.bucket, args.database, args.workgroup, this.role.name, args.securityConfiguration])
          .apply(([ctx, bucket, database, workgroup, roleName, securityConfiguration]) =>
            JSON.stringify(
              pipelinePolicy({
                ctx,
                table: args.table,
                names: args.names,
                bucket,
                database,
                workgroup,
                scriptKeys: args.scriptKeys,
                roleName,
                securityConfiguration,
                kmsKeyArn: args.kmsKeyArn,
              }),
            ),
          ),
      },
      { parent: this },
    );

    this.roleArn = this.role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
