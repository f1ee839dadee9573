/**
 * Which snapshot the Athena view shows. Athena stores a view in the Glue catalog as a table whose
 * ViewOriginalText is `/* Presto View: <base64 JSON> *\/`; the JSON's `originalSql` is the
 * statement the refresh job ran: `... WHERE snapshot_timestamp = '<ts>'`. Pure.
 */

const PRESTO_VIEW = /^\/\*\s*Presto View:\s*([A-Za-z0-9+/=\s]+?)\s*\*\/$/;

/** The SQL of an Athena view, or undefined if the text is not an Athena (Presto) view. */
export function viewSql(viewOriginalText: string | undefined): string | undefined {
  const match = PRESTO_VIEW.exec((viewOriginalText ?? "").trim());
  if (!match) return undefined;
  try {
    const definition = JSON.parse(
      Buffer.from(match[1].replace(/\s+/g, ""), "base64").toString("utf8"),
    ) as { originalSql?: unknown };
    return typeof definition.originalSql === "string" ? definition.originalSql : undefined;
  } catch {
    return undefined;
  }
}

/** The one snapshot a view's SQL selects, or undefined if it does not select exactly one. */
export function viewSnapshot(sql: string, partitionKey = "snapshot_timestamp"): string | undefined {
  const pattern = new RegExp(`"?${partitionKey}"?\\s*=\\s*'([^']+)'`, "g");
  const found = new Set([...sql.matchAll(pattern)].map((m) => m[1]));
  return found.size === 1 ? [...found][0] : undefined;
}

/** Builds the text Athena stores for a view: used by tests to seed the catalog as Athena would. */
export function prestoViewText(originalSql: string, catalog: string, schema: string): string {
  const definition = { originalSql, catalog, schema, columns: [], owner: "ddbsnap-test" };
  return `/* Presto View: ${Buffer.from(JSON.stringify(definition)).toString("base64")} */`;
}

/** `s3://bucket/a/b/` → bucket and key prefix (always ending in `/`, so siblings never match). */
export function parseS3Location(location: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(location.trim());
  if (!match) return undefined;
  const key = match[2];
  return { bucket: match[1], prefix: key === "" || key.endsWith("/") ? key : `${key}/` };
}
