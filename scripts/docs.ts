/**
 * `npm run docs`: rewrites the regions of the docs that the code computes: the estimate model's
 * (docs/modes-and-cost.md's `estimate` and `modes`, the README's `modes-summary`) and the sample
 * output of `ddbsnap plan` (docs/cli.md's `plan`), the example owner policies
 * (docs/security.md's `source-policies`), and the table of Glue versions
 * (docs/configuration.md's `glue-versions`, from lib/glue-facts.ts).
 * test/cli/readme.test.ts fails when they are out of date.
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { planSample, sourcePoliciesSample } from "../cli/doc-samples";
import { modesSummary, scanOrExportSection, threeModesSection } from "../cli/estimate-view";
import { glueVersionsTable } from "../lib/glue-facts";

const root = path.join(__dirname, "..");

async function regions(): Promise<[string, string, string[]][]> {
  return [
    ["docs/modes-and-cost.md", "estimate", scanOrExportSection()],
    ["docs/modes-and-cost.md", "modes", threeModesSection()],
    ["README.md", "modes-summary", modesSummary()],
    ["docs/cli.md", "plan", await planSample()],
    ["docs/security.md", "source-policies", sourcePoliciesSample()],
    ["docs/configuration.md", "glue-versions", glueVersionsTable()],
  ];
}

regions().then(
  (generated) => generated.forEach(([page, name, lines]) => write(page, name, lines)),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);

function write(page: string, name: string, lines: string[]): void {
  const file = path.join(root, page);
  let text = readFileSync(file, "utf8");
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} ... ${end} region`);
  text = `${text.slice(0, from + start.length)}\n${lines.join("\n")}\n${text.slice(to)}`;
  writeFileSync(file, text);
  console.log(`wrote ${page} (${name})`);
}
