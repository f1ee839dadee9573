import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DynamoDbConnectionArgs {
  name: string;
}

/**
 * The Glue connection of type DYNAMODB that scan-mode export jobs on Glue 5.x attach: it carries
 * no credentials or endpoint, it only makes Glue load the DataFrame-based DynamoDB connector,
 * which reads a table once (Glue guide, "DynamoDB connector with Spark DataFrame support"). The
 * jobs' own role still does the reading.
 */
export class DynamoDbConnection extends pulumi.ComponentResource {
  readonly connectionName: pulumi.Output<string>;

  constructor(name: string, args: DynamoDbConnectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:glue:DynamoDbConnection", name, {}, opts);
    const connection = new aws.glue.Connection(
      `${name}-connection`,
      {
        name: args.name,
        connectionType: "DYNAMODB",
        connectionProperties: {},
        description:
          "Loads Glue's DataFrame-based DynamoDB connector for ddb-athena-snapshots export jobs",
      },
      { parent: this },
    );
    this.connectionName = connection.name;
    this.registerOutputs({ connectionName: this.connectionName });
  }
}
