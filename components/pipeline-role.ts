import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { glueAssumeRolePolicy, pipelinePolicies, POLICY_PARTS } from "../lib/iam-policy";
import type { TableScope } from "./table-scope";
import { autoNameOrFit, fitName, NAME_LIMITS } from "../lib/naming";
import { sourcePipelineRoleName } from "../lib/source";

export interface PipelineRoleArgs extends TableScope {
  workgroup: pulumi.Input<string>;
  scriptKeys: string[];
  securityConfiguration: pulumi.Input<string>;
  dynamodbConnection?: pulumi.Input<string>;
  /** The stack's HMAC key, which a table that hashes a column reads. */
  hashKey?: string;
}

/**
 * The role one table's export job, crawler and refresh job run as. Its policies are scoped to
 * that table, its S3 prefixes, its catalog tables, the workgroup and its log groups
 * (lib/iam-policy.ts), so one table's pipeline cannot read or overwrite another's data. They are
 * managed policies, one per service group, because a long table name with KMS and export mode
 * would pass the 10,240 characters IAM allows a role's inline policies.
 */
export class PipelineRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly roleArn: pulumi.Output<string>;
  readonly roleName: pulumi.Output<string>;
  /** The attached policies; jobs depend on them so they never start without their permissions. */
  readonly attachments: aws.iam.RolePolicyAttachment[];

  constructor(name: string, args: PipelineRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:iam:PipelineRole", name, {}, opts);

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        // Pulumi's auto-name while it fits IAM's 64 characters, so deployed roles keep theirs; a
        // fixed name for a table read through a source role, whose owner's trust policy names it.
        name: args.table.sourceRoleArn
          ? sourcePipelineRoleName(args.names)
          : autoNameOrFit(`${name}-role`, args.names.stem, "", NAME_LIMITS.iamRole),
        assumeRolePolicy: JSON.stringify(glueAssumeRolePolicy()),
        description: `Glue export, crawl and view refresh for DynamoDB table ${args.table.name}`,
      },
      { parent: this },
    );

    const documents = pulumi
      .all([
        args.ctx,
        args.bucket,
        args.database,
        args.workgroup,
        this.role.name,
        args.securityConfiguration,
      ])
      .apply(([ctx, bucket, database, workgroup, roleName, securityConfiguration]) =>
        pipelinePolicies({
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
          hashKey: args.hashKey,
        }),
      );

    this.attachments = POLICY_PARTS.map((part) => {
      const policy = new aws.iam.Policy(
        `${name}-${part}`,
        {
          name: fitName(args.names.stem, `-${part}`, NAME_LIMITS.iamPolicy),
          description:
            `ddb-athena-snapshots: ${part} permissions for DynamoDB table ${args.table.name}`.slice(
              0,
              1000,
            ),
          policy: documents.apply((d) => JSON.stringify(d[part])),
        },
        { parent: this },
      );
      return new aws.iam.RolePolicyAttachment(
        `${name}-${part}`,
        { role: this.role.name, policyArn: policy.arn },
        { parent: this },
      );
    });

    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
