/**
 * The errors a command can end with, each with its exit code and a message written for the
 * person at the terminal. Anything else is a bug: it is reported as one, with the stack trace
 * only when DDBSNAP_DEBUG is set.
 */

export const EXIT = {
  OK: 0,
  /** The workflow run or the query failed, or had not finished when we stopped watching; or `status --check` found a stale or failing table. */
  FAILED: 1,
  /** Bad arguments, unknown table, missing or invalid stack config. */
  USAGE: 2,
  /** AWS said no, or could not be reached, or there are no credentials. */
  AWS: 3,
  /** A bug in ddbsnap. */
  INTERNAL: 4,
} as const;

/** The user asked for something that cannot be done as asked. */
export class UsageError extends Error {
  readonly exitCode = EXIT.USAGE;
}

/** An AWS call failed; `message` already says which call, why, and the request id. */
export class AwsError extends Error {
  readonly exitCode = EXIT.AWS;
  constructor(
    message: string,
    /** The AWS error code (e.g. EntityNotFoundException); undefined when AWS was never reached. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Anything with a `$metadata` is an error AWS (or the emulator) answered with. */
interface ServiceErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
}

/**
 * Runs one AWS call and turns its failure into an AwsError that names the call. `what` is
 * "<Service> <Operation>", e.g. "Glue GetWorkflowRun".
 */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeAwsFailure(what, error);
  }
}

export function describeAwsFailure(what: string, error: unknown): Error {
  const e = (error ?? {}) as ServiceErrorShape;
  if (
    e.name === "CredentialsProviderError" ||
    /Could not load credentials/i.test(e.message ?? "")
  ) {
    return new AwsError(
      "No AWS credentials found. ddbsnap uses the standard AWS SDK chain: set AWS_PROFILE (and run " +
        "`aws sso login` for SSO profiles), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
      "CredentialsProviderError",
    );
  }
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) {
    // No HTTP answer at all: DNS, refused connection, timeout.
    const reason = e.code ?? e.name ?? "error";
    return new AwsError(
      `${what} could not reach AWS: ${e.message ?? reason}${e.code ? ` (${e.code})` : ""}`,
    );
  }
  const requestId = e.$metadata?.requestId;
  const code = e.name && e.name !== "Error" ? e.name : `HTTP ${status}`;
  return new AwsError(
    `${what} failed: ${code}: ${e.message ?? "no message"} (HTTP ${status}${requestId ? `, request id ${requestId}` : ""})`,
    e.name,
  );
}

export interface Explained {
  message: string;
  exitCode: number;
}

/** What to print, and the exit code, for an error that ended a command. */
export function explain(error: unknown, debug = false): Explained {
  if (error instanceof UsageError || error instanceof AwsError) {
    return { message: error.message, exitCode: error.exitCode };
  }
  // The config module's error, recognised by name: the program may load its own copy of lib/config.
  if (error instanceof Error && error.name === "ConfigError") {
    return { message: error.message, exitCode: EXIT.USAGE };
  }
  const detail =
    error instanceof Error
      ? debug
        ? (error.stack ?? error.message)
        : error.message
      : String(error);
  return {
    message: `internal error: ${detail}\nThis is a bug in ddbsnap${debug ? "" : " (set DDBSNAP_DEBUG=1 for the stack trace)"}.`,
    exitCode: EXIT.INTERNAL,
  };
}
