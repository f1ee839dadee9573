/**
 * Everything a command touches outside its arguments: output streams, environment, clock and
 * sleep. Commands take it as a parameter so tests run them in-process with a captured output and
 * a fake clock, and never really wait.
 */
export interface CliIo {
  /** Writes one line (a trailing newline is added) to standard output: the command's result. */
  out(line: string): void;
  /** Writes one line to standard error: progress, notes, errors. */
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
