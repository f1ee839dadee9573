import { expect } from "chai";
import { ConfigError, parseStackConfig, rawConfigFromPulumi, TABLE_DEFAULTS } from "../lib/config";

function problemsOf(raw: Record<string, unknown>, stack = "dev"): string[] {
  try {
    parseStackConfig(raw, stack);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected the config to be rejected");
}

function messageOf(table: Record<string, unknown>): string {
  const problems = problemsOf({ tables: [table] });
  expect(problems).to.have.length(1, problems.join("\n"));
  return problems[0];
}

describe("config: defaults", () => {
  it("fills every key but name with its documented default", () => {
    const config = parseStackConfig({ tables: [{ name: "Reviews" }] }, "dev");
    expect(config.tables[0]).to.deep.equal({ name: "Reviews", ...TABLE_DEFAULTS });
    expect(TABLE_DEFAULTS).to.include({
      format: "parquet",
      mode: "scan",
      glueVersion: "6.1",
      workerType: "G.1X",
      enabled: true,
    });
  });

  it("accepts every Glue version AWS supports, newest first, and YAML's numbers for them", () => {
    for (const version of ["6.1", "6.0", "5.1", "5.0", "4.0"]) {
      const [table] = parseStackConfig(
        { tables: [{ name: "Reviews", glueVersion: version }] },
        "dev",
      ).tables;
      expect(table.glueVersion).to.equal(version);
    }
    const [yaml61, yaml6] = parseStackConfig(
      {
        tables: [
          { name: "Reviews", glueVersion: 6.1 },
          { name: "Orders", glueVersion: 6 },
        ],
      },
      "dev",
    ).tables;
    expect([yaml61.glueVersion, yaml6.glueVersion]).to.deep.equal(["6.1", "6.0"]);
  });

  it("accepts the Graviton workers on Glue 6.1, the default version", () => {
    const [g, r] = parseStackConfig(
      {
        tables: [
          { name: "Reviews", workerType: "G.1X.GRAVITON", workers: 299 },
          { name: "Orders", workerType: "R.2X.GRAVITON", glueVersion: "6.1" },
        ],
      },
      "dev",
    ).tables;
    expect(g).to.include({ workerType: "G.1X.GRAVITON", glueVersion: "6.1", workers: 299 });
    expect(r.workerType).to.equal("R.2X.GRAVITON");
  });

  it("defaults the database to dynamodb_exports_<stack>, normalised", () => {
    expect(parseStackConfig({ tables: [{ name: "Reviews" }] }, "prod-EU").databaseName).to.equal(
      "dynamodb_exports_prod_eu",
    );
    expect(
      parseStackConfig({ tables: [{ name: "Reviews" }], databaseName: "exports" }, "dev")
        .databaseName,
    ).to.equal("exports");
  });

  it("accepts values as Pulumi hands them over: numbers and booleans as text, YAML's 5.0 as the number 5", () => {
    const raw = rawConfigFromPulumi({
      "ddb-athena-snapshots:tables": JSON.stringify([
        { name: "Reviews", glueVersion: 5, workers: "4", enabled: "false" },
      ]),
      "aws:region": "eu-west-1",
    });
    const [table] = parseStackConfig(raw, "dev").tables;
    expect(table).to.include({ glueVersion: "5.0", workers: 4, enabled: false });
  });
});

describe("config: each invalid value is one clear error naming table, key, value and what is allowed", () => {
  it("unknown key", () => {
    const message = messageOf({ name: "Reviews", readPercent: 0.3 });
    expect(message)
      .to.contain("tables[0] (Reviews)")
      .and.contain("readPercent is 0.3")
      .and.contain("known keys are");
  });

  it("wrong type", () => {
    const message = messageOf({ name: "Reviews", workers: "many" });
    expect(message).to.contain('workers is "many"').and.contain("a whole number from 2 to 299");
  });

  it("readPercentage outside 0.1 to 1.5", () => {
    expect(messageOf({ name: "Reviews", readPercentage: 2 })).to.contain(
      "readPercentage is 2; allowed: a number from 0.1 to 1.5",
    );
    expect(messageOf({ name: "Reviews", readPercentage: 0.05 })).to.contain(
      "readPercentage is 0.05",
    );
  });

  it("workers below 2, or above the worker type's maximum", () => {
    expect(messageOf({ name: "Reviews", workers: 1 })).to.contain(
      "workers is 1; allowed: a whole number from 2 to 299",
    );
    expect(messageOf({ name: "Reviews", workerType: "G.2X", workers: 200 })).to.contain(
      "from 2 to 149",
    );
  });

  it("unsupported format", () => {
    expect(messageOf({ name: "Reviews", format: "xml" })).to.contain(
      'format is "xml"; allowed: one of parquet, orc, avro, json, csv',
    );
  });

  it("Glue 2.0 and older, with why", () => {
    const message = messageOf({ name: "Reviews", glueVersion: "2.0" });
    expect(message)
      .to.contain('glueVersion is "2.0"')
      .and.contain("end of life on 2026-04-01")
      .and.contain('Use "6.1"');
    expect(messageOf({ name: "Reviews", glueVersion: 1 })).to.contain(
      "Glue 1.0 reached end of life",
    );
    expect(messageOf({ name: "Reviews", glueVersion: "3.0" }))
      .to.contain('glueVersion is "3.0"; allowed: one of "6.1", "6.0", "5.1", "5.0", "4.0"')
      .and.contain("the versions AWS supports");
  });

  it("a Graviton worker on a Glue version AWS does not document it for", () => {
    expect(
      messageOf({ name: "Reviews", glueVersion: "5.0", workerType: "G.2X.GRAVITON" }),
    ).to.equal(
      'tables[0] (Reviews): workerType is "G.2X.GRAVITON"; allowed: on Glue 5.0, one of G.1X, G.2X, G.4X, G.8X; ' +
        "G.2X.GRAVITON runs on Glue 6.1 only (AWS documents the Graviton workers for Glue 6.1)",
    );
    expect(
      messageOf({ name: "Reviews", glueVersion: "6.0", workerType: "R.1X.GRAVITON" }),
    ).to.contain('workerType is "R.1X.GRAVITON"; allowed: on Glue 6.0, one of G.1X');
    expect(messageOf({ name: "Reviews", workerType: "G.3X.GRAVITON" })).to.contain(
      'workerType is "G.3X.GRAVITON"; allowed: one of G.1X, G.2X, G.4X, G.8X, G.1X.GRAVITON',
    );
  });

  it("FLEX on a Graviton worker", () => {
    expect(
      messageOf({ name: "Reviews", executionClass: "FLEX", workerType: "G.1X.GRAVITON" }),
    ).to.contain("FLEX runs only on G.1X or G.2X");
  });

  it("more Graviton workers than the type allows", () => {
    expect(messageOf({ name: "Reviews", workerType: "G.16X.GRAVITON", workers: 150 })).to.contain(
      "workers is 150; allowed: a whole number from 2 to 149",
    );
  });

  it("FLEX with a worker type FLEX does not run on", () => {
    const message = messageOf({ name: "Reviews", executionClass: "FLEX", workerType: "G.4X" });
    expect(message).to.contain("executionClass").and.contain("FLEX runs only on G.1X or G.2X");
  });

  it("malformed cron", () => {
    expect(messageOf({ name: "Reviews", schedule: "0 10 * * *" }))
      .to.contain('schedule is "0 10 * * *"')
      .and.contain("Glue cron");
    expect(messageOf({ name: "Reviews", schedule: "cron(0 25 * * ? *)" })).to.contain(
      'hours field "25"',
    );
    expect(messageOf({ name: "Reviews", schedule: "cron(0 10 * * * *)" })).to.contain(
      "exactly one of day-of-month and day-of-week",
    );
  });

  it("duplicate or colliding normalised table names", () => {
    const problems = problemsOf({
      tables: [
        { name: "Reviews" },
        { name: "reviews" },
        { name: "Re-views" },
        { name: "Re.views" },
      ],
    });
    expect(problems).to.have.length(2);
    expect(problems[0]).to.contain('"reviews" collides with "Reviews"');
    expect(problems[1]).to.contain('"Re.views" collides with "Re-views"').and.contain('"re_views"');
  });

  it("empty or missing table list", () => {
    expect(problemsOf({ tables: [] })[0])
      .to.contain("tables is []")
      .and.contain("a non-empty list");
    expect(problemsOf({})[0]).to.contain("tables is missing");
  });

  it("a table name DynamoDB would not accept", () => {
    expect(messageOf({ name: "a b" }))
      .to.contain('name is "a b"')
      .and.contain("A-Z a-z 0-9 _ . -");
  });

  it("readPercentage in export mode", () => {
    expect(messageOf({ name: "Reviews", mode: "export", readPercentage: 0.5 })).to.contain(
      "nothing in export mode",
    );
  });

  it("unknown stack key and bad database name", () => {
    const problems = problemsOf({
      tables: [{ name: "Reviews" }],
      region: "x",
      databaseName: "My-DB",
    });
    expect(problems.join("\n"))
      .to.contain("stack config: region is")
      .and.contain('databaseName is "My-DB"');
  });

  it("stack keys for alerts, encryption and logs", () => {
    const problems = problemsOf({
      tables: [{ name: "Reviews" }],
      alertEmail: "ops at example",
      alertTopicArn: "ops-alerts",
      kmsKeyArn: "alias/snapshots",
      logRetentionDays: 10,
    }).join("\n");
    expect(problems).to.contain('alertEmail is "ops at example"; allowed: an email address');
    expect(problems).to.contain('alertTopicArn is "ops-alerts"; allowed: an SNS topic ARN');
    expect(problems)
      .to.contain('kmsKeyArn is "alias/snapshots"; allowed: a KMS key ARN')
      .and.contain("not an alias");
    expect(problems).to.contain("logRetentionDays is 10; allowed: one of 1, 3, 5, 7, 14, 30");
    const ok = parseStackConfig(
      {
        tables: [{ name: "Reviews" }],
        alertEmail: "ops@example.com",
        kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234567890abcdef1234567890abcdef",
        logRetentionDays: "90",
      },
      "dev",
    );
    expect(ok).to.include({ alertEmail: "ops@example.com", logRetentionDays: 90 });
    expect(parseStackConfig({ tables: [{ name: "Reviews" }] }, "dev").logRetentionDays).to.equal(
      30,
    );
  });

  it("skipPitrCheck outside export mode", () => {
    expect(messageOf({ name: "Reviews", skipPitrCheck: true })).to.contain(
      "skipPitrCheck is true; allowed: nothing in scan mode",
    );
    expect(
      parseStackConfig(
        { tables: [{ name: "Reviews", mode: "export", skipPitrCheck: true }] },
        "dev",
      ).tables[0].skipPitrCheck,
    ).to.equal(true);
  });

  it("reports every problem at once, in one error whose message lists them", () => {
    let error: ConfigError | undefined;
    try {
      parseStackConfig(
        {
          tables: [
            { name: "Reviews", format: "xml" },
            { name: "Orders", workers: 0 },
          ],
        },
        "dev",
      );
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems).to.have.length(2);
    expect(error?.message)
      .to.contain("tables[0] (Reviews): format")
      .and.contain("tables[1] (Orders): workers");
  });
});

describe("config: column types and the completeness gate", () => {
  it("accepts column overrides, spelled as Glue spells them", () => {
    const [table] = parseStackConfig(
      {
        tables: [
          {
            name: "Orders",
            columns: { price: "DECIMAL(18, 2)", createdAt: "timestamp", tags: "array<string>" },
            minItemRatio: 0,
          },
        ],
      },
      "dev",
    ).tables;
    expect(table.columns).to.deep.equal({
      price: "decimal(18,2)",
      createdAt: "timestamp",
      tags: "array<string>",
    });
    expect(table.minItemRatio).to.equal(0);
  });

  it("rejects an unknown column type with the allowed list", () => {
    const message = messageOf({ name: "Orders", columns: { price: "money" } });
    expect(message)
      .to.contain('columns.price is "money"')
      .and.contain("string, bigint, int, double, boolean, binary, timestamp, decimal(p,s)");
    expect(messageOf({ name: "Orders", columns: { price: "decimal(39,2)" } })).to.contain(
      'columns.price is "decimal(39,2)"',
    );
    expect(messageOf({ name: "Orders", columns: ["price"] })).to.contain(
      'columns is ["price"]; allowed: a map of attribute -> column type',
    );
  });

  it("takes minItemRatio from 0 to 1", () => {
    expect(messageOf({ name: "Orders", minItemRatio: 1.2 })).to.contain(
      "minItemRatio is 1.2; allowed: a number from 0 to 1",
    );
    expect(TABLE_DEFAULTS.minItemRatio).to.equal(0.5);
  });
});

describe("config: tables in other accounts and regions, readers, sensitive attributes", () => {
  const ROLE = "arn:aws:iam::210987654321:role/ddbsnap-source";
  const READER = "arn:aws:iam::123456789012:role/analyst";
  const SECRET = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:ddbsnap-hmac-AbCdEf";
  const PARAMETER = "arn:aws:ssm:ap-northeast-1:123456789012:parameter/ddbsnap/hmac";
  const parse = (raw: Record<string, unknown>, region = "ap-northeast-1") =>
    parseStackConfig(raw, "dev", region);
  const problemsIn = (raw: Record<string, unknown>, region = "ap-northeast-1") => {
    try {
      parse(raw, region);
    } catch (e) {
      return (e as ConfigError).problems;
    }
    throw new Error("expected the config to be rejected");
  };

  it("takes a table's account and region from its source role and region, and nothing when absent", () => {
    const [elsewhere, local] = parse({
      tables: [
        { name: "Orders", account: 210987654321, region: "us-east-1", sourceRoleArn: ROLE },
        { name: "Reviews" },
      ],
    }).tables;
    expect(elsewhere).to.include({
      account: "210987654321",
      region: "us-east-1",
      sourceRoleArn: ROLE,
    });
    const [derived] = parse({ tables: [{ name: "Orders", sourceRoleArn: ROLE }] }).tables;
    expect(derived.account).to.equal("210987654321");
    expect(local).to.not.have.any.keys("account", "region", "sourceRoleArn");
  });

  it("refuses an account without a role, a role in another account, malformed ARNs and regions", () => {
    const problems = problemsIn({
      tables: [
        { name: "Orders", account: "210987654321" },
        { name: "Carts", account: "111122223333", sourceRoleArn: ROLE },
        { name: "Events", sourceRoleArn: "arn:aws:iam::210987654321:user/bob" },
        { name: "Reviews", region: "Tokyo", account: "12345" },
      ],
    }).join("\n");
    expect(problems).to.contain(
      'tables[0] (Orders): account is "210987654321"; allowed: an account together with sourceRoleArn',
    );
    expect(problems).to.contain(
      `tables[1] (Carts): sourceRoleArn is "${ROLE}"; allowed: a role in the table's account 111122223333`,
    );
    expect(problems).to.contain(
      'tables[2] (Events): sourceRoleArn is "arn:aws:iam::210987654321:user/bob"; allowed: an IAM role ARN in the table\'s account',
    );
    expect(problems).to.contain(
      'tables[3] (Reviews): region is "Tokyo"; allowed: an AWS region name',
    );
    expect(problems).to.contain(
      'tables[3] (Reviews): account is "12345"; allowed: a 12-digit AWS account ID',
    );
  });

  it("refuses roles, readers, regions and keys in a partition other than the stack's", () => {
    const problems = problemsIn({
      tables: [
        {
          name: "Orders",
          region: "cn-north-1",
          sourceRoleArn: "arn:aws-cn:iam::210987654321:role/source",
          readers: ["arn:aws-us-gov:iam::123456789012:role/analyst"],
        },
      ],
      readers: ["arn:aws-cn:iam::123456789012:role/analyst"],
      hashKey: "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/hmac",
    }).join("\n");
    expect(problems).to.contain(
      'region is "cn-north-1"; allowed: a region of the stack\'s partition (aws); cn-north-1 is in aws-cn',
    );
    expect(problems).to.contain(
      'sourceRoleArn is "arn:aws-cn:iam::210987654321:role/source"; allowed: an IAM role ARN in the table\'s account',
    );
    expect(problems).to.contain(
      'readers[0] is "arn:aws-us-gov:iam::123456789012:role/analyst"; allowed: a list of IAM role ARNs',
    );
    expect(problems).to.contain("it is in partition aws-us-gov, the stack in aws");
    expect(problems).to.contain(
      'stack config: readers[0] is "arn:aws-cn:iam::123456789012:role/analyst"',
    );
    expect(problems).to.contain(
      'stack config: hashKey is "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/hmac"; allowed: an ARN in the stack\'s partition (aws)',
    );
    // The same roles are fine for a stack in China.
    const [table] = parse(
      {
        tables: [
          {
            name: "Orders",
            region: "cn-northwest-1",
            sourceRoleArn: "arn:aws-cn:iam::210987654321:role/source",
          },
        ],
        readers: ["arn:aws-cn:iam::123456789012:role/analyst"],
      },
      "cn-north-1",
    ).tables;
    expect(table.region).to.equal("cn-northwest-1");
  });

  it("takes readers per stack and per table, each a list of role ARNs, duplicates once", () => {
    const config = parse({
      readers: [READER, READER],
      lakeFormation: true,
      tables: [{ name: "Orders", readers: ["arn:aws:iam::123456789012:role/team/finance"] }],
    });
    expect(config.readers).to.deep.equal([READER]);
    expect(config.lakeFormation).to.equal(true);
    expect(config.tables[0].readers).to.deep.equal(["arn:aws:iam::123456789012:role/team/finance"]);
    const problems = problemsIn({
      readers: READER,
      tables: [{ name: "Orders", readers: ["analyst"] }],
    }).join("\n");
    expect(problems).to.contain(
      `stack config: readers is "${READER}"; allowed: a list of IAM role ARNs`,
    );
    expect(problems).to.contain('tables[0] (Orders): readers[0] is "analyst"');
  });

  it("reads the stack's readers from Pulumi's JSON text, as it reads the tables", () => {
    const raw = rawConfigFromPulumi({
      "ddb-athena-snapshots:readers": JSON.stringify([READER]),
      "ddb-athena-snapshots:tables": JSON.stringify([{ name: "Orders" }]),
    });
    expect(parse(raw).readers).to.deep.equal([READER]);
  });

  it("refuses lakeFormation without readers", () => {
    expect(problemsIn({ lakeFormation: true, tables: [{ name: "Orders" }] })).to.deep.equal([
      "stack config: lakeFormation is true but no table has readers; allowed: lakeFormation: true together with readers (stack-wide or per table), which it grants through Lake Formation",
    ]);
  });

  it("reads exclude and hash among the column types, and wants a key for hash", () => {
    const [table] = parse({
      hashKey: SECRET,
      tables: [
        { name: "Users", columns: { email: "hash", ssn: "Exclude", price: "decimal(18,2)" } },
      ],
    }).tables;
    expect(table.columns).to.deep.equal({ price: "decimal(18,2)" });
    expect(table.columnRules).to.deep.equal({ email: "hash", ssn: "exclude" });
    expect(parse({ hashKey: PARAMETER, tables: [{ name: "Users" }] }).hashKey).to.equal(PARAMETER);
    expect(parse({ tables: [{ name: "Users", columns: { ssn: "exclude" } }] }).hashKey).to.equal(
      undefined,
    );

    expect(problemsIn({ tables: [{ name: "Users", columns: { email: "hash" } }] })).to.deep.equal([
      'tables[0] (Users): columns.email is "hash" but the stack names no hashKey; allowed: hash together with the stack key hashKey, the ARN of a Secrets Manager secret or SSM parameter holding the HMAC key (at least 32 bytes), or exclude, which needs no key',
    ]);
    expect(
      problemsIn({ hashKey: "alias/hmac", tables: [{ name: "Users" }] }).join("\n"),
    ).to.contain(
      'stack config: hashKey is "alias/hmac"; allowed: the full ARN of a Secrets Manager secret',
    );
    const elsewhere = problemsIn({
      hashKey: "arn:aws:ssm:us-east-1:123456789012:parameter/hmac",
      tables: [{ name: "Users" }],
    });
    expect(elsewhere.join("\n")).to.contain(
      "allowed: a secret or parameter in the stack's region (ap-northeast-1), where the jobs read it",
    );
    expect(
      problemsIn({
        hashKey: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:hmac",
        tables: [{ name: "Users" }],
      }).join("\n"),
    ).to.contain("<name>-<6 characters>");
    expect(messageOf({ name: "Users", columns: { email: "mask" } }))
      .to.contain('columns.email is "mask"; allowed: string, bigint')
      .and.contain("or exclude or hash");
  });
});
