/** Small pieces the AWS-facing commands share: step names for people, log hints, "not deployed?". */
import type { TableNames } from "../../lib/naming";
import type { AwsTarget } from "../aws";
import { AwsError } from "../errors";
import type { StepState } from "../workflow-run";

/** "export job", "crawler", "refresh job": what the step is for. */
export function stepRole(
  names: TableNames,
  step: Pick<StepState, "name" | "kind">,
  mode = "scan",
): string {
  if (step.name === names.exportJob)
    return mode === "incremental" ? "export planner" : "export job";
  if (step.name === names.applyJob) return "apply job";
  if (step.name === names.crawler) return "crawler";
  if (step.name === names.refreshJob) return "refresh job";
  return step.kind;
}

/** Where a failed step's logs are (README "Deploying and operating"). */
export function logHint(
  names: TableNames,
  step: Pick<StepState, "name" | "kind">,
  mode = "scan",
): string {
  // The planner is a Python shell job: its logs go to Glue's account-wide group.
  if (step.name === names.exportJob && mode === "incremental")
    return "CloudWatch log group /aws-glue/python-jobs/error";
  if (step.name === names.exportJob || step.name === names.applyJob)
    return `CloudWatch log group ${names.logGroupPrefix}/error`;
  if (step.name === names.crawler)
    return `CloudWatch log group /aws-glue/crawlers, stream ${names.crawler}`;
  if (step.name === names.refreshJob) return "CloudWatch log group /aws-glue/python-jobs/error";
  return "the Glue console";
}

const NOT_FOUND = new Set(["EntityNotFoundException", "ResourceNotFoundException", "NoSuchBucket"]);

function isNotFound(error: AwsError): boolean {
  if (error.code !== undefined && NOT_FOUND.has(error.code)) return true;
  // Athena says a workgroup is missing with a generic InvalidRequestException.
  return (
    error.code === "InvalidRequestException" &&
    /work ?group.*(not found|does not exist)/i.test(error.message)
  );
}

/**
 * "Not found" from AWS, said as what it most likely means here: the stack is not deployed in this
 * region (or under this stack name). Returns the error to throw; other errors come back unchanged.
 */
export function whenMissing(
  error: unknown,
  what: string,
  target: AwsTarget,
  stack: string,
): unknown {
  if (error instanceof AwsError && isNotFound(error)) {
    return new AwsError(
      `${what} not found in ${target.region} (region from ${target.regionSource}${target.endpoint ? `, endpoint ${target.endpoint}` : ""}). ` +
        `Is stack ${stack} deployed there (pulumi up)? Check --stack and --region.\n  ${error.message}`,
      error.code,
    );
  }
  return error;
}
