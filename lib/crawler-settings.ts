/**
 * Crawler settings: the export job declares the table snapshots_<table> (its columns, their types
 * and the format's SerDe, glue-scripts/snapshot_formats.py); the crawler only adds each new
 * snapshot folder as a partition of it and never changes the declared schema. Pure.
 */

/** The crawler's `configuration` JSON. */
export function crawlerConfiguration(): string {
  return JSON.stringify({
    Version: 1.0,
    Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
    // The crawler's default, stated: an index on snapshot_timestamp keeps the refresh job's
    // partition look-ups fast as snapshots accumulate (Glue guide, "Generating partition indexes");
    // the role may create it on snapshots_<table> only.
    CreatePartitionIndex: true,
    CrawlerOutput: {
      // A new snapshot partition takes the declared table's schema and SerDe instead of the
      // crawler's guess from the files.
      Partitions: { AddOrUpdateBehavior: "InheritFromTable" },
    },
  });
}

/** Spark's marker and scratch files would otherwise become tables or break schema inference. */
export const CRAWLER_EXCLUSIONS = ["**/_SUCCESS", "**/_temporary/**", "**_$folder$"];

/**
 * Only new snapshot folders are crawled (Glue guide, "Scheduling incremental crawls for adding
 * new partitions"), so a crawl stays as short as one snapshot however many retention keeps; the
 * schema is the export job's, so there is nothing else for the crawler to find.
 */
export const CRAWLER_RECRAWL_BEHAVIOR = "CRAWL_NEW_FOLDERS_ONLY";
export const CRAWLER_SCHEMA_CHANGE_POLICY = {
  // The crawler must not retype the declared columns (a JSON number as double, base64 as text).
  // LOG still adds new partitions: "New tables and partitions are always created regardless of
  // the SchemaChangePolicy" (CloudFormation, AWS::Glue::Crawler SchemaChangePolicy), and
  // incremental crawls require LOG.
  updateBehavior: "LOG",
  // Pruning removes partitions itself; the crawler must never drop the table.
  deleteBehavior: "LOG",
} as const;
