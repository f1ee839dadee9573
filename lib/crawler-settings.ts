/**
 * Crawler settings that make one partitioned table per DynamoDB table, not one table per snapshot
 * folder, and keep picking up new attributes. Pure.
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
      // New snapshot partitions take the table's schema instead of diverging per partition.
      Partitions: { AddOrUpdateBehavior: "InheritFromTable" },
      // A new DynamoDB attribute becomes a new column; columns are never dropped.
      Tables: { AddOrUpdateBehavior: "MergeNewColumns" },
    },
  });
}

/** Spark's marker and scratch files would otherwise become tables or break schema inference. */
export const CRAWLER_EXCLUSIONS = ["**/_SUCCESS", "**/_temporary/**", "**_$folder$"];

/**
 * CRAWL_NEW_FOLDERS_ONLY would force the LOG schema policy and ignore new attributes, so the
 * crawler re-crawls everything; pruning old snapshots keeps that bounded.
 */
export const CRAWLER_RECRAWL_BEHAVIOR = "CRAWL_EVERYTHING";
export const CRAWLER_SCHEMA_CHANGE_POLICY = {
  updateBehavior: "UPDATE_IN_DATABASE",
  // Pruning removes partitions itself; the crawler must never drop the table.
  deleteBehavior: "LOG",
} as const;
