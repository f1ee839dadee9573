/**
 * Where a table's DynamoDB data comes from, when the table is not in the stack's own account and
 * region, and what its owner must grant. Pure (no Pulumi): the program, `ddbsnap plan`, the docs
 * and the IAM simulation all use it.
 *
 * A table in another account is read through a role in that account (`sourceRoleArn`) that the
 * table's pipeline role assumes for every DynamoDB call: the scan's segments, DescribeTable, and
 * the native export, which DynamoDB then writes into this stack's bucket with that role's
 * permissions and `S3BucketOwner` set to this stack's account (API reference,
 * ExportTableToPointInTime: "S3BucketOwner is a required parameter when exporting to a S3 bucket
 * in another account"). The program declares nothing in the table's account: it prints the role's
 * trust and permissions policies, which the owner creates (docs/security.md, "Tables in other
 * accounts and regions").
 */
import type { AwsContext } from "./arns";
import { arnParts, iamRoleArn, s3BucketArn } from "./arns";
import type { TableConfig } from "./config";
import type { PolicyDocument, PolicyStatement } from "./iam-policy";
import type { TableNames } from "./naming";
import { fitName, NAME_LIMITS, shortHash, tablePrefixes } from "./naming";

export interface SourceTable {
  /** The DynamoDB table's name, as in its account. */
  name: string;
  account: string;
  region: string;
  partition: string;
  tableArn: string;
  /** The role in the table's account the jobs assume; undefined for a table of the stack's account. */
  roleArn?: string;
  /** The table's region is not the stack's: every read crosses regions. */
  crossRegion: boolean;
}

export function sourceOf(table: TableConfig, ctx: AwsContext): SourceTable {
  const roleAccount = table.sourceRoleArn ? arnParts(table.sourceRoleArn)?.account : undefined;
  const account = table.account ?? roleAccount ?? ctx.accountId;
  const region = table.region ?? ctx.region;
  return {
    name: table.name,
    account,
    region,
    partition: ctx.partition,
    tableArn: `arn:${ctx.partition}:dynamodb:${region}:${account}:table/${table.name}`,
    ...(table.sourceRoleArn ? { roleArn: table.sourceRoleArn } : {}),
    crossRegion: region !== ctx.region,
  };
}

/**
 * The pipeline role of a table read through a source role has a fixed name, so that the owner's
 * trust policy can name it before this stack is deployed (other tables keep Pulumi's auto-name).
 */
export function sourcePipelineRoleName(names: TableNames): string {
  return fitName(names.stem, "-pipeline", NAME_LIMITS.iamRole);
}

export interface SourceRoleInputs {
  ctx: AwsContext;
  table: TableConfig;
  names: TableNames;
  /** This stack's snapshot bucket, which the export writes to. */
  bucket: string;
  /** The stack's customer managed key, which encrypts what the export writes. */
  kmsKeyArn?: string;
}

/** A role's trust policy: who may assume it (no Resource element: IAM refuses one there). */
export interface TrustPolicy {
  Version: "2012-10-17";
  Statement: Omit<PolicyStatement, "Resource">[];
}

/** What the table's owner creates in the table's account: the role's two policies. */
export interface SourceRolePolicies {
  /** The role to create, as `sourceRoleArn` names it. */
  roleArn: string;
  /** Who may assume it: this table's pipeline role, and nothing else. */
  trustPolicy: TrustPolicy;
  /** What it may do: exactly the calls the jobs make with it. */
  permissionsPolicy: PolicyDocument;
}

/**
 * The trust and permissions policies of a table's source role. The trust policy names this
 * stack's account as principal and narrows it to the table's pipeline role with
 * `aws:PrincipalArn`, which (unlike a role principal) does not need the role to exist when the
 * owner saves it and survives the role being recreated (IAM guide, "AWS global condition context
 * keys": aws:PrincipalArn; "IAM JSON policy elements: Principal").
 */
export function sourceRolePolicies(inputs: SourceRoleInputs): SourceRolePolicies | undefined {
  const { ctx, table, names } = inputs;
  const source = sourceOf(table, ctx);
  if (!source.roleArn) return undefined;
  const pipelineRole = iamRoleArn(ctx, sourcePipelineRoleName(names));
  return {
    roleArn: source.roleArn,
    trustPolicy: {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AssumedByTheSnapshotPipeline",
          Effect: "Allow",
          Principal: { AWS: `arn:${ctx.partition}:iam::${ctx.accountId}:root` },
          Action: ["sts:AssumeRole"],
          Condition: { ArnEquals: { "aws:PrincipalArn": pipelineRole } },
        },
      ],
    },
    permissionsPolicy: {
      Version: "2012-10-17",
      Statement: sourceTableStatements(source, table, inputs),
    },
  };
}

/** The DynamoDB (and, for exports, S3 and KMS) calls the jobs make with a table's source role. */
function sourceTableStatements(
  source: SourceTable,
  table: TableConfig,
  inputs: SourceRoleInputs,
): PolicyStatement[] {
  // DescribeTable: the export job sizes its read and files from it, the refresh job compares
  // ItemCount, and the planner (incremental) reads the PITR window with DescribeContinuousBackups.
  if (table.mode === "scan") {
    return [
      {
        Sid: "ScanTheTable",
        Effect: "Allow",
        Action: ["dynamodb:DescribeTable", "dynamodb:Scan"],
        Resource: source.tableArn,
      },
    ];
  }
  const staging = tablePrefixes(table.format, inputs.names.normalised).exportStaging;
  const statements: PolicyStatement[] = [
    {
      Sid: "ExportTheTable",
      Effect: "Allow",
      Action: [
        "dynamodb:DescribeTable",
        "dynamodb:ExportTableToPointInTime",
        ...(table.mode === "incremental" ? ["dynamodb:DescribeContinuousBackups"] : []),
      ],
      Resource: source.tableArn,
    },
    {
      Sid: "FollowTheExports",
      Effect: "Allow",
      Action: ["dynamodb:DescribeExport"],
      Resource: `${source.tableArn}/export/*`,
    },
    {
      // DynamoDB writes the export with the caller's permissions (DynamoDB guide, "Requesting a
      // table export": s3:AbortMultipartUpload, s3:PutObject, s3:PutObjectAcl), here into this
      // stack's bucket, under this table's staging prefix only.
      Sid: "WriteTheExportsIntoTheSnapshotBucket",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:PutObjectAcl", "s3:AbortMultipartUpload"],
      Resource: `${s3BucketArn(inputs.ctx, inputs.bucket)}/${staging}/*`,
    },
  ];
  if (inputs.kmsKeyArn) {
    statements.push({
      // The bucket encrypts with the stack's key: writing (multipart included) needs a data key
      // and, to complete a multipart upload, Decrypt (S3 guide, "Using SSE-KMS"). The key's own
      // policy must also allow this role: that is the stack owner's to add.
      Sid: "EncryptWithTheStackKey",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: inputs.kmsKeyArn,
    });
  }
  return statements;
}

/**
 * Bucket policy statements that let a source role write a table's export into the stack's
 * bucket: that table's staging prefix and nothing else. The principal is the table's account,
 * narrowed to the role by `aws:PrincipalArn`: S3 refuses a policy naming a role that does not
 * exist yet, and the owner may create it after this stack is deployed.
 */
export function sourceExportBucketStatements(
  ctx: AwsContext,
  tables: { table: TableConfig; names: TableNames }[],
  bucketArn: string,
): PolicyStatement[] {
  return tables.flatMap(({ table, names }) => {
    const source = sourceOf(table, ctx);
    if (!source.roleArn || table.mode === "scan") return [];
    const staging = tablePrefixes(table.format, names.normalised).exportStaging;
    return [
      {
        Sid: `ExportsFromSourceAccount${shortHash(names.normalised)}`,
        Effect: "Allow" as const,
        Principal: { AWS: `arn:${ctx.partition}:iam::${source.account}:root` },
        Action: ["s3:PutObject", "s3:PutObjectAcl", "s3:AbortMultipartUpload"],
        Resource: `${bucketArn}/${staging}/*`,
        Condition: { ArnEquals: { "aws:PrincipalArn": source.roleArn } },
      },
    ];
  });
}
