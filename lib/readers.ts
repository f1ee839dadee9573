/**
 * Who may read which views: the stack's `readers` read every table's view, a table's `readers`
 * that table's. Pure (no Pulumi): the program, `ddbsnap plan` and the IAM simulation use it.
 *
 * Roles that may read the same tables form a reader set. Each set gets its own Athena workgroup
 * (results under `athena-results/readers/<id>/`, which only that set may read: a result file holds
 * the rows a query returned) and managed policies granting exactly a `SELECT` on its views through
 * that workgroup: the catalog entries of the views and their tables, and the tables' data in S3
 * (IAM), or Lake Formation's credentials for it (`lakeFormation: true`). Nothing else: no other
 * table, no staging or scratch prefix, no other workgroup, no writes to the catalog.
 */
import type { AwsContext } from "./arns";
import {
  arnParts,
  athenaWorkgroupArn,
  glueCatalogArn,
  glueDatabaseArn,
  glueTableArn,
  s3BucketArn,
} from "./arns";
import type { StackConfig, TableConfig } from "./config";
import type { PolicyDocument, PolicyStatement } from "./iam-policy";
import { IAM_LIMITS, policySize } from "./iam-policy";
import type { ReaderSetNames, TableNames } from "./naming";
import { readerSetNames, shortHash, tableKey, tableNames, tablePrefixes } from "./naming";

export interface ReaderSet {
  /** 8 hex digits of the set's tables: stable while the set reads the same tables. */
  id: string;
  /** IAM role ARNs, in the order the config names them. */
  roles: string[];
  /** The tables the set reads, in config order. */
  tables: TableConfig[];
  names: ReaderSetNames;
}

/** Groups the configured readers by the tables they may read. */
export function readerSets(config: StackConfig): ReaderSet[] {
  const tablesOf = new Map<string, TableConfig[]>();
  const add = (role: string, table: TableConfig) => {
    const tables = tablesOf.get(role) ?? [];
    if (!tables.includes(table)) tables.push(table);
    tablesOf.set(role, tables);
  };
  for (const role of config.readers) for (const table of config.tables) add(role, table);
  for (const table of config.tables) for (const role of table.readers) add(role, table);

  const sets = new Map<string, ReaderSet>();
  for (const [role, tables] of tablesOf) {
    const inOrder = config.tables.filter((t) => tables.includes(t));
    const id = shortHash(inOrder.map((t) => tableKey(t.name)).join(","));
    const set = sets.get(id) ?? {
      id,
      roles: [],
      tables: inOrder,
      names: readerSetNames(config.stack, id),
    };
    set.roles.push(role);
    sets.set(id, set);
  }
  return [...sets.values()];
}

/** The name IAM knows a role by: the last part of its ARN (a path may precede it). */
export function roleName(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf("/") + 1);
}

/**
 * What config validation cannot know: the stack's account. The program attaches each reader
 * set's policies to its roles, which it can do only in its own account.
 */
export function readerProblems(config: StackConfig, accountId: string): string[] {
  const where = (role: string) =>
    config.readers.includes(role)
      ? "stack config: readers"
      : `tables (${config.tables.find((t) => t.readers.includes(role))?.name}): readers`;
  return readerSets(config)
    .flatMap((set) => set.roles)
    .filter((role) => arnParts(role)?.account !== accountId)
    .map(
      (role) =>
        `${where(role)} names ${JSON.stringify(role)}; allowed: roles of the stack's account ${accountId}, to which the ` +
        "stack attaches their read policies (a reader in another account would need the catalog shared with it: not supported)",
    );
}

export interface ReaderPolicyInputs {
  ctx: AwsContext;
  set: ReaderSet;
  stack: string;
  bucket: string;
  database: string;
  kmsKeyArn?: string;
  /**
   * The tables whose data Lake Formation vends to the set (`lakeFormation: true`, once their
   * catalog entries exist): no S3 grant on their data. The others' data is granted through S3.
   */
  governed: ReadonlySet<string>;
}

/** A table's catalog entries a `SELECT` on its view opens: the view, and what it selects from. */
export function readableTables(table: TableConfig, names: TableNames): string[] {
  return [names.view, table.mode === "incremental" ? names.icebergTable : names.crawlerTable];
}

/** Where a table's queryable data lies in the bucket: its snapshots, or its Iceberg table. */
export function dataPrefix(table: TableConfig, names: TableNames): string {
  const prefixes = tablePrefixes(table.format, names.normalised);
  return table.mode === "incremental" ? prefixes.warehouse : prefixes.snapshots;
}

/** What the set needs whatever its tables: its workgroup, the database, its results, the key. */
function sharedStatements(inputs: ReaderPolicyInputs): PolicyStatement[] {
  const { ctx, set, bucket, database } = inputs;
  const bucketArn = s3BucketArn(ctx, bucket);
  const results = set.names.athenaResults;
  const statements: PolicyStatement[] = [
    {
      // Queries in the set's own workgroup only: its history and results are the set's.
      Sid: "QueryInTheReadersWorkgroup",
      Effect: "Allow",
      Action: [
        "athena:StartQueryExecution",
        "athena:StopQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:GetWorkGroup",
      ],
      Resource: athenaWorkgroupArn(ctx, set.names.workgroup),
    },
    {
      // Every query reads the catalog and the default database (Athena guide, "Configure access
      // to databases and tables in the AWS Glue Data Catalog").
      Sid: "FindTheDatabase",
      Effect: "Allow",
      Action: ["glue:GetDatabase"],
      Resource: [
        glueCatalogArn(ctx),
        glueDatabaseArn(ctx, database),
        glueDatabaseArn(ctx, "default"),
      ],
    },
    {
      // Athena checks the results bucket and writes the set's results with the caller's rights
      // (Athena guide, "Access to Amazon S3"); GetQueryResults reads them back the same way.
      Sid: "UseTheResultsBucket",
      Effect: "Allow",
      Action: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
      Resource: bucketArn,
    },
    {
      Sid: "ListTheReadersResults",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": [results, `${results}/*`] } },
    },
    {
      Sid: "WriteTheReadersResults",
      Effect: "Allow",
      Action: [
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ],
      Resource: `${bucketArn}/${results}/*`,
    },
  ];
  if (inputs.set.tables.some((t) => inputs.governed.has(t.name))) {
    statements.push({
      // Lake Formation hands out temporary credentials for the registered data; the permission
      // has no resource-level scoping (Lake Formation guide, "Lake Formation personas and IAM
      // permissions reference"): what it reaches is decided by the Lake Formation grants.
      Sid: "GetDataFromLakeFormation",
      Effect: "Allow",
      Action: ["lakeformation:GetDataAccess"],
      Resource: "*",
    });
  }
  if (inputs.kmsKeyArn) {
    statements.push({
      // The data and the results are encrypted with the stack's key.
      Sid: "UseTheStackKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: inputs.kmsKeyArn,
    });
  }
  return statements;
}

/** A `SELECT` on some tables' views: their catalog entries, partitions and (IAM) data. */
function tableStatements(
  inputs: ReaderPolicyInputs,
  tables: TableConfig[],
  part: string,
): PolicyStatement[] {
  const { ctx, stack, bucket, database } = inputs;
  const bucketArn = s3BucketArn(ctx, bucket);
  const named = tables.map((table) => ({ table, names: tableNames(stack, table.name) }));
  const catalog = [glueCatalogArn(ctx), glueDatabaseArn(ctx, database)];
  const statements: PolicyStatement[] = [
    {
      Sid: `ReadTheViewsAndTheirTables${part}`,
      Effect: "Allow",
      Action: ["glue:GetTable"],
      Resource: [
        ...catalog,
        ...named.flatMap(({ table, names }) =>
          readableTables(table, names).map((t) => glueTableArn(ctx, database, t)),
        ),
      ],
    },
  ];
  const partitioned = named.filter(({ table }) => table.mode !== "incremental");
  if (partitioned.length > 0) {
    statements.push({
      // The views select one snapshot partition of snapshots_<table>.
      Sid: `FindTheSnapshotPartitions${part}`,
      Effect: "Allow",
      Action: ["glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"],
      Resource: [
        ...catalog,
        ...partitioned.map(({ names }) => glueTableArn(ctx, database, names.crawlerTable)),
      ],
    });
  }
  const direct = named.filter(({ table }) => !inputs.governed.has(table.name));
  if (direct.length > 0) {
    const prefixes = direct.map(({ table, names }) => dataPrefix(table, names));
    statements.push(
      {
        Sid: `ListTheData${part}`,
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: bucketArn,
        Condition: { StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}/*`]) } },
      },
      {
        Sid: `ReadTheData${part}`,
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: prefixes.map((p) => `${bucketArn}/${p}/*`),
      },
    );
  }
  return statements;
}

/**
 * How the set's tables are spread over managed policies, each within IAM's 6,144 characters: the
 * shared statements and as many tables as fit in the first, the others packed into more. Sized
 * with the longest partition, region and bucket name AWS allows, so the split is known before
 * deploy and stays valid whatever they are.
 */
export function readerPolicyParts(
  inputs: Omit<ReaderPolicyInputs, "ctx" | "bucket">,
): TableConfig[][] {
  const widest = {
    ...inputs,
    ctx: { partition: "aws-us-gov", region: "xx-xxxxxxxxx-1", accountId: "000000000000" },
    bucket: "x".repeat(63),
  };
  const parts: TableConfig[][] = [];
  let chunk: TableConfig[] = [];
  const fits = (tables: TableConfig[]) =>
    policySize(document(widest, tables, parts.length)) <= IAM_LIMITS.managedPolicyChars;
  for (const table of inputs.set.tables) {
    if (chunk.length > 0 && !fits([...chunk, table])) {
      parts.push(chunk);
      chunk = [];
    }
    chunk.push(table);
  }
  parts.push(chunk);
  return parts;
}

function document(
  inputs: ReaderPolicyInputs,
  tables: TableConfig[],
  index: number,
): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      ...(index === 0 ? sharedStatements(inputs) : []),
      ...tableStatements(inputs, tables, index === 0 ? "" : String(index + 1)),
    ],
  };
}

/** The set's managed policies, one per part (readerPolicyParts). */
export function readerPolicies(
  inputs: ReaderPolicyInputs,
  parts: TableConfig[][] = readerPolicyParts(inputs),
): PolicyDocument[] {
  return parts.map((tables, i) => document(inputs, tables, i));
}
