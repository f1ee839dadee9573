import { expect } from "chai";
import type { ProgramRun, RecordedResource } from "../harness/mock-program";
import { MOCK_ACCOUNT, MOCK_REGION, runProgram, TYPES } from "../harness/mock-program";
import { isTaggable } from "../lib/tags";

const KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TABLES = [{ name: "Reviews" }, { name: "Orders", format: "csv", timeoutMinutes: 120 }];
const patternOf = (rule: RecordedResource) => JSON.parse(rule.inputs.eventPattern);

/** A resource-policy statement that lets EventBridge `action` on `resource`, from this stack's rules only. */
function expectOnlyOwnRules(run: ProgramRun, statement: any, action: string, resource: string) {
  expect(statement).to.deep.include({
    Effect: "Allow",
    Principal: { Service: "events.amazonaws.com" },
    Action: [action],
    Resource: resource,
  });
  const rules = run.ofType(TYPES.eventRule).map((r) => r.state.arn);
  expect([...statement.Condition.ArnEquals["aws:SourceArn"]].sort()).to.deep.equal(rules.sort());
}

describe("failure alerts", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ tables: TABLES, alertEmail: "ops@example.com" });
  });

  it("creates one encrypted topic for the stack, on a rotating key EventBridge may use", () => {
    const [topic] = run.ofType(TYPES.topic);
    expect(run.ofType(TYPES.topic)).to.have.length(1);
    expect(topic.inputs.name).to.equal("ddbsnap-dev-alerts");
    const [key] = run.ofType(TYPES.key);
    expect(topic.inputs.kmsMasterKeyId).to.equal(key.state.arn);
    expect(key.inputs.enableKeyRotation).to.equal(true);
    const policy = JSON.parse(key.inputs.policy);
    const events = policy.Statement.find(
      (s: any) => s.Principal.Service === "events.amazonaws.com",
    );
    expect(events.Action).to.deep.equal(["kms:GenerateDataKey", "kms:Decrypt"]);
    const admin = policy.Statement.find((s: any) => s.Principal.AWS);
    expect(admin.Principal.AWS).to.equal(`arn:aws:iam::${MOCK_ACCOUNT}:root`);
    expect(admin.Action).to.include("kms:PutKeyPolicy").and.include("kms:ScheduleKeyDeletion");
  });

  it("matches each table's export and refresh jobs ending FAILED, TIMEOUT, STOPPED or ERROR, one rule each", () => {
    const jobRules = run
      .ofType(TYPES.eventRule)
      .filter((r) => patternOf(r)["detail-type"][0] === "Glue Job State Change");
    expect(jobRules.map((r) => patternOf(r).detail.jobName).sort()).to.deep.equal([
      ["ddbsnap-dev-orders-export"],
      ["ddbsnap-dev-orders-refresh"],
      ["ddbsnap-dev-reviews-export"],
      ["ddbsnap-dev-reviews-refresh"],
    ]);
    for (const rule of jobRules) {
      expect(patternOf(rule)).to.deep.include({
        source: ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
      });
      expect(patternOf(rule).detail.state).to.deep.equal(["FAILED", "TIMEOUT", "STOPPED", "ERROR"]);
    }
  });

  it("says plainly that a failed export attempt is retried once, so a first failure is no false alarm", () => {
    const exportTarget = run
      .ofType(TYPES.eventTarget)
      .find((t) => t.name.includes("orders-export-failed"))!;
    const message = JSON.parse(exportTarget.inputs.inputTransformer.inputTemplate);
    expect(message).to.contain("Glue retries a failed export once");
    expect(message).to.contain(
      "if the run id ends in _attempt_1 this was the retry and no snapshot was made",
    );
    expect(message).to.contain("another alert follows only if it fails too");
    const refreshTarget = run
      .ofType(TYPES.eventTarget)
      .find((t) => t.name.includes("orders-job-failed"))!;
    expect(JSON.parse(refreshTarget.inputs.inputTransformer.inputTemplate)).to.not.contain("retr");
    const refreshJob = run.named(TYPES.job, "ddbsnap-dev-orders-refresh");
    expect(refreshJob.inputs.maxRetries, "the refresh job's failures are final").to.equal(0);
  });

  it("keeps an alert EventBridge cannot deliver in an SSE-encrypted dead-letter queue only these rules may write to", () => {
    const queues = run.ofType(TYPES.queue);
    expect(queues.map((q) => q.inputs)).to.deep.equal([
      {
        name: "ddbsnap-dev-undelivered-alerts",
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: 1209600,
      },
    ]);
    const queueArn = queues[0].state.arn;
    for (const t of run.ofType(TYPES.eventTarget))
      expect(t.inputs.deadLetterConfig, t.name).to.deep.equal({ arn: queueArn });
    const [statement, ...more] = JSON.parse(
      run.ofType(TYPES.queuePolicy)[0].inputs.policy,
    ).Statement;
    expect(more).to.deep.equal([]);
    expectOnlyOwnRules(run, statement, "sqs:SendMessage", queueArn);
  });

  it("raises an alarm on the topic as soon as an alert waits in the dead-letter queue", () => {
    const alarms = run.ofType(TYPES.metricAlarm).filter((a) => a.inputs.namespace === "AWS/SQS");
    expect(alarms).to.have.length(1);
    expect(alarms[0].inputs).to.deep.include({
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "ddbsnap-dev-undelivered-alerts" },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      alarmActions: [run.ofType(TYPES.topic)[0].state.arn],
    });
  });

  it("matches each table's crawler failing, and its export running late", () => {
    const crawlerRules = run
      .ofType(TYPES.eventRule)
      .filter((r) => patternOf(r)["detail-type"][0] === "Glue Crawler State Change");
    expect(
      crawlerRules
        .map((r) => patternOf(r).detail)
        .sort((a, b) => a.crawlerName[0].localeCompare(b.crawlerName[0])),
    ).to.deep.equal([
      { crawlerName: ["ddbsnap-dev-orders-crawler"], state: ["Failed"] },
      { crawlerName: ["ddbsnap-dev-reviews-crawler"], state: ["Failed"] },
    ]);
    const late = run
      .ofType(TYPES.eventRule)
      .filter((r) => patternOf(r)["detail-type"][0] === "Glue Job Run Status");
    expect(late.map((r) => patternOf(r).detail.jobName[0]).sort()).to.deep.equal([
      "ddbsnap-dev-orders-export",
      "ddbsnap-dev-reviews-export",
    ]);
  });

  it("sends a readable message naming the stack, table, job, state, error and run id", () => {
    const topicArn = run.ofType(TYPES.topic)[0].state.arn;
    const targets = run.ofType(TYPES.eventTarget);
    expect(targets).to.have.length(8);
    for (const t of targets) expect(t.inputs.arn).to.equal(topicArn);
    const jobTarget = targets.find((t) => t.name.includes("orders-job-failed"))!;
    expect(jobTarget.inputs.inputTransformer.inputPaths).to.deep.equal({
      job: "$.detail.jobName",
      state: "$.detail.state",
      message: "$.detail.message",
      run: "$.detail.jobRunId",
    });
    const message = JSON.parse(jobTarget.inputs.inputTransformer.inputTemplate);
    expect(message).to.contain(
      "ddb-athena-snapshots dev: table Orders: Glue job <job> ended <state>: <message> (job run <run>)",
    );
    expect(message).to.not.match(/https?:/);
    const crawlerTarget = targets.find((t) => t.name.includes("orders-crawler-failed"))!;
    expect(crawlerTarget.inputs.inputTransformer.inputPaths.error).to.equal(
      "$.detail.errorMessage",
    );
    const lateTarget = targets.find((t) => t.name.includes("orders-export-late"))!;
    expect(JSON.parse(lateTarget.inputs.inputTransformer.inputTemplate)).to.contain(
      "after 60 minutes",
    );
  });

  it("lets only this stack's alert rules and alarms publish to the topic", () => {
    const [policy] = run.ofType(TYPES.topicPolicy);
    const doc = JSON.parse(policy.inputs.policy);
    expect(doc.Statement).to.have.length(2);
    const [statement, alarms] = doc.Statement;
    expect(alarms).to.deep.include({
      Sid: "StackAlarmsPublish",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["sns:Publish"],
      Condition: {
        ArnLike: {
          "aws:SourceArn": "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ddbsnap-dev-*",
        },
      },
    });
    for (const alarm of run.ofType(TYPES.metricAlarm)) {
      expect(alarm.state.name.startsWith("ddbsnap-dev-"), alarm.state.name).to.equal(true);
    }
    expectOnlyOwnRules(run, statement, "sns:Publish", run.ofType(TYPES.topic)[0].state.arn);
  });

  it("subscribes alertEmail", () => {
    const [subscription] = run.ofType(TYPES.topicSubscription);
    expect(subscription.inputs).to.include({ protocol: "email", endpoint: "ops@example.com" });
    expect(run.outputs.alertTopicArn).to.equal(run.ofType(TYPES.topic)[0].state.arn);
  });

  it("publishes to an existing topic instead when alertTopicArn is set, leaving its policy alone", async () => {
    const existing = "arn:aws:sns:ap-northeast-1:123456789012:ops-alerts";
    const own = await runProgram({ tables: TABLES, alertTopicArn: existing });
    expect(own.ofType(TYPES.topic)).to.deep.equal([]);
    expect(own.ofType(TYPES.key)).to.deep.equal([]);
    expect(own.ofType(TYPES.topicPolicy)).to.deep.equal([]);
    for (const t of own.ofType(TYPES.eventTarget)) expect(t.inputs.arn).to.equal(existing);
    expect(own.outputs.alertTopicArn).to.equal(existing);
  });
});

describe("encryption", () => {
  it("without kmsKeyArn: SSE-S3 everywhere, and a security configuration on every job and crawler", async () => {
    const run = await runProgram({ tables: TABLES });
    const [security] = run.ofType(TYPES.securityConfiguration);
    expect(security.inputs.name).to.equal("ddbsnap-dev");
    expect(security.inputs.encryptionConfiguration).to.deep.equal({
      s3Encryption: { s3EncryptionMode: "SSE-S3" },
      cloudwatchEncryption: { cloudwatchEncryptionMode: "DISABLED" },
      jobBookmarksEncryption: { jobBookmarksEncryptionMode: "DISABLED" },
    });
    for (const r of [...run.ofType(TYPES.job), ...run.ofType(TYPES.crawler)])
      expect(r.inputs.securityConfiguration, r.name).to.equal("ddbsnap-dev");
    for (const p of run.ofType(TYPES.policy)) expect(p.inputs.policy).to.not.contain("kms:");
  });

  describe("with kmsKeyArn", () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram({ tables: TABLES, kmsKeyArn: KEY });
    });

    it("encrypts S3 data, logs and bookmarks through the security configuration", () => {
      expect(
        run.ofType(TYPES.securityConfiguration)[0].inputs.encryptionConfiguration,
      ).to.deep.equal({
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: KEY },
        cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: KEY },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: KEY },
      });
    });

    it("uses the key for the bucket's default encryption, Athena results, log groups and alerts", () => {
      const sse = run.bucketPart("snapshots-bucket", TYPES.bucketServerSideEncryptionConfiguration);
      expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault).to.deep.equal({
        sseAlgorithm: "aws:kms",
        kmsMasterKeyId: KEY,
      });
      const workgroup = run.ofType(TYPES.workgroup)[0];
      expect(
        workgroup.inputs.configuration.resultConfiguration.encryptionConfiguration,
      ).to.deep.equal({ encryptionOption: "SSE_KMS", kmsKeyArn: KEY });
      for (const g of run.ofType(TYPES.logGroup))
        expect(g.inputs.kmsKeyId, g.inputs.name).to.equal(KEY);
      expect(run.ofType(TYPES.topic)[0].inputs.kmsMasterKeyId).to.equal(KEY);
      expect(run.ofType(TYPES.key)).to.deep.equal([]);
    });

    it("grants each role exactly the key use it needs, on that key only", () => {
      for (const role of run.ofType(TYPES.role)) {
        const statements = run.attachedPolicies(role).flatMap((p) => p.document.Statement);
        const kms = statements.filter((s: any) =>
          s.Action.some((a: string) => a.startsWith("kms:")),
        );
        expect(kms).to.have.length(1);
        expect(kms[0].Action).to.deep.equal([
          "kms:Decrypt",
          "kms:Encrypt",
          "kms:GenerateDataKey",
          "kms:DescribeKey",
        ]);
        expect(kms[0].Resource).to.equal(KEY);
        const associate = statements.find((s: any) => s.Action.includes("logs:AssociateKmsKey"));
        for (const arn of associate.Resource)
          expect(arn).to.match(
            new RegExp(`^arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws-glue/`),
          );
      }
    });
  });
});

describe("tags, logs and run limits", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ tables: TABLES, logRetentionDays: 90 });
  });

  it("tags everything with project and stack through the provider's default tags", () => {
    const provider = run.resources.find((r) => r.type === "pulumi:providers:aws")!;
    expect(JSON.parse(provider.inputs.defaultTags)).to.deep.equal({
      tags: { project: "ddb-athena-snapshots", stack: "dev" },
    });
    for (const r of run.resources.filter((x) => x.type.startsWith("aws:")))
      expect(r.provider, `${r.type} ${r.name}`).to.equal("aws");
  });

  it("tags each table's resources with the table, and shared ones with none", () => {
    const perTable = run.resources.filter(
      (r) => isTaggable(r.type) && r.name.startsWith("table-orders"),
    );
    expect(perTable.map((r) => r.type)).to.include.members([
      TYPES.job,
      TYPES.crawler,
      TYPES.workflow,
      TYPES.role,
      TYPES.logGroup,
    ]);
    for (const r of perTable)
      expect(r.inputs.tags, `${r.type} ${r.name}`).to.deep.equal({ table: "Orders" });
    expect(run.ofType(TYPES.bucket)[0].inputs.tags).to.equal(undefined);
    const classifier = run.ofType(TYPES.classifier)[0];
    expect(classifier.inputs).to.not.have.property("tags");
  });

  it("keeps job logs for logRetentionDays", () => {
    const groups = run.ofType(TYPES.logGroup);
    expect(groups).to.have.length(4);
    for (const g of groups) expect(g.inputs.retentionInDays).to.equal(90);
  });

  it("retries the idempotent export once, warns when it runs late, and never retries the view refresh", () => {
    expect(run.named(TYPES.job, "ddbsnap-dev-orders-export").inputs).to.deep.include({
      maxRetries: 1,
      timeout: 120,
      notificationProperty: { notifyDelayAfter: 60 },
    });
    expect(run.named(TYPES.job, "ddbsnap-dev-reviews-export").inputs.timeout).to.equal(360);
    expect(run.named(TYPES.job, "ddbsnap-dev-orders-refresh").inputs).to.include({
      maxRetries: 0,
      timeout: 30,
    });
  });
});
