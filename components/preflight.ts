import * as aws from "@pulumi/aws";
import { ConfigError, TableConfig } from "../lib/config";

/** The command that turns point-in-time recovery on, for the error message. */
export function enablePitrCommand(table: string): string {
  return `aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`;
}

/**
 * Checks what config validation cannot: that every export-mode table exists and has
 * point-in-time recovery on (DynamoDB's export needs it). Runs before any resource is declared and
 * throws one ConfigError naming each table and how to fix it. Not a resource: a deploy-time check,
 * made through the same provider (account, credentials, region) as the resources.
 */
export async function checkExportTables(
  tables: TableConfig[],
  provider: aws.Provider,
): Promise<void> {
  const problems: string[] = [];
  const bypass = "or set skipPitrCheck: true for a table this account cannot describe";
  await Promise.all(
    tables
      .filter((t) => t.mode === "export" && !t.skipPitrCheck)
      .map(async (t) => {
        try {
          const described = await aws.dynamodb.getTable({ name: t.name }, { provider });
          if (!described.pointInTimeRecovery?.enabled) {
            problems.push(
              `tables (${t.name}): mode is "export" but point-in-time recovery is off for the table; allowed: a table ` +
                `with PITR on. Enable it with: ${enablePitrCommand(t.name)} (${bypass})`,
            );
          }
        } catch (e) {
          const reason = (e instanceof Error ? e.message : String(e))
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)
            .join(" ");
          problems.push(
            `tables (${t.name}): mode is "export" but the table could not be described (${reason || "no reason given"}); allowed: an existing table (${bypass})`,
          );
        }
      }),
  );
  if (problems.length > 0) throw new ConfigError(problems);
}
