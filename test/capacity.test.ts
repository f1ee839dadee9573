import * as pulumi from "@pulumi/pulumi";
import * as aws from "../components/aws";
import { expect } from "chai";
import { warnAboutScanCapacity } from "../components/preflight";
import { RecordingMocks } from "../harness/mock-program";
import { scanCapacityWarning, scanRate } from "../lib/capacity";
import type { TableConfig } from "../lib/config";
import { TABLE_DEFAULTS } from "../lib/config";

const table = (overrides: Partial<TableConfig>): TableConfig => ({
  ...TABLE_DEFAULTS,
  name: "Orders",
  ...overrides,
});
const ON_DEMAND = { billingMode: "PAY_PER_REQUEST" as const };

describe("a scan's read rate against what the table can serve", () => {
  it("on demand: Glue counts 40,000 RCU, a new table serves about 12,000 reads/s", () => {
    expect(scanRate(table({ readPercentage: 0.25 }), ON_DEMAND)).to.deep.equal({
      asked: 10_000,
      served: 12_000,
      safeReadPercentage: 0.3,
    });
    expect(scanCapacityWarning(table({ readPercentage: 0.25 }), ON_DEMAND)).to.equal(undefined);
    const warning = scanCapacityWarning(table({ readPercentage: 0.5 }), ON_DEMAND)!;
    expect(warning).to.equal(
      "tables (Orders): readPercentage 0.5 asks the scan for 20,000 RCU/s (0.5 × 40,000, the RCU Glue assumes for an on-demand table), " +
        "but a new on-demand table serves about 12,000 reads/s: the scan would be throttled, and so would the application's own reads. " +
        "Set readPercentage to 0.3 or less, or use mode: export (no read capacity).",
    );
  });

  it("provisioned: more than 100 % of the table's RCU is more than it serves", () => {
    const capacity = { billingMode: "PROVISIONED" as const, readCapacity: 1000 };
    expect(scanCapacityWarning(table({ readPercentage: 1 }), capacity)).to.equal(undefined);
    const warning = scanCapacityWarning(table({ readPercentage: 1.5 }), capacity)!;
    expect(warning).to.contain(
      "asks the scan for 1,500 RCU/s (1.5 × the table's 1,000 provisioned RCU)",
    );
    expect(warning)
      .to.contain("the table serves 1,000 RCU")
      .and.contain("Set readPercentage to 1 or less");
  });

  it("never warns about export-mode tables, which use no read capacity", () => {
    expect(scanCapacityWarning(table({ mode: "export", readPercentage: 1.5 }), ON_DEMAND)).to.equal(
      undefined,
    );
  });

  describe("at deploy, through the stack's provider", () => {
    const warningsFor = async (
      describe: (name: string) => Record<string, unknown>,
    ): Promise<string[]> => {
      const mocks = new RecordingMocks({
        "aws:dynamodb/getTable:getTable": (inputs) => describe(inputs.name),
      });
      await pulumi.runtime.setMocks(mocks, "capacity", "test", false);
      const provider = new aws.Provider("aws", { region: "ap-northeast-1" });
      const warnings: string[] = [];
      await warnAboutScanCapacity(
        [
          table({ name: "Hot", readPercentage: 0.5 }),
          table({ name: "Calm", readPercentage: 0.25 }),
          table({ name: "Exported", mode: "export" }),
        ],
        () => ({ provider }),
        (m) => warnings.push(m),
      );
      return warnings.sort();
    };

    it("warns about each table that cannot serve its scan, naming the table, both numbers and the setting", async () => {
      const warnings = await warningsFor((name) => ({ name, billingMode: "PAY_PER_REQUEST" }));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(
        /^tables \(Hot\): readPercentage 0.5 asks the scan for 20,000 RCU\/s/,
      );
    });

    it("says a table it could not describe was not checked, and checks nothing it cannot know", async () => {
      const failing = await warningsFor(() => {
        throw new Error("AccessDeniedException");
      });
      expect(failing.map((w) => w.replace(/ \([^()]*\)$/, ""))).to.deep.equal([
        "tables (Calm): read capacity not checked: the table could not be described",
        "tables (Hot): read capacity not checked: the table could not be described",
      ]);
      expect(await warningsFor((name) => ({ name }))).to.deep.equal([]); // offline: no billing mode
    });
  });
});
