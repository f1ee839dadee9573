import { expect } from "chai";
import { createHash } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import type { ProgramRun, RecordedResource } from "../harness/mock-program";
import { MOCK_ACCOUNT, RecordingMocks, runProgram, TYPES, mockArn } from "../harness/mock-program";
import type { PolicyDocument } from "../lib/iam-policy";

/** Three tables that differ in every way the wiring depends on. */
const TABLES = [
  {
    name: "Reviews",
    format: "parquet",
    schedule: "cron(0 10 * * ? *)",
    readPercentage: 0.25,
    workerType: "G.1X",
    workers: 10,
  },
  {
    name: "Orders",
    format: "csv",
    workerType: "G.2X",
    workers: 4,
    executionClass: "FLEX",
    enabled: false,
    retentionDays: 7,
  },
  { name: "Click.Stream-2024", format: "json", workerType: "G.4X", workers: 3, glueVersion: "4.0" },
];

describe("the program, for a multi-table stack", function () {
  let run: ProgramRun;
  let bucket: string;

  before(async () => {
    run = await runProgram({ tables: TABLES });
    bucket = run.snapshotsBucket;
  });

  const triggersOf = (workflow: string): RecordedResource[] =>
    run.ofType(TYPES.trigger).filter((t) => t.inputs.workflowName === workflow);

  describe("one workflow per table, wired schedule → export → crawl → refresh", () => {
    it("declares exactly one workflow per table, one run at a time, described by its table", () => {
      const workflows = run.ofType(TYPES.workflow);
      expect(workflows.map((w) => w.inputs.name).sort()).to.deep.equal([
        "ddbsnap-dev-click_stream_2024",
        "ddbsnap-dev-orders",
        "ddbsnap-dev-reviews",
      ]);
      for (const w of workflows) expect(w.inputs.maxConcurrentRuns).to.equal(1);
      expect(run.named(TYPES.workflow, "ddbsnap-dev-reviews").inputs.description).to.contain(
        "DynamoDB table Reviews",
      );
    });

    it("gives each workflow exactly one SCHEDULED and two CONDITIONAL triggers; outside workflows only the heartbeats", () => {
      const outside = run.ofType(TYPES.trigger).filter((t) => !t.inputs.workflowName);
      expect(outside.map((t) => t.inputs.actions)).to.deep.equal(
        outside.map((t) => [
          {
            jobName: t.inputs.name.replace(/-heartbeat$/, "-refresh"),
            arguments: { "--heartbeat": "true" },
          },
        ]),
      );
      expect(run.ofType(TYPES.trigger)).to.have.length(9 + outside.length);
      for (const w of run.ofType(TYPES.workflow)) {
        const types = triggersOf(w.inputs.name)
          .map((t) => t.inputs.type)
          .sort();
        expect(types).to.deep.equal(["CONDITIONAL", "CONDITIONAL", "SCHEDULED"]);
      }
    });

    for (const [table, normalised] of [
      ["Reviews", "reviews"],
      ["Orders", "orders"],
      ["Click.Stream-2024", "click_stream_2024"],
    ]) {
      it(`chains ${table}'s own job, crawler and job with logical and logicalOperator set`, () => {
        const base = `ddbsnap-dev-${normalised}`;
        const triggers = triggersOf(base);
        const scheduled = triggers.find((t) => t.inputs.type === "SCHEDULED")!;
        expect(scheduled.inputs.actions).to.deep.equal([{ jobName: `${base}-export` }]);

        const expectStep = (trigger: string, condition: object, action: object) => {
          const { inputs } = run.named(TYPES.trigger, `${base}-${trigger}`);
          expect(inputs.workflowName).to.equal(base);
          expect(inputs.predicate).to.deep.equal({
            logical: "AND",
            conditions: [{ ...condition, logicalOperator: "EQUALS" }],
          });
          expect(inputs.actions).to.deep.equal([action]);
        };
        const exported = { jobName: `${base}-export`, state: "SUCCEEDED" };
        expectStep("after-export", exported, { crawlerName: `${base}-crawler` });
        const crawled = { crawlerName: `${base}-crawler`, crawlState: "SUCCEEDED" };
        expectStep("after-crawl", crawled, { jobName: `${base}-refresh` });
      });
    }

    it("starts the schedule only when the table is enabled, and always starts the conditional triggers", () => {
      expect(run.named(TYPES.trigger, "ddbsnap-dev-reviews-schedule").inputs).to.include({
        schedule: "cron(0 10 * * ? *)",
        startOnCreation: true,
        enabled: true,
      });
      expect(run.named(TYPES.trigger, "ddbsnap-dev-orders-schedule").inputs).to.include({
        schedule: "cron(0 2 * * ? *)",
        startOnCreation: false,
        enabled: false,
      });
      for (const t of run.ofType(TYPES.trigger).filter((t) => t.inputs.type === "CONDITIONAL")) {
        expect(t.inputs.startOnCreation, t.inputs.name).to.equal(true);
      }
    });
  });

  describe("export job", () => {
    it("is a Glue 6.1 Spark job by default, sized and classed from config, one run at a time", () => {
      const job = run.named(TYPES.job, "ddbsnap-dev-reviews-export");
      expect(job.inputs.command).to.deep.equal({
        name: "glueetl",
        pythonVersion: "3",
        scriptLocation: `s3://${bucket}/glue-scripts/export_table.py`,
      });
      expect(job.inputs).to.include({
        glueVersion: "6.1",
        workerType: "G.1X",
        numberOfWorkers: 10,
        executionClass: "STANDARD",
      });
      expect(job.inputs.maxCapacity).to.equal(undefined);
      expect(job.inputs.timeout).to.be.a("number").and.be.greaterThan(0);
      expect(job.inputs.executionProperty).to.deep.equal({ maxConcurrentRuns: 1 });
      expect(run.named(TYPES.job, "ddbsnap-dev-orders-export").inputs).to.include({
        workerType: "G.2X",
        numberOfWorkers: 4,
        executionClass: "FLEX",
      });
      expect(
        run.named(TYPES.job, "ddbsnap-dev-click_stream_2024-export").inputs.glueVersion,
      ).to.equal("4.0");
    });

    it("passes the design's arguments, with splits computed per worker type", () => {
      const args = (name: string) => run.named(TYPES.job, name).inputs.defaultArguments;
      expect(args("ddbsnap-dev-reviews-export")).to.include({
        "--table_name": "Reviews",
        "--mode": "scan",
        "--read_percentage": "0.25",
        "--splits": "36",
        "--output_path": `s3://${bucket}/parquet/reviews`,
        "--output_format": "parquet",
        "--enable-auto-scaling": "true",
        "--enable-metrics": "true",
        "--job-bookmark-option": "job-bookmark-disable",
      });
      expect(args("ddbsnap-dev-orders-export")).to.include({
        "--splits": "24",
        "--read_percentage": "0.5",
        "--output_path": `s3://${bucket}/csv/orders`,
      });
      expect(args("ddbsnap-dev-click_stream_2024-export")).to.include({
        "--table_name": "Click.Stream-2024",
        "--splits": "32",
        "--output_path": `s3://${bucket}/json/click_stream_2024`,
      });
      expect(args("ddbsnap-dev-reviews-export")).to.not.have.any.keys(
        "--table_arn",
        "--export_staging_path",
      );
    });

    it("passes the Glue table's database and the table's column types to the type policy", () => {
      const reviews = run.named(TYPES.job, "ddbsnap-dev-reviews-export").inputs.defaultArguments;
      expect(reviews["--database"]).to.equal("dynamodb_exports_dev");
      expect(JSON.parse(reviews["--column_types"])).to.deep.equal({});
      for (const job of run.ofType(TYPES.job)) {
        expect(job.inputs.connections ?? [], job.inputs.name).to.deep.equal([]);
        expect(job.inputs.defaultArguments["--reader"], job.inputs.name).to.equal(undefined);
      }
    });

    it("logs to the table's own log groups: Glue 5 through its prefix, Glue 4 through continuous logging", () => {
      const glue5 = run.named(TYPES.job, "ddbsnap-dev-reviews-export").inputs.defaultArguments;
      expect(glue5["--custom-logGroup-prefix"]).to.equal("/aws-glue/ddbsnap/dev/reviews");
      const glue4 = run.named(TYPES.job, "ddbsnap-dev-click_stream_2024-export").inputs
        .defaultArguments;
      expect(glue4).to.include({
        "--enable-continuous-cloudwatch-log": "true",
        "--continuous-log-logGroup": "/aws-glue/ddbsnap/dev/click_stream_2024/output",
      });
      const groups = run.ofType(TYPES.logGroup).map((g) => g.inputs.name);
      expect(groups).to.include.members([
        "/aws-glue/ddbsnap/dev/reviews/output",
        "/aws-glue/ddbsnap/dev/reviews/error",
      ]);
    });
  });

  describe("refresh job", () => {
    it("is a 0.0625-DPU Python shell 3.9 job with no worker type", () => {
      const job = run.named(TYPES.job, "ddbsnap-dev-orders-refresh");
      expect(job.inputs.command).to.deep.equal({
        name: "pythonshell",
        pythonVersion: "3.9",
        scriptLocation: `s3://${bucket}/glue-scripts/refresh_view.py`,
      });
      expect(job.inputs).to.include({ glueVersion: "3.0", maxCapacity: 0.0625, maxRetries: 0 });
      expect(job.inputs).to.not.have.any.keys("workerType", "numberOfWorkers", "executionClass");
    });

    it("passes database, table, workgroup, output path, retention, the completeness gate and the shared module", () => {
      expect(
        run.named(TYPES.job, "ddbsnap-dev-orders-refresh").inputs.defaultArguments,
      ).to.deep.equal({
        "--extra-py-files": [
          "job_arguments.py",
          "contract.py",
          "source_access.py",
          "snapshot_formats.py",
        ]
          .map((module) => `s3://${bucket}/glue-scripts/${module}`)
          .join(","),
        "--database": "dynamodb_exports_dev",
        "--table": "orders",
        "--workgroup": "ddbsnap-dev-orders",
        "--output_path": `s3://${bucket}/csv/orders`,
        "--retention_days": "7",
        "--table_name": "Orders",
        "--min_item_ratio": "0.5",
        "--stack": "dev",
      });
    });

    it("runs its queries in the table's own workgroup, which writes results under the table's own prefix", () => {
      const workgroup = run.named(TYPES.workgroup, "ddbsnap-dev-orders");
      expect(workgroup.inputs.configuration).to.deep.include({
        enforceWorkgroupConfiguration: true,
        resultConfiguration: {
          outputLocation: `s3://${bucket}/athena-results/tables/orders/`,
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      });
      expect(run.outputs.tables).to.have.nested.property("Orders.workgroup", "ddbsnap-dev-orders");
    });
  });

  describe("crawler", () => {
    it("targets the table's folder and makes one snapshots_<table> table with inherited partitions", () => {
      const crawler = run.named(TYPES.crawler, "ddbsnap-dev-reviews-crawler");
      expect(crawler.inputs).to.include({
        databaseName: "dynamodb_exports_dev",
        tablePrefix: "snapshots_",
      });
      expect(crawler.inputs.s3Targets).to.deep.equal([
        {
          path: `s3://${bucket}/parquet/reviews/`,
          exclusions: ["**/_SUCCESS", "**/_temporary/**", "**_$folder$"],
        },
      ]);
      // Incremental crawls: only the new snapshot folder, never a change to the declared schema.
      expect(crawler.inputs.recrawlPolicy).to.deep.equal({
        recrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY",
      });
      expect(crawler.inputs.schemaChangePolicy).to.deep.equal({
        updateBehavior: "LOG",
        deleteBehavior: "LOG",
      });
      const configuration = JSON.parse(crawler.inputs.configuration);
      expect(configuration.Version).to.equal(1);
      expect(configuration.Grouping).to.deep.equal({
        TableGroupingPolicy: "CombineCompatibleSchemas",
      });
      expect(configuration.CrawlerOutput).to.deep.equal({
        Partitions: { AddOrUpdateBehavior: "InheritFromTable" },
      });
    });

    it("reads csv snapshots with a header-aware classifier, and only csv ones", () => {
      const classifiers = run.ofType(TYPES.classifier);
      expect(classifiers.map((c) => c.inputs.name)).to.deep.equal(["ddbsnap-dev-orders-csv"]);
      expect(classifiers[0].inputs.csvClassifier).to.include({
        containsHeader: "PRESENT",
        delimiter: ",",
      });
      expect(
        run.named(TYPES.crawler, "ddbsnap-dev-orders-crawler").inputs.classifiers,
      ).to.deep.equal(["ddbsnap-dev-orders-csv"]);
      expect(
        run.named(TYPES.crawler, "ddbsnap-dev-reviews-crawler").inputs.classifiers ?? [],
      ).to.deep.equal([]);
    });
  });

  describe("each table's role is scoped to that table", () => {
    const policyOf = (roleDescriptionTable: string): PolicyDocument => ({
      Version: "2012-10-17",
      Statement: run.tableRoleStatements(roleDescriptionTable).statements,
    });
    const resourcesOf = (doc: PolicyDocument): string[] =>
      doc.Statement.flatMap((s) => [s.Resource].flat());

    it("has one role per table, assumable only by Glue, with its five managed policies attached", () => {
      const roles = run.ofType(TYPES.role);
      expect(roles).to.have.length(3);
      for (const role of roles) {
        expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).to.deep.equal([
          {
            Effect: "Allow",
            Principal: { Service: "glue.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ]);
        expect(
          run
            .attachedPolicies(role)
            .map((p) => p.policy.inputs.name.replace(/^ddbsnap-dev-[a-z0-9_]+-/, "")),
        ).to.deep.equal(["snapshots", "scratch", "source", "catalog", "logs"]);
      }
      expect(
        run.ofType(TYPES.rolePolicy),
        "no inline policies: IAM caps them at 10,240 characters per role",
      ).to.deep.equal([]);
    });

    it("grants no action with a wildcard", () => {
      for (const name of ["Reviews", "Orders", "Click.Stream-2024"]) {
        for (const statement of policyOf(name).Statement) {
          for (const action of statement.Action)
            expect(action, `${name} ${statement.Sid}`).to.not.contain("*");
        }
      }
    });

    it("uses a * resource only for PutMetricData, narrowed to Glue's and the snapshot metrics' namespaces", () => {
      const starred = policyOf("Reviews").Statement.filter((s) =>
        [s.Resource].flat().includes("*"),
      );
      expect(starred).to.have.length(1);
      expect(starred[0].Action).to.deep.equal(["cloudwatch:PutMetricData"]);
      expect(starred[0].Condition).to.deep.equal({
        StringEquals: { "cloudwatch:namespace": ["Glue", "ddb-athena-snapshots"] },
      });
    });

    it("reads exactly its own DynamoDB table", () => {
      const doc = policyOf("Orders");
      const dynamo = doc.Statement.filter((s) => s.Action.some((a) => a.startsWith("dynamodb:")));
      expect(dynamo).to.have.length(1);
      expect(dynamo[0].Action).to.deep.equal(["dynamodb:DescribeTable", "dynamodb:Scan"]);
      expect(dynamo[0].Resource).to.equal(mockArn("dynamodb", "table/Orders"));
    });

    it("touches only its own S3 prefixes, the scripts and Athena results, never another table's", () => {
      const doc = policyOf("Orders");
      const objects = resourcesOf(doc).filter((r) => r.startsWith(`arn:aws:s3:::${bucket}/`));
      const keys = objects.map((r) => r.slice(`arn:aws:s3:::${bucket}/`.length));
      expect([...new Set(keys)].sort()).to.deep.equal(
        [
          // the table's own query results, not the shared prefix: other tables' rows are there
          "athena-results/tables/orders/*",
          // the folders themselves and their Hadoop-style markers, for the HEAD a writer sends
          "csv/orders/*",
          "csv/orders",
          "csv/orders_$folder$",
          "tmp/orders/*",
          "tmp/orders",
          "tmp/orders_$folder$",
          // only the marker keys of the parent folders: nothing below them
          "csv",
          "csv/",
          "csv_$folder$",
          "tmp",
          "tmp/",
          "tmp_$folder$",
          "glue-scripts/column_rules.py",
          "glue-scripts/contract.py",
          "glue-scripts/export_table.py",
          "glue-scripts/item_shaping.py",
          "glue-scripts/item_types.py",
          "glue-scripts/job_arguments.py",
          "glue-scripts/jvm_functions.py",
          "glue-scripts/refresh_view.py",
          "glue-scripts/snapshot_formats.py",
          "glue-scripts/snapshot_staging.py",
          "glue-scripts/snapshot_writing.py",
          "glue-scripts/source_access.py",
          "glue-scripts/spark_runtime.py",
        ].sort(),
      );
      const listed = doc.Statement.filter((s) => s.Action.includes("s3:ListBucket"));
      for (const listing of listed) expect(listing.Resource).to.equal(`arn:aws:s3:::${bucket}`);
      expect(listed.flatMap((l) => l.Condition!.StringLike["s3:prefix"]).sort()).to.deep.equal(
        [
          "athena-results/tables/orders",
          "athena-results/tables/orders/*",
          "csv/orders",
          "csv/orders/*",
          "tmp/orders",
          "tmp/orders/*",
        ].sort(),
      );
      expect(JSON.stringify(doc)).to.not.contain("reviews").and.not.contain("click_stream");
    });

    it("reaches only its own workflow, job, catalog tables, workgroup and log groups", () => {
      const glue = resourcesOf(policyOf("Reviews")).filter((r) => r.startsWith("arn:aws:glue:"));
      const prefix = mockArn("glue", "");
      expect([...new Set(glue.map((r) => r.slice(prefix.length)))].sort()).to.deep.equal(
        [
          "catalog",
          "database/default",
          "database/dynamodb_exports_dev",
          "job/ddbsnap-dev-reviews-export",
          "table/dynamodb_exports_dev/reviews",
          "table/dynamodb_exports_dev/snapshots_reviews",
          "workflow/ddbsnap-dev-reviews",
        ].sort(),
      );
      const athena = resourcesOf(policyOf("Reviews")).filter((r) =>
        r.startsWith("arn:aws:athena:"),
      );
      expect(athena).to.deep.equal([mockArn("athena", "workgroup/ddbsnap-dev-reviews")]);
      const logs = resourcesOf(policyOf("Reviews")).filter((r) => r.startsWith("arn:aws:logs:"));
      expect(logs).to.include(mockArn("logs", "log-group:/aws-glue/ddbsnap/dev/reviews/*"));
      for (const arn of logs)
        expect(arn).to.match(
          /log-group:\/aws-glue\/(ddbsnap\/dev\/reviews\/|python-jobs\/|crawlers)/,
        );
    });
  });

  describe("storage guards", () => {
    for (const logical of ["snapshots-bucket", "snapshots-access-logs"]) {
      it(`encrypts ${logical} with SSE-S3, blocks all public access, enforces ownership and refuses plain HTTP`, () => {
        const name = run.bucketPart(logical).state.bucket;
        expect(
          run.bucketPart(logical, TYPES.bucketServerSideEncryptionConfiguration).inputs.rules[0]
            .applyServerSideEncryptionByDefault.sseAlgorithm,
        ).to.equal("AES256");
        expect(run.bucketPart(logical, TYPES.bucketPublicAccessBlock).inputs).to.include({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
        expect(run.bucketPart(logical, TYPES.bucketOwnershipControls).inputs.rule).to.deep.equal({
          objectOwnership: "BucketOwnerEnforced",
        });
        const policy = JSON.parse(run.bucketPart(logical, TYPES.bucketPolicy).inputs.policy);
        const tls = policy.Statement.find(
          (s: any) => s.Condition?.Bool?.["aws:SecureTransport"] === "false",
        );
        expect(tls).to.include({ Effect: "Deny", Principal: "*" });
        expect(tls.Resource).to.deep.equal([`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`]);
      });
    }

    it("has exactly those two buckets", () => {
      expect(
        run
          .ofType(TYPES.bucket)
          .map((b) => b.name)
          .sort(),
      ).to.deep.equal(["snapshots-access-logs", "snapshots-bucket"]);
    });

    it("records every request to the snapshot bucket in the log bucket, which only S3's log delivery may write to", () => {
      const logBucket = run.bucketPart("snapshots-access-logs").state.bucket;
      const logging = run.ofType(TYPES.bucketLogging);
      expect(logging.map((l) => l.inputs)).to.deep.equal([
        { bucket, targetBucket: logBucket, targetPrefix: "snapshots/" },
      ]);
      const allows = JSON.parse(
        run.bucketPart("snapshots-access-logs", TYPES.bucketPolicy).inputs.policy,
      ).Statement.filter((s: any) => s.Effect === "Allow");
      expect(allows).to.deep.equal([
        {
          Sid: "S3ServerAccessLogsFromSnapshotBucket",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: ["s3:PutObject"],
          Resource: `arn:aws:s3:::${logBucket}/snapshots/*`,
          Condition: {
            ArnLike: { "aws:SourceArn": `arn:aws:s3:::${bucket}` },
            StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
          },
        },
      ]);
    });

    it("expires Athena results and scratch space, not snapshots; and access logs after 90 days", () => {
      const rules = run.bucketPart("snapshots-bucket", TYPES.bucketLifecycleConfiguration).inputs
        .rules;
      const prefixes = rules.map((r: any) => r.filter?.prefix).filter(Boolean);
      expect(prefixes).to.include.members(["athena-results/", "tmp/"]);
      for (const p of prefixes) expect(p).to.not.match(/^(parquet|csv|json|orc|avro)\//);
      const logRules = run.bucketPart("snapshots-access-logs", TYPES.bucketLifecycleConfiguration)
        .inputs.rules;
      expect(logRules.find((r: any) => r.id === "expire-access-logs")).to.deep.include({
        filter: {},
        expiration: { days: 90 },
      });
    });
  });

  describe("catalog and workgroup", () => {
    it("creates the stack's database and a workgroup that enforces its encrypted result location", () => {
      expect(run.ofType(TYPES.catalogDatabase).map((d) => d.inputs.name)).to.deep.equal([
        "dynamodb_exports_dev",
      ]);
      const workgroup = run.named(TYPES.workgroup, "ddbsnap-dev");
      expect(workgroup.inputs.configuration.enforceWorkgroupConfiguration).to.equal(true);
      expect(workgroup.inputs.configuration.resultConfiguration).to.deep.equal({
        outputLocation: `s3://${bucket}/athena-results/`,
        encryptionConfiguration: { encryptionOption: "SSE_S3" },
      });
    });
  });

  describe("Glue scripts", () => {
    it("uploads both scripts and the module they share with their content hash, so an edit redeploys", () => {
      const objects = run.ofType(TYPES.bucketObjectv2);
      expect(objects.map((o) => o.inputs.key).sort()).to.deep.equal([
        "glue-scripts/apply_changes.py",
        "glue-scripts/column_rules.py",
        "glue-scripts/contract.py",
        "glue-scripts/export_table.py",
        "glue-scripts/export_windows.py",
        "glue-scripts/incremental_exports.py",
        "glue-scripts/incremental_merge.py",
        "glue-scripts/item_shaping.py",
        "glue-scripts/item_types.py",
        "glue-scripts/job_arguments.py",
        "glue-scripts/jvm_functions.py",
        "glue-scripts/refresh_view.py",
        "glue-scripts/snapshot_formats.py",
        "glue-scripts/snapshot_staging.py",
        "glue-scripts/snapshot_writing.py",
        "glue-scripts/source_access.py",
        "glue-scripts/spark_runtime.py",
      ]);
      // Every job puts the shared modules on its Python path; the export job its own modules too.
      const uris = (modules: string[]) =>
        modules.map((module) => `s3://${bucket}/glue-scripts/${module}`).join(",");
      const shared = uris([
        "job_arguments.py",
        "contract.py",
        "source_access.py",
        "snapshot_formats.py",
      ]);
      const exportModules = uris([
        "item_types.py",
        "column_rules.py",
        "item_shaping.py",
        "jvm_functions.py",
        "snapshot_staging.py",
        "snapshot_writing.py",
        "spark_runtime.py",
      ]);
      for (const job of run.ofType(TYPES.job)) {
        const expected = job.inputs.name.endsWith("-export")
          ? `${shared},${exportModules}`
          : shared;
        expect(job.inputs.defaultArguments["--extra-py-files"], job.inputs.name).to.equal(expected);
      }
      for (const object of objects) {
        const file = path.join(__dirname, "..", "glue-scripts", path.basename(object.inputs.key));
        expect(object.inputs.sourceHash).to.equal(
          createHash("sha256").update(readFileSync(file)).digest("hex"),
        );
        expect(object.inputs.bucket).to.equal(bucket);
      }
    });
  });

  describe("stack outputs", () => {
    it("names the bucket, database, workgroup and, per table, everything a user looks for", () => {
      expect(run.outputs).to.include({
        bucketName: bucket,
        databaseName: "dynamodb_exports_dev",
        workgroupName: "ddbsnap-dev",
      });
      expect((run.outputs.tables as any).Reviews).to.deep.equal({
        workflow: "ddbsnap-dev-reviews",
        exportJob: "ddbsnap-dev-reviews-export",
        crawler: "ddbsnap-dev-reviews-crawler",
        refreshJob: "ddbsnap-dev-reviews-refresh",
        workgroup: "ddbsnap-dev-reviews",
        view: "reviews",
        snapshotTable: "snapshots_reviews",
        athenaQuery: 'SELECT * FROM "dynamodb_exports_dev"."reviews" LIMIT 10;',
      });
      expect(Object.keys(run.outputs.tables as object).sort()).to.deep.equal([
        "Click.Stream-2024",
        "Orders",
        "Reviews",
      ]);
    });
  });
});

describe("the program, per stack", () => {
  it("names everything after the stack, so dev and prod can share an account", async () => {
    const run = await runProgram({ tables: [{ name: "Reviews" }] }, { stack: "prod" });
    expect(run.ofType(TYPES.workflow).map((w) => w.inputs.name)).to.deep.equal([
      "ddbsnap-prod-reviews",
    ]);
    expect(run.outputs).to.include({
      databaseName: "dynamodb_exports_prod",
      workgroupName: "ddbsnap-prod",
    });
  });

  it("uses a configured database name", async () => {
    const run = await runProgram({ tables: [{ name: "Reviews" }], databaseName: "analytics" });
    expect(run.named(TYPES.crawler, "ddbsnap-dev-reviews-crawler").inputs.databaseName).to.equal(
      "analytics",
    );
  });

  it("declares nothing when the config is invalid, and says why", async () => {
    const mocks = new RecordingMocks();
    let error: Error | undefined;
    try {
      await runProgram({ tables: [{ name: "Reviews", glueVersion: "2.0" }] }, { mocks });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.contain("glueVersion").and.contain("end of life");
    expect(mocks.resources).to.deep.equal([]);
  });
});

describe("the program, on Glue 6.1 with Graviton workers", function () {
  it("declares the jobs with the Graviton worker type, and scan segments from its task slots", async () => {
    const run = await runProgram({
      tables: [
        { name: "Reviews", workerType: "G.2X.GRAVITON", workers: 5 },
        { name: "Orders", mode: "incremental", workerType: "R.1X.GRAVITON", workers: 3 },
      ],
    });
    const scan = run.named(TYPES.job, "ddbsnap-dev-reviews-export");
    expect(scan.inputs).to.include({
      glueVersion: "6.1",
      workerType: "G.2X.GRAVITON",
      numberOfWorkers: 5,
      executionClass: "STANDARD",
    });
    // 8 task slots on each of the 4 workers that are not the driver.
    expect(scan.inputs.defaultArguments["--splits"]).to.equal("32");
    expect(run.named(TYPES.job, "ddbsnap-dev-orders-apply").inputs).to.include({
      glueVersion: "6.1",
      workerType: "R.1X.GRAVITON",
      numberOfWorkers: 3,
    });
  });
});

describe("the program, moving a stack from Glue 5.0 to 6.1", function () {
  it("changes nothing but the Spark jobs' glueVersion: every resource keeps its name and inputs", async () => {
    const tables = (glueVersion: string) => [
      { name: "Reviews", glueVersion },
      { name: "Orders", mode: "incremental", glueVersion },
    ];
    const before = await runProgram({ tables: tables("5.0") });
    const after = await runProgram({ tables: tables("6.1") });
    const byName = (run: ProgramRun) =>
      new Map(run.resources.map((r) => [`${r.type} ${r.name}`, r.inputs]));
    const [old, updated] = [byName(before), byName(after)];
    expect([...updated.keys()]).to.deep.equal([...old.keys()]);
    const changed = [...old.keys()].filter(
      (key) => JSON.stringify(old.get(key)) !== JSON.stringify(updated.get(key)),
    );
    expect(changed.map((key) => `${key.split(" ")[0]} ${old.get(key)?.name}`)).to.have.members([
      "aws:glue/job:Job ddbsnap-dev-reviews-export",
      "aws:glue/job:Job ddbsnap-dev-orders-apply",
    ]);
    for (const key of changed) {
      const { glueVersion: was, ...rest } = old.get(key) as Record<string, unknown>;
      const { glueVersion: is, ...restAfter } = updated.get(key) as Record<string, unknown>;
      expect([was, is]).to.deep.equal(["5.0", "6.1"]);
      expect(restAfter).to.deep.equal(rest);
    }
  });
});
