import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { FIXTURES, motoStackArgs, REPO, runBin, expectExit } from "./harness";
import { motoServer } from "./moto-server";

// The README's commands, run the way `npx ddbsnap` runs them: node on cli/ddbsnap.js.
describe("the ddbsnap bin entry", function () {
  this.timeout(60_000);

  it("prints the help and exits 0", () => {
    const result = runBin(["--help"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^ddbsnap: operate the DynamoDB-to-Athena snapshot workflows/);
    expect(result.stderr).to.equal("");
  });

  // One spawn for both (each costs a Node start and the program under mocks): the plan's
  // content is tested in-process (plan.test.ts); here, that the bin runs it and that a reader
  // closing the pipe early (ddbsnap plan | head) ends it quietly with 0.
  it("runs `plan` on the example stack, as the README's try-it-now line does, and stops quietly when the reader closes the pipe", async () => {
    const child = spawn(process.execPath, [path.join(REPO, "cli", "ddbsnap.js"), "plan"], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const first = await new Promise<string>((resolve) =>
      child.stdout.once("data", (chunk: Buffer) => {
        child.stdout.destroy();
        resolve(chunk.toString());
      }),
    );
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(first).to.match(/^Plan for stack dev /);
    expect(stderr).to.equal("");
    expect(code).to.equal(0);
  });

  it("is linked into node_modules/.bin by npm ci, where npx finds it without reading the installed tree", () => {
    const linked = path.join(REPO, "node_modules", ".bin", "ddbsnap");
    expect(realpathSync(linked)).to.equal(path.join(REPO, "cli", "ddbsnap.js"));
    // With a "bin" of its own, the root package would send npx through its slow path (libnpmexec
    // checks the local package's bins first, then loads the whole tree).
    const root = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8"));
    expect(root).not.to.have.property("bin");
  });

  it("transpiles each TypeScript file once, and again when it changes (the bin's SWC cache)", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "ddbsnap-swc-")), "answer.ts");
    // Prints the module's value, and whether the compiler had to be loaded for it.
    const script = `const { answer } = require(${JSON.stringify(file)});
      const loaded = Object.keys(require.cache);
      console.log(answer, loaded.some((k) => k.includes("@swc") && !k.endsWith(".json")));`;
    const load = () =>
      spawnSync(process.execPath, ["-r", path.join(REPO, "cli", "register.js"), "-e", script], {
        encoding: "utf8",
      }).stdout;
    writeFileSync(file, "export const answer: number = 41;\n");
    expect(load()).to.equal("41 true\n");
    expect(load(), "from the cache, without the compiler").to.equal("41 false\n");
    writeFileSync(file, "export const answer: number = 42;\n");
    expect(load(), "a changed file is transpiled again").to.equal("42 true\n");
  });

  it("exits 2 with the validation message, and no stack trace, for a broken config", () => {
    const result = runBin(["plan", "--dir", path.join(FIXTURES, "broken")]);
    expectExit(result, 2, /^ddbsnap: Invalid stack config/);
    expect(result.stderr).not.to.match(/^\s+at /m);
  });

  it("says how to provide credentials when there are none, and exits 3", async () => {
    const moto = await motoServer();
    const home = mkdtempSync(path.join(tmpdir(), "ddbsnap-home-"));
    // Nothing the SDK's credential chain could find: no variables, no files, no instance role.
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_CONFIG_FILE: path.join(home, "none"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, "none"),
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const result = runBin(["status", ...motoStackArgs(moto.endpoint)], env);
    expect(result.code, result.stdout).to.equal(3);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.match(
      /^ddbsnap: No AWS credentials found\. ddbsnap uses the standard AWS SDK chain/,
    );
    expect(result.stderr.match(/No AWS credentials/g)).to.have.length(1);
    expect(result.stderr + result.stdout).not.to.match(/^\s+at /m);
    // The SDK's Node 20 notice is switched off by the bin entry.
    expect(result.stderr).not.to.contain("NodeVersionSupportWarning");
  });
});
