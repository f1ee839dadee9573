/**
 * One source for the contract between the program and the Glue scripts
 * (glue-scripts/contract.json): the program's job arguments follow it, the scripts' generated
 * module matches it, and the scripts' own argument readers accept what the program passes.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import type { ProgramRun } from "../harness/mock-program";
import { runProgram, TYPES } from "../harness/mock-program";
import { readStackFile } from "../cli/stack";
import { CONTRACT, contractPythonSource } from "../lib/contract";

const REPO = path.join(__dirname, "..");
const PYTHON = process.env.PYTHON ?? "python3";

/** What a script's argument reader makes of an argv, read by the script's own Python. */
function readByScript(
  module: "export_table" | "refresh_view",
  argv: string[],
): Record<string, unknown> {
  const reader = module === "export_table" ? "read_export_config" : "read_refresh_config";
  const code = [
    "import dataclasses, json, sys",
    `sys.path.insert(0, ${JSON.stringify(path.join(REPO, "glue-scripts"))})`,
    `from ${module} import ${reader}`,
    `print(json.dumps(dataclasses.asdict(${reader}(json.loads(sys.argv[1])))))`,
  ].join("\n");
  const result = spawnSync(PYTHON, ["-c", code, JSON.stringify(argv)], { encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`${module} refused the program's arguments: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A job's default arguments as argv, with the run arguments Glue adds (and one of Glue's own). */
function argvOf(args: Record<string, string>, job: string): string[] {
  const glue = {
    "--JOB_NAME": job,
    "--JOB_RUN_ID": "jr_1",
    "--WORKFLOW_NAME": "wf",
    "--WORKFLOW_RUN_ID": "wr_1",
    "--job-language": "python",
  };
  return Object.entries({ ...args, ...glue }).flat();
}

describe("the contract between the program and the Glue scripts", () => {
  let run: ProgramRun;
  before(async () => {
    const example = readStackFile(REPO, "dev").values;
    const tables = [
      ...(example["ddb-athena-snapshots:tables"] as object[]),
      { name: "Events.Log", mode: "export" },
      { name: "Legacy", glueVersion: "4.0" },
      {
        name: "Payments",
        mode: "export",
        region: "us-east-1",
        sourceRoleArn: "arn:aws:iam::210987654321:role/ddbsnap-payments",
        columns: { email: "hash", ssn: "exclude" },
      },
    ];
    run = await runProgram({
      ...example,
      "ddb-athena-snapshots:tables": tables,
      "ddb-athena-snapshots:hashKey": "arn:aws:ssm:ap-northeast-1:123456789012:parameter/hmac",
    });
  });

  it("has its Python form generated from its JSON form (npm run contract)", () => {
    expect(readFileSync(path.join(REPO, "glue-scripts", "contract.py"), "utf8")).to.equal(
      contractPythonSource(),
    );
  });

  it("is followed by every job's arguments: exactly the contract's names for the job and its mode", () => {
    const ours = (args: Record<string, string>) =>
      Object.keys(args)
        .filter((k) => /^--[a-z_]+$/.test(k)) // ours are snake_case; Glue's own are --TempDir, --enable-..., ...
        .map((k) => k.slice(2));
    // A table elsewhere adds its source, one with sensitive columns its rules: contract names too.
    const elsewhere = (job: string) => job.includes("-payments-");
    for (const job of run.ofType(TYPES.job)) {
      const args = job.inputs.defaultArguments as Record<string, string>;
      const name: string = job.inputs.name;
      const expected = name.endsWith("-export")
        ? [
            ...CONTRACT.exportArguments.common,
            ...CONTRACT.exportArguments[args["--mode"] as "scan" | "export"],
            ...(elsewhere(name)
              ? [...CONTRACT.sourceArguments, ...CONTRACT.columnRuleArguments]
              : []),
          ]
        : [
            ...CONTRACT.refreshArguments,
            ...(elsewhere(name) ? ["source_role_arn", "source_region"] : []),
          ];
      expect(ours(args).sort(), name).to.deep.equal([...expected].sort());
    }
  });

  it("is read by the export script from the program's arguments, in both modes", () => {
    const cases: [string, Record<string, unknown>][] = [
      [
        "ddbsnap-dev-reviews-export",
        {
          table_name: "Reviews",
          mode: "scan",
          splits: 36,
          read_percentage: 0.25,
        },
      ],
      [
        "ddbsnap-dev-legacy-export",
        { table_name: "Legacy", mode: "scan", database: "dynamodb_exports_dev", column_types: {} },
      ],
      [
        "ddbsnap-dev-events_log-export",
        { table_name: "Events.Log", mode: "export", staging_prefix: "export-staging/events_log" },
      ],
      [
        "ddbsnap-dev-payments-export",
        {
          table_arn: "arn:aws:dynamodb:us-east-1:210987654321:table/Payments",
          source: {
            region: "us-east-1",
            role_arn: "arn:aws:iam::210987654321:role/ddbsnap-payments",
            bucket_owner: "123456789012",
          },
          column_rules: { email: "hash", ssn: "exclude" },
          hash_key: "arn:aws:ssm:ap-northeast-1:123456789012:parameter/hmac",
        },
      ],
    ];
    for (const [job, expected] of cases) {
      const config = readByScript(
        "export_table",
        argvOf(run.named(TYPES.job, job).inputs.defaultArguments, job),
      );
      expect(config, job).to.deep.include({ ...expected, job_name: job, workflow_run_id: "wr_1" });
    }
  });

  it("is read by the refresh script from the program's arguments", () => {
    const job = "ddbsnap-dev-orders-refresh";
    const config = readByScript(
      "refresh_view",
      argvOf(run.named(TYPES.job, job).inputs.defaultArguments, job),
    );
    expect(config).to.deep.include({
      database: "dynamodb_exports_dev",
      table: "orders",
      workgroup: "ddbsnap-dev-orders",
      snapshots_prefix: "csv/orders",
      retention_days: 7,
    });
  });

  it("lets the refresh script accept the longest table name the program can produce", () => {
    const long = `T${"x".repeat(254)}`;
    const names = require("../lib/naming").tableNames("dev", long);
    const argv = [
      "--database",
      "dynamodb_exports_dev",
      "--table",
      names.normalised,
      "--workgroup",
      "ddbsnap-dev",
      "--output_path",
      `s3://snapshots-bucket/parquet/${names.normalised}`,
      "--retention_days",
      "30",
      "--table_name",
      long,
      "--min_item_ratio",
      "0.5",
      "--stack",
      "dev",
      "--WORKFLOW_NAME",
      "wf",
      "--WORKFLOW_RUN_ID",
      "wr",
    ];
    expect(readByScript("refresh_view", argv).table).to.equal(names.normalised);
  });
});
