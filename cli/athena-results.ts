/**
 * Athena query results: waiting for a query with back-off, and turning GetQueryResults pages into
 * a table, CSV or JSON. Pure except `waitForQuery`, which takes its fetch and sleep.
 *
 * Athena's first row of a SELECT's results repeats the column names; DDL and SHOW results have
 * no such row. So the first row is dropped only when it is exactly the column names.
 */
import type { QueryExecution, ResultSet } from "@aws-sdk/client-athena";
import { columns } from "./format";

export interface ResultTable {
  columns: string[];
  /** null is SQL NULL (Athena sends no VarCharValue). */
  rows: (string | null)[][];
}

export function resultTable(pages: ResultSet[]): ResultTable {
  const info = pages[0]?.ResultSetMetadata?.ColumnInfo ?? [];
  let rows = pages.flatMap((page) =>
    (page.Rows ?? []).map((row) => (row.Data ?? []).map((d) => d.VarCharValue ?? null)),
  );
  let names = info.map((c) => c.Name ?? c.Label ?? "");
  if (names.length === 0 && rows.length > 0) {
    // No metadata: the first row is the best header there is.
    names = rows[0].map((v, i) => v ?? `_col${i}`);
    rows = rows.slice(1);
  } else if (rows.length > 0) {
    const first = rows[0];
    const isHeader =
      first.length === info.length &&
      first.every((v, i) => v === info[i].Name || v === info[i].Label);
    if (isHeader) rows = rows.slice(1);
  }
  return { columns: names, rows };
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; NULL is empty. */
export function csvField(value: string | null): string {
  if (value === null) return "";
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(table: ResultTable): string[] {
  return [table.columns, ...table.rows].map((row) => row.map(csvField).join(","));
}

/** One JSON array of objects keyed by column name; values stay strings (Athena sends text). */
export function toJson(table: ResultTable): string {
  return JSON.stringify(
    table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i] ?? null]))),
    null,
    2,
  );
}

/** Aligned columns for a terminal; NULL spelled out, line breaks shown as \n. */
export function toText(table: ResultTable): string[] {
  if (table.columns.length === 0) return [];
  const cell = (v: string | null) => (v === null ? "NULL" : v.replace(/\r?\n/g, "\\n"));
  const lines = columns(
    table.columns,
    table.rows.map((r) => table.columns.map((_, i) => cell(r[i] ?? null))),
  );
  const rule = lines[0].replace(/[^ ]/g, "-");
  return [lines[0], rule, ...lines.slice(1)];
}

export const FINISHED_QUERY_STATES = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

/** Waits 200 ms, then twice as long each time, at most 5 s: quick queries return quickly. */
export function backoffDelays(): () => number {
  let next = 200;
  return () => {
    const delay = next;
    next = Math.min(next * 2, 5000);
    return delay;
  };
}

export async function waitForQuery(
  get: () => Promise<QueryExecution>,
  sleep: (ms: number) => Promise<void>,
): Promise<QueryExecution> {
  const delay = backoffDelays();
  for (;;) {
    const execution = await get();
    if (FINISHED_QUERY_STATES.has(execution.Status?.State ?? "")) return execution;
    await sleep(delay());
  }
}

/** Why a query failed, in Athena's words. */
export function failureReason(execution: QueryExecution): string {
  const status = execution.Status;
  const reason = status?.AthenaError?.ErrorMessage ?? status?.StateChangeReason;
  return reason ?? `the query ended ${status?.State ?? "in an unknown state"} without a reason`;
}
