/**
 * Where AWS calls go, and the SDK clients that make them. The clients are required lazily so
 * that `--help` and `plan` never load the AWS SDK.
 *
 * Region: --region, else the stack's `aws:region` (where Pulumi deployed it; the Pulumi AWS
 * provider also prefers it to AWS_REGION), else AWS_REGION / AWS_DEFAULT_REGION.
 * Endpoint: --endpoint-url, else AWS_ENDPOINT_URL, else AWS's own.
 * Credentials: the SDK's standard chain, untouched.
 */
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { GlueClient } from "@aws-sdk/client-glue";
import type { S3Client } from "@aws-sdk/client-s3";
import { UsageError } from "./errors";

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

function baseConfig(target: AwsTarget) {
  return { region: target.region, ...(target.endpoint ? { endpoint: target.endpoint } : {}) };
}

export function glueClient(target: AwsTarget): GlueClient {
  const { GlueClient } = require("@aws-sdk/client-glue") as typeof import("@aws-sdk/client-glue");
  return new GlueClient(baseConfig(target));
}

export function athenaClient(target: AwsTarget): AthenaClient {
  const { AthenaClient } =
    require("@aws-sdk/client-athena") as typeof import("@aws-sdk/client-athena");
  return new AthenaClient(baseConfig(target));
}

export function s3Client(target: AwsTarget): S3Client {
  const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  // Emulators serve buckets by path, not by virtual host.
  return new S3Client({ ...baseConfig(target), forcePathStyle: target.endpoint !== undefined });
}

export function dynamodbClient(target: AwsTarget): DynamoDBClient {
  const { DynamoDBClient } =
    require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb");
  return new DynamoDBClient(baseConfig(target));
}

/**
 * Follows `NextToken`-style paging to the end. `fetchPage` gets the previous page's token
 * (undefined for the first page) and returns its items and the next token.
 */
export async function allPages<T>(
  fetchPage: (token: string | undefined) => Promise<{ items: T[]; next?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    items.push(...page.items);
    token = page.next || undefined;
  } while (token);
  return items;
}
