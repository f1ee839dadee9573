import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { RecordingMocks } from "../harness/mock-program";
import { INTERNAL_MODULE, waitForPendingRegistrations } from "../harness/pulumi-internals";

describe("the one Pulumi internal the harness relies on", () => {
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
});
