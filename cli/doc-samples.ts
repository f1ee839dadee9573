/**
 * The sample output docs/cli.md shows for `plan` and `plan --mermaid`: the commands' real output
 * on this repository's example stack, cut to the first rows of each section; and the example
 * owner policies docs/security.md shows. `npm run docs` writes them; test/cli/readme.test.ts
 * fails when a page is out of date.
 */
import { pinnedAccount } from "../harness/mock-program";
import { parseStackConfig } from "../lib/config";
import { tableNames } from "../lib/naming";
import { sourceRolePolicies } from "../lib/source";
import type { CliIo } from "./io";
import { main } from "./main";
import { namespaceValues, PROJECT_DIR, readStackFile } from "./stack";

/** Rows kept of each blank-line-separated section of `plan`, and of the Mermaid graph. */
const PLAN_ROWS = 8;
const MERMAID_ROWS = 7;

async function outputOf(argv: string[]): Promise<string[]> {
  const out: string[] = [];
  const io: CliIo = {
    out: (line) => out.push(...line.split("\n")),
    err: () => undefined,
    env: {},
    now: () => 0,
    sleep: async () => undefined,
  };
  const code = await main(argv, io);
  if (code !== 0) throw new Error(`ddbsnap ${argv.join(" ")} exited ${code}`);
  return out;
}

/** Each section's first `rows` lines, and `[...]` where the rest was left out. */
function excerpt(lines: string[], rows: number): string[] {
  const sections: string[][] = [[]];
  for (const line of lines) {
    if (line === "") sections.push([]);
    else sections[sections.length - 1].push(line);
  }
  return sections
    .filter((section) => section.length > 0)
    .flatMap((section, i) => {
      // The graph's own fence would end the page's code block: its heading stands for it.
      const kept = section[0].startsWith("Workflows (Mermaid") ? 1 : rows;
      return [
        ...(i > 0 ? [""] : []),
        ...section.slice(0, kept),
        ...(section.length > kept ? ["  [...]"] : []),
      ];
    });
}

export async function planSample(): Promise<string[]> {
  const plan = await outputOf(["plan"]);
  const mermaid = await outputOf(["plan", "--mermaid"]);
  return [
    "```console",
    "$ npx ddbsnap plan",
    ...excerpt(plan, PLAN_ROWS),
    "",
    "$ npx ddbsnap plan --mermaid",
    ...mermaid.slice(0, MERMAID_ROWS),
    "  [...]",
    "```",
  ];
}

/**
 * docs/security.md's example of what a table's owner creates: the policies `plan` prints for the
 * cross-account table of Pulumi.analytics.yaml, computed by lib/source.ts.
 */
export function sourcePoliciesSample(): string[] {
  const file = readStackFile(PROJECT_DIR, "analytics");
  const region = String(file.values["aws:region"]);
  const config = parseStackConfig(namespaceValues(file), "analytics", region);
  const table = config.tables.find((t) => t.sourceRoleArn)!;
  const policies = sourceRolePolicies({
    ctx: { partition: "aws", region, accountId: pinnedAccount(file.values)! },
    table,
    names: tableNames("analytics", table.name),
    bucket: "snapshots-bucket-<random>",
    kmsKeyArn: config.kmsKeyArn,
  })!;
  return [
    `For the table \`${table.name}\` of [Pulumi.analytics.yaml](../Pulumi.analytics.yaml) (mode ${table.mode}), the role \`${policies.roleArn}\` gets this trust policy:`,
    "",
    "```json",
    JSON.stringify(policies.trustPolicy, null, 2),
    "```",
    "",
    "and this permissions policy:",
    "",
    "```json",
    JSON.stringify(policies.permissionsPolicy, null, 2),
    "```",
  ];
}
