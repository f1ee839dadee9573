/**
 * `npm run docs`: rewrites the regions of the docs that the estimate model computes
 * (docs/modes-and-cost.md's `estimate` and `modes`, the README's `modes-summary`).
 * test/cli/readme.test.ts fails when they are out of date.
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { modesSummary, scanOrExportSection, threeModesSection } from "../cli/estimate-view";

const root = path.join(__dirname, "..");
for (const [page, name, lines] of [
  ["docs/modes-and-cost.md", "estimate", scanOrExportSection()],
  ["docs/modes-and-cost.md", "modes", threeModesSection()],
  ["README.md", "modes-summary", modesSummary()],
] as const) {
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
