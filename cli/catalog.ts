/**
 * Reading one table of the stack's Glue catalog, for the commands and modules that look at what
 * the workflows left there (views, the crawler's table, the Iceberg table).
 */
import type { GlueClient } from "@aws-sdk/client-glue";
import { sdk } from "./aws";
import { AwsError, awsCall } from "./errors";

/** The table or view, or undefined if the catalog has no such table (other errors pass). */
export async function catalogTable(glue: GlueClient, database: string, name: string) {
  const { GetTableCommand } = sdk.glue();
  try {
    return (
      await awsCall("Glue GetTable", () =>
        glue.send(new GetTableCommand({ DatabaseName: database, Name: name })),
      )
    ).Table;
  } catch (error) {
    if (error instanceof AwsError && error.code === "EntityNotFoundException") return undefined;
    throw error;
  }
}
