"""The contract between the Pulumi program and these scripts. Generated from contract.json
by `npm run contract`: edit contract.json, never this file."""

# The contract between the Pulumi program and the Glue scripts: the one source for argument
# names, run properties, the S3 layout and the name patterns. The program imports this file; the
# scripts import contract.py, generated from it by `npm run contract` (a test fails when the two
# differ).
CONTRACT = {
    "exportArguments": {
        "common": [
            "table_name",
            "mode",
            "output_path",
            "output_format",
            "database",
            "column_types"
        ],
        "scan": [
            "read_percentage",
            "splits"
        ],
        "export": [
            "table_arn",
            "export_staging_path"
        ]
    },
    "refreshArguments": [
        "database",
        "table",
        "workgroup",
        "output_path",
        "retention_days",
        "table_name",
        "min_item_ratio",
        "stack"
    ],
    "refreshIncrementalArguments": [
        "iceberg_table",
        "state_path"
    ],
    "incrementalArguments": {
        "exports": [
            "table_name",
            "table_arn",
            "export_staging_path",
            "state_path"
        ],
        "apply": [
            "table_name",
            "database",
            "iceberg_table",
            "state_path",
            "column_types"
        ]
    },
    "sourceArguments": [
        "source_role_arn",
        "source_region",
        "bucket_owner"
    ],
    "columnRuleArguments": [
        "column_rules",
        "hash_key"
    ],
    "glueRunArguments": [
        "JOB_NAME",
        "JOB_RUN_ID",
        "WORKFLOW_NAME",
        "WORKFLOW_RUN_ID",
        "TempDir"
    ],
    "runProperties": {
        "snapshotTimestamp": "snapshot_timestamp",
        "itemCount": "snapshot_item_count",
        "exportSeconds": "snapshot_export_seconds",
        "readUnits": "snapshot_read_units",
        "incrementalExports": "incremental_exports",
        "watermark": "incremental_watermark"
    },
    "snapshotPartitionKey": "snapshot_timestamp",
    "snapshotTimestampPattern": "[0-9]{8}T[0-9]{6}Z",
    "crawlerTablePrefix": "snapshots_",
    "identifierPattern": "[a-z0-9_]{1,255}",
    "modes": [
        "scan",
        "export"
    ],
    "formats": [
        "parquet",
        "orc",
        "avro",
        "json",
        "csv"
    ],
    "s3Prefixes": {
        "athenaResults": "athena-results/",
        "scripts": "glue-scripts/",
        "scratch": "tmp/",
        "exportStaging": "export-staging/",
        "warehouse": "iceberg/",
        "state": "state/"
    },
    "layout": {
        "description": "Table bytes (TableSizeBytes) per scan segment and output file",
        "tableBytesPerFile": 1073741824,
        "onDemandReadCapacity": 40000,
        "bytesPerReadUnit": 8192
    },
    "columnTypes": {
        "simple": [
            "string",
            "bigint",
            "int",
            "double",
            "boolean",
            "binary",
            "timestamp"
        ],
        "collections": [
            "array<string>",
            "map<string,string>"
        ],
        "decimalPattern": "decimal\\((\\d{1,2}),(\\d{1,2})\\)",
        "maxDecimalPrecision": 38
    },
    "minItemRatio": {
        "default": 0.5,
        "min": 0,
        "max": 1
    },
    "metrics": {
        "namespace": "ddb-athena-snapshots",
        "dimensions": [
            "Stack",
            "Table"
        ],
        "names": {
            "succeeded": "SnapshotSucceeded",
            "age": "SnapshotAgeSeconds",
            "items": "SnapshotItems",
            "bytes": "SnapshotBytes",
            "objects": "SnapshotObjects",
            "exportSeconds": "ExportDurationSeconds",
            "viewAge": "ViewAgeSeconds",
            "readUnitsPerSecond": "ScanReadUnitsPerSecond"
        }
    },
    "iceberg": {
        "catalog": "glue_catalog",
        "tablePrefix": "iceberg_",
        "watermarkFile": "watermark.json",
        "writeTimestampColumn": "_ddb_write_ts"
    },
    "columnRules": {
        "rules": [
            "exclude",
            "hash"
        ],
        "minimumKeyBytes": 32
    },
    "sourceAccess": {
        "errorPrefix": "cannot assume source role",
        "sessionName": "ddbsnap"
    }
}
