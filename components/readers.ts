import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../lib/arns";
import type { ReaderSet } from "../lib/readers";
import {
  dataPrefix,
  readableTables,
  readerPolicies,
  readerPolicyParts,
  roleName,
} from "../lib/readers";
import { fitName, NAME_LIMITS, s3Uri, tableNames } from "../lib/naming";
import { queryWorkgroupArgs } from "./catalog";

export interface ReaderAccessArgs {
  stack: string;
  ctx: pulumi.Input<AwsContext>;
  sets: ReaderSet[];
  bucket: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  /** The stack's Glue database, as configured (its name sizes the policies before deploy). */
  databaseName: string;
  kmsKeyArn?: string;
  /** Grant through Lake Formation (hybrid access mode) as well as IAM. */
  lakeFormation: boolean;
  /**
   * With Lake Formation: the tables whose view and underlying table exist in the catalog, which
   * Lake Formation can grant on (the first workflow run creates them: components/preflight.ts).
   */
  governed: ReadonlySet<string>;
  /**
   * Per table, the roles that write its registered location (its pipeline role, and in
   * incremental mode its optimizers'): with Lake Formation they need the data location permission.
   */
  writerRoles: Record<string, pulumi.Input<string>[]>;
}

/**
 * The readers of the stack's views (lib/readers.ts): per reader set a workgroup whose results
 * only that set may read, and managed policies attached to its roles. With `lakeFormation: true`,
 * each table's data location is registered in hybrid access mode (the stack's own roles keep
 * their IAM access; the readers are opted in, so Lake Formation's grants govern them), and each
 * reader gets SELECT and DESCRIBE on its views and their tables (Athena guide, "Considerations and
 * limitations for querying data registered with Lake Formation": a view needs permissions on the
 * view and on the tables it reads; Lake Formation guide, "Hybrid access mode").
 */
export class ReaderAccess extends pulumi.ComponentResource {
  readonly workgroupNames: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: ReaderAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:readers:ReaderAccess", name, {}, opts);
    for (const set of args.sets) this.declareSet(name, set, args);
    if (args.lakeFormation) this.declareLakeFormation(name, args);
    this.registerOutputs({ workgroupNames: this.workgroupNames });
  }

  private declareSet(name: string, set: ReaderSet, args: ReaderAccessArgs): void {
    const parent = { parent: this };
    const workgroup = new aws.athena.Workgroup(
      `${name}-${set.id}-workgroup`,
      queryWorkgroupArgs({
        name: set.names.workgroup,
        description: `Readers of ${set.tables.map((t) => t.name).join(", ")} (ddb-athena-snapshots)`,
        resultsLocation: pulumi
          .output(args.bucket)
          .apply((b) => `${s3Uri(b, set.names.athenaResults)}/`),
        kmsKeyArn: args.kmsKeyArn,
      }),
      parent,
    );
    this.workgroupNames[set.id] = workgroup.name;
    // The split over policies depends on names only, so it is known before the outputs are.
    const parts = readerPolicyParts({
      set,
      stack: args.stack,
      database: args.databaseName,
      kmsKeyArn: args.kmsKeyArn,
      governed: args.governed,
    });
    const documents = pulumi.all([args.ctx, args.bucket]).apply(([ctx, bucket]) =>
      readerPolicies(
        {
          ctx,
          set,
          stack: args.stack,
          bucket,
          database: args.databaseName,
          kmsKeyArn: args.kmsKeyArn,
          governed: args.governed,
        },
        parts,
      ),
    );
    const count = parts.length;
    for (let i = 0; i < count; i++) {
      const suffix = i === 0 ? "" : `-${i + 1}`;
      const policy = new aws.iam.Policy(
        `${name}-${set.id}-policy${suffix}`,
        {
          name: fitName(set.names.policy, suffix, NAME_LIMITS.iamPolicy),
          description:
            `ddb-athena-snapshots: SELECT on the views of ${set.tables.map((t) => t.name).join(", ")}`.slice(
              0,
              1000,
            ),
          policy: documents.apply((d) => JSON.stringify(d[i])),
        },
        parent,
      );
      for (const role of set.roles) {
        new aws.iam.RolePolicyAttachment(
          `${name}-${set.id}-${roleName(role)}${suffix}`,
          { role: roleName(role), policyArn: policy.arn },
          parent,
        );
      }
    }
  }

  private declareLakeFormation(name: string, args: ReaderAccessArgs): void {
    const parent = { parent: this };
    const tables = [
      ...new Map(args.sets.flatMap((s) => s.tables.map((t) => [t.name, t]))).values(),
    ];
    const located = tables.map((table) => {
      const names = tableNames(args.stack, table.name);
      return { table, names, prefix: dataPrefix(table, names) };
    });
    // The role Lake Formation reads the registered data with, for the readers it vends it to.
    const role = new aws.iam.Role(
      `${name}-lakeformation-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lakeformation.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        description:
          "Lake Formation's access to the snapshot data readers may query (ddb-athena-snapshots)",
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-lakeformation-data`,
      {
        role: role.name,
        policy: pulumi.output(args.bucketArn).apply((bucketArn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "ListTheRegisteredData",
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: bucketArn,
                Condition: {
                  StringLike: {
                    "s3:prefix": located.flatMap(({ prefix }) => [prefix, `${prefix}/*`]),
                  },
                },
              },
              {
                Sid: "ReadTheRegisteredData",
                Effect: "Allow",
                Action: ["s3:GetObject"],
                Resource: located.map(({ prefix }) => `${bucketArn}/${prefix}/*`),
              },
              ...(args.kmsKeyArn
                ? [
                    {
                      Sid: "DecryptWithTheStackKey",
                      Effect: "Allow",
                      Action: ["kms:Decrypt"],
                      Resource: args.kmsKeyArn,
                    },
                  ]
                : []),
            ],
          }),
        ),
      },
      parent,
    );
    const database = args.databaseName;
    for (const { table, names, prefix } of located) {
      const locationArn = pulumi.output(args.bucketArn).apply((b) => `${b}/${prefix}`);
      const location = new aws.lakeformation.Resource(
        `${name}-${names.normalised}-location`,
        { arn: locationArn, roleArn: role.arn, hybridAccessEnabled: true },
        parent,
      );
      // Registered locations make Lake Formation check data location permissions when the
      // crawler adds partitions or the apply job commits (hybrid mode enforces CREATE_TABLE,
      // CREATE_PARTITION and UPDATE_TABLE): the table's own pipeline role, and its optimizers'
      // in incremental mode, keep that right (Glue guide, "Table optimization prerequisites").
      (args.writerRoles[table.name] ?? []).forEach((writer, i) => {
        new aws.lakeformation.Permissions(
          `${name}-${names.normalised}-${i === 0 ? "pipeline" : "optimizer"}-location`,
          {
            principal: writer,
            permissions: ["DATA_LOCATION_ACCESS"],
            dataLocation: { arn: locationArn },
          },
          { parent: this, dependsOn: [location] },
        );
      });
      // Lake Formation grants on catalog tables that exist; the next `pulumi up` after the first
      // run adds the rest (until then the readers read those tables' data through S3).
      if (!args.governed.has(table.name)) continue;
      for (const set of args.sets.filter((s) => s.tables.includes(table))) {
        for (const reader of set.roles) {
          const key = `${name}-${names.normalised}-${roleName(reader)}`;
          const grants = readableTables(table, names).map(
            (catalogTable) =>
              new aws.lakeformation.Permissions(
                `${key}-${catalogTable === names.view ? "view" : "table"}`,
                {
                  principal: reader,
                  permissions: ["SELECT", "DESCRIBE"],
                  table: { databaseName: database, name: catalogTable },
                },
                { parent: this, dependsOn: [location] },
              ),
          );
          new aws.lakeformation.OptIn(
            `${key}-opt-in`,
            {
              principals: [{ dataLakePrincipalIdentifier: reader }],
              resourceDatas: readableTables(table, names).map((catalogTable) => ({
                table: { databaseName: database, name: catalogTable },
              })),
            },
            { parent: this, dependsOn: grants },
          );
        }
      }
    }
  }
}
