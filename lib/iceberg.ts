/**
 * Incremental mode's Iceberg table: its maintenance settings and the SQL that reads it. Pure.
 */
import type { TableConfig } from "./config";

export interface IcebergMaintenance {
  compaction: { strategy: string; minInputFiles: number; deleteFileThreshold: number };
  retention: {
    snapshotRetentionPeriodInDays: number;
    numberOfSnapshotsToRetain: number;
    cleanExpiredFiles: boolean;
    runRateInHours: number;
  };
  orphanFileDeletion: { orphanFileRetentionPeriodInDays: number; runRateInHours: number };
}

/**
 * The Glue table optimizers' settings (Glue API, IcebergCompactionConfiguration,
 * IcebergRetentionConfiguration, IcebergOrphanFileDeletionConfiguration):
 * - compaction: binpack, and a data file with even one delete file is rewritten
 *   (deleteFileThreshold 1), which is what merge-on-read needs to stay fast to read;
 * - retention: `retentionDays` of snapshots, so time travel reaches as far back as the snapshot
 *   partitions of the other modes; expired files are deleted, which `cleanExpiredFiles` does only
 *   when set (its default is false: Glue API and the Pulumi/Terraform docs);
 * - orphan files: removed after 3 days (the API's default), daily.
 */
export function icebergMaintenance(table: TableConfig): IcebergMaintenance {
  return {
    compaction: { strategy: "binpack", minInputFiles: 100, deleteFileThreshold: 1 },
    retention: {
      snapshotRetentionPeriodInDays: table.retentionDays,
      numberOfSnapshotsToRetain: 1,
      cleanExpiredFiles: true,
      runRateInHours: 24,
    },
    orphanFileDeletion: { orphanFileRetentionPeriodInDays: 3, runRateInHours: 24 },
  };
}

/** Athena engine 3's time travel (Athena guide, "Query Iceberg table data"): `FOR TIMESTAMP AS OF`. */
export function timeTravelSql(database: string, icebergTable: string, asOf: Date): string {
  const at = asOf
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "")
    .replace("Z", "");
  return `SELECT * FROM "${database}"."${icebergTable}" FOR TIMESTAMP AS OF TIMESTAMP '${at} UTC'`;
}

/** The Iceberg `$snapshots` metadata table through Athena, newest first. */
export function icebergSnapshotsSql(database: string, icebergTable: string): string {
  return (
    `SELECT committed_at, snapshot_id, operation, summary['added-records'] AS added, ` +
    `summary['deleted-records'] AS deleted, summary['total-records'] AS total ` +
    `FROM "${database}"."${icebergTable}$snapshots" ORDER BY committed_at DESC`
  );
}
