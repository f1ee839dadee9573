import { expect } from "chai";
import { asOfRelation, parseAsOf, rewriteAsOf, snapshotTimestamp } from "../lib/as-of";
import { parseStackConfig } from "../lib/config";
import { tableNames } from "../lib/naming";

const config = parseStackConfig(
  { tables: [{ name: "Orders", mode: "incremental" }, { name: "Reviews" }] },
  "dev",
);
const TABLES = config.tables.map((table) => ({ table, names: tableNames("dev", table.name) }));
const DB = "dynamodb_exports_dev";
const AT = new Date("2026-11-20T06:30:00Z");
const ORDERS = asOfRelation(DB, TABLES[0], AT);
const REVIEWS = asOfRelation(DB, TABLES[1], AT);

describe("query --as-of", () => {
  it("reads an incremental table through Iceberg time travel", () => {
    expect(ORDERS).to.equal(
      `(SELECT * FROM "${DB}"."iceberg_orders" FOR TIMESTAMP AS OF TIMESTAMP '2026-11-20 06:30:00.000 UTC')`,
    );
  });

  it("reads a snapshot table's newest snapshot taken at or before the time", () => {
    expect(snapshotTimestamp(AT)).to.equal("20261120T063000Z");
    expect(REVIEWS).to.equal(
      `(SELECT * FROM "${DB}"."snapshots_reviews" WHERE snapshot_timestamp = (SELECT max(snapshot_timestamp) ` +
        `FROM "${DB}"."snapshots_reviews" WHERE snapshot_timestamp <= '20261120T063000Z'))`,
    );
  });

  it("reads an older snapshot through the view's own select list, so decoded columns stay decoded", () => {
    // What Athena keeps for a view over CSV snapshots (formatted, as ViewOriginalText holds it).
    const viewSql =
      `SELECT\n  CASE WHEN ("pk" = '\\N') THEN null ELSE "pk" END "pk"\n, "snapshot_timestamp"\n` +
      `FROM\n  ${DB}.snapshots_reviews\nWHERE ("snapshot_timestamp" = '20261201T030000Z')\n`;
    expect(asOfRelation(DB, { ...TABLES[1], viewSql }, AT)).to.equal(
      `(SELECT\n  CASE WHEN ("pk" = '\\N') THEN null ELSE "pk" END "pk"\n, "snapshot_timestamp"\n` +
        `FROM\n  ${DB}.snapshots_reviews\nWHERE (snapshot_timestamp = (SELECT max(snapshot_timestamp) ` +
        `FROM "${DB}"."snapshots_reviews" WHERE snapshot_timestamp <= '20261120T063000Z')))`,
    );
    // A view that is not one snapshot of ours: read the table itself, as before.
    const other = `SELECT * FROM ${DB}.snapshots_reviews`;
    expect(asOfRelation(DB, { ...TABLES[1], viewSql: other }, AT)).to.equal(REVIEWS);
  });

  it("rewrites bare, quoted and qualified references under the view's name, keeping aliases", () => {
    const { sql, tables } = rewriteAsOf(
      `SELECT o.id, r.stars FROM orders o JOIN "${DB}"."reviews" AS r ON o.id = r.order_id WHERE o.total > 10`,
      DB,
      TABLES,
      AT,
    );
    expect(sql).to.equal(
      `SELECT o.id, r.stars FROM ${ORDERS} o JOIN ${REVIEWS} AS r ON o.id = r.order_id WHERE o.total > 10`,
    );
    expect(tables).to.deep.equal(["Orders", "Reviews"]);
  });

  it("names an unaliased reference after the view, so orders.column still resolves", () => {
    expect(
      rewriteAsOf("select orders.id from orders where orders.id = 'a'", DB, TABLES, AT).sql,
    ).to.equal(`select orders.id from ${ORDERS} AS "orders" where orders.id = 'a'`);
    expect(rewriteAsOf("SELECT count(*) FROM orders", DB, TABLES, AT).sql).to.equal(
      `SELECT count(*) FROM ${ORDERS} AS "orders"`,
    );
  });

  it("leaves other tables, other databases and column names alone", () => {
    const sql = `SELECT orders FROM other_db.orders, payments WHERE x IN (SELECT id FROM "${DB}".iceberg_orders)`;
    expect(rewriteAsOf(sql, DB, TABLES, AT)).to.deep.equal({ sql, tables: [] });
  });

  it("takes dates and times in UTC unless they carry a zone, and refuses anything else", () => {
    expect(parseAsOf("2026-11-20")?.toISOString()).to.equal("2026-11-20T00:00:00.000Z");
    expect(parseAsOf("2026-11-20T06:30")?.toISOString()).to.equal("2026-11-20T06:30:00.000Z");
    expect(parseAsOf("2026-11-20 06:30:15+09:00")?.toISOString()).to.equal(
      "2026-11-19T21:30:15.000Z",
    );
    for (const bad of ["yesterday", "2026-13-01", "20261120", "2026-11-20T25:00"])
      expect(parseAsOf(bad), bad).to.equal(undefined);
  });
});
