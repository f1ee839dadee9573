/**
 * The pipeline role's permissions, as a plain policy document. Pure, so the unit tests and the
 * guardrail rules can inspect it. Every statement is scoped to one table's resources; the one
 * `*` resource is an action AWS cannot scope (commented where it is granted).
 */
import {
  athenaWorkgroupArn,
  AwsContext,
  dynamodbTableArn,
  glueArn,
  glueCatalogArn,
  glueDatabaseArn,
  glueTableArn,
  logGroupArn,
  s3BucketArn,
} from "./arns";
import type { TableConfig } from "./config";
import { ATHENA_RESULTS_PREFIX, SCRIPTS_PREFIX, TableNames, tablePrefixes } from "./naming";

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

export interface PipelinePolicyInputs {
  ctx: AwsContext;
  table: TableConfig;
  names: TableNames;
  bucket: string;
  database: string;
  workgroup: string;
  /** Script object keys the jobs load. */
  scriptKeys: string[];
  /** The role's own name and the stack's Glue security configuration: they name encrypted log groups. */
  roleName: string;
  securityConfiguration: string;
  /** The stack's customer managed key, when it has one. */
  kmsKeyArn?: string;
}

/** Log groups the jobs write to (see job-arguments.ts for how they are chosen). */
export function pipelineLogGroups(
  table: TableConfig,
  names: TableNames,
  encrypted?: { roleName: string; securityConfiguration: string },
): string[] {
  const groups = [`${names.logGroupPrefix}/output`, `${names.logGroupPrefix}/error`];
  if (encrypted) {
    // With CloudWatch encryption in the security configuration, Glue writes to groups named
    // after the role and the configuration instead of the default ones.
    const suffix = `${encrypted.roleName}-${encrypted.securityConfiguration}`;
    groups.push(`/aws-glue/jobs-${suffix}/output`, `/aws-glue/jobs-${suffix}/error`);
    groups.push(`/aws-glue/python-jobs-${suffix}/output`, `/aws-glue/python-jobs-${suffix}/error`);
  }
  if (table.glueVersion === "4.0") {
    // Glue 4.0 still writes its driver output/error to the account-wide default groups.
    groups.push("/aws-glue/jobs/output", "/aws-glue/jobs/error");
  }
  // The Python shell refresh job can only write to its default groups.
  groups.push("/aws-glue/python-jobs/output", "/aws-glue/python-jobs/error");
  return groups;
}

export function pipelinePolicy(inputs: PipelinePolicyInputs): PolicyDocument {
  const { ctx, table, names, bucket, database, workgroup, scriptKeys, kmsKeyArn } = inputs;
  const tableArn = dynamodbTableArn(ctx, table.name);
  const bucketArn = s3BucketArn(ctx, bucket);
  const prefixes = tablePrefixes(table.format, names.normalised);
  const ownPrefixes = [prefixes.snapshots, prefixes.temp, ...(table.mode === "export" ? [prefixes.exportStaging] : [])];
  const catalogTables = [names.crawlerTable, names.view].map((t) => glueTableArn(ctx, database, t));
  const encrypted = kmsKeyArn ? { roleName: inputs.roleName, securityConfiguration: inputs.securityConfiguration } : undefined;
  const logGroups = pipelineLogGroups(table, names, encrypted);
  const crawlerLogStreams = [`${logGroupArn(ctx, "/aws-glue/crawlers")}:log-stream:${names.crawler}`];
  const crawlerLogGroups = ["/aws-glue/crawlers"];
  if (encrypted) {
    const group = `/aws-glue/crawlers-role/${encrypted.roleName}-${encrypted.securityConfiguration}`;
    crawlerLogGroups.push(group);
    crawlerLogStreams.push(`${logGroupArn(ctx, group)}:log-stream:${names.crawler}`);
  }
  const kms: PolicyStatement[] = kmsKeyArn
    ? [
        {
          Sid: "UseStackKey",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
          Resource: kmsKeyArn,
        },
        {
          // Glue associates the key with the log groups it writes encrypted logs to.
          Sid: "EncryptOwnLogGroups",
          Effect: "Allow",
          Action: ["logs:AssociateKmsKey"],
          Resource: [...logGroups, ...crawlerLogGroups].map((g) => logGroupArn(ctx, g)),
        },
      ]
    : [];

  const dynamodb: PolicyStatement[] =
    table.mode === "scan"
      ? [{ Sid: "ScanSourceTable", Effect: "Allow", Action: ["dynamodb:DescribeTable", "dynamodb:Scan"], Resource: tableArn }]
      : [
          {
            Sid: "ExportSourceTable",
            Effect: "Allow",
            Action: ["dynamodb:DescribeTable", "dynamodb:ExportTableToPointInTime"],
            Resource: tableArn,
          },
          { Sid: "FollowSourceTableExports", Effect: "Allow", Action: ["dynamodb:DescribeExport"], Resource: `${tableArn}/export/*` },
          {
            // DynamoDB writes the export with the caller's permissions and sets each object's ACL
            // (a no-op under BucketOwnerEnforced, but still checked).
            Sid: "StageTableExports",
            Effect: "Allow",
            Action: ["s3:PutObjectAcl"],
            Resource: `${bucketArn}/${prefixes.exportStaging}/*`,
          },
        ];

  return {
    Version: "2012-10-17",
    Statement: [
      ...dynamodb,
      {
        Sid: "ListOwnPrefixes",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: bucketArn,
        Condition: {
          StringLike: {
            "s3:prefix": [
              ...ownPrefixes.flatMap((p) => [p, `${p}/*`]),
              ATHENA_RESULTS_PREFIX,
              `${ATHENA_RESULTS_PREFIX}*`,
            ],
          },
        },
      },
      // Athena checks the results bucket's region before it writes there.
      { Sid: "LocateBucket", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: bucketArn },
      {
        Sid: "ReadWriteOwnObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: ownPrefixes.map((p) => `${bucketArn}/${p}/*`),
      },
      {
        Sid: "WriteAthenaResults",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: `${bucketArn}/${ATHENA_RESULTS_PREFIX}*`,
      },
      {
        Sid: "ReadGlueScripts",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: scriptKeys.map((key) => `${bucketArn}/${key.startsWith(SCRIPTS_PREFIX) ? key : SCRIPTS_PREFIX + key}`),
      },
      {
        Sid: "ShareRunProperties",
        Effect: "Allow",
        Action: ["glue:GetWorkflowRun", "glue:GetWorkflowRunProperties", "glue:PutWorkflowRunProperties"],
        Resource: glueArn(ctx, `workflow/${names.workflow}`),
      },
      // Outside a workflow the export job names its snapshot after its own run's start time.
      { Sid: "ReadOwnJobRuns", Effect: "Allow", Action: ["glue:GetJobRun"], Resource: glueArn(ctx, `job/${names.exportJob}`) },
      {
        Sid: "ReadDatabase",
        Effect: "Allow",
        Action: ["glue:GetDatabase"],
        Resource: [glueCatalogArn(ctx), glueDatabaseArn(ctx, database)],
      },
      {
        Sid: "MaintainSnapshotTableAndView",
        Effect: "Allow",
        Action: ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
        Resource: [glueCatalogArn(ctx), glueDatabaseArn(ctx, database), ...catalogTables],
      },
      {
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
        ],
        Resource: [glueCatalogArn(ctx), glueDatabaseArn(ctx, database), glueTableArn(ctx, database, names.crawlerTable)],
      },
      {
        Sid: "RunViewQueries",
        Effect: "Allow",
        Action: ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution", "athena:GetWorkGroup"],
        Resource: athenaWorkgroupArn(ctx, workgroup),
      },
      {
        Sid: "WriteJobLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: logGroups.map((g) => `${logGroupArn(ctx, g)}:*`),
      },
      {
        // The default groups may not exist yet in a fresh account; our own groups are declared.
        Sid: "CreateDefaultLogGroups",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup"],
        Resource: [...logGroups.filter((g) => !g.startsWith(names.logGroupPrefix)), ...crawlerLogGroups].map((g) => logGroupArn(ctx, g)),
      },
      {
        Sid: "WriteCrawlerLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: crawlerLogStreams,
      },
      ...kms,
      {
        // PutMetricData has no resource-level permissions: `*` is the only valid resource, so
        // the grant is narrowed to Glue's namespace instead.
        Sid: "PublishJobMetrics",
        Effect: "Allow",
        Action: ["cloudwatch:PutMetricData"],
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "Glue" } },
      },
    ],
  };
}

/** Glue assumes the pipeline role; nothing else may. */
export function glueAssumeRolePolicy(): object {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "glue.amazonaws.com" }, Action: "sts:AssumeRole" }],
  };
}
