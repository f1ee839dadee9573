/**
 * Incremental mode: the watermark the apply job keeps (`state/<table>/watermark.json` in the
 * stack's bucket): the table is current to that time. The bucket is Pulumi-named, so it is read
 * from the Iceberg table's location in the Glue catalog, never computed.
 */
import type { GlueClient } from "@aws-sdk/client-glue";
import type { S3Client } from "@aws-sdk/client-s3";
import { CONTRACT } from "../lib/contract";
import type { TableNames } from "../lib/naming";
import { tablePrefixes } from "../lib/naming";
import { sdk } from "./aws";
import { AwsError, awsCall } from "./errors";
import { parseS3Location } from "./presto-view";
import { catalogTable } from "./catalog";

export interface StoredWatermark {
  /** The table holds every change before this time. */
  watermark: string;
  bootstrappedAt: string;
  /** Windows exported but not yet merged (a run is under way, or one failed after exporting). */
  pending: number;
  location: string;
}

export async function readWatermark(
  glue: GlueClient,
  s3: S3Client,
  database: string,
  names: TableNames,
): Promise<StoredWatermark | undefined> {
  const table = await catalogTable(glue, database, names.icebergTable);
  const where = parseS3Location(table?.StorageDescriptor?.Location ?? "");
  if (!where) return undefined;
  // The state prefix does not depend on the format; incremental tables are Parquet anyway.
  const key = `${tablePrefixes("parquet", names.normalised).state}/${CONTRACT.iceberg.watermarkFile}`;
  const { GetObjectCommand } = sdk.s3();
  try {
    const object = await awsCall("S3 GetObject", () =>
      s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: key })),
    );
    const document = JSON.parse((await object.Body?.transformToString()) ?? "{}");
    return {
      watermark: document.watermark,
      bootstrappedAt: document.bootstrappedAt,
      pending: (document.pending ?? []).length,
      location: `s3://${where.bucket}/${key}`,
    };
  } catch (error) {
    if (error instanceof AwsError && (error.code === "NoSuchKey" || error.code === "NotFound"))
      return undefined;
    throw error;
  }
}
