/**
 * How a snapshot is read and written, from the table's size: the same rule the export job
 * applies at run time (glue-scripts/export_table.py, plan_layout), from the shared contract.
 * Pure, so `ddbsnap plan` and `ddbsnap estimate` can print it.
 */
import { CONTRACT } from "./contract";

export interface Layout {
  /** Parallel scan segments (scan mode). */
  segments: number;
  /** Output files at most. */
  files: number;
  /** Segments that run at once: one per task slot. */
  concurrentSegments: number;
}

export const TABLE_BYTES_PER_FILE = CONTRACT.layout.tableBytesPerFile;

/**
 * About one file per GiB of table data (128–512 MB once compressed), one file for a small table;
 * at least one scan segment per task slot and none bigger than a file, so that no task streams
 * more than about a GiB of items (a G.1X worker has 16 GB for its 4 tasks).
 */
export function planLayout(tableBytes: number, splits: number): Layout {
  const files = Math.max(1, Math.ceil(Math.max(0, tableBytes) / TABLE_BYTES_PER_FILE));
  const segments = Math.max(splits, files);
  return { segments, files, concurrentSegments: Math.min(segments, splits) };
}

/** One line for `plan` and `estimate`. */
export function describeLayout(layout: Layout, mode: "scan" | "export"): string {
  const files = layout.files === 1 ? "1 file" : `up to ${layout.files} files`;
  const read =
    mode === "scan"
      ? `${layout.segments} scan segments, ${layout.concurrentSegments} at a time`
      : "DynamoDB's export files";
  return `${files} of about 1 GiB of table data each (128–512 MB compressed); reads ${read}`;
}
