/**
 * Prints the SQL `ddbsnap query --as-of` sends to Athena, for the Athena lane to run on Trino
 * (test/athena/test_time_travel_on_trino.py). Input, one JSON argument:
 * `{ "sql": "...", "at": "<ISO time>", "database": "...", "tables": [{ "name", "mode", "viewSql"? }] }`.
 * Run with `node -r ./cli/register.js test/athena/as-of-sql.ts '<json>'`.
 */
import { parseAsOf, rewriteAsOf } from "../../lib/as-of";
import { parseStackConfig } from "../../lib/config";
import { tableNames } from "../../lib/naming";

interface Input {
  sql: string;
  at: string;
  database: string;
  tables: { name: string; mode: string; viewSql?: string }[];
}

const input = JSON.parse(process.argv[2]) as Input;
const config = parseStackConfig(
  { tables: input.tables.map(({ name, mode }) => ({ name, mode })) },
  "dev",
);
const tables = config.tables.map((table, i) => ({
  table,
  names: tableNames("dev", table.name),
  viewSql: input.tables[i].viewSql,
}));
const at = parseAsOf(input.at);
if (!at) throw new Error(`not a time: ${input.at}`);
process.stdout.write(JSON.stringify(rewriteAsOf(input.sql, input.database, tables, at)));
