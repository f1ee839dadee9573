/**
 * What `ddbsnap plan` says about who reaches what: a table's source (another region or account),
 * its sensitive columns, the reader sets, and the policies the owners of tables in other accounts
 * create. Pure: takes the validated config and what the program output under the mocks.
 */
import type { StackConfig, TableConfig } from "../lib/config";
import type { ReaderSet } from "../lib/readers";
import { readerSets } from "../lib/readers";
import type { SourceRolePolicies } from "../lib/source";
import { tablePrefixes, tableNames } from "../lib/naming";

/** The lines under a table's heading: where it is read from, and what of it stays out. */
export function tableAccessLines(
  table: TableConfig,
  config: StackConfig,
  stackRegion?: string,
): string[] {
  const lines: string[] = [];
  if (table.region || table.sourceRoleArn) {
    const where = [
      table.account ? `account ${table.account}` : "",
      table.region ? `region ${table.region}` : "",
    ]
      .filter(Boolean)
      .join(", ");
    const across =
      table.region && table.region !== stackRegion
        ? ` (another region: every run moves its data across regions; \`ddbsnap estimate ${table.name}\` prices it)`
        : "";
    const through = table.sourceRoleArn
      ? `; every DynamoDB call made with role ${table.sourceRoleArn}, which its owner creates (below)`
      : "";
    lines.push(`  source: ${where}${across}${through}`);
  }
  const rules = Object.entries(table.columnRules);
  if (rules.length > 0) {
    const said = rules
      .map(([attribute, rule]) => `${attribute} ${rule === "hash" ? "hashed" : "excluded"}`)
      .join(", ");
    const staging =
      table.mode === "scan"
        ? "applied before the scan stages an item"
        : `DynamoDB's export stages whole items: clear in ${tablePrefixes(table.format, tableNames(config.stack, table.name).normalised).exportStaging}/ ` +
          "until the job has read them, readable by this table's role alone";
    lines.push(
      `  columns: ${said}${rules.some(([, r]) => r === "hash") ? ` (hashes: HMAC-SHA-256 keyed with ${config.hashKey})` : ""}; ${staging}`,
    );
  }
  const readers = [...config.readers.map((r) => `${r} (every table)`), ...table.readers];
  if (readers.length > 0) lines.push(`  readers: ${readers.join(", ")}`);
  return lines;
}

/** The reader sets: roles, views, workgroup and results, and how the data is granted. */
export function readerLines(config: StackConfig): string[] {
  const sets = readerSets(config);
  if (sets.length === 0) return [];
  const how = config.lakeFormation
    ? "Lake Formation (hybrid access mode: SELECT and DESCRIBE on each view and its table, the readers opted in) and IAM"
    : "IAM (a managed policy per set, attached to its roles)";
  return [
    `Readers (${sets.length} reader set${sets.length === 1 ? "" : "s"}), granted through ${how}; each may SELECT its views in its own workgroup and nothing else:`,
    ...sets.flatMap((set: ReaderSet) => [
      `  ${set.id}: ${set.roles.join(", ")}`,
      `    views ${set.tables.map((t) => `${config.databaseName}.${tableNames(config.stack, t.name).view}`).join(", ")}; ` +
        `workgroup ${set.names.workgroup}, results s3://<bucket>/${set.names.athenaResults}/`,
    ]),
  ];
}

/**
 * The documents the owners of tables in other accounts create, as the program output them
 * (pulumi stack output sourceAccess), with the bucket Pulumi has not named yet shown as such.
 */
export function ownerLines(
  sourceAccess: Record<string, SourceRolePolicies>,
  mockedBucket: string,
  account: string | undefined,
): string[] {
  const tables = Object.entries(sourceAccess);
  if (tables.length === 0) return [];
  const json = (doc: object) =>
    JSON.stringify(doc, null, 2)
      .replaceAll(mockedBucket, "snapshots-bucket-<random>")
      .split("\n")
      .map((l) => `    ${l}`);
  const lines = [
    "For the owners of tables in other accounts: the role each creates in the table's account (also `pulumi stack output sourceAccess --json`, with the real names):",
  ];
  if (!account)
    lines.push(
      "  (the stack's account is not pinned with aws:allowedAccountIds: 123456789012 stands in for it below)",
    );
  if (JSON.stringify(sourceAccess).includes(mockedBucket))
    lines.push(
      "  (snapshots-bucket-<random> is the name Pulumi gives the snapshot bucket at the first `pulumi up`)",
    );
  for (const [table, policies] of tables) {
    lines.push(`  ${table}: role ${policies.roleArn}`);
    lines.push("   trust policy:", ...json(policies.trustPolicy));
    lines.push("   permissions policy:", ...json(policies.permissionsPolicy));
  }
  return lines;
}
