/**
 * Figures, not assertions (`npm run bench`): how long the program takes to declare stacks of
 * growing size under Pulumi's mocks and how much memory it uses; config validation speed; the
 * largest IAM policy a valid config produces; and the medians of three `npx ddbsnap plan` and
 * three `npm test` runs against their targets (2 s and 30 s on the project's 2-core machines).
 * `npm run bench -- --quick` skips the `npm test` runs.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { parseStackConfig } from "../lib/config";
import { IAM_LIMITS, pipelinePolicies, policySize, POLICY_PARTS } from "../lib/iam-policy";
import { scriptKey, scriptsOfMode, tableNames } from "../lib/naming";
import { runProgram } from "../harness/mock-program";

const REPO = path.join(__dirname, "..");

function tables(n: number): object[] {
  const formats = ["parquet", "csv", "json", "orc", "avro"];
  return Array.from({ length: n }, (_, i) => ({
    name: `Table${i}`,
    format: formats[i % formats.length],
    workers: 2 + (i % 20),
  }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time of `runs` runs of a command, in seconds; fails loudly if a run fails. */
function timeCommand(command: string, args: string[], runs = 3): number {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: REPO, stdio: "ignore", env: process.env });
    if (result.status !== 0)
      throw new Error(`${command} ${args.join(" ")} exited ${result.status}`);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(seconds);
}

/**
 * The largest policy part any valid config produces: a 255-character name and KMS, in export mode
 * on Glue 4.0 and in incremental mode.
 */
function largestPolicy(): { part: string; size: number; mode: string } {
  const stack = "production-eu-central-analytics-platform-snapshots";
  const name = `T${"a".repeat(254)}`;
  const found: { part: string; size: number; mode: string }[] = [];
  for (const table of [
    { name, mode: "export", glueVersion: "4.0" },
    { name, mode: "incremental" },
  ]) {
    const config = parseStackConfig(
      {
        kmsKeyArn:
          "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/12345678-1234-1234-1234-123456789012",
        tables: [table],
      },
      stack,
    );
    const parts = pipelinePolicies({
      ctx: { partition: "aws-us-gov", region: "us-gov-west-1", accountId: "123456789012" },
      table: config.tables[0],
      names: tableNames(stack, name),
      bucket: "snapshots-bucket-0123456",
      database: config.databaseName,
      workgroup: `ddbsnap-${stack}`,
      scriptKeys: scriptsOfMode(table.mode).map(scriptKey),
      roleName: "r".repeat(64),
      securityConfiguration: `ddbsnap-${stack}`,
      kmsKeyArn: config.kmsKeyArn,
    });
    for (const part of POLICY_PARTS)
      found.push({ part, size: policySize(parts[part]), mode: table.mode });
  }
  return found.sort((a, b) => b.size - a.size)[0];
}

async function main(): Promise<void> {
  // Warm up module loading so the first row measures the program, not the transpiler.
  await runProgram({ tables: tables(1) });
  console.log("tables  resources  declare (ms)  heap used (MB)");
  for (const n of [1, 10, 50, 100]) {
    global.gc?.();
    const start = process.hrtime.bigint();
    const run = await runProgram({ tables: tables(n) });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const heap = process.memoryUsage().heapUsed / 2 ** 20;
    console.log(
      `${String(n).padStart(6)}  ${String(run.resources.length).padStart(9)}  ${ms.toFixed(0).padStart(12)}  ${heap.toFixed(0).padStart(14)}`,
    );
  }
  const raw = { tables: tables(1000) };
  const rounds = 50;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) parseStackConfig(raw, "bench");
  const perRound = Number(process.hrtime.bigint() - start) / 1e6 / rounds;
  console.log(`config validation: ${perRound.toFixed(2)} ms for 1000 tables`);

  const largest = largestPolicy();
  console.log(
    `largest IAM policy (255-character table, KMS, export on Glue 4.0 or incremental): ${largest.part} in ${largest.mode} mode, ${largest.size} of ${IAM_LIMITS.managedPolicyChars} characters`,
  );

  const plan = timeCommand("npx", ["ddbsnap", "plan"]);
  const bin = timeCommand(process.execPath, [path.join(REPO, "cli", "ddbsnap.js"), "plan"]);
  // What npx adds to any command here: its own start and its look at the package tree.
  const help = timeCommand("npx", ["ddbsnap", "--help"]);
  const helpBin = timeCommand(process.execPath, [path.join(REPO, "cli", "ddbsnap.js"), "--help"]);
  console.log(
    `npx ddbsnap plan: median of 3 runs ${plan.toFixed(1)} s (target under 2 s; ${bin.toFixed(1)} s of it is the bin itself, the rest npx)`,
  );
  console.log(
    `npx ddbsnap --help: ${help.toFixed(1)} s, of which the bin ${helpBin.toFixed(1)} s: npx itself adds about ${(help - helpBin).toFixed(1)} s to every command`,
  );
  if (!process.argv.includes("--quick")) {
    const test = timeCommand("npm", ["test"]);
    console.log(`npm test: median of 3 runs ${test.toFixed(1)} s (target under 30 s)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
