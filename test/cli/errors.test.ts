import { expect } from "chai";
import { createServer } from "net";
import * as path from "path";
import { createServer as createHttpServer } from "http";
import type { AddressInfo } from "net";
import { allPages, glueClient, resolveTarget, sdk } from "../../cli/aws";
import { AwsError, awsCall, describeAwsFailure, explain, UsageError } from "../../cli/errors";
import { ConfigError } from "../../lib/config";
import { FIXTURES, motoStackArgs, runCli, useFakeCredentials, expectExit } from "./harness";

describe("errors are for people", () => {
  it("gives each kind of error its exit code: usage and config 2, AWS 3, anything else 4", () => {
    expect(explain(new UsageError("bad flag"))).to.deep.equal({ message: "bad flag", exitCode: 2 });
    expect(explain(new ConfigError(["tables[0] (Reviews): workers is 1"])).exitCode).to.equal(2);
    expect(explain(new AwsError("Glue GetWorkflow failed"))).to.deep.equal({
      message: "Glue GetWorkflow failed",
      exitCode: 3,
    });
    const bug = explain(new TypeError("x is undefined"));
    expect(bug.exitCode).to.equal(4);
    expect(bug.message).to.equal(
      "internal error: x is undefined\nThis is a bug in ddbsnap (set DDBSNAP_DEBUG=1 for the stack trace).",
    );
    expect(explain(new TypeError("x is undefined"), true).message).to.match(
      /TypeError: x is undefined\n\s+at /,
    );
  });

  it("says which AWS call failed, AWS's code and message, the HTTP status and the request id", () => {
    const answered = Object.assign(new Error("Entity not found"), {
      name: "EntityNotFoundException",
      $metadata: { httpStatusCode: 400, requestId: "req-123" },
    });
    const error = describeAwsFailure("Glue GetWorkflowRun", answered);
    expect(error).to.be.instanceOf(AwsError);
    expect(error.message).to.equal(
      "Glue GetWorkflowRun failed: EntityNotFoundException: Entity not found (HTTP 400, request id req-123)",
    );
    expect((error as AwsError).code).to.equal("EntityNotFoundException");
  });

  it("tells a missing-credentials error and an unreachable endpoint apart from AWS's answers", () => {
    const noCredentials = Object.assign(
      new Error("Could not load credentials from any providers"),
      { name: "CredentialsProviderError" },
    );
    expect(describeAwsFailure("Glue GetWorkflowRuns", noCredentials).message).to.match(
      /^No AWS credentials found\. .*AWS_PROFILE/,
    );
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    expect(describeAwsFailure("Athena StartQueryExecution", refused).message).to.equal(
      "Athena StartQueryExecution could not reach AWS: connect ECONNREFUSED 127.0.0.1:1 (ECONNREFUSED)",
    );
  });
});

describe("where AWS calls go", () => {
  it("takes the region from --region, then the stack's aws:region, then AWS_REGION, then AWS_DEFAULT_REGION", () => {
    const env = { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "us-east-2" };
    expect(resolveTarget({ region: "eu-central-1" }, "ap-northeast-1", env)).to.include({
      region: "eu-central-1",
      regionSource: "--region",
    });
    expect(resolveTarget({}, "ap-northeast-1", env)).to.include({
      region: "ap-northeast-1",
      regionSource: "the stack's aws:region",
    });
    expect(resolveTarget({}, undefined, env)).to.include({
      region: "us-west-2",
      regionSource: "AWS_REGION",
    });
    expect(resolveTarget({}, undefined, { AWS_DEFAULT_REGION: "us-east-2" })).to.include({
      region: "us-east-2",
    });
    expect(() => resolveTarget({}, undefined, {})).to.throw(
      UsageError,
      /No AWS region: set aws:region in the stack file/,
    );
  });

  it("sends calls to --endpoint-url, else AWS_ENDPOINT_URL, and refuses what is not a URL", () => {
    expect(
      resolveTarget({ endpointUrl: "http://127.0.0.1:5000" }, "eu-west-1", {
        AWS_ENDPOINT_URL: "http://other",
      }).endpoint,
    ).to.equal("http://127.0.0.1:5000");
    expect(
      resolveTarget({}, "eu-west-1", { AWS_ENDPOINT_URL: "http://localhost:4566" }).endpoint,
    ).to.equal("http://localhost:4566");
    expect(resolveTarget({}, "eu-west-1", {}).endpoint).to.equal(undefined);
    expect(() => resolveTarget({ endpointUrl: "localhost:5000" }, "eu-west-1", {})).to.throw(
      UsageError,
      /must be an http\(s\) URL/,
    );
  });

  it("follows paging tokens until there are none, treating an empty token as the end", async () => {
    const pages: Record<string, { items: number[]; next?: string }> = {
      start: { items: [1, 2], next: "a" },
      a: { items: [], next: "b" },
      b: { items: [3], next: "" },
    };
    const send = async (token?: string) => pages[token ?? "start"];
    expect(await allPages("Test List", send, (page) => page)).to.deep.equal([1, 2, 3]);
  });
});

describe("the command line", () => {
  it("prints help with every command and the exit codes, and exits 0 for --help, 2 for no command", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).to.equal(0);
    for (const command of [
      "plan",
      "run <table>",
      "status",
      "snapshots <table>",
      'query "<sql>"',
      "estimate <table>",
    ])
      expect(help.stdout).to.contain(`  ${command}`);
    expect(help.stdout).to.contain("Exit codes: 0 ok; 1 the run or query failed");
    expect((await runCli([])).code).to.equal(2);
  });

  it("prints a command's own help, with its options", async () => {
    const help = await runCli(["estimate", "--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout.split("\n")[0]).to.equal(
      "Usage: ddbsnap estimate <table> [--size-gb n] [--change-rate percent] [--assume name=low[-high]] [--price-<item> usd]",
    );
    expect(help.stdout).to.match(
      /--price-dpu-hour <usd> +Glue STANDARD, per DPU-hour \(default 0\.44\)/,
    );
    expect(help.stdout).to.contain('(default: $PULUMI_STACK if set, else "dev")');
  });

  it("names an unknown command or option and where to look, and exits 2", async () => {
    const command = await runCli(["deploy"]);
    expect(command.code).to.equal(2);
    expect(command.stderr).to.equal(
      'ddbsnap: Unknown command "deploy". Commands: plan, run, status, snapshots, query, estimate. See: ddbsnap --help',
    );
    const option = await runCli(["status", "--wiat"]);
    expectExit(option, 2, "Unknown option '--wiat'", "See: ddbsnap status --help");
  });

  it("explains a stack file that is not valid YAML", async () => {
    const result = await runCli(["status", "--dir", path.join(FIXTURES, "bad-yaml")]);
    expectExit(result, 2, /^ddbsnap: \S+Pulumi\.dev\.yaml is not valid YAML: /);
  });
});

describe("an endpoint nobody answers on", () => {
  useFakeCredentials();

  it("says the call could not reach AWS, and exits 3", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const result = await runCli(["run", "Reviews", ...motoStackArgs(`http://127.0.0.1:${port}`)]);
    expectExit(result, 3, /^ddbsnap: Glue StartWorkflowRun could not reach AWS: .*ECONNREFUSED/);
  });
});

describe("an endpoint that fails a few times", () => {
  useFakeCredentials();

  /** Glue, answering each request in turn with the next of `answers` (then the last again). */
  async function glueAnswering(answers: [number, object][]) {
    const seen: string[] = [];
    const server = createHttpServer((request, response) => {
      seen.push(String(request.headers["x-amz-target"]));
      const [status, body] = answers[Math.min(seen.length, answers.length) - 1];
      response.writeHead(status, { "Content-Type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const glue = glueClient({
      region: "ap-northeast-1",
      regionSource: "test",
      endpoint: `http://127.0.0.1:${port}`,
    });
    const call = () =>
      awsCall("Glue GetDatabases", () => glue.send(new (sdk.glue().GetDatabasesCommand)({})));
    return { call, seen, close: () => new Promise((resolve) => server.close(resolve)) };
  }
  const failure: [number, object] = [
    500,
    { __type: "InternalServiceException", Message: "try again" },
  ];

  it("retries a call past the SDK's default of 3 attempts", async () => {
    const glue = await glueAnswering([failure, failure, failure, [200, { DatabaseList: [] }]]);
    try {
      expect(await glue.call()).to.deep.include({ DatabaseList: [] });
      expect(glue.seen).to.have.length(4);
    } finally {
      await glue.close();
    }
  });

  it("gives up after 6 attempts with one line naming the call and what AWS answered", async () => {
    const glue = await glueAnswering([failure]);
    try {
      const error = await glue.call().then(
        () => undefined,
        (thrown: unknown) => thrown as AwsError,
      );
      expect(error?.message).to.match(
        /^Glue GetDatabases failed: InternalServiceException: try again \(HTTP 500/,
      );
      expect(glue.seen).to.have.length(6);
    } finally {
      await glue.close();
    }
  });
});
