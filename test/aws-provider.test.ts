import { expect } from "chai";
import { RecordingMocks, runProgram } from "../harness/mock-program";
import { awsProviderSettings } from "../lib/aws-provider";

const ROLE = "arn:aws:iam::210987654321:role/deployer";
/** A stack file that sets the four settings users rely on, as Pulumi hands them to a program. */
const AWS_SETTINGS = {
  "aws:profile": "prod-deployer",
  "aws:assumeRoles": JSON.stringify([{ roleArn: ROLE, sessionName: "ddbsnap" }]),
  "aws:allowedAccountIds": JSON.stringify(["210987654321"]),
  "aws:defaultTags": JSON.stringify({ tags: { costCentre: "data", owner: "analytics" } }),
};

/** The provider's inputs as the mocks saw them (nested values arrive as JSON text). */
function parsed(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [
      k,
      typeof v === "string" && /^[[{]/.test(v) ? JSON.parse(v) : v,
    ]),
  );
}

describe("the stack's own aws: settings", () => {
  it("become provider arguments of the right types, the project's tags merged into the user's", () => {
    const settings = awsProviderSettings(
      {
        ...AWS_SETTINGS,
        "aws:region": "eu-west-1",
        "aws:skipMetadataApiCheck": "false",
        "aws:maxRetries": "7",
        "ddb-athena-snapshots:tables": "[]",
      },
      { project: "ddb-athena-snapshots", stack: "prod" },
    );
    expect(settings).to.deep.equal({
      profile: "prod-deployer",
      region: "eu-west-1",
      assumeRoles: [{ roleArn: ROLE, sessionName: "ddbsnap" }],
      allowedAccountIds: ["210987654321"],
      skipMetadataApiCheck: false,
      maxRetries: 7,
      defaultTags: {
        tags: {
          costCentre: "data",
          owner: "analytics",
          project: "ddb-athena-snapshots",
          stack: "prod",
        },
      },
    });
  });

  it("keep project and stack tags the project's own, whatever the user's default tags say", () => {
    const settings = awsProviderSettings(
      { "aws:defaultTags": JSON.stringify({ tags: { stack: "oops" } }) },
      { project: "p", stack: "dev" },
    );
    expect(settings.defaultTags).to.deep.equal({ tags: { stack: "dev", project: "p" } });
  });

  describe("in a deployed stack", () => {
    const mocks = new RecordingMocks();
    let provider: Record<string, unknown>;
    before(async () => {
      const run = await runProgram(
        { ...AWS_SETTINGS, tables: [{ name: "Reviews" }, { name: "Orders", mode: "export" }] },
        { mocks },
      );
      const providers = run.resources.filter((r) => r.type === "pulumi:providers:aws");
      expect(providers).to.have.length(1);
      provider = parsed(providers[0].inputs);
    });

    it("reach the one provider every resource uses: profile, assumed role, allowed accounts, default tags", () => {
      expect(provider).to.include({ profile: "prod-deployer", region: "ap-northeast-1" });
      expect(provider.assumeRoles).to.deep.equal([{ roleArn: ROLE, sessionName: "ddbsnap" }]);
      expect(provider.allowedAccountIds).to.deep.equal(["210987654321"]);
      expect(provider.defaultTags).to.deep.equal({
        tags: {
          costCentre: "data",
          owner: "analytics",
          project: "ddb-athena-snapshots",
          stack: "dev",
        },
      });
      for (const r of mocks.resources.filter((x) => x.type.startsWith("aws:")))
        expect(r.provider, `${r.type} ${r.name}`).to.equal("aws");
    });

    it("are also the ones the deploy-time checks describe the tables with (PITR, read capacity)", () => {
      const describes = mocks.calls.filter((c) => c.token === "aws:dynamodb/getTable:getTable");
      expect(describes.map((c) => [c.inputs.name, c.provider]).sort()).to.deep.equal([
        ["Orders", "aws"],
        ["Reviews", "aws"],
      ]);
      for (const c of mocks.calls) expect(c.provider, c.token).to.equal("aws");
    });
  });
});
