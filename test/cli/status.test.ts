import { expect } from "chai";
import { runRows, workflowRuns } from "../../cli/commands/status";
import { EXPORT_ERROR, FAILING, NAMES, SUCCEEDING, workflowRun } from "./fixtures/workflow-runs";
import { FAKE_NOW, pagedClient, expectExit } from "./harness";
import { seedDatabase, seedRuns, seedSnapshots, seedWorkflow, useMotoStack } from "./seed";

describe("status: one row per run", () => {
  const reviews = { table: { name: "Reviews" } as never, names: NAMES };

  it("shows start, duration, state and snapshot of a successful run", () => {
    expect(runRows([SUCCEEDING[4]], reviews, FAKE_NOW)).to.deep.equal([
      ["2026-11-23 10:00:00Z", "15m00s", "SUCCEEDED", "20261123T100000Z", ""],
    ]);
  });

  it("shows a failed run's failing step and its error on one line", () => {
    const [row] = runRows([FAILING[1]], reviews, FAKE_NOW);
    expect(row.slice(0, 4)).to.deep.equal(["2026-11-23 10:00:00Z", "3m00s", "FAILED", "-"]);
    // Both lines of the error, joined, cut to 120 characters.
    expect(row[4]).to.equal(`export job: ${EXPORT_ERROR.replace("\n", " ").slice(0, 119)}…`);
  });

  it("shows how long a running run has been going, and a stopped run as STOPPED", () => {
    const [running] = runRows([SUCCEEDING[2]], reviews, FAKE_NOW);
    expect(running.slice(1, 4)).to.deep.equal(["2h00m so far", "RUNNING", "20261123T100000Z"]);
    const [stopped] = runRows(
      [
        workflowRun({
          status: "STOPPED",
          exportJob: { attempts: [{ state: "STOPPED", start: 0, end: 1 }] },
          end: 1,
        }),
      ],
      reviews,
      FAKE_NOW,
    );
    expect(stopped[2]).to.equal("STOPPED");
    expect(stopped[4]).to.equal(`export job: job ${NAMES.exportJob} ended STOPPED`);
  });
});

describe("status: reading every run", () => {
  it("follows NextToken to the last page and sorts newest first, whatever order the pages come in", async () => {
    const run = (id: string, day: number) => ({
      WorkflowRunId: id,
      StartedOn: new Date(Date.UTC(2026, 10, day, 2)),
    });
    const pages: Record<string, { Runs: object[]; NextToken?: string }> = {
      first: { Runs: [run("a", 20), run("b", 23)], NextToken: "t1" },
      t1: { Runs: [run("c", 21)], NextToken: "t2" },
      t2: { Runs: [run("d", 22)] },
    };
    const { client, asked } = pagedClient(pages, { IncludeGraph: true, MaxResults: 2 });
    const runs = await workflowRuns(client, "ddbsnap-moto-reviews", 2);
    expect(asked).to.deep.equal([undefined, "t1", "t2"]);
    expect(runs.map((r) => r.WorkflowRunId)).to.deep.equal(["b", "d", "c", "a"]);
  });
});

describe("status against moto", () => {
  const stack = useMotoStack();
  let runIds: string[];

  before(async () => {
    await seedWorkflow(stack.aws, "Reviews");
    runIds = await seedRuns(stack.aws, "ddbsnap-moto-reviews", [
      "20261121T020000Z",
      "20261122T020000Z",
      "20261123T020000Z",
    ]);
  });

  // moto pages GetWorkflowRuns wrongly (HTTP 500 on the second page), so paging is covered by the
  // allPages tests; here one page holds every run.
  it("reads every run with GetWorkflowRuns (IncludeGraph)", async () => {
    const runs = await workflowRuns(stack.aws.glue, "ddbsnap-moto-reviews");
    expect(runs.map((r) => r.WorkflowRunId).sort()).to.deep.equal([...runIds].sort());
  });

  it("lists each run with its snapshot run property, and says when watching is possible", async () => {
    const result = await stack.cli("status", "Reviews");
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).to.equal("Reviews: STALE, no snapshot in the view yet; stale after 1d 7h");
    expect(lines[1]).to.equal("Reviews (workflow ddbsnap-moto-reviews), last 3 of 3 runs:");
    expect(lines[2]).to.match(/^ {2}started +took +state +snapshot +failed step$/);
    for (const snapshot of ["20261121T020000Z", "20261122T020000Z", "20261123T020000Z"]) {
      expect(result.stdout).to.match(new RegExp(`RUNNING +${snapshot}`));
    }
    expect(lines).to.have.length(6);
  });

  it("keeps to --last runs", async () => {
    const result = await stack.cli("status", "reviews", "--last", "2");
    expect(result.code).to.equal(0);
    expect(result.stdout.split("\n")[1]).to.equal(
      "Reviews (workflow ddbsnap-moto-reviews), last 2 of 3 runs:",
    );
    expect(result.stdout.split("\n")).to.have.length(5);
  });

  it("shows every table, explains a missing workflow without hiding the others, and exits 3", async () => {
    const result = await stack.cli("status");
    expect(result.code).to.equal(3);
    expect(result.stdout).to.contain("Reviews (workflow ddbsnap-moto-reviews), last 3 of 3 runs:");
    expect(result.stdout).to.contain(
      "Click.Stream-2024 (workflow ddbsnap-moto-click_stream_2024): Workflow ddbsnap-moto-click_stream_2024 not found in eu-west-1",
    );
    expect(result.stdout).to.contain("Is stack moto deployed there (pulumi up)?");
  });

  it("says so when a workflow has no runs yet", async () => {
    await seedWorkflow(stack.aws, "Click.Stream-2024");
    const result = await stack.cli("status", "Click.Stream-2024");
    expect(result.code).to.equal(0);
    expect(result.stdout.split("\n")).to.deep.equal([
      "Click.Stream-2024: STALE, no snapshot in the view yet; stale after 1d 7h",
      "Click.Stream-2024 (workflow ddbsnap-moto-click_stream_2024): no runs yet. Start one with: ddbsnap run Click.Stream-2024 --wait",
    ]);
  });

  it("rejects a --last that is not a whole number from 1", async () => {
    const result = await stack.cli("status", "--last", "0");
    expectExit(result, 2, '--last must be a whole number from 1, got "0"');
  });
});

describe("status: freshness against the stale alarm's threshold, and --check", () => {
  const stack = useMotoStack();

  // FAKE_NOW is 2026-11-23 12:00Z; both tables run daily at 02:00 with a 6-hour timeout, so a
  // snapshot is stale after 1d 7h.
  before(async () => {
    await seedDatabase(stack.aws);
    const reviews = await seedWorkflow(stack.aws, "Reviews");
    const clicks = await seedWorkflow(stack.aws, "Click.Stream-2024");
    await seedSnapshots(
      stack.aws,
      reviews,
      [{ timestamp: "20261123T020000Z", objectSizes: [10] }],
      "20261123T020000Z",
    );
    await seedSnapshots(
      stack.aws,
      clicks,
      [{ timestamp: "20261120T020000Z", objectSizes: [10] }],
      "20261120T020000Z",
    );
  });

  it("says each table's age against its threshold", async () => {
    const result = await stack.cli("status");
    expect(result.stdout).to.contain(
      "Reviews: FRESH, view shows 20261123T020000Z, 10h old; stale after 1d 7h",
    );
    expect(result.stdout).to.contain(
      "Click.Stream-2024: STALE, view shows 20261120T020000Z, 3d 10h old; stale after 1d 7h",
    );
  });

  it("--check prints only the stale table and exits 1", async () => {
    const result = await stack.cli("status", "--check");
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal(
      "Click.Stream-2024: STALE, view shows 20261120T020000Z, 3d 10h old; stale after 1d 7h",
    );
  });

  it("--check on a fresh table exits 0", async () => {
    const result = await stack.cli("status", "Reviews", "--check");
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal("All 1 enabled table fresh.");
  });

  it("--json gives machines the same judgement", async () => {
    const result = await stack.cli("status", "--json", "--check");
    expect(result.code).to.equal(1);
    const tables = JSON.parse(result.stdout);
    expect(
      tables.map((t: any) => [t.table, t.state, t.ageSeconds, t.thresholdSeconds]),
    ).to.deep.equal([
      ["Reviews", "fresh", 10 * 3600, 31 * 3600],
      ["Click.Stream-2024", "stale", 82 * 3600, 31 * 3600],
    ]);
    expect(tables[0].viewSnapshot).to.equal("20261123T020000Z");
    expect(tables[0].runs).to.deep.equal([]);
  });
});
