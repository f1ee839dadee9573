import type * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../lib/arns";
import type { TableConfig } from "../lib/config";
import type { TableNames } from "../lib/naming";

/**
 * What every per-table component is given: the table, its physical names, the account it lives
 * in, and where its data and catalog entries go.
 */
export interface TableScope {
  ctx: pulumi.Input<AwsContext>;
  table: TableConfig;
  names: TableNames;
  bucket: pulumi.Input<string>;
  database: pulumi.Input<string>;
  /** The stack's customer managed key, when it has one. */
  kmsKeyArn?: string;
}
