/**
 * The file layout rule (lib/layout.ts), and that the export job applies the same one
 * (glue-scripts/export_table.py, plan_layout).
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import { describeLayout, planLayout } from "../lib/layout";

const GIB = 2 ** 30;
const MB = 1e6;
const SPLITS = 36; // 10 × G.1X: 4 slots on each of 9 executors

const CASES: [string, number, { segments: number; files: number }][] = [
  ["1 MB", 1 * MB, { segments: 36, files: 1 }],
  ["10 GB", 10e9, { segments: 36, files: 10 }],
  ["1 TB", 1e12, { segments: 932, files: 932 }],
  ["10 TB", 10e12, { segments: 9314, files: 9314 }],
];

describe("file layout", () => {
  for (const [label, bytes, expected] of CASES) {
    it(`${label}: about a GiB of table data per file and per scan segment, all slots busy`, () => {
      const layout = planLayout(bytes, SPLITS);
      expect(layout).to.include(expected);
      expect(layout.concurrentSegments).to.equal(Math.min(layout.segments, SPLITS));
      expect(bytes / layout.files).to.be.at.most(GIB);
      expect(bytes / layout.segments).to.be.at.most(GIB);
    });
  }

  it("says what it means", () => {
    expect(describeLayout(planLayout(MB, SPLITS), "scan")).to.equal(
      "1 file of about 1 GiB of table data each (128–512 MB compressed); reads 36 scan segments, 36 at a time",
    );
    expect(describeLayout(planLayout(10e12, SPLITS), "export")).to.contain("up to 9314 files");
  });

  it("is the rule the export job applies", () => {
    const code = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(path.join(__dirname, "..", "glue-scripts"))})`,
      "from export_table import plan_layout",
      "print(json.dumps([plan_layout(int(b), s).__dict__ for b, s in json.loads(sys.argv[1])]))",
    ].join("\n");
    const inputs = [...CASES.map(([, b]) => [b, SPLITS]), [0, 4], [3 * GIB + 1, 2]];
    const result = spawnSync(
      process.env.PYTHON ?? "python3",
      ["-c", code, JSON.stringify(inputs)],
      {
        encoding: "utf8",
      },
    );
    expect(result.status, result.stderr).to.equal(0);
    const python = JSON.parse(result.stdout) as Record<string, number>[];
    expect(python).to.deep.equal(
      inputs.map(([b, s]) => {
        const l = planLayout(b, s);
        return { segments: l.segments, files: l.files, concurrent_segments: l.concurrentSegments };
      }),
    );
  });
});
