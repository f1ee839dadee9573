/**
 * Puts into moto, through the AWS SDK for JavaScript, what a deployed stack and a few runs leave
 * in AWS: the workflow with its triggers, jobs and crawler, the Glue database, the crawler's
 * table with one partition per snapshot, the Athena view, workflow runs with run properties,
 * snapshot objects in S3, and the DynamoDB table. Names come from lib/naming.ts, as in the
 * program.
 */
import {
  BatchCreatePartitionCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateJobCommand,
  CreateTableCommand,
  CreateTriggerCommand,
  CreateWorkflowCommand,
  GlueClient,
  StartWorkflowRunCommand,
} from "@aws-sdk/client-glue";
import { AthenaClient, CreateWorkGroupCommand } from "@aws-sdk/client-athena";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateTableCommand as CreateDynamoTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { TableNames } from "../../lib/naming";
import { stackNames, tableNames } from "../../lib/naming";
import { prestoViewText } from "../../cli/presto-view";
import type { CliResult } from "./harness";
import { MOTO_REGION, motoStackArgs, runCli, useFakeCredentials } from "./harness";
import type { MotoServer } from "./moto-server";
import { motoServer } from "./moto-server";

export const STACK = "moto";
export const DATABASE = stackNames(STACK).database;
export const WORKGROUP = stackNames(STACK).workgroup;
export const BUCKET = "snapshots-bucket-1a2b3c4";

export function clients(endpoint: string) {
  const config = {
    region: MOTO_REGION,
    endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
  return {
    glue: new GlueClient(config),
    athena: new AthenaClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: new DynamoDBClient(config),
  };
}
export type Clients = ReturnType<typeof clients>;

/** What a moto suite works with, filled in by useMotoStack's `before`. */
export interface MotoStack {
  moto: MotoServer;
  aws: Clients;
  /** `ddbsnap <args>` against the stack file pointed at moto. */
  cli(...args: string[]): Promise<CliResult>;
}

/**
 * The start of every moto suite: fake credentials, the emptied moto server and its clients.
 * Register it first in a describe block: the suite's own `before` hooks then seed moto.
 */
export function useMotoStack(stackArgs: (endpoint: string) => string[] = motoStackArgs): MotoStack {
  useFakeCredentials();
  const stack = {
    cli: (...args: string[]) => runCli([...args, ...stackArgs(stack.moto.endpoint)]),
  } as MotoStack;
  before(async () => {
    const moto = await motoServer();
    await moto.reset();
    Object.assign(stack, { moto, aws: clients(moto.endpoint) });
  });
  return stack;
}

export function names(table: string): TableNames {
  return tableNames(STACK, table);
}

/** The workflow of one table as the program declares it: schedule → export → crawl → refresh. */
export async function seedWorkflow({ glue }: Clients, table: string): Promise<TableNames> {
  const n = names(table);
  const role = "arn:aws:iam::123456789012:role/ddbsnap-test";
  await glue.send(new CreateWorkflowCommand({ Name: n.workflow, MaxConcurrentRuns: 1 }));
  await glue.send(
    new CreateJobCommand({
      Name: n.exportJob,
      Role: role,
      Command: { Name: "glueetl", ScriptLocation: `s3://${BUCKET}/glue-scripts/export_table.py` },
    }),
  );
  await glue.send(
    new CreateJobCommand({
      Name: n.refreshJob,
      Role: role,
      Command: {
        Name: "pythonshell",
        ScriptLocation: `s3://${BUCKET}/glue-scripts/refresh_view.py`,
      },
    }),
  );
  await glue.send(
    new CreateCrawlerCommand({
      Name: n.crawler,
      Role: role,
      DatabaseName: DATABASE,
      TablePrefix: "snapshots_",
      Targets: { S3Targets: [{ Path: `s3://${BUCKET}/parquet/${n.normalised}/` }] },
    }),
  );
  await glue.send(
    new CreateTriggerCommand({
      Name: n.scheduleTrigger,
      WorkflowName: n.workflow,
      Type: "SCHEDULED",
      Schedule: "cron(0 2 * * ? *)",
      Actions: [{ JobName: n.exportJob }],
    }),
  );
  // The program's conditional triggers: each starts the next step once the one before succeeded.
  const after = (name: string, condition: object, action: object) =>
    new CreateTriggerCommand({
      Name: name,
      WorkflowName: n.workflow,
      Type: "CONDITIONAL",
      StartOnCreation: true,
      Predicate: { Logical: "AND", Conditions: [{ ...condition, LogicalOperator: "EQUALS" }] },
      Actions: [action],
    });
  const exported = { JobName: n.exportJob, State: "SUCCEEDED" };
  await glue.send(after(n.afterExportTrigger, exported, { CrawlerName: n.crawler }));
  const crawled = { CrawlerName: n.crawler, CrawlState: "SUCCEEDED" };
  await glue.send(after(n.afterCrawlTrigger, crawled, { JobName: n.refreshJob }));
  return n;
}

/** Runs of the workflow, each with the run property the export job sets. */
export async function seedRuns(
  { glue }: Clients,
  workflow: string,
  snapshots: string[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const snapshot of snapshots) {
    const { RunId } = await glue.send(
      new StartWorkflowRunCommand({
        Name: workflow,
        RunProperties: { snapshot_timestamp: snapshot },
      }),
    );
    ids.push(RunId as string);
  }
  return ids;
}

export async function seedDatabase({ glue }: Clients): Promise<void> {
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: DATABASE } }));
}

export interface SeededSnapshot {
  timestamp: string;
  /** Sizes of the objects the export wrote into the snapshot's folder. */
  objectSizes: number[];
}

export function snapshotLocation(n: TableNames, timestamp: string): string {
  return `s3://${BUCKET}/parquet/${n.normalised}/snapshot_timestamp=${timestamp}/`;
}

/**
 * The crawler's table with one partition per snapshot, the objects under each, and the view
 * pointing at `viewShows` (the SQL the refresh job runs, stored the way Athena stores views).
 */
export async function seedSnapshots(
  { glue, s3 }: Clients,
  n: TableNames,
  snapshots: SeededSnapshot[],
  viewShows?: string,
): Promise<void> {
  await s3
    .send(
      new CreateBucketCommand({
        Bucket: BUCKET,
        CreateBucketConfiguration: { LocationConstraint: MOTO_REGION },
      }),
    )
    .catch((e) => {
      if (e.name !== "BucketAlreadyOwnedByYou") throw e;
    });
  const columns = [
    { Name: "id", Type: "string" },
    { Name: "rating", Type: "bigint" },
  ];
  await glue.send(
    new CreateTableCommand({
      DatabaseName: DATABASE,
      TableInput: {
        Name: n.crawlerTable,
        TableType: "EXTERNAL_TABLE",
        PartitionKeys: [{ Name: "snapshot_timestamp", Type: "string" }],
        StorageDescriptor: {
          Columns: columns,
          Location: `s3://${BUCKET}/parquet/${n.normalised}/`,
        },
      },
    }),
  );
  await glue.send(
    new BatchCreatePartitionCommand({
      DatabaseName: DATABASE,
      TableName: n.crawlerTable,
      PartitionInputList: snapshots.map((s) => ({
        Values: [s.timestamp],
        StorageDescriptor: { Columns: columns, Location: snapshotLocation(n, s.timestamp) },
      })),
    }),
  );
  for (const s of snapshots) {
    for (const [i, size] of s.objectSizes.entries()) {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `parquet/${n.normalised}/snapshot_timestamp=${s.timestamp}/part-${i}.parquet`,
          Body: Buffer.alloc(size, 1),
        }),
      );
    }
  }
  if (viewShows !== undefined) {
    const sql = `SELECT * FROM "${DATABASE}"."${n.crawlerTable}" WHERE snapshot_timestamp = '${viewShows}'`;
    await glue.send(
      new CreateTableCommand({
        DatabaseName: DATABASE,
        TableInput: {
          Name: n.view,
          TableType: "VIRTUAL_VIEW",
          ViewOriginalText: prestoViewText(sql, "awsdatacatalog", DATABASE),
          ViewExpandedText: "/* Presto View */",
        },
      }),
    );
  }
}

export async function seedWorkgroup({ athena }: Clients): Promise<void> {
  await athena.send(
    new CreateWorkGroupCommand({
      Name: WORKGROUP,
      Configuration: {
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: { OutputLocation: `s3://${BUCKET}/athena-results/` },
      },
    }),
  );
}

/** A DynamoDB table with a few items (moto reports the count; it always reports 0 bytes). */
export async function seedDynamoTable(
  { dynamodb }: Clients,
  name: string,
  capacity: { billing: "PROVISIONED"; rcu: number } | { billing: "PAY_PER_REQUEST" },
  items: number,
): Promise<void> {
  await dynamodb.send(
    new CreateDynamoTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: capacity.billing,
      ...(capacity.billing === "PROVISIONED"
        ? { ProvisionedThroughput: { ReadCapacityUnits: capacity.rcu, WriteCapacityUnits: 5 } }
        : {}),
    }),
  );
  for (let i = 0; i < items; i++) {
    await dynamodb.send(
      new PutItemCommand({
        TableName: name,
        Item: { id: { S: `item-${i}` }, body: { S: "x".repeat(100) } },
      }),
    );
  }
}
