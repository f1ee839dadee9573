/**
 * The parts of @pulumi/aws this program uses, imported service by service. `@pulumi/aws`'s own
 * index pulls the type definitions of every AWS service (about 2,700 files) into each type check;
 * these few keep `tsc` to what is used. Runtime behaviour is the same: these are the modules the
 * package's index loads on first use.
 */
export * as athena from "@pulumi/aws/athena";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as dynamodb from "@pulumi/aws/dynamodb";
export * as glue from "@pulumi/aws/glue";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as lakeformation from "@pulumi/aws/lakeformation";
export * as s3 from "@pulumi/aws/s3";
export * as sns from "@pulumi/aws/sns";
export * as sqs from "@pulumi/aws/sqs";
export * as types from "@pulumi/aws/types";
export { Provider } from "@pulumi/aws/provider";
export type { ProviderArgs } from "@pulumi/aws/provider";
export { getCallerIdentity, getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
export { getRegionOutput } from "@pulumi/aws/getRegion";
