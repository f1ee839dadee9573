/**
 * `ddbsnap query "<sql>"`: runs SQL in the stack's Athena workgroup (which enforces its own,
 * encrypted result location), with the stack's database as the default, waits with back-off,
 * pages through every result and prints them as a table, CSV or JSON.
 */
import type { AthenaClient, QueryExecution } from "@aws-sdk/client-athena";
import type { AwsTarget } from "../aws";
import { allPages, athenaClient, glueClient, sdk } from "../aws";
import { catalogTable } from "../catalog";
import { viewSql } from "../presto-view";
import { failureReason, resultTable, toCsv, toJson, toText, waitForQuery } from "../athena-results";
import type { Command, CommandContext } from "../command";
import { stackOf, targetOf } from "../command";
import { COMMAND_MANIFEST } from "../manifest";
import { awsCall, EXIT, UsageError } from "../errors";
import { bytes, duration, plural } from "../format";
import type { AsOfTable } from "../../lib/as-of";
import { parseAsOf, rewriteAsOf } from "../../lib/as-of";
import type { Stack } from "../stack";
import { allTables } from "../stack";
import { whenMissing } from "./shared";

const FORMATS = ["table", "csv", "json"] as const;
type Format = (typeof FORMATS)[number];

/** Every page of a query's results. `pageSize` is a parameter so tests can page. */
export function resultPages(athena: AthenaClient, queryId: string, pageSize = 1000) {
  const input = { QueryExecutionId: queryId, MaxResults: pageSize };
  return allPages(
    "Athena GetQueryResults",
    (NextToken) => athena.send(new (sdk.athena().GetQueryResultsCommand)({ ...input, NextToken })),
    (page) => ({ items: page.ResultSet ? [page.ResultSet] : [], next: page.NextToken }),
  );
}

/**
 * Starts `sql` in the stack's workgroup with its database as the default, and waits for it to end
 * (with back-off). A missing workgroup is explained as an undeployed stack.
 */
export async function runStackQuery(
  athena: AthenaClient,
  sql: string,
  stack: Stack,
  target: AwsTarget,
  sleep: (ms: number) => Promise<void>,
): Promise<{ queryId: string; execution: QueryExecution }> {
  const { GetQueryExecutionCommand, StartQueryExecutionCommand } = sdk.athena();
  const started = await awsCall("Athena StartQueryExecution", () =>
    athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: stack.names.workgroup,
        QueryExecutionContext: { Database: stack.names.database },
      }),
    ),
  ).catch((e) => {
    throw whenMissing(e, `Athena workgroup ${stack.names.workgroup}`, target, stack.config.stack);
  });
  const queryId = started.QueryExecutionId as string;
  const execution = await waitForQuery(async () => {
    const answer = await awsCall("Athena GetQueryExecution", () =>
      athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })),
    );
    return answer.QueryExecution ?? {};
  }, sleep);
  return { queryId, execution };
}

/**
 * The named scan and export tables with their views' SQL from the catalog, so that `--as-of`
 * reads an older snapshot through the same select list (decoding what a format keeps as text).
 */
async function withViewSql(
  tables: AsOfTable[],
  named: string[],
  stack: Stack,
  target: AwsTarget,
): Promise<AsOfTable[]> {
  const glue = glueClient(target);
  return Promise.all(
    tables.map(async (t) => {
      if (t.table.mode === "incremental" || !named.includes(t.table.name)) return t;
      const view = await catalogTable(glue, stack.names.database, t.names.view);
      return { ...t, viewSql: viewSql(view?.ViewOriginalText) };
    }),
  );
}

export const query: Command = {
  ...COMMAND_MANIFEST.query,
  help: `Runs <sql> in the workgroup ddbsnap-<stack>, with the stack's Glue database as the default (so
SELECT * FROM reviews works), waits for it, and prints all its rows. Results go to standard output;
the row count, data scanned and query id go to standard error. A failed query prints Athena's
reason and exits 1.

Options:
  --format <f>   table (default), csv (RFC 4180, NULL as empty) or json (an array of objects)
  --as-of <time> read every table of the stack the SQL names as it was at <time> (UTC unless it
                 has a zone: 2026-11-20, 2026-11-20T06:00, 2026-11-20T06:00:00+09:00). Incremental
                 tables use Iceberg time travel (FOR TIMESTAMP AS OF); the others the newest
                 snapshot taken at or before <time>. The rewritten SQL goes to standard error.`,

  async run(ctx: CommandContext): Promise<number> {
    const format = (ctx.options.format ?? "table") as Format;
    if (!FORMATS.includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${format}"`);
    let sql = ctx.positionals[0];
    if (sql.trim() === "")
      throw new UsageError('the SQL is empty. Usage: ddbsnap query "SELECT ..."');
    const stack = stackOf(ctx);
    if (ctx.options["as-of"] !== undefined) {
      const at = parseAsOf(String(ctx.options["as-of"]));
      if (!at)
        throw new UsageError(
          `--as-of must be a date or time such as 2026-11-20 or 2026-11-20T06:00:00Z, got "${ctx.options["as-of"]}"`,
        );
      const tables = allTables(stack);
      const named = rewriteAsOf(sql, stack.names.database, tables, at).tables;
      const rewritten = rewriteAsOf(
        sql,
        stack.names.database,
        await withViewSql(tables, named, stack, targetOf(ctx, stack)),
        at,
      );
      if (rewritten.tables.length === 0)
        throw new UsageError(
          `--as-of: the SQL reads none of the stack's tables (${allTables(stack)
            .map((t) => t.names.view)
            .join(", ")}) after FROM or JOIN`,
        );
      sql = rewritten.sql;
      ctx.io.err(`As of ${at.toISOString()}: ${sql}`);
    }
    const target = targetOf(ctx, stack);
    const athena = athenaClient(target);
    const { queryId, execution } = await runStackQuery(athena, sql, stack, target, ctx.io.sleep);
    if (execution.Status?.State !== "SUCCEEDED") {
      ctx.io.err(
        `Query ${execution.Status?.State ?? "did not succeed"} (query id ${queryId}): ${failureReason(execution)}`,
      );
      return EXIT.FAILED;
    }
    const table = resultTable(await resultPages(athena, queryId));
    if (format === "csv") toCsv(table).forEach((l) => ctx.io.out(l));
    else if (format === "json") ctx.io.out(toJson(table));
    else toText(table).forEach((l) => ctx.io.out(l));

    const stats = execution.Statistics;
    const scanned =
      stats?.DataScannedInBytes !== undefined ? `, ${bytes(stats.DataScannedInBytes)} scanned` : "";
    const took =
      stats?.TotalExecutionTimeInMillis !== undefined
        ? ` in ${duration(stats.TotalExecutionTimeInMillis / 1000)}`
        : "";
    ctx.io.err(
      `${plural(table.rows.length, "row")}${scanned}${took} (query id ${queryId}, workgroup ${stack.names.workgroup}).`,
    );
    return EXIT.OK;
  },
};
