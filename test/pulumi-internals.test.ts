import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { RecordingMocks } from "../harness/mock-program";
import { spawnSync } from "child_process";
import * as path from "path";
import {
  DEFERRED_MODULES,
  INTERNAL_MODULE,
  waitForPendingRegistrations,
} from "../harness/pulumi-internals";

describe("the Pulumi internals the harness relies on", () => {
  it(`still exists: ${INTERNAL_MODULE} exports waitForRPCs`, () => {
    expect(typeof require(INTERNAL_MODULE).waitForRPCs).to.equal("function");
  });

  it("waits until a resource the program declared has reached the mocks", async () => {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, "internals", "test", false);
    class Thing extends pulumi.CustomResource {
      constructor(name: string, props: Record<string, unknown>) {
        super("test:index:Thing", name, props);
      }
    }
    new Thing("thing", { size: 3 });
    await waitForPendingRegistrations();
    expect(mocks.resources.map((r) => [r.type, r.name, r.inputs.size])).to.deep.equal([
      ["test:index:Thing", "thing", 3],
    ]);
  });

  it(`still finds the modules the CLI defers: ${DEFERRED_MODULES.join(", ")}`, () => {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    for (const id of DEFERRED_MODULES)
      expect(() => require.resolve(id, { paths: [pulumiDir] }), id).not.to.throw();
  });

  it("loads Pulumi without the TypeScript compiler, which closure serialization then loads", () => {
    // A fresh Node process, as the bin starts: this one has TypeScript loaded already (ts-node).
    const probe = `
      require("./cli/register");
      require("./harness/pulumi-internals.ts").deferClosureSerializationDependencies();
      const loaded = () => Object.keys(require.cache).some((k) => k.endsWith("/typescript/lib/typescript.js"));
      const pulumi = require("@pulumi/pulumi");
      const before = loaded();
      pulumi.runtime.serializeFunction(() => 42).then((s) => {
        console.log(JSON.stringify({ before, after: loaded(), serialized: s.text.includes("42") }));
      });`;
    const result = spawnSync(process.execPath, ["-e", probe], {
      cwd: path.join(__dirname, ".."),
      encoding: "utf8",
    });
    expect(result.status, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({
      before: false,
      after: true,
      serialized: true,
    });
  });
});
