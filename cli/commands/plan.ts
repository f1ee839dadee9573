/**
 * `ddbsnap plan`: runs the real program (index.ts) under Pulumi's mocks with the stack file's
 * config and prints what it would create. Offline: no AWS calls, no Pulumi CLI. A config error
 * is the program's own validation message.
 */
import { TABLE_BYTES_PER_FILE } from "../../lib/layout";
import * as path from "path";
import { parseStackConfig } from "../../lib/config";
import { dynamodbSplits, GLUE_RUNTIMES, WORKERS } from "../../lib/glue-facts";
import { stackNames } from "../../lib/naming";
import type { Command, CommandContext } from "../command";
import { stackDir, stackName } from "../command";
import { COMMAND_MANIFEST } from "../manifest";
import { EXIT } from "../errors";
import { columns } from "../format";
import type { ProgramRun } from "../../harness/mock-program";
import type { SourceRolePolicies } from "../../lib/source";
import { ownerLines, readerLines, tableAccessLines } from "../plan-access";
import type { PlannedResource } from "../plan-view";
import { planView, workflowMermaid } from "../plan-view";
import { namespaceValues, PROJECT_DIR, readStackFile } from "../stack";

function resourceLines(resources: PlannedResource[]): string[] {
  return columns(
    ["type", "physical name", "declared as"],
    resources.map((r) => [r.type, r.physical, r.logicalName]),
  ).map((line) => `  ${line}`);
}

export const plan: Command = {
  ...COMMAND_MANIFEST.plan,
  help: `Reads Pulumi.<stack>.yaml, runs the program (index.ts) under Pulumi's mocks and prints, per table,
the AWS resources it would declare with their physical names, the shared ones, and each workflow as
a Mermaid graph. A config error prints the program's validation message and exits 2.

Options:
  --mermaid   print only the Mermaid graph (paste it into a Markdown file or mermaid.live)`,

  async run(ctx: CommandContext): Promise<number> {
    const stack = stackName(ctx);
    const file = readStackFile(stackDir(ctx), stack);
    // Loaded here, not at the top: Pulumi takes a moment to load and no other command needs it.
    const { pinnedAccount, runProgram } =
      require("../../harness/mock-program") as typeof import("../../harness/mock-program");
    const run: ProgramRun = await runProgram(file.values, { stack });
    // The program has accepted the config, so this cannot throw; it gives the tables in order.
    const config = parseStackConfig(namespaceValues(file), stack, file.values["aws:region"]);
    const database = stackNames(config.stack, config.databaseName).database;
    const mermaid = workflowMermaid(run.resources, config, database);
    if (ctx.options.mermaid) {
      ctx.io.out(mermaid);
      return EXIT.OK;
    }

    const view = planView(run.resources, config);
    const total = view.shared.length + view.tables.reduce((n, t) => n + t.resources.length, 0);
    const out = (line = "") => ctx.io.out(line);
    // This project's own stack files are named as the README does; others by their full path.
    const where = path.dirname(file.path) === PROJECT_DIR ? path.basename(file.path) : file.path;
    const region =
      typeof file.values["aws:region"] === "string" ? file.values["aws:region"] : undefined;
    out(`Plan for stack ${stack} (${where}), region ${region ?? "not set"}:`);
    out(
      `${total} AWS resources for ${config.tables.length} table(s). Offline: the program ran under Pulumi's mocks, nothing was sent to AWS.`,
    );
    if (config.tables.some((t) => t.mode === "scan")) {
      // The capacity check needs DescribeTable (components/preflight.ts): only a real preview has it.
      out(
        "Not checked offline: whether each scan table serves the read rate readPercentage asks for; `pulumi preview` and `pulumi up` warn if not.",
      );
    }
    if (config.tables.some((t) => t.sourceRoleArn)) {
      out(
        "Not checked at deploy either, for a table in another account: its point-in-time recovery and read capacity (its role trusts only the table's pipeline); the first run meets them, and `ddbsnap status --check` names a role it could not assume.",
      );
    }
    out();
    out(`Shared by every table (${view.shared.length}):`);
    resourceLines(view.shared).forEach((l) => out(l));
    for (const { table, names, resources } of view.tables) {
      out();
      const shape =
        table.mode === "scan"
          ? `scan at readPercentage ${table.readPercentage}, ${dynamodbSplits(table.workerType, table.workers)} parallel segments`
          : table.mode === "export"
            ? "export (point-in-time export, no read capacity)"
            : `incremental (changes merged into Iceberg table ${database}.${names.icebergTable}, no read capacity)`;
      out(`${table.name} → ${database}.${names.view} (${resources.length}): ${shape};`);
      const runtime = GLUE_RUNTIMES[table.glueVersion];
      const arch = WORKERS[table.workerType].priceClass === "x86" ? "x86" : "Graviton arm64";
      out(
        `  ${table.format}, ${table.schedule} UTC${table.enabled ? "" : " (schedule not started)"}, ` +
          `${table.workers} × ${table.workerType} (${arch}) ${table.executionClass}, ` +
          `Glue ${table.glueVersion} (Spark ${runtime.spark}, Python ${runtime.python}), ` +
          (table.mode === "incremental"
            ? `time travel reaches ${table.retentionDays} days back`
            : `keeps ${table.retentionDays} days`),
      );
      out(
        table.mode === "incremental"
          ? "  files: Iceberg's; the managed compaction optimizer rewrites small files and folds in deletes"
          : `  files: the export job sizes them from TableSizeBytes at run time: ${TABLE_BYTES_PER_FILE / 2 ** 30} GiB of table data per file, one file for a table under that (\`ddbsnap estimate\` shows the layout for the table's size)`,
      );
      tableAccessLines(table, config, region).forEach((l) => out(l));
      resourceLines(resources).forEach((l) => out(l));
    }
    for (const section of [
      readerLines(config),
      ownerLines(
        (run.outputs.sourceAccess ?? {}) as Record<string, SourceRolePolicies>,
        run.snapshotsBucket,
        pinnedAccount(file.values),
      ),
    ]) {
      if (section.length === 0) continue;
      out();
      section.forEach((l) => out(l));
    }
    out();
    out("Workflows (Mermaid; `ddbsnap plan --mermaid` prints only this):");
    out("```mermaid");
    out(mermaid);
    out("```");
    return EXIT.OK;
  },
};
