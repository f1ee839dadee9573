import type { QueryExecution, ResultSet } from "@aws-sdk/client-athena";
import {
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { expect } from "chai";
import { readFileSync } from "fs";
import * as path from "path";
import {
  backoffDelays,
  failureReason,
  resultTable,
  toCsv,
  toJson,
  toText,
  waitForQuery,
} from "../../cli/athena-results";
import { resultPages } from "../../cli/commands/query";
import { FIXTURES, MOTO_REGION, motoStackArgs, runCli, pagedClient, expectExit } from "./harness";
import { seedWorkgroup, WORKGROUP, useMotoStack } from "./seed";

const PAGES = (
  JSON.parse(readFileSync(path.join(FIXTURES, "athena-result-pages.json"), "utf8")) as {
    pages: ResultSet[];
  }
).pages;

describe("query: formatting Athena's result pages", () => {
  const table = resultTable(PAGES);

  it("drops the first page's header row only, joins the pages, and keeps NULL apart from empty", () => {
    expect(table.columns).to.deep.equal(["id", "title", "rating", "note"]);
    expect(table.rows).to.deep.equal([
      ["r-1", "Good, cheap", "5", null],
      ["r-2", 'The "best" kettle', "4", "line one\nline two"],
      ["id", "title", "rating", "note"],
      ["r-3", "", "1", "  padded  "],
    ]);
  });

  it("keeps every row of a result without a header row (DDL, SHOW)", () => {
    const show = resultTable([
      {
        Rows: [
          { Data: [{ VarCharValue: "reviews" }] },
          { Data: [{ VarCharValue: "snapshots_reviews" }] },
        ],
        ResultSetMetadata: { ColumnInfo: [{ Name: "tab_name", Type: "string" }] },
      },
    ]);
    expect(show).to.deep.equal({
      columns: ["tab_name"],
      rows: [["reviews"], ["snapshots_reviews"]],
    });
    expect(resultTable([])).to.deep.equal({ columns: [], rows: [] });
  });

  it("writes CSV by RFC 4180: quotes around commas, quotes and line breaks, quotes doubled, NULL empty", () => {
    expect(toCsv(table)).to.deep.equal([
      "id,title,rating,note",
      'r-1,"Good, cheap",5,',
      'r-2,"The ""best"" kettle",4,"line one\nline two"',
      "id,title,rating,note",
      "r-3,,1,  padded  ",
    ]);
  });

  it("writes JSON as one array of objects by column name, NULL as null", () => {
    expect(JSON.parse(toJson(table))).to.deep.equal([
      { id: "r-1", title: "Good, cheap", rating: "5", note: null },
      { id: "r-2", title: 'The "best" kettle', rating: "4", note: "line one\nline two" },
      { id: "id", title: "title", rating: "rating", note: "note" },
      { id: "r-3", title: "", rating: "1", note: "  padded  " },
    ]);
  });

  it("writes aligned columns under a rule, with NULL spelled out and line breaks escaped", () => {
    expect(toText(table)).to.deep.equal([
      "id   title              rating  note",
      "--   -----              ------  ----",
      "r-1  Good, cheap        5       NULL",
      'r-2  The "best" kettle  4       line one\\nline two',
      "id   title              rating  note",
      "r-3                     1         padded",
    ]);
  });
});

describe("query: reading every result page", () => {
  it("asks GetQueryResults for the next page until there is no NextToken", async () => {
    const { client, asked } = pagedClient(
      { first: { ResultSet: PAGES[0], NextToken: "page-2" }, "page-2": { ResultSet: PAGES[1] } },
      { QueryExecutionId: "q-1", MaxResults: 1000 },
    );
    const pages = await resultPages(client, "q-1");
    expect(asked).to.deep.equal([undefined, "page-2"]);
    expect(resultTable(pages).rows).to.have.length(4);
  });
});

describe("query: waiting for Athena", () => {
  it("backs off from 200 ms, doubling up to 5 s", () => {
    const next = backoffDelays();
    expect(Array.from({ length: 8 }, next)).to.deep.equal([
      200, 400, 800, 1600, 3200, 5000, 5000, 5000,
    ]);
  });

  it("polls until the query ends and returns Athena's reason for a failure", async () => {
    const states: QueryExecution[] = [
      { Status: { State: "QUEUED" } },
      { Status: { State: "RUNNING" } },
      { Status: { State: "RUNNING" } },
      {
        Status: {
          State: "FAILED",
          StateChangeReason: "fallback",
          AthenaError: {
            ErrorCategory: 2,
            ErrorType: 1006,
            ErrorMessage: "line 1:15: Table 'db.nope' does not exist",
          },
        },
      },
    ];
    const sleeps: number[] = [];
    let i = 0;
    const execution = await waitForQuery(
      async () => states[i++],
      async (ms) => void sleeps.push(ms),
    );
    expect(sleeps).to.deep.equal([200, 400, 800]);
    expect(execution.Status?.State).to.equal("FAILED");
    expect(failureReason(execution)).to.equal("line 1:15: Table 'db.nope' does not exist");
    expect(
      failureReason({
        Status: { State: "CANCELLED", StateChangeReason: "Query was cancelled by user" },
      }),
    ).to.equal("Query was cancelled by user");
  });
});

describe("query against moto", () => {
  const stack = useMotoStack();

  // moto runs no SQL: it answers GetQueryResults with what is queued, here the first fixture page.
  const queueFirstPage = () =>
    stack.moto.queueAthenaResults(MOTO_REGION, [
      { rows: PAGES[0].Rows ?? [], column_info: PAGES[0].ResultSetMetadata?.ColumnInfo ?? [] },
    ]);

  /** The queries the stack's workgroup has been sent. */
  const sentQueries = async () => {
    const list = new ListQueryExecutionsCommand({ WorkGroup: WORKGROUP });
    const { QueryExecutionIds = [] } = await stack.aws.athena.send(list);
    return Promise.all(
      QueryExecutionIds.map(async (id) => {
        const get = new GetQueryExecutionCommand({ QueryExecutionId: id });
        return (await stack.aws.athena.send(get)).QueryExecution;
      }),
    );
  };

  it("says the stack looks undeployed when the workgroup does not exist, and exits 3", async () => {
    expectExit(
      await stack.cli("query", "SELECT 1"),
      3,
      "Athena workgroup ddbsnap-moto not found in eu-west-1",
      "WorkGroup does not exist",
    );
  });

  it("runs in the stack's workgroup and database, and prints the rows Athena returns as CSV", async () => {
    await seedWorkgroup(stack.aws);
    await queueFirstPage();
    const sql = "SELECT id, title, rating, note FROM reviews";
    const result = await stack.cli("query", sql, "--format", "csv");
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.split("\n")).to.deep.equal([
      "id,title,rating,note",
      'r-1,"Good, cheap",5,',
      'r-2,"The ""best"" kettle",4,"line one',
      'line two"',
    ]);
    expect(result.stderr).to.match(/^2 rows.*\(query id [0-9a-f-]+, workgroup ddbsnap-moto\)\.$/);

    const sent = await sentQueries();
    expect(sent).to.have.length(1);
    const [QueryExecution] = sent;
    expect(QueryExecution?.Query).to.equal(sql);
    expect(QueryExecution?.QueryExecutionContext?.Database).to.equal("dynamodb_exports_moto");
    // The workgroup enforces its own result location: the CLI must not send one.
    expect(QueryExecution?.ResultConfiguration?.OutputLocation).to.equal(undefined);
  });

  it("with --as-of, sends the SQL rewritten to read the snapshot taken by then, and says so", async () => {
    await queueFirstPage();
    const asOf = ["--as-of", "2026-11-20T06:30"];
    const result = await stack.cli("query", "SELECT count(*) FROM reviews", ...asOf);
    expect(result.code, result.stderr).to.equal(0);
    const expected =
      'SELECT count(*) FROM (SELECT * FROM "dynamodb_exports_moto"."snapshots_reviews" WHERE ' +
      'snapshot_timestamp = (SELECT max(snapshot_timestamp) FROM "dynamodb_exports_moto"."snapshots_reviews" ' +
      `WHERE snapshot_timestamp <= '20261120T063000Z')) AS "reviews"`;
    expect(result.stderr).to.contain(`As of 2026-11-20T06:30:00.000Z: ${expected}`);
    const queries = (await sentQueries()).map((q) => q?.Query);
    expect(queries).to.include(expected);
  });

  it("refuses --as-of for SQL that reads none of the stack's tables, and a time it cannot read", async () => {
    const none = await stack.cli("query", "SELECT 1", "--as-of", "2026-11-20");
    expectExit(none, 2, "--as-of: the SQL reads none of the stack's tables (reviews");
    const bad = await stack.cli("query", "SELECT * FROM reviews", "--as-of", "last tuesday");
    expectExit(bad, 2, "--as-of must be a date or time such as 2026-11-20");
  });

  it("prints JSON, and for a result without rows only the count", async () => {
    await queueFirstPage();
    const json = await stack.cli("query", "SELECT * FROM reviews", "--format", "json");
    expect(JSON.parse(json.stdout)).to.deep.equal([
      { id: "r-1", title: "Good, cheap", rating: "5", note: null },
      { id: "r-2", title: 'The "best" kettle', rating: "4", note: "line one\nline two" },
    ]);
    const empty = await stack.cli("query", "SELECT * FROM reviews WHERE false");
    expect(empty.code).to.equal(0);
    expect(empty.stdout).to.equal("");
    expect(empty.stderr).to.match(/^0 rows/);
  });

  it("waits with back-off while the query runs, and exits 1 with Athena's reason when it does not succeed", async () => {
    // Hold every query in QUEUED for a few polls, and cancel ours while the CLI waits.
    await stack.moto.holdState("athena::execution", 3);
    try {
      const result = await runCli(
        ["query", "SELECT * FROM reviews", ...motoStackArgs(stack.moto.endpoint)],
        process.env,
        async () => {
          const { QueryExecutionIds = [] } = await stack.aws.athena.send(
            new ListQueryExecutionsCommand({ WorkGroup: WORKGROUP }),
          );
          for (const id of QueryExecutionIds)
            await stack.aws.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        },
      );
      expect(result.code).to.equal(1);
      expect(result.sleeps).to.deep.equal([200]);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.match(/^Query CANCELLED \(query id [0-9a-f-]+\): /);
    } finally {
      await stack.moto.holdState("athena::execution", undefined);
    }
  });

  it("rejects an unknown --format and empty SQL with exit 2, before calling Athena", async () => {
    const format = await stack.cli("query", "SELECT 1", "--format", "xml");
    expectExit(format, 2, '--format must be one of table, csv, json, got "xml"');
    const empty = await stack.cli("query", " ");
    expect(empty.code).to.equal(2);
    const unquoted = await stack.cli("query", "SELECT", "1");
    expectExit(unquoted, 2, '"<sql>", quoted as one argument');
  });
});
