import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { glueAssumeRolePolicy, optimizerPolicy } from "../lib/iam-policy";
import { icebergMaintenance } from "../lib/iceberg";
import type { TableScope } from "./table-scope";
import { autoNameOrFit, NAME_LIMITS, s3Uri, tablePrefixes } from "../lib/naming";

export type IcebergTableArgs = TableScope;

/**
 * Incremental mode: the Apache Iceberg table the apply job merges into, and its AWS-managed
 * maintenance (Glue table optimizers: compaction, snapshot retention, orphan-file deletion), run
 * as a role that can touch only this table's data and catalog entry.
 *
 * The program creates the table (format version 2, one bookkeeping column) so the optimizers have
 * a table to attach to at deploy time; the apply job owns its columns and properties from then
 * on, so Pulumi ignores what Iceberg commits change.
 */
export class IcebergTable extends pulumi.ComponentResource {
  readonly tableName: pulumi.Output<string>;
  readonly optimizers: aws.glue.CatalogTableOptimizer[];
  /** The role the table's optimizers run as. */
  readonly optimizerRoleArn: pulumi.Output<string>;

  constructor(name: string, args: IcebergTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:iceberg:IcebergTable", name, {}, opts);
    const { table, names } = args;
    const location = pulumi
      .output(args.bucket)
      .apply((b) => s3Uri(b, tablePrefixes(table.format, names.normalised).warehouse));

    const catalogTable = new aws.glue.CatalogTable(
      `${name}-table`,
      {
        name: names.icebergTable,
        databaseName: args.database,
        tableType: "EXTERNAL_TABLE",
        description: `Current state of DynamoDB table ${table.name}, merged from its incremental exports (Iceberg: time travel reaches earlier states)`,
        openTableFormatInput: { icebergInput: { metadataOperation: "CREATE", version: "2" } },
        storageDescriptor: {
          location,
          columns: [{ name: "_ddb_write_ts", type: "bigint" }],
        },
      },
      {
        parent: this,
        // Every Iceberg commit moves the metadata pointer and the apply job adds columns.
        ignoreChanges: ["parameters", "storageDescriptor", "openTableFormatInput", "tableType"],
      },
    );

    const role = new aws.iam.Role(
      `${name}-optimizer-role`,
      {
        name: autoNameOrFit(`${name}-optimizer-role`, names.stem, "-opt", NAME_LIMITS.iamRole),
        assumeRolePolicy: JSON.stringify(glueAssumeRolePolicy()),
        description: `Glue table optimizers (compaction, retention, orphan files) of ${names.icebergTable}`,
      },
      { parent: this },
    );
    this.optimizerRoleArn = role.arn;
    const policy = new aws.iam.RolePolicy(
      `${name}-optimizer-policy`,
      {
        name: autoNameOrFit(
          `${name}-optimizer-policy`,
          names.stem,
          "-optimizer",
          NAME_LIMITS.iamPolicy,
        ),
        role: role.name,
        policy: pulumi
          .all([args.ctx, args.bucket, args.database])
          .apply(([ctx, bucket, database]) =>
            JSON.stringify(
              optimizerPolicy({ ctx, names, table, bucket, database, kmsKeyArn: args.kmsKeyArn }),
            ),
          ),
      },
      { parent: this },
    );

    const maintenance = icebergMaintenance(table);
    const catalogId = pulumi.output(args.ctx).apply((c) => c.accountId);
    this.optimizers = (["compaction", "retention", "orphan_file_deletion"] as const).map(
      (type) =>
        new aws.glue.CatalogTableOptimizer(
          `${name}-${type.replace(/_/g, "-")}`,
          {
            catalogId,
            databaseName: args.database,
            tableName: catalogTable.name,
            type,
            configuration: {
              roleArn: role.arn,
              enabled: true,
              ...(type === "compaction"
                ? { compactionConfiguration: { icebergConfiguration: maintenance.compaction } }
                : {}),
              ...(type === "retention"
                ? { retentionConfiguration: { icebergConfiguration: maintenance.retention } }
                : {}),
              ...(type === "orphan_file_deletion"
                ? {
                    orphanFileDeletionConfiguration: {
                      icebergConfiguration: { ...maintenance.orphanFileDeletion, location },
                    },
                  }
                : {}),
            },
          },
          { parent: this, dependsOn: [policy] },
        ),
    );

    this.tableName = catalogTable.name;
    this.registerOutputs({ tableName: this.tableName });
  }
}
