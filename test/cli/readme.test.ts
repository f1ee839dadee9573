import { expect } from "chai";
import { readFileSync } from "fs";
import * as path from "path";
import { planSample, sourcePoliciesSample } from "../../cli/doc-samples";
import { modesSummary, scanOrExportSection, threeModesSection } from "../../cli/estimate-view";
import { COMMAND_NAMES } from "../../cli/main";
import { glueVersionsTable } from "../../lib/glue-facts";
import { REPO } from "./harness";

function region(markdown: string, name: string): string {
  const start = markdown.indexOf(`<!-- ${name}:start -->`);
  const end = markdown.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start)
    throw new Error(`the page has no <!-- ${name}:start --> ... <!-- ${name}:end --> region`);
  return markdown.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}

describe("the docs sections generated from the code", () => {
  const doc = (file: string) => readFileSync(path.join(REPO, file), "utf8");

  it('shows "Scan or export?" exactly as the estimate model computes it today', () => {
    // On a change to lib/estimate.ts or its prices, paste the new section from this message.
    const expected = scanOrExportSection().join("\n");
    expect(
      region(doc("docs/modes-and-cost.md"), "estimate"),
      `docs/modes-and-cost.md's estimate region should be:\n\n${expected}\n`,
    ).to.equal(expected);
  });

  it('shows "Scan, export or incremental?" exactly as the estimate model computes it today', () => {
    // `npm run docs` rewrites both generated regions.
    const expected = threeModesSection().join("\n");
    expect(
      region(doc("docs/modes-and-cost.md"), "modes"),
      "docs/modes-and-cost.md's modes region is out of date: run npm run docs",
    ).to.equal(expected);
  });

  it("gives the README's cost comparison of the three modes as the model computes it", () => {
    expect(
      region(doc("README.md"), "modes-summary"),
      "README.md's modes-summary region is out of date: run npm run docs",
    ).to.equal(modesSummary().join("\n"));
  });

  it("shows `plan` on the example stack as it prints today", async () => {
    expect(
      region(doc("docs/cli.md"), "plan"),
      "docs/cli.md's plan region is out of date: run npm run docs",
    ).to.equal((await planSample()).join("\n"));
  });

  it("shows in docs/security.md the policies plan prints for the example's cross-account table", () => {
    expect(
      region(doc("docs/security.md"), "source-policies"),
      "docs/security.md's source-policies region is out of date: run npm run docs",
    ).to.equal(sourcePoliciesSample().join("\n"));
  });

  it("gives the table of Glue versions as lib/glue-facts.ts has it", () => {
    expect(
      region(doc("docs/configuration.md"), "glue-versions"),
      "docs/configuration.md's glue-versions region is out of date: run npm run docs",
    ).to.equal(glueVersionsTable().join("\n"));
  });

  it("documents every command", () => {
    const cli = region(doc("docs/cli.md"), "cli");
    for (const name of COMMAND_NAMES) expect(cli, name).to.contain(`\`${name}`);
  });
});
