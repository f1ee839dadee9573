import { GetWorkflowRunsCommand } from "@aws-sdk/client-glue";
import { expect } from "chai";
import { followedReport } from "../../cli/commands/run";
import { logHint, stepRole } from "../../cli/commands/shared";
import type { Followed, FollowIo } from "../../cli/workflow-run";
import { followRun, outcomeOf, stepsOf } from "../../cli/workflow-run";
import { EXPORT_ERROR, FAILING, NAMES, SUCCEEDING, workflowRun } from "./fixtures/workflow-runs";
import { FAKE_NOW, expectExit } from "./harness";
import { seedWorkflow, useMotoStack } from "./seed";

/** A fake clock and a printer: sleeps are recorded, never waited. */
function fakeIo(): FollowIo & { printed: string[]; sleeps: number[] } {
  let now = FAKE_NOW;
  const printed: string[] = [];
  const sleeps: number[] = [];
  return {
    printed,
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    print: (line) => printed.push(line),
  };
}

/** Answers each fetch with the next page, staying on the last one. */
function pages<T>(list: T[]): () => Promise<T> {
  let i = 0;
  return async () => list[Math.min(i++, list.length - 1)];
}

const label = (step: { name: string }) =>
  step.name === NAMES.exportJob
    ? "export job"
    : step.name === NAMES.crawler
      ? "crawler"
      : "refresh job";

describe("run: reading a workflow run's graph", () => {
  it("lists the jobs and crawler in run order, following the edges, whatever the node order", () => {
    const steps = stepsOf(SUCCEEDING[3]);
    expect(steps.map((s) => [s.name, s.kind, s.state])).to.deep.equal([
      [NAMES.exportJob, "job", "SUCCEEDED"],
      [NAMES.crawler, "crawler", "SUCCEEDED"],
      [NAMES.refreshJob, "job", "RUNNING"],
    ]);
  });

  it("takes a retried job's latest attempt", () => {
    const run = workflowRun({
      status: "RUNNING",
      exportJob: {
        attempts: [
          { state: "FAILED", start: 0, end: 2, error: "throttled" },
          { state: "RUNNING", start: 3 },
        ],
      },
    });
    expect(stepsOf(run)[0]).to.include({ state: "RUNNING", error: undefined });
  });

  it("calls a COMPLETED run failed when a step failed: Glue completes a run whose export job failed", () => {
    const outcome = outcomeOf(FAILING[1]);
    expect(outcome.result).to.equal("failed");
    if (outcome.result !== "failed") return;
    expect(outcome.step?.name).to.equal(NAMES.exportJob);
    expect(outcome.reason).to.equal(EXPORT_ERROR);
  });

  it("calls a COMPLETED run failed when a step never ran, and succeeded only when all three did", () => {
    const skipped = workflowRun({
      status: "COMPLETED",
      exportJob: { attempts: [{ state: "SUCCEEDED", start: 0, end: 5 }] },
      end: 6,
    });
    expect(outcomeOf(skipped)).to.deep.include({
      result: "failed",
      reason: `crawler ${NAMES.crawler} ended NOT STARTED`,
    });
    expect(outcomeOf(SUCCEEDING[4])).to.deep.equal({ result: "succeeded" });
  });

  it("reports STOPPED and ERROR runs, and falls back on the statistics when there is no graph", () => {
    expect(
      outcomeOf(
        workflowRun({
          status: "STOPPED",
          exportJob: { attempts: [{ state: "RUNNING", start: 0 }] },
        }),
      ),
    ).to.deep.include({ result: "failed", state: "STOPPED" });
    expect(
      outcomeOf({
        ...workflowRun({ status: "ERROR", noGraph: true }),
        ErrorMessage: "Concurrent runs exceeded",
      }),
    ).to.deep.include({
      result: "failed",
      reason: "Concurrent runs exceeded",
    });
    expect(
      outcomeOf(
        workflowRun({
          status: "COMPLETED",
          noGraph: true,
          statistics: { TotalActions: 3, SucceededActions: 3 },
        }),
      ),
    ).to.deep.equal({ result: "succeeded" });
    expect(
      outcomeOf(
        workflowRun({
          status: "COMPLETED",
          noGraph: true,
          statistics: { TotalActions: 3, SucceededActions: 1, FailedActions: 1 },
        }),
      ),
    ).to.deep.include({
      result: "failed",
      reason: "1 of 3 steps did not succeed",
    });
    expect(outcomeOf(workflowRun({ status: "COMPLETED", noGraph: true })).result).to.equal(
      "failed",
    );
    expect(outcomeOf(workflowRun({ status: "RUNNING", noGraph: true })).result).to.equal("running");
  });
});

describe("run --wait: following a run", () => {
  /** What `run --wait` prints once the run ends (or the watch does), for a scan or incremental table. */
  const reportOf = (followed: Followed, mode?: "incremental") =>
    followedReport(
      followed,
      { table: { name: "Reviews", mode } as never, names: NAMES },
      "dynamodb_exports_moto",
      FAKE_NOW,
    );

  it("prints each step's state once, when it changes, and ends with the snapshot", async () => {
    const io = fakeIo();
    const followed = await followRun(pages(SUCCEEDING), io, { intervalMs: 15_000, label });
    expect(io.printed.map((l) => l.slice(l.indexOf("  ") + 2))).to.deep.equal([
      `export job ${NAMES.exportJob}: RUNNING`,
      `export job ${NAMES.exportJob}: SUCCEEDED after 12m00s`,
      `crawler ${NAMES.crawler}: RUNNING`,
      `crawler ${NAMES.crawler}: SUCCEEDED after 2m00s`,
      `refresh job ${NAMES.refreshJob}: RUNNING`,
      `refresh job ${NAMES.refreshJob}: SUCCEEDED after 1m00s`,
      "workflow run: COMPLETED",
    ]);
    expect(io.sleeps).to.deep.equal([15_000, 15_000, 15_000, 15_000]);
    expect(io.printed[0]).to.match(/^12:00:00Z {2}/);

    const report = reportOf(followed);
    expect(report.code).to.equal(0);
    expect(report.lines).to.deep.equal([
      "Run SUCCEEDED after 15m00s: view dynamodb_exports_moto.reviews now shows snapshot 20261123T100000Z.",
    ]);
  });

  it("names the failing step, its error on one line and where its logs are, and exits 1", async () => {
    const io = fakeIo();
    const followed = await followRun(pages(FAILING), io, { intervalMs: 15_000, label });
    expect(io.printed.at(-2)).to.contain(
      `export job ${NAMES.exportJob}: FAILED after 3m00s: An error occurred while calling o112.getDynamicFrame.`,
    );
    const report = reportOf(followed);
    expect(report.code).to.equal(1);
    expect(report.lines[0]).to.equal(
      `Run FAILED after 3m00s at the export job ${NAMES.exportJob}: An error occurred while calling o112.getDynamicFrame. ` +
        "ResourceNotFoundException: Requested resource not found (Service: DynamoDb, Status Code: 400)",
    );
    expect(report.lines[1]).to.equal(
      "Logs: CloudWatch log group /aws-glue/ddbsnap/moto/reviews/error. The view still shows the previous snapshot.",
    );
  });

  it("speaks of the export planner, the apply job and the watermark for an incremental table", async () => {
    const succeeded = reportOf(
      await followRun(pages(SUCCEEDING), fakeIo(), { intervalMs: 15_000, label }),
      "incremental",
    );
    expect(succeeded.lines).to.deep.equal([
      "Run SUCCEEDED after 15m00s: dynamodb_exports_moto.iceberg_reviews (view reviews) is current to 20261123T100000Z.",
    ]);
    const failed = reportOf(
      await followRun(pages(FAILING), fakeIo(), { intervalMs: 15_000, label }),
      "incremental",
    );
    expect(failed.lines[0]).to.contain(`at the export planner ${NAMES.exportJob}:`);
    expect(failed.lines[1]).to.equal(
      "Logs: CloudWatch log group /aws-glue/python-jobs/error. The watermark did not move: the next run exports and merges the same changes again.",
    );
    const apply = { name: NAMES.applyJob, kind: "JOB" } as never;
    expect(stepRole(NAMES, apply, "incremental")).to.equal("apply job");
    expect(logHint(NAMES, apply, "incremental")).to.equal(
      "CloudWatch log group /aws-glue/ddbsnap/moto/reviews/error",
    );
  });

  it("stops watching at the time limit, saying the run goes on", async () => {
    const io = fakeIo();
    const followed = await followRun(pages([SUCCEEDING[0]]), io, {
      intervalMs: 15_000,
      timeoutMs: 60_000,
      label,
    });
    expect(followed.timedOut).to.equal(true);
    expect(io.sleeps).to.deep.equal([15_000, 15_000, 15_000, 15_000]);
    const report = reportOf(followed);
    expect(report.code).to.equal(1);
    expect(report.lines[0]).to.match(
      /^Still RUNNING after .*; stopped watching\. The run goes on: ddbsnap status Reviews$/,
    );
  });
});

describe("run against moto", function () {
  const stack = useMotoStack();

  before(async () => {
    await seedWorkflow(stack.aws, "Reviews");
  });

  const runsOf = async (workflow: string) =>
    (await stack.aws.glue.send(new GetWorkflowRunsCommand({ Name: workflow }))).Runs ?? [];

  /** `ddbsnap run Reviews --wait --timeout-minutes <minutes>`, and how many runs it started. */
  const runAndWait = async (minutes: string) => {
    const before = (await runsOf("ddbsnap-moto-reviews")).length;
    const result = await stack.cli("run", "Reviews", "--wait", "--timeout-minutes", minutes);
    return { result, started: (await runsOf("ddbsnap-moto-reviews")).length - before };
  };

  it("starts the table's workflow, found by DynamoDB or normalised name, and says how to follow it", async () => {
    const result = await stack.cli("run", "reviews");
    expect(result.code, result.stderr).to.equal(0);
    const runs = await runsOf("ddbsnap-moto-reviews");
    expect(runs).to.have.length(1);
    expect(result.stdout).to.contain(
      `Started run ${runs[0].WorkflowRunId} of workflow ddbsnap-moto-reviews (table Reviews, eu-west-1).`,
    );
    expect(result.stdout).to.contain("ddbsnap status Reviews");
  });

  it("with --wait polls GetWorkflowRun until its time limit, never really sleeping (moto's runs never end)", async () => {
    const { result, started } = await runAndWait("1");
    expect(result.code, result.stderr).to.equal(1);
    expect(started).to.equal(1);
    expect(result.sleeps).to.deep.equal([15_000, 15_000, 15_000, 15_000]);
    expect(result.stdout).to.match(
      /Still RUNNING after \S+; stopped watching\. The run goes on: ddbsnap status Reviews/,
    );
  });

  it("says the stack looks undeployed when the workflow does not exist, and exits 3", async () => {
    const result = await stack.cli("run", "Click.Stream-2024");
    expectExit(
      result,
      3,
      "Workflow ddbsnap-moto-click_stream_2024 not found in eu-west-1 (region from the stack's aws:region",
    );
    expect(result.stderr).to.match(
      /Glue StartWorkflowRun failed: EntityNotFoundException: .* request id \S+\)/,
    );
  });

  it("lists the known tables for an unknown one, and exits 2", async () => {
    expectExit(
      await stack.cli("run", "Revues"),
      2,
      'No table "Revues" in stack moto',
      "Known tables: Reviews, Click.Stream-2024.",
    );
  });

  it("rejects a bad --timeout-minutes before starting anything", async () => {
    const { result, started } = await runAndWait("soon");
    expectExit(result, 2, '--timeout-minutes must be a positive number, got "soon"');
    expect(started).to.equal(0);
  });
});
