/**
 * `ddbsnap query --as-of <time>`: the same SQL, reading each of the stack's tables as it was at
 * that time. Pure, so the rewrite is tested without AWS.
 *
 * - Incremental mode: Iceberg time travel, `FOR TIMESTAMP AS OF TIMESTAMP '<time> UTC'` (Athena
 *   engine 3, "Query Iceberg table data"): the state after the last merge committed at or before
 *   that time, as far back as the retention optimizer keeps snapshots.
 * - Scan and export mode: the newest snapshot partition taken at or before that time, chosen in
 *   SQL (snapshot timestamps sort as text in time order), as far back as retentionDays. Read
 *   through the view's own select list (given as `viewSql`, from the catalog), so the columns a
 *   format stores as text (CSV, binary in JSON) come back decoded, exactly as the view shows them.
 *
 * Each `FROM <view>` / `JOIN <view>` (bare, quoted or database-qualified) becomes a subquery
 * under the view's own name, so `orders.id` and aliases keep working.
 */
import type { TableConfig } from "./config";
import type { TableNames } from "./naming";
import { CONTRACT } from "./contract";

export interface AsOfTable {
  table: TableConfig;
  names: TableNames;
  /** Scan and export mode: the SQL of the table's view as the catalog keeps it (one snapshot). */
  viewSql?: string;
}

/** `YYYYMMDDTHHMMSSZ`, the snapshot partitions' format. */
export function snapshotTimestamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
}

/** `2026-11-20 00:00:00.000 UTC`: Athena's timestamp literal with a zone. */
export function athenaTimestamp(at: Date): string {
  return `${at.toISOString().replace("T", " ").replace("Z", "")} UTC`;
}

/** `snapshot_timestamp = '<ts>'`, quoted or not, as the refresh job writes it in a view. */
const SNAPSHOT_PREDICATE = new RegExp(
  `"?${CONTRACT.snapshotPartitionKey}"?\\s*=\\s*'${CONTRACT.snapshotTimestampPattern}'`,
  "g",
);

export function asOfRelation(database: string, t: AsOfTable, at: Date): string {
  const { names } = t;
  if (t.table.mode === "incremental") {
    return (
      `(SELECT * FROM "${database}"."${names.icebergTable}" ` +
      `FOR TIMESTAMP AS OF TIMESTAMP '${athenaTimestamp(at)}')`
    );
  }
  const key = CONTRACT.snapshotPartitionKey;
  const snapshots = `"${database}"."${names.crawlerTable}"`;
  const newest =
    `${key} = (SELECT max(${key}) FROM ${snapshots} ` +
    `WHERE ${key} <= '${snapshotTimestamp(at)}')`;
  const predicates = t.viewSql?.match(SNAPSHOT_PREDICATE) ?? [];
  if (t.viewSql !== undefined && predicates.length === 1)
    return `(${t.viewSql.trim().replace(SNAPSHOT_PREDICATE, newest)})`;
  return `(SELECT * FROM ${snapshots} WHERE ${newest})`;
}

/** Words that may follow a table reference and are not an alias. */
const NOT_AN_ALIAS = new Set(
  (
    "where group order limit join inner left right full cross on union having offset fetch " +
    "window except intersect using natural tablesample"
  ).split(" "),
);

export function rewriteAsOf(
  sql: string,
  database: string,
  tables: AsOfTable[],
  at: Date,
): { sql: string; tables: string[] } {
  const byView = new Map(tables.map((t) => [t.names.view, t]));
  const used = new Set<string>();
  const reference =
    /\b(from|join)(\s+)(?:("?)([a-z0-9_]+)\3\s*\.\s*)?("?)([A-Za-z0-9_]+)\5(?=$|[\s,;)])(\s+as\b|\s+([A-Za-z_][A-Za-z0-9_]*))?/gi;
  const rewritten = sql.replace(
    reference,
    (whole, keyword, space, _q1, db, _q2, name, aliasPart, aliasWord) => {
      const target = byView.get(name.toLowerCase());
      if (!target || (db !== undefined && db.toLowerCase() !== database)) return whole;
      used.add(target.table.name);
      const relation = asOfRelation(database, target, at);
      const hasAlias =
        aliasPart !== undefined &&
        (aliasWord === undefined || !NOT_AN_ALIAS.has(aliasWord.toLowerCase()));
      const tail = hasAlias ? aliasPart : ` AS "${target.names.view}"${aliasPart ?? ""}`;
      return `${keyword}${space}${relation}${tail}`;
    },
  );
  return { sql: rewritten, tables: [...used] };
}

/** `2026-11-20`, `2026-11-20T06:00`, `2026-11-20T06:00:00Z`, `...+09:00`; no zone means UTC. */
export function parseAsOf(text: string): Date | undefined {
  const match =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z|[+-]\d{2}:\d{2})?$/.exec(
      text.trim(),
    );
  if (!match) return undefined;
  const [, day, time = "00:00:00", zone = "Z"] = match;
  const at = new Date(`${day}T${time.length === 5 ? `${time}:00` : time}${zone}`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
