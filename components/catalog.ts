import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";

export interface AnalyticsCatalogArgs {
  databaseName: string;
  workgroupName: string;
  /** `s3://<bucket>/athena-results/` */
  resultsLocation: pulumi.Input<string>;
  /** Customer managed key for query results; SSE-S3 when absent. */
  kmsKeyArn?: string;
}

/**
 * The Glue database that holds every snapshot table and view, and the Athena workgroup that
 * queries them. The workgroup enforces its result location and encryption, so no client setting
 * can send query results elsewhere or unencrypted.
 */
export class AnalyticsCatalog extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  readonly workgroup: aws.athena.Workgroup;
  readonly databaseName: pulumi.Output<string>;
  readonly workgroupName: pulumi.Output<string>;

  constructor(name: string, args: AnalyticsCatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:catalog:AnalyticsCatalog", name, {}, opts);

    this.database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      {
        name: args.databaseName,
        description:
          "DynamoDB snapshots (ddb-athena-snapshots): snapshots_<table> tables and <table> views",
      },
      { parent: this },
    );

    this.workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      queryWorkgroupArgs({
        name: args.workgroupName,
        description: "Queries over DynamoDB snapshots (ddb-athena-snapshots)",
        resultsLocation: args.resultsLocation,
        kmsKeyArn: args.kmsKeyArn,
      }),
      { parent: this },
    );

    this.databaseName = this.database.name;
    this.workgroupName = this.workgroup.name;
    this.registerOutputs({ databaseName: this.databaseName, workgroupName: this.workgroupName });
  }
}

/**
 * An Athena workgroup that enforces its result location and encryption, so no client setting can
 * send query results elsewhere or unencrypted: the stack's (operators), each table's (its refresh
 * job) and each reader set's each write under their own prefix, which IAM scopes per role.
 */
export function queryWorkgroupArgs(args: {
  name: pulumi.Input<string>;
  description: string;
  /** `s3://<bucket>/<prefix>/` */
  resultsLocation: pulumi.Input<string>;
  kmsKeyArn?: string;
}): aws.athena.WorkgroupArgs {
  return {
    name: args.name,
    description: args.description.slice(0, 1024),
    configuration: {
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      resultConfiguration: {
        outputLocation: args.resultsLocation,
        encryptionConfiguration: args.kmsKeyArn
          ? { encryptionOption: "SSE_KMS", kmsKeyArn: args.kmsKeyArn }
          : { encryptionOption: "SSE_S3" },
      },
    },
    // Lets `pulumi destroy` remove a workgroup that has saved queries in it.
    forceDestroy: true,
  };
}
