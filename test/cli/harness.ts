/**
 * Runs `ddbsnap` in-process with captured output and a fake clock whose sleep only records the
 * wait and moves time on, so following a run or a query never really waits.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import type { CliIo } from "../../cli/io";
import { main } from "../../cli/main";

export const REPO = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(__dirname, "fixtures");
/** Fixed "now" of the fake clock: 2026-11-23 12:00:00 UTC. */
export const FAKE_NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Every sleep the command asked for, in ms. */
  sleeps: number[];
}

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  /** Runs while the command "sleeps": lets a test change the world between two polls. */
  onSleep?: (ms: number) => Promise<void>,
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  let now = FAKE_NOW;
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
      await onSleep?.(ms);
    },
  };
  const code = await main(argv, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n"), sleeps };
}

/** The stack file the AWS-facing tests use (region eu-west-1, tables Reviews and Click.Stream-2024). */
export function motoStackArgs(endpoint: string): string[] {
  return ["--dir", FIXTURES, "--stack", "moto", "--endpoint-url", endpoint];
}
export const MOTO_REGION = "eu-west-1";

/**
 * Credentials for the SDK's standard chain while a describe block runs (moto accepts any), and
 * nothing that could reach a real account or the instance metadata service.
 */
export function useFakeCredentials(): void {
  const saved: Record<string, string | undefined> = {};
  const values: Record<string, string> = {
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SESSION_TOKEN: "testing",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  before(() => {
    for (const [key, value] of Object.entries(values)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    saved.AWS_PROFILE = process.env.AWS_PROFILE;
    delete process.env.AWS_PROFILE;
  });
  after(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

/** Runs the real bin entry, as `npx ddbsnap` does. */
export function runBin(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(REPO, "cli", "ddbsnap.js"), ...args], {
    cwd: REPO,
    env,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Stands in for an SDK client's list call: answers `pages[NextToken ?? "first"]`, checks that each
 * request includes `expected`, and records the tokens asked for in `asked`.
 */
export function pagedClient(pages: Record<string, object>, expected: object) {
  const asked: (string | undefined)[] = [];
  const send = async (command: { input: { NextToken?: string } }) => {
    asked.push(command.input.NextToken);
    expect(command.input).to.include(expected);
    return pages[command.input.NextToken ?? "first"];
  };
  return { client: { send } as never, asked };
}

/** The command exited with `code` and its stderr says each of `said` (text, or a pattern). */
export function expectExit(
  result: Pick<CliResult, "stderr"> & { code: number | null },
  code: number,
  ...said: (string | RegExp)[]
): void {
  expect(result.code, result.stderr).to.equal(code);
  for (const s of said) {
    if (typeof s === "string") expect(result.stderr).to.contain(s);
    else expect(result.stderr).to.match(s);
  }
}
