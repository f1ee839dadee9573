/**
 * Where AWS calls go, and the SDK clients that make them. The clients are required lazily so
 * that `--help` and `plan` never load the AWS SDK.
 *
 * Region: --region, else the stack's `aws:region` (where Pulumi deployed it; the Pulumi AWS
 * provider also prefers it to AWS_REGION), else AWS_REGION / AWS_DEFAULT_REGION.
 * Endpoint: --endpoint-url, else AWS_ENDPOINT_URL, else AWS's own.
 * Credentials: the SDK's standard chain, untouched. Retries: RETRIES.
 */
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { GlueClient } from "@aws-sdk/client-glue";
import type { S3Client } from "@aws-sdk/client-s3";
import { awsCall, UsageError } from "./errors";

export interface AwsTarget {
  region: string;
  /** Where the region came from, for messages. */
  regionSource: string;
  endpoint?: string;
}

export interface TargetOptions {
  region?: string;
  endpointUrl?: string;
}

export function resolveTarget(
  options: TargetOptions,
  stackRegion: string | undefined,
  env: Record<string, string | undefined>,
): AwsTarget {
  const candidates: [string | undefined, string][] = [
    [options.region, "--region"],
    [stackRegion, "the stack's aws:region"],
    [env.AWS_REGION, "AWS_REGION"],
    [env.AWS_DEFAULT_REGION, "AWS_DEFAULT_REGION"],
  ];
  const found = candidates.find(([value]) => value !== undefined && value.trim() !== "");
  if (!found) {
    throw new UsageError(
      "No AWS region: set aws:region in the stack file (pulumi config set aws:region <region>) or pass --region.",
    );
  }
  const endpoint = options.endpointUrl ?? (env.AWS_ENDPOINT_URL?.trim() || undefined);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new UsageError(
      `--endpoint-url must be an http(s) URL such as http://127.0.0.1:5000, got "${endpoint}"`,
    );
  }
  return { region: (found[0] as string).trim(), regionSource: found[1], endpoint };
}

/**
 * How every client retries: the SDK's standard mode, which retries throttling (ThrottlingException,
 * SlowDown, ProvisionedThroughputExceededException, ...), HTTP 500-504 and dropped connections with
 * capped exponential back-off, with 6 attempts instead of its default 3, so that `status --check`
 * in an on-call script rides out the throttling a busy account gives it (AWS SDKs and Tools
 * Reference Guide, "Retry behavior").
 */
export const RETRIES = { retryMode: "standard", maxAttempts: 6 } as const;

function baseConfig(target: AwsTarget) {
  return {
    region: target.region,
    ...RETRIES,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  };
}

/** The SDK's client modules, each loaded on first use. */
export const sdk = {
  glue: () => require("@aws-sdk/client-glue") as typeof import("@aws-sdk/client-glue"),
  athena: () => require("@aws-sdk/client-athena") as typeof import("@aws-sdk/client-athena"),
  s3: () => require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3"),
  dynamodb: () => require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb"),
};

export function glueClient(target: AwsTarget): GlueClient {
  return new (sdk.glue().GlueClient)(baseConfig(target));
}

export function athenaClient(target: AwsTarget): AthenaClient {
  return new (sdk.athena().AthenaClient)(baseConfig(target));
}

export function s3Client(target: AwsTarget): S3Client {
  // Emulators serve buckets by path, not by virtual host.
  const config = { ...baseConfig(target), forcePathStyle: target.endpoint !== undefined };
  return new (sdk.s3().S3Client)(config);
}

export function dynamodbClient(target: AwsTarget): DynamoDBClient {
  return new (sdk.dynamodb().DynamoDBClient)(baseConfig(target));
}

/**
 * Every page of one AWS list call, following its `NextToken`-style paging to the end. `send`
 * makes the call for a page token (undefined for the first page); `itemsOf` picks the page's items
 * and the next token (an empty one ends it too). A failed call is described as `what`.
 */
export async function allPages<Answer, T>(
  what: string,
  send: (token: string | undefined) => Promise<Answer>,
  itemsOf: (answer: Answer) => { items: T[]; next?: string },
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = itemsOf(await awsCall(what, () => send(token)));
    items.push(...page.items);
    token = page.next || undefined;
  } while (token);
  return items;
}
