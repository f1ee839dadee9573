import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { scanCapacityWarning } from "../lib/capacity";
import type { StackConfig, TableConfig } from "../lib/config";
import { ConfigError } from "../lib/config";
import { tableNames } from "../lib/naming";
import { readableTables, readerProblems, readerSets } from "../lib/readers";

/**
 * Through what the deploy-time checks describe a table: the stack's provider, one for the table's
 * region, or nothing, with why. A table in another account is readable only through its source
 * role, whose trust policy admits the table's pipeline role, not the identity deploying the stack
 * (lib/source.ts), so its checks are skipped, saying so; its jobs fail on their first run with
 * DynamoDB's own reason instead (and `ddbsnap status --check` names a role they cannot assume).
 */
export type TableAccess = { provider: aws.Provider } | { skipped: string };

export function tableAccess(
  table: TableConfig,
  stackProvider: aws.Provider,
  regionalProvider: (region: string) => aws.Provider,
): TableAccess {
  if (table.sourceRoleArn) {
    return {
      skipped:
        `the table is in account ${table.account}, readable only through sourceRoleArn ${table.sourceRoleArn}, whose trust ` +
        "policy admits this table's pipeline role and not the identity deploying the stack; the jobs' first run meets the same check",
    };
  }
  return { provider: table.region ? regionalProvider(table.region) : stackProvider };
}

/** The command that turns point-in-time recovery on, for the error message. */
export function enablePitrCommand(table: string): string {
  return `aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`;
}

/**
 * Checks what config validation cannot: that every export- and incremental-mode table exists and has
 * point-in-time recovery on (DynamoDB's export needs it). Runs before any resource is declared and
 * throws one ConfigError naming each table and how to fix it. Not a resource: a deploy-time check,
 * made with the stack's credentials in the table's region (tableAccess), or skipped with a warning
 * saying why.
 */
export async function checkExportTables(
  tables: TableConfig[],
  accessOf: (table: TableConfig) => TableAccess,
  warn: (message: string) => void = (m) => void pulumi.log.warn(m),
): Promise<void> {
  const problems: string[] = [];
  const bypass = "or set skipPitrCheck: true for a table this account cannot describe";
  await Promise.all(
    tables
      .filter((t) => t.mode !== "scan" && !t.skipPitrCheck)
      .map(async (t) => {
        const access = accessOf(t);
        if ("skipped" in access) {
          warn(
            `tables (${t.name}): point-in-time recovery not checked at deploy: ${access.skipped}`,
          );
          return;
        }
        const { provider } = access;
        try {
          const described = await aws.dynamodb.getTable({ name: t.name }, { provider });
          if (!described.pointInTimeRecovery?.enabled) {
            problems.push(
              `tables (${t.name}): mode is "${t.mode}" but point-in-time recovery is off for the table; allowed: a table ` +
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
            `tables (${t.name}): mode is "${t.mode}" but the table could not be described (${reason || "no reason given"}); allowed: an existing table (${bypass})`,
          );
        }
      }),
  );
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Warns (Pulumi's warning channel, at preview and up) about each scan-mode table whose configured
 * read rate is more than the table serves, through the table's access (tableAccess). A table
 * the deploying identity cannot describe is named as not checked; DescribeTable answers without a
 * billing mode (as Pulumi's mocks do for `ddbsnap plan`) leave it unchecked.
 */
export async function warnAboutScanCapacity(
  tables: TableConfig[],
  accessOf: (table: TableConfig) => TableAccess,
  warn: (message: string) => void = (m) => void pulumi.log.warn(m),
): Promise<void> {
  await Promise.all(
    tables
      .filter((t) => t.mode === "scan")
      .map(async (t) => {
        const access = accessOf(t);
        if ("skipped" in access) {
          warn(`tables (${t.name}): read capacity not checked at deploy: ${access.skipped}`);
          return;
        }
        const { provider } = access;
        let described: aws.dynamodb.GetTableResult;
        try {
          described = await aws.dynamodb.getTable({ name: t.name }, { provider });
        } catch (e) {
          const reason = (e instanceof Error ? e.message : String(e)).split("\n")[0].trim();
          warn(
            `tables (${t.name}): read capacity not checked: the table could not be described (${reason || "no reason given"})`,
          );
          return;
        }
        if (described.billingMode !== "PROVISIONED" && described.billingMode !== "PAY_PER_REQUEST")
          return;
        const warning = scanCapacityWarning(t, {
          billingMode: described.billingMode,
          readCapacity: described.readCapacity,
        });
        if (warning) warn(warning);
      }),
  );
}

/**
 * Checks what config validation cannot: that every reader is a role of the stack's account, to
 * which the stack can attach its read policies (lib/readers.ts). Asks AWS who is deploying, with
 * the stack's provider, only when the stack has readers.
 */
export async function checkReaders(config: StackConfig, provider: aws.Provider): Promise<void> {
  if (readerSets(config).length === 0) return;
  const { accountId } = await aws.getCallerIdentity({}, { provider });
  const problems = readerProblems(config, accountId);
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * With `lakeFormation: true`: the reader tables whose view and underlying table exist in the
 * catalog. Lake Formation grants only on what exists, and the first workflow run creates the view
 * (and the crawler the snapshot table): the tables that do not exist yet are named in a warning,
 * and read through S3 until the next `pulumi up`.
 */
export async function lakeFormationTables(
  config: StackConfig,
  database: string,
  provider: aws.Provider,
  warn: (message: string) => void = (m) => void pulumi.log.warn(m),
): Promise<Set<string>> {
  const governed = new Set<string>();
  if (!config.lakeFormation) return governed;
  const tables = [...new Set(readerSets(config).flatMap((set) => set.tables))];
  await Promise.all(
    tables.map(async (table) => {
      const names = tableNames(config.stack, table.name);
      const missing: string[] = [];
      for (const name of readableTables(table, names)) {
        try {
          await aws.glue.getCatalogTable({ databaseName: database, name }, { provider });
        } catch {
          missing.push(name);
        }
      }
      if (missing.length === 0) governed.add(table.name);
      else
        warn(
          `tables (${table.name}): Lake Formation grants to its readers wait for ${missing.join(" and ")} in ${database}, ` +
            "which its first workflow run creates: run `pulumi up` again after it; until then its readers read its data through S3 (IAM)",
        );
    }),
  );
  return governed;
}
