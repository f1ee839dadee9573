/**
 * The pipeline role's permissions, as plain policy documents. Pure, so the unit tests, the IAM
 * simulation and the guardrail rules can inspect exactly what is attached.
 *
 * Every statement is scoped to one table's resources. The one `*` resource is
 * `cloudwatch:PutMetricData`, which has no resource-level permissions; a namespace condition
 * narrows it instead. Each grant says why it is there, and whether AWS documents it or we infer it
 * (docs/security.md lists the same).
 *
 * The statements are split into five managed policies (POLICY_PARTS): with a 255-character table
 * name, KMS and export mode, one inline policy would pass IAM's limit of 10,240 characters for a
 * role's inline policies, and one managed policy its 6,144 (IAM and AWS STS quotas).
 */
import type { AwsContext } from "./arns";
import {
  athenaWorkgroupArn,
  glueArn,
  glueCatalogArn,
  glueDatabaseArn,
  glueTableArn,
  logGroupArn,
  s3BucketArn,
} from "./arns";
import type { TableConfig } from "./config";
import type { TableNames } from "./naming";
import { SCRIPTS_PREFIX, tablePrefixes } from "./naming";
import { CONTRACT } from "./contract";
import type { SourceTable } from "./source";
import { sourceOf } from "./source";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: string | Record<string, string | string[]>;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** CloudWatch namespace of the snapshot metrics the refresh job publishes. */
export const METRICS_NAMESPACE = CONTRACT.metrics.namespace;

/** IAM's size limits (IAM and AWS STS quotas), counted without whitespace. */
export const IAM_LIMITS = {
  managedPolicyChars: 6144,
  inlinePoliciesPerRoleChars: 10240,
  managedPoliciesPerRole: 10,
} as const;

export interface PipelinePolicyInputs {
  ctx: AwsContext;
  table: TableConfig;
  names: TableNames;
  bucket: string;
  database: string;
  /** The table's own workgroup (TableNames.workgroup), where the refresh job's queries run. */
  workgroup: string;
  /** Script object keys the jobs load. */
  scriptKeys: string[];
  /** The role's own name and the stack's Glue security configuration: they name encrypted log groups. */
  roleName: string;
  securityConfiguration: string;
  /** The stack's customer managed key, when it has one. */
  kmsKeyArn?: string;
  /** The stack's HMAC key (a Secrets Manager or SSM ARN), read by a table that hashes a column. */
  hashKey?: string;
}

/**
 * The parts of the role's permissions, each attached as its own managed policy of at most 6,144
 * characters: the snapshots in S3, scratch and staging space, the source table with the
 * workflow run and Athena, the Glue catalog, and logs with the key and metrics.
 */
export const POLICY_PARTS = ["snapshots", "scratch", "source", "catalog", "logs"] as const;
export type PolicyPart = (typeof POLICY_PARTS)[number];

/**
 * Log groups with names of this table's own: the program declares them with a retention.
 * - `<prefix>/output|error`: Glue 5.x with `--custom-logGroup-prefix` (Glue guide, "Logging for AWS
 *   Glue jobs"); Glue 4.0's continuous logs with `--continuous-log-logGroup <prefix>/output`.
 * - With CloudWatch encryption in the security configuration, Glue appends the configuration's name
 *   to a custom continuous log group (Glue guide, "Security configuration with continuous logging"),
 *   and names the driver, Python shell and crawler groups after the role and the configuration
 *   (Glue API, JobRun.LogGroupName; crawler: inferred from the same pattern).
 */
export function ownLogGroups(
  names: TableNames,
  encrypted?: { roleName: string; securityConfiguration: string },
): string[] {
  const groups = [`${names.logGroupPrefix}/output`, `${names.logGroupPrefix}/error`];
  if (encrypted) {
    const sc = encrypted.securityConfiguration;
    const suffix = `${encrypted.roleName}-${sc}`;
    groups.push(`${names.logGroupPrefix}/output-${sc}`, `${names.logGroupPrefix}/error-${sc}`);
    groups.push(`/aws-glue/jobs-${suffix}/output`, `/aws-glue/jobs-${suffix}/error`);
    groups.push(`/aws-glue/python-jobs-${suffix}/output`, `/aws-glue/python-jobs-${suffix}/error`);
    groups.push(`/aws-glue/crawlers-role/${suffix}`);
  }
  return groups;
}

/**
 * Account-wide groups Glue writes to, and creates on first use in a region: the Python shell job's
 * and the crawler's defaults, and Glue 4.0's driver output.
 */
export function sharedLogGroups(table: TableConfig): string[] {
  const groups = [
    "/aws-glue/python-jobs/output",
    "/aws-glue/python-jobs/error",
    "/aws-glue/crawlers",
  ];
  if (table.glueVersion === "4.0") groups.push("/aws-glue/jobs/output", "/aws-glue/jobs/error");
  return groups;
}

/** ARNs and names every statement builder works from. */
interface Scope {
  inputs: PipelinePolicyInputs;
  /** The DynamoDB table, possibly in another region, or account (then read through its role). */
  source: SourceTable;
  bucketArn: string;
  /** This table's own S3 prefixes (no trailing slash). */
  ownPrefixes: string[];
  encrypted?: { roleName: string; securityConfiguration: string };
}

/** Where the table's queryable data lives: the snapshots, or the Iceberg table. */
function dataPrefix({ table, names }: PipelinePolicyInputs): string {
  const prefixes = tablePrefixes(table.format, names.normalised);
  return table.mode === "incremental" ? prefixes.warehouse : prefixes.snapshots;
}

function scopeOf(inputs: PipelinePolicyInputs): Scope {
  const { ctx, table, names } = inputs;
  const prefixes = tablePrefixes(table.format, names.normalised);
  return {
    inputs,
    source: sourceOf(table, ctx),
    bucketArn: s3BucketArn(ctx, inputs.bucket),
    ownPrefixes: [
      dataPrefix(inputs),
      prefixes.temp,
      ...(table.mode !== "scan" ? [prefixes.exportStaging] : []),
      ...(table.mode === "incremental" ? [prefixes.state] : []),
    ],
    encrypted: inputs.kmsKeyArn
      ? { roleName: inputs.roleName, securityConfiguration: inputs.securityConfiguration }
      : undefined,
  };
}

function dynamodbStatements({ inputs, source }: Scope): PolicyStatement[] {
  const { table } = inputs;
  const { tableArn } = source;
  if (source.roleArn) {
    return [
      {
        // A table in another account: every DynamoDB call is made with its source role, so this
        // role may assume that one role and touch no DynamoDB table itself (lib/source.ts).
        Sid: "AssumeSourceRole",
        Effect: "Allow",
        Action: ["sts:AssumeRole"],
        Resource: source.roleArn,
      },
    ];
  }
  // DescribeTable: the scan connector sizes its read rate from it, and the refresh job compares
  // the items written with ItemCount.
  if (table.mode === "scan") {
    return [
      {
        Sid: "ScanSourceTable",
        Effect: "Allow",
        Action: ["dynamodb:DescribeTable", "dynamodb:Scan"],
        Resource: tableArn,
      },
    ];
  }
  return [
    {
      // Incremental mode: DescribeContinuousBackups gives the PITR window the windows must fit
      // (API reference, IncrementalExportSpecification).
      Sid: "ExportSourceTable",
      Effect: "Allow",
      Action: [
        "dynamodb:DescribeTable",
        "dynamodb:ExportTableToPointInTime",
        ...(table.mode === "incremental" ? ["dynamodb:DescribeContinuousBackups"] : []),
      ],
      Resource: tableArn,
    },
    {
      Sid: "FollowSourceTableExports",
      Effect: "Allow",
      Action: ["dynamodb:DescribeExport"],
      Resource: `${tableArn}/export/*`,
    },
  ];
}

/** `a/b/c` -> `a`, `a/b`: the folders above a prefix. */
function ancestors(prefix: string): string[] {
  const parts = prefix.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** Listing and object access for some of this table's own prefixes. */
function s3PrefixStatements(
  { bucketArn }: Scope,
  prefixes: string[],
  sid: string,
): PolicyStatement[] {
  return [
    {
      // Spark lists the folder it writes and the crawler the folder it crawls; the refresh job
      // sums a snapshot's objects and prunes old ones.
      Sid: `List${sid}`,
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}/*`]) } },
    },
    {
      // Hadoop-style writers HEAD the folder itself and keep `<folder>_$folder$` markers beside it,
      // so the exact folder keys are granted as well as what lies below them (inferred from the
      // S3A/EMRFS file systems Glue's S3 sink builds on).
      Sid: `ReadWrite${sid}`,
      Effect: "Allow",
      Action: [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ],
      Resource: prefixes
        .flatMap((p) => [`${p}/*`, p, `${p}_$folder$`])
        .map((key) => `${bucketArn}/${key}`),
    },
  ];
}

/** What every table's role needs of the bucket beyond its own prefixes. */
function s3SharedStatements({ inputs, bucketArn, ownPrefixes }: Scope): PolicyStatement[] {
  const objectKey = (key: string) => `${bucketArn}/${key}`;
  const results = tablePrefixes(inputs.table.format, inputs.names.normalised).athenaResults;
  const ancestorMarkers = [...new Set(ownPrefixes.flatMap(ancestors))].flatMap((a) => [
    a,
    `${a}/`,
    `${a}_$folder$`,
  ]);
  return [
    {
      // Athena checks the results bucket's region, lists unfinished uploads of its results and
      // the results prefix (Athena guide, "Access to Amazon S3").
      Sid: "UseResultsBucket",
      Effect: "Allow",
      Action: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
      Resource: bucketArn,
    },
    {
      // Only the table's own results: another table's read-back leaves rows of that table there.
      Sid: "ListAthenaResults",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": [results, `${results}/*`] } },
    },
    {
      // The table's workgroup writes the refresh job's query results here.
      Sid: "WriteAthenaResults",
      Effect: "Allow",
      Action: [
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ],
      Resource: objectKey(`${results}/*`),
    },
    {
      // Creating a folder checks (HEAD) and may mark the folders above it. Only those exact marker
      // keys: nothing below them, so other tables' objects stay out of reach (inferred, as above).
      Sid: "MarkParentFolders",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: ancestorMarkers.map(objectKey),
    },
    {
      Sid: "ReadGlueScripts",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: inputs.scriptKeys.map((key) =>
        objectKey(key.startsWith(SCRIPTS_PREFIX) ? key : SCRIPTS_PREFIX + key),
      ),
    },
  ];
}

/** Spark's scratch space and, in export mode, DynamoDB's staged export files. */
function s3ScratchStatements(scope: Scope): PolicyStatement[] {
  const { inputs, bucketArn } = scope;
  const prefixes = tablePrefixes(inputs.table.format, inputs.names.normalised);
  const statements = s3PrefixStatements(
    scope,
    scope.ownPrefixes.filter((p) => p !== dataPrefix(inputs)),
    "Scratch",
  );
  if (inputs.table.mode !== "scan" && !scope.source.roleArn) {
    statements.push({
      // DynamoDB writes the export with the caller's permissions and sets each object's ACL
      // (DynamoDB guide, "Requesting a table export": s3:PutObjectAcl; a no-op under
      // BucketOwnerEnforced, but still checked).
      Sid: "StageTableExports",
      Effect: "Allow",
      Action: ["s3:PutObjectAcl"],
      Resource: `${bucketArn}/${prefixes.exportStaging}/*`,
    });
  }
  return statements;
}

/**
 * Athena reads the catalog and the `default` database for every query, DDL included (Athena guide,
 * "Configure access to databases and tables in the AWS Glue Data Catalog").
 */
function readDatabaseStatement({ ctx, database }: PipelinePolicyInputs): PolicyStatement {
  return {
    Sid: "ReadDatabase",
    Effect: "Allow",
    Action: ["glue:GetDatabase"],
    Resource: [
      glueCatalogArn(ctx),
      glueDatabaseArn(ctx, database),
      glueDatabaseArn(ctx, "default"),
    ],
  };
}

function glueCatalogStatements({ inputs }: Scope): PolicyStatement[] {
  const { ctx, database, names } = inputs;
  const catalog = glueCatalogArn(ctx);
  const db = glueDatabaseArn(ctx, database);
  if (inputs.table.mode === "incremental") return icebergCatalogStatements(inputs);
  const snapshotTable = glueTableArn(ctx, database, names.crawlerTable);
  const view = glueTableArn(ctx, database, names.view);
  return [
    readDatabaseStatement(inputs),
    {
      // The crawler keeps snapshots_<table>; CREATE OR REPLACE VIEW writes the view; queries read both.
      Sid: "MaintainSnapshotTableAndView",
      Effect: "Allow",
      Action: ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
      Resource: [catalog, db, snapshotTable, view],
    },
    {
      // The job no longer drops a view (it reads a snapshot back before the view shows it); whether
      // Athena's CREATE OR REPLACE VIEW deletes the old view's table is not documented: kept.
      Sid: "DropOwnView",
      Effect: "Allow",
      Action: ["glue:DeleteTable"],
      Resource: [catalog, db, view],
    },
    {
      // Crawler: adds partitions, and creates a partition index by default (Glue guide, "Generating
      // partition indexes"). Refresh job and Athena: read and prune partitions.
      Sid: "MaintainSnapshotPartitions",
      Effect: "Allow",
      Action: [
        "glue:GetPartition",
        "glue:GetPartitions",
        "glue:BatchGetPartition",
        "glue:CreatePartition",
        "glue:BatchCreatePartition",
        "glue:UpdatePartition",
        "glue:BatchUpdatePartition",
        "glue:BatchDeletePartition",
        "glue:CreatePartitionIndex",
        "glue:GetPartitionIndexes",
      ],
      Resource: [catalog, db, snapshotTable],
    },
  ];
}

/**
 * Incremental mode: Iceberg's GlueCatalog commits by reading the table and updating its metadata
 * pointer (GetTable, UpdateTable; Glue guide, "Using the Iceberg framework in AWS Glue"); the
 * program creates the table, so the job never creates it. The view is rebuilt each run.
 */
function icebergCatalogStatements(inputs: PipelinePolicyInputs): PolicyStatement[] {
  const { ctx, database, names } = inputs;
  const catalog = glueCatalogArn(ctx);
  const db = glueDatabaseArn(ctx, database);
  const view = glueTableArn(ctx, database, names.view);
  return [
    readDatabaseStatement(inputs),
    {
      Sid: "CommitIcebergTable",
      Effect: "Allow",
      Action: ["glue:GetTable", "glue:UpdateTable"],
      Resource: [catalog, db, glueTableArn(ctx, database, names.icebergTable)],
    },
    {
      Sid: "MaintainView",
      Effect: "Allow",
      Action: ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable"],
      Resource: [catalog, db, view],
    },
  ];
}

/**
 * A table that hashes a column: the export and apply jobs read the HMAC key (column_rules.py).
 * Its encryption key, if it is not AWS's managed one, is the key owner's to grant (docs/security.md).
 */
function hashKeyStatements({ inputs }: Scope): PolicyStatement[] {
  const { table, hashKey } = inputs;
  if (!hashKey || !Object.values(table.columnRules).includes("hash")) return [];
  return [
    {
      Sid: "ReadTheHashKey",
      Effect: "Allow",
      Action: [hashKey.includes(":ssm:") ? "ssm:GetParameter" : "secretsmanager:GetSecretValue"],
      Resource: hashKey,
    },
  ];
}

function glueRunStatements({ inputs }: Scope): PolicyStatement[] {
  const { ctx, names } = inputs;
  return [
    {
      // The run properties carry snapshot_timestamp and snapshot_item_count between the steps.
      Sid: "ShareRunProperties",
      Effect: "Allow",
      Action: [
        "glue:GetWorkflowRun",
        "glue:GetWorkflowRunProperties",
        "glue:PutWorkflowRunProperties",
      ],
      Resource: glueArn(ctx, `workflow/${names.workflow}`),
    },
    {
      // The export job names a snapshot made outside a workflow after its own run; the refresh job
      // reads the export run's duration for its metrics.
      Sid: "ReadExportJobRuns",
      Effect: "Allow",
      Action: ["glue:GetJobRun"],
      Resource: glueArn(ctx, `job/${names.exportJob}`),
    },
  ];
}

function athenaStatements({ inputs }: Scope): PolicyStatement[] {
  return [
    {
      // The view DDL and its read-back run in the table's own workgroup only.
      Sid: "RunViewQueries",
      Effect: "Allow",
      Action: [
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:StopQueryExecution",
        "athena:GetWorkGroup",
      ],
      Resource: athenaWorkgroupArn(inputs.ctx, inputs.workgroup),
    },
  ];
}

function logsStatements({ inputs, encrypted }: Scope): PolicyStatement[] {
  const { ctx, names, table } = inputs;
  const arn = (group: string) => logGroupArn(ctx, group);
  // CloudWatch Logs authorizes CreateLogGroup against `log-group:<name>:log-stream:`, the form its
  // AccessDenied messages name, so each group is granted in both forms.
  const bothForms = (group: string) => [arn(group), `${arn(group)}:*`];
  // Every group below these stems is this table's own (its prefix, or its role's name).
  const ownStems = [`${names.logGroupPrefix}/*`];
  if (encrypted) {
    const suffix = `${encrypted.roleName}-${encrypted.securityConfiguration}`;
    ownStems.push(`/aws-glue/jobs-${suffix}/*`, `/aws-glue/python-jobs-${suffix}/*`);
  }
  const crawlerGroup = encrypted
    ? `/aws-glue/crawlers-role/${encrypted.roleName}-${encrypted.securityConfiguration}`
    : undefined;
  const ownResources = [...ownStems.map(arn), ...(crawlerGroup ? bothForms(crawlerGroup) : [])];
  const shared = sharedLogGroups(table);
  const statements: PolicyStatement[] = [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: ownResources,
    },
    {
      // Glue creates its default groups on first use in a region.
      Sid: "CreateDefaultLogGroups",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup"],
      Resource: shared.flatMap(bothForms),
    },
    {
      // The refresh job's (and Glue 4.0's driver) streams are named after run ids; the crawler's
      // after the crawler.
      Sid: "WriteDefaultLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: shared.map((g) =>
        g === "/aws-glue/crawlers" ? `${arn(g)}:log-stream:${names.crawler}` : `${arn(g)}:*`,
      ),
    },
  ];
  if (encrypted) {
    statements.push({
      // Without it Glue switches continuous logging off (Glue guide, "Security configuration with
      // continuous logging").
      Sid: "EncryptOwnLogGroups",
      Effect: "Allow",
      Action: ["logs:AssociateKmsKey"],
      Resource: ownResources,
    });
  }
  return statements;
}

function kmsStatements({ inputs }: Scope): PolicyStatement[] {
  if (!inputs.kmsKeyArn) return [];
  return [
    {
      // S3 objects (SSE-KMS), logs, bookmarks and Athena results under the stack's key.
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: inputs.kmsKeyArn,
    },
  ];
}

function metricsStatements(): PolicyStatement[] {
  return [
    {
      // PutMetricData has no resource-level permissions: `*` is the only valid resource, so the
      // grant is narrowed to Glue's job metrics and this project's snapshot metrics.
      Sid: "PublishMetrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": ["Glue", METRICS_NAMESPACE] } },
    },
  ];
}

/** The role's permissions by part; each part becomes one managed policy. */
export function pipelinePolicies(inputs: PipelinePolicyInputs): Record<PolicyPart, PolicyDocument> {
  const scope = scopeOf(inputs);
  const doc = (...statements: PolicyStatement[][]): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: statements.flat(),
  });
  return {
    snapshots: doc(
      s3PrefixStatements(scope, [dataPrefix(inputs)], "Snapshots"),
      s3SharedStatements(scope),
    ),
    scratch: doc(s3ScratchStatements(scope)),
    source: doc(
      dynamodbStatements(scope),
      glueRunStatements(scope),
      athenaStatements(scope),
      hashKeyStatements(scope),
    ),
    catalog: doc(glueCatalogStatements(scope)),
    logs: doc(logsStatements(scope), kmsStatements(scope), metricsStatements()),
  };
}

/** Every statement of the role, in one document (for reading and tests; AWS gets the parts). */
export function pipelinePolicy(inputs: PipelinePolicyInputs): PolicyDocument {
  const parts = pipelinePolicies(inputs);
  return { Version: "2012-10-17", Statement: POLICY_PARTS.flatMap((p) => parts[p].Statement) };
}

/** How IAM counts a policy's size: its JSON without whitespace. */
export function policySize(doc: PolicyDocument): number {
  return JSON.stringify(doc).replace(/\s/g, "").length;
}

/** Glue assumes the pipeline role; nothing else may. */
export function glueAssumeRolePolicy(): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "glue.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  };
}

/** What the Iceberg table's managed optimizers need (incremental mode). */
export interface OptimizerPolicyInputs {
  ctx: AwsContext;
  names: TableNames;
  table: TableConfig;
  bucket: string;
  database: string;
  kmsKeyArn?: string;
}

/**
 * The role Glue's table optimizers (compaction, snapshot retention, orphan-file deletion) assume
 * for one Iceberg table: that table's prefix, that catalog table, and the optimizers' log groups
 * (Glue guide, "Table optimization prerequisites", whose example grants the whole bucket; here
 * only the table's own prefix).
 */
export function optimizerPolicy(inputs: OptimizerPolicyInputs): PolicyDocument {
  const { ctx, names, table, bucket, database } = inputs;
  const bucketArn = s3BucketArn(ctx, bucket);
  const warehouse = tablePrefixes(table.format, names.normalised).warehouse;
  const statements: PolicyStatement[] = [
    {
      Sid: "ListTableData",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": [warehouse, `${warehouse}/*`] } },
    },
    {
      // Compaction writes new files and deletes replaced ones; retention and orphan deletion
      // delete expired and unreferenced files.
      Sid: "RewriteTableData",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `${bucketArn}/${warehouse}/*`,
    },
    {
      // Compaction and retention commit new table metadata through the catalog.
      Sid: "CommitTableMetadata",
      Effect: "Allow",
      Action: ["glue:GetTable", "glue:UpdateTable"],
      Resource: [
        glueCatalogArn(ctx),
        glueDatabaseArn(ctx, database),
        glueTableArn(ctx, database, names.icebergTable),
      ],
    },
    {
      Sid: "WriteOptimizerLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: OPTIMIZER_LOG_GROUPS.map((g) => `${logGroupArn(ctx, g)}:*`),
    },
  ];
  if (inputs.kmsKeyArn) {
    statements.push({
      Sid: "UseStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: inputs.kmsKeyArn,
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Where Glue's table optimizers log (the prerequisites page's example policy). */
export const OPTIMIZER_LOG_GROUPS = [
  "/aws-glue/iceberg-compaction/logs",
  "/aws-glue/iceberg-retention/logs",
  "/aws-glue/iceberg-orphan-file-deletion/logs",
];
