import { expectExit } from "./harness";
import { expect } from "chai";
import { prefixUsage } from "../../cli/commands/snapshots";
import { parseS3Location, prestoViewText, viewSnapshot, viewSql } from "../../cli/presto-view";
import { BUCKET, names, seedDatabase, seedSnapshots, snapshotLocation, useMotoStack } from "./seed";

describe("snapshots: reading the view Athena stored", () => {
  const sql = `SELECT * FROM "db"."snapshots_reviews" WHERE snapshot_timestamp = '20261122T020000Z'`;

  it("decodes the /* Presto View: <base64> */ text back to the view's SQL and its snapshot", () => {
    const text = prestoViewText(sql, "awsdatacatalog", "db");
    expect(text).to.match(/^\/\* Presto View: [A-Za-z0-9+/=]+ \*\/$/);
    expect(viewSql(text)).to.equal(sql);
    expect(viewSnapshot(sql)).to.equal("20261122T020000Z");
    expect(
      viewSnapshot(`SELECT * FROM t WHERE "snapshot_timestamp" = '20261122T020000Z'`),
    ).to.equal("20261122T020000Z");
  });

  it("answers undefined for text that is not an Athena view and SQL that does not pick one snapshot", () => {
    expect(viewSql(undefined)).to.equal(undefined);
    expect(viewSql("SELECT 1")).to.equal(undefined);
    expect(viewSql("/* Presto View: bm90IGpzb24= */")).to.equal(undefined); // "not json"
    expect(viewSnapshot("SELECT * FROM t")).to.equal(undefined);
    expect(
      viewSnapshot("SELECT * FROM t WHERE snapshot_timestamp = 'a' OR snapshot_timestamp = 'b'"),
    ).to.equal(undefined);
  });

  it("splits an S3 location into bucket and a prefix that ends in a slash", () => {
    expect(parseS3Location("s3://b/parquet/reviews/snapshot_timestamp=1")).to.deep.equal({
      bucket: "b",
      prefix: "parquet/reviews/snapshot_timestamp=1/",
    });
    expect(parseS3Location("s3://b/x/")).to.deep.equal({ bucket: "b", prefix: "x/" });
    expect(parseS3Location("/local/path")).to.equal(undefined);
  });
});

describe("snapshots against moto", () => {
  const stack = useMotoStack();
  const reviews = names("Reviews");
  const SNAPSHOTS = [
    { timestamp: "20261121T020000Z", objectSizes: [1000, 2000] },
    { timestamp: "20261123T020000Z", objectSizes: [3000, 4000, 5000] },
    { timestamp: "20261122T020000Z", objectSizes: [1500] },
  ];

  before(async () => {
    await seedDatabase(stack.aws);
    await seedSnapshots(stack.aws, reviews, SNAPSHOTS, "20261122T020000Z");
    // A folder whose name starts like a snapshot's: its objects must not be counted with it.
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    await stack.aws.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "parquet/reviews/snapshot_timestamp=20261122T020000Z_old/x.parquet",
        Body: Buffer.alloc(999),
      }),
    );
  });

  it("counts objects and bytes under a prefix, following ListObjectsV2 pages", async () => {
    const usage = await prefixUsage(
      stack.aws.s3,
      BUCKET,
      "parquet/reviews/snapshot_timestamp=20261123T020000Z/",
      2,
    );
    expect(usage).to.deep.equal({ objects: 3, bytes: 12000 });
  });

  it("lists the partitions newest first with their size, marking the one the view shows", async () => {
    const result = await stack.cli("snapshots", "Reviews");
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).to.equal(
      "Snapshots of Reviews in dynamodb_exports_moto.snapshots_reviews, newest first:",
    );
    expect(lines[1]).to.match(/^ {2}snapshot +objects +size +location$/);
    const rows = lines.slice(2, 5).map((l) => l.trim().split(/ {2,}/));
    expect(rows).to.deep.equal([
      ["20261123T020000Z", "3", "11.7 KiB", snapshotLocation(reviews, "20261123T020000Z")],
      [
        "20261122T020000Z",
        "1",
        "1.5 KiB",
        snapshotLocation(reviews, "20261122T020000Z"),
        "← view reviews",
      ],
      ["20261121T020000Z", "2", "2.9 KiB", snapshotLocation(reviews, "20261121T020000Z")],
    ]);
    expect(lines[5]).to.equal("3 snapshots, 6 objects, 16.1 KiB.");
    expect(lines[6]).to.equal(
      "View dynamodb_exports_moto.reviews shows snapshot 20261122T020000Z.",
    );
  });

  it("says there are no snapshots yet before the crawler's first run, and exits 0", async () => {
    const result = await stack.cli("snapshots", "Click.Stream-2024");
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(
      "No snapshots of Click.Stream-2024 yet: dynamodb_exports_moto.snapshots_click_stream_2024 does not exist (the crawler creates it on the first run).",
    );
  });

  it("says when the view does not exist yet", async () => {
    await seedSnapshots(stack.aws, names("Click.Stream-2024"), [
      { timestamp: "20261123T020000Z", objectSizes: [10] },
    ]);
    const result = await stack.cli("snapshots", "Click.Stream-2024");
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain("1 snapshot, 1 object, 10 B.");
    expect(result.stdout).to.contain(
      "View dynamodb_exports_moto.click_stream_2024 does not exist yet",
    );
  });

  it("warns when the view shows a snapshot that has no partition (its queries return nothing)", async () => {
    const n = names("Click.Stream-2024");
    const sql = `SELECT * FROM "dynamodb_exports_moto"."${n.crawlerTable}" WHERE snapshot_timestamp = '20261101T000000Z'`;
    const { CreateTableCommand } = await import("@aws-sdk/client-glue");
    await stack.aws.glue.send(
      new CreateTableCommand({
        DatabaseName: "dynamodb_exports_moto",
        TableInput: {
          Name: n.view,
          TableType: "VIRTUAL_VIEW",
          ViewOriginalText: prestoViewText(sql, "awsdatacatalog", "dynamodb_exports_moto"),
        },
      }),
    );
    const result = await stack.cli("snapshots", "Click.Stream-2024");
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain(
      "View dynamodb_exports_moto.click_stream_2024 shows snapshot 20261101T000000Z, which has no partition in snapshots_click_stream_2024: its queries return no rows.",
    );
    expect(result.stdout).not.to.contain("←");
  });

  it("says the stack looks undeployed when the database is missing, and exits 3", async () => {
    await stack.moto.reset();
    const result = await stack.cli("snapshots", "Reviews");
    expectExit(result, 3, "Glue database dynamodb_exports_moto not found in eu-west-1");
  });
});
