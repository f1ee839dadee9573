/**
 * `ddbsnap snapshots <table>`: the partitions of snapshots_<table>, newest first, with the number
 * of objects and bytes under each in S3, marking the one the view shows. The bucket is
 * Pulumi-named, so it is never computed: each partition's own location says where to look.
 */
import type { GlueClient } from "@aws-sdk/client-glue";
import type { S3Client } from "@aws-sdk/client-s3";
import { SNAPSHOT_PARTITION_KEY } from "../../lib/naming";
import { icebergSnapshotsSql } from "../../lib/iceberg";
import { failureReason, resultTable, toText } from "../athena-results";
import type { AwsTarget } from "../aws";
import { allPages, athenaClient, glueClient, s3Client, sdk } from "../aws";
import type { Command, CommandContext } from "../command";
import { stackOf, targetOf } from "../command";
import { COMMAND_MANIFEST } from "../manifest";
import { awsCall, EXIT } from "../errors";
import { bytes, columns, count, plural } from "../format";
import { parseS3Location, viewSnapshot, viewSql } from "../presto-view";
import type { Stack, StackTable } from "../stack";
import { findTable } from "../stack";
import { readWatermark } from "../watermark";
import { catalogTable } from "../catalog";
import { resultPages, runStackQuery } from "./query";
import { whenMissing } from "./shared";

export interface PrefixUsage {
  objects: number;
  bytes: number;
}

/** Objects and bytes under an S3 prefix, following every page. */
export async function prefixUsage(s3: S3Client, bucket: string, prefix: string, pageSize = 1000) {
  const input = { Bucket: bucket, Prefix: prefix, MaxKeys: pageSize };
  const objects = await allPages(
    "S3 ListObjectsV2",
    (token) => s3.send(new (sdk.s3().ListObjectsV2Command)({ ...input, ContinuationToken: token })),
    (page) => ({
      items: page.Contents ?? [],
      next: page.IsTruncated ? page.NextContinuationToken : undefined,
    }),
  );
  const bytes = objects.reduce((sum, o) => sum + (o.Size ?? 0), 0);
  return { objects: objects.length, bytes } satisfies PrefixUsage;
}

function partitionsOf(glue: GlueClient, database: string, table: string) {
  const input = { DatabaseName: database, TableName: table };
  return allPages(
    "Glue GetPartitions",
    (NextToken) => glue.send(new (sdk.glue().GetPartitionsCommand)({ ...input, NextToken })),
    (page) => ({ items: page.Partitions ?? [], next: page.NextToken }),
  );
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order. */
async function inBatches<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit)
    results.push(...(await Promise.all(items.slice(i, i + limit).map(work))));
  return results;
}

/**
 * Incremental mode: the Iceberg table's snapshots (its `$snapshots` metadata table, through Athena),
 * newest first, and the watermark the table is current to. Each is a point `query --as-of` and
 * Athena's `FOR TIMESTAMP AS OF` can read until the retention optimizer expires it.
 */
async function icebergSnapshots(
  ctx: CommandContext,
  stack: Stack,
  { table, names }: StackTable,
  target: AwsTarget,
): Promise<number> {
  const database = stack.names.database;
  const glue = glueClient(target);
  if (
    !(await catalogTable(glue, database, names.icebergTable).catch((e) => {
      throw whenMissing(e, `Glue database ${database}`, target, stack.config.stack);
    }))
  ) {
    ctx.io.out(
      `No Iceberg table for ${table.name} yet: ${database}.${names.icebergTable} does not exist (pulumi up creates it).`,
    );
    return EXIT.OK;
  }
  const athena = athenaClient(target);
  const { queryId, execution } = await runStackQuery(
    athena,
    icebergSnapshotsSql(database, names.icebergTable),
    stack,
    target,
    ctx.io.sleep,
  );
  if (execution.Status?.State !== "SUCCEEDED") {
    ctx.io.err(
      `Reading the snapshots of ${database}.${names.icebergTable} ${execution.Status?.State ?? "did not succeed"} (query id ${queryId}): ${failureReason(execution)}`,
    );
    return EXIT.FAILED;
  }
  const rows = resultTable(await resultPages(athena, queryId));
  ctx.io.out(
    `Iceberg snapshots of ${table.name} in ${database}.${names.icebergTable}, newest first (time travel reaches each until retention expires it, after ${plural(table.retentionDays, "day")}):`,
  );
  toText(rows).forEach((l) => ctx.io.out(`  ${l}`));
  ctx.io.out(`${plural(rows.rows.length, "snapshot")}.`);
  const stored = await readWatermark(glue, s3Client(target), database, names);
  ctx.io.out(
    stored
      ? `Current to ${stored.watermark} (the watermark in ${stored.location}; bootstrapped from a full export at ${stored.bootstrappedAt}${stored.pending ? `; ${plural(stored.pending, "window")} exported, not merged yet` : ""}).`
      : "No watermark yet: the first run bootstraps the table from a full export.",
  );
  ctx.io.out(`Read a past state with: ddbsnap query "SELECT * FROM ${names.view}" --as-of <time>`);
  return EXIT.OK;
}

export const snapshots: Command = {
  ...COMMAND_MANIFEST.snapshots,
  help: `Lists the partitions of <database>.snapshots_<table> (one per snapshot), newest first, with the
number of objects and bytes under each partition's S3 location, and marks the snapshot the view
<database>.<table> shows (read from the view's SQL in the Glue catalog).
Incremental mode: lists the Iceberg table's snapshots (Athena, "<table>$snapshots") with the rows
each added and deleted, and the watermark the table is current to.`,

  async run(ctx: CommandContext): Promise<number> {
    const stack = stackOf(ctx);
    const { table, names } = findTable(stack, ctx.positionals[0]);
    const target = targetOf(ctx, stack);
    const glue = glueClient(target);
    const database = stack.names.database;
    if (table.mode === "incremental") return icebergSnapshots(ctx, stack, { table, names }, target);
    const { GetDatabaseCommand } = sdk.glue();

    await awsCall("Glue GetDatabase", () =>
      glue.send(new GetDatabaseCommand({ Name: database })),
    ).catch((e) => {
      throw whenMissing(e, `Glue database ${database}`, target, stack.config.stack);
    });
    const crawlerTable = await catalogTable(glue, database, names.crawlerTable);
    if (!crawlerTable) {
      ctx.io.out(
        `No snapshots of ${table.name} yet: ${database}.${names.crawlerTable} does not exist (the crawler creates it on the first run).`,
      );
      return EXIT.OK;
    }
    const keyIndex = Math.max(
      0,
      (crawlerTable.PartitionKeys ?? []).findIndex((k) => k.Name === SNAPSHOT_PARTITION_KEY),
    );
    const partitions = (await partitionsOf(glue, database, names.crawlerTable))
      .map((p) => ({
        snapshot: p.Values?.[keyIndex] ?? "?",
        location: p.StorageDescriptor?.Location,
      }))
      .sort((a, b) => b.snapshot.localeCompare(a.snapshot));

    const view = await catalogTable(glue, database, names.view);
    const sql = viewSql(view?.ViewOriginalText);
    const shown = sql === undefined ? undefined : viewSnapshot(sql, SNAPSHOT_PARTITION_KEY);

    const s3 = s3Client(target);
    const usage = await inBatches(partitions, 8, async (p) => {
      const where = p.location ? parseS3Location(p.location) : undefined;
      return where ? prefixUsage(s3, where.bucket, where.prefix) : undefined;
    });

    ctx.io.out(`Snapshots of ${table.name} in ${database}.${names.crawlerTable}, newest first:`);
    const rows = partitions.map((p, i) => [
      p.snapshot,
      usage[i] ? count(usage[i]!.objects) : "?",
      usage[i] ? bytes(usage[i]!.bytes) : "?",
      p.location ?? "(no location)",
      p.snapshot === shown ? `← view ${names.view}` : "",
    ]);
    columns(["snapshot", "objects", "size", "location", ""], rows, [
      "left",
      "right",
      "right",
    ]).forEach((l) => ctx.io.out(`  ${l}`));

    const totalObjects = usage.reduce((n, u) => n + (u?.objects ?? 0), 0);
    const totalBytes = usage.reduce((n, u) => n + (u?.bytes ?? 0), 0);
    ctx.io.out(
      `${plural(partitions.length, "snapshot")}, ${plural(totalObjects, "object")}, ${bytes(totalBytes)}.`,
    );
    if (!view) {
      ctx.io.out(
        `View ${database}.${names.view} does not exist yet: the refresh job creates it at the end of the first successful run.`,
      );
    } else if (shown === undefined) {
      ctx.io.out(
        `View ${database}.${names.view} does not select one snapshot; its SQL: ${sql ?? view.ViewOriginalText ?? "(none)"}`,
      );
    } else if (!partitions.some((p) => p.snapshot === shown)) {
      ctx.io.out(
        `View ${database}.${names.view} shows snapshot ${shown}, which has no partition in ${names.crawlerTable}: its queries return no rows.`,
      );
    } else {
      ctx.io.out(`View ${database}.${names.view} shows snapshot ${shown}.`);
    }
    return EXIT.OK;
  },
};
