/**
 * Stack config: the shape, the defaults and the validation. Pure (no Pulumi imports), so the
 * program, the CLI and the tests share it. Every problem is reported at once, in one error, each
 * line naming the table, the key, the value and what is allowed, before any resource is declared.
 */
import { arnParts, partitionOfRegion } from "./arns";
import { ALLOWED_COLUMN_TYPES_TEXT, normaliseColumnType } from "./column-types";
import { CONTRACT } from "./contract";
import { cronProblem } from "./cron";
import type { ExecutionClass, GlueVersion, WorkerType } from "./glue-facts";
import {
  DEFAULT_GLUE_VERSION,
  DEFAULT_WORKER_TYPE,
  EXECUTION_CLASSES,
  FLEX_WORKER_TYPES,
  GLUE_RUNTIMES,
  INCREMENTAL_GLUE_VERSIONS,
  MIN_WORKERS,
  RETIRED_GLUE_VERSIONS,
  SUPPORTED_GLUE_VERSIONS,
  versionsAllowing,
  WORKER_TYPES,
  WORKERS,
} from "./glue-facts";
import { defaultDatabaseName, tableKey } from "./naming";

export const CONFIG_NAMESPACE = "ddb-athena-snapshots";

export const FORMATS = ["parquet", "orc", "avro", "json", "csv"] as const;
export type OutputFormat = (typeof FORMATS)[number];
export const MODES = ["scan", "export", "incremental"] as const;
export type ExportMode = (typeof MODES)[number];
/** What a `columns` entry may say instead of a type: keep the attribute out, or keep its HMAC. */
export const COLUMN_RULES = CONTRACT.columnRules.rules as readonly ColumnRule[];
export type ColumnRule = "exclude" | "hash";

export interface TableConfig {
  /** DynamoDB table name, as in AWS. */
  name: string;
  format: OutputFormat;
  /** Glue cron expression, UTC. */
  schedule: string;
  mode: ExportMode;
  /** Share of the table's read capacity the scan may use (scan mode only). */
  readPercentage: number;
  workerType: WorkerType;
  /** Maximum number of workers; auto scaling may use fewer. */
  workers: number;
  glueVersion: GlueVersion;
  executionClass: ExecutionClass;
  /**
   * Snapshots older than this many days are pruned; the newest is never pruned. Incremental mode:
   * how many days of Iceberg snapshots time travel can reach.
   */
  retentionDays: number;
  /** Export job timeout. */
  timeoutMinutes: number;
  /** false: the SCHEDULED trigger is created but not started. */
  enabled: boolean;
  /** Export and incremental mode: skip the deploy-time check that point-in-time recovery is on. */
  skipPitrCheck: boolean;
  /** Column type per DynamoDB attribute, instead of the type policy's (README "Column types"). */
  columns: Record<string, string>;
  /**
   * The `columns` entries that say `exclude` (the attribute is never written) or `hash` (its
   * HMAC-SHA-256 is written instead): docs/security.md, "Sensitive attributes".
   */
  columnRules: Record<string, ColumnRule>;
  /** A run fails before the view moves when it wrote fewer than this share of ItemCount; 0: off. */
  minItemRatio: number;
  /** IAM roles (of the stack's account) that may read this table's view, besides the stack's readers. */
  readers: string[];
  /** The table's account, when it is not the stack's: read through `sourceRoleArn`. */
  account?: string;
  /** The table's region, when it is not the stack's. */
  region?: string;
  /** A role in the table's account that the jobs assume for every DynamoDB call. */
  sourceRoleArn?: string;
}

export interface StackConfig {
  stack: string;
  databaseName: string;
  /** Subscribed to the failure alerts topic. */
  alertEmail?: string;
  /** An existing SNS topic for failure alerts, instead of the stack's own. */
  alertTopicArn?: string;
  /** Customer managed KMS key for S3, Glue, Athena, logs and alerts; SSE-S3 when absent. */
  kmsKeyArn?: string;
  /** Retention of the jobs' CloudWatch log groups. */
  logRetentionDays: number;
  /** IAM roles (of the stack's account) that may read every table's view. */
  readers: string[];
  /** Grant readers through Lake Formation (hybrid access mode) instead of IAM alone. */
  lakeFormation: boolean;
  /** Secrets Manager secret or SSM parameter (ARN) holding the HMAC key of `hash` columns. */
  hashKey?: string;
  tables: TableConfig[];
}

/** The values CloudWatch Logs accepts for a retention. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;
export const DEFAULT_LOG_RETENTION_DAYS = 30;

export const TABLE_DEFAULTS: Omit<TableConfig, "name"> = {
  format: "parquet",
  schedule: "cron(0 2 * * ? *)",
  mode: "scan",
  readPercentage: 0.5,
  workerType: DEFAULT_WORKER_TYPE,
  workers: 10,
  glueVersion: DEFAULT_GLUE_VERSION,
  executionClass: "STANDARD",
  retentionDays: 30,
  timeoutMinutes: 360,
  enabled: true,
  skipPitrCheck: false,
  columns: {},
  columnRules: {},
  minItemRatio: CONTRACT.minItemRatio.default,
  readers: [],
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid stack config (namespace ${CONFIG_NAMESPACE}):\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        '\nFix the values in Pulumi.<stack>.yaml; see README "Configuration" for every key.',
    );
    this.name = "ConfigError";
  }
}

/** A value as the user wrote it, for messages. */
function show(value: unknown): string {
  return typeof value === "string"
    ? JSON.stringify(value)
    : (JSON.stringify(value) ?? String(value));
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}

/** Collects problems for one place (a table or the stack keys). */
class Checker {
  constructor(
    private readonly where: string,
    private readonly problems: string[],
  ) {}

  fail(key: string, value: unknown, allowed: string): void {
    this.problems.push(`${this.where}: ${key} is ${show(value)}; allowed: ${allowed}`);
  }

  oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value === "string" && (allowed as readonly string[]).includes(value))
      return value as T;
    this.fail(key, value, `one of ${allowed.join(", ")}`);
    return fallback;
  }

  number(
    key: string,
    value: unknown,
    min: number,
    max: number,
    fallback: number,
    integer = false,
  ): number {
    if (value === undefined) return fallback;
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    const what = integer ? "a whole number" : "a number";
    if (
      typeof n !== "number" ||
      !Number.isFinite(n) ||
      (integer && !Number.isInteger(n)) ||
      n < min ||
      n > max
    ) {
      this.fail(key, value, `${what} from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  boolean(key: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.fail(key, value, "true or false");
    return fallback;
  }

  /** A `columns` map: the types it asks for, and the attributes it excludes or hashes. */
  columns(
    key: string,
    value: unknown,
  ): { types: Record<string, string>; rules: Record<string, ColumnRule> } {
    const types: Record<string, string> = {};
    const rules: Record<string, ColumnRule> = {};
    if (value === undefined) return { types, rules };
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(
        key,
        value,
        'a map of attribute -> column type, exclude or hash, e.g. { price: "decimal(18,2)", email: hash }',
      );
      return { types, rules };
    }
    for (const [attribute, type] of Object.entries(value)) {
      const rule = typeof type === "string" ? type.trim().toLowerCase() : undefined;
      if (rule !== undefined && (COLUMN_RULES as readonly string[]).includes(rule)) {
        rules[attribute] = rule as ColumnRule;
        continue;
      }
      const normalised = typeof type === "string" ? normaliseColumnType(type) : undefined;
      if (normalised === undefined) {
        this.fail(
          `${key}.${attribute}`,
          type,
          `${ALLOWED_COLUMN_TYPES_TEXT}, or ${COLUMN_RULES.join(" or ")}`,
        );
      } else {
        types[attribute] = normalised;
      }
    }
    return { types, rules };
  }

  /** A list of IAM role ARNs in the stack's partition (readers). */
  roleArns(key: string, value: unknown, partition: string | undefined): string[] {
    if (value === undefined) return [];
    const allowed = `a list of IAM role ARNs (arn:${partition ?? "aws"}:iam::<account>:role/<name>)`;
    if (!Array.isArray(value)) {
      this.fail(key, value, allowed);
      return [];
    }
    const roles: string[] = [];
    value.forEach((arn, i) => {
      const problem = roleArnProblem(arn, partition);
      if (problem) this.fail(`${key}[${i}]`, arn, `${allowed}; ${problem}`);
      else if (!roles.includes(arn as string)) roles.push(arn as string);
    });
    return roles;
  }

  unknownKeys(raw: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(raw)) {
      if (!known.includes(key))
        this.fail(key, raw[key], `no such key; known keys are ${known.join(", ")}`);
    }
  }
}

/** Every key a table entry may have: the defaults' (but the derived columnRules) and the source's. */
const TABLE_KEYS = [
  "name",
  ...Object.keys(TABLE_DEFAULTS).filter((k) => k !== "columnRules"),
  "account",
  "region",
  "sourceRoleArn",
] as const;
export const STACK_KEYS = [
  "tables",
  "databaseName",
  "alertEmail",
  "alertTopicArn",
  "kmsKeyArn",
  "logRetentionDays",
  "readers",
  "lakeFormation",
  "hashKey",
] as const;

/** DynamoDB's own rule for table names. */
const DYNAMODB_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** Glue database names: lowercase letters, digits, underscore; Athena wants no more. */
const DATABASE_NAME = /^[a-z0-9_]{1,255}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** A key ARN, not an alias: IAM grants and key policies need the key itself. */
const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** An AWS region name, e.g. us-east-1, ap-northeast-1, us-gov-west-1, cn-north-1. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** IAM role ARNs: a path and a name of up to 64 characters (IAM API reference, CreateRole). */
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/** Where the HMAC key of `hash` columns may live: a Secrets Manager secret or an SSM parameter. */
/** A secret's full ARN ends with the 6 characters Secrets Manager adds, which IAM grants need. */
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[\w/.-]+$/;

/** Why `value` is not an IAM role ARN in `partition` (undefined: it is one). */
function roleArnProblem(value: unknown, partition: string | undefined): string | undefined {
  if (typeof value !== "string" || !IAM_ROLE_ARN.test(value)) return "not an IAM role ARN";
  const parts = arnParts(value);
  if (partition !== undefined && parts?.partition !== partition)
    return `it is in partition ${parts?.partition}, the stack in ${partition}: IAM cannot grant across partitions`;
  return undefined;
}

const quoted = (values: readonly string[]) => values.map((v) => `"${v}"`).join(", ");

function glueVersionOf(check: Checker, value: unknown): GlueVersion {
  if (value === undefined) return DEFAULT_GLUE_VERSION;
  // YAML turns `glueVersion: 5.0` into the number 5: accept it as "5.0".
  const text = typeof value === "number" ? value.toFixed(1) : value;
  if (typeof text === "string" && (SUPPORTED_GLUE_VERSIONS as readonly string[]).includes(text)) {
    return text as GlueVersion;
  }
  const allowed =
    `one of ${quoted(SUPPORTED_GLUE_VERSIONS)} (the versions AWS supports, newest first; ` +
    `"${DEFAULT_GLUE_VERSION}" is the default, and docs/configuration.md lists each one's Spark, Python and Iceberg)`;
  if (typeof text === "string" && (RETIRED_GLUE_VERSIONS as readonly string[]).includes(text)) {
    check.fail(
      "glueVersion",
      value,
      `${allowed}. Glue ${text} reached end of life on 2026-04-01: AWS no longer creates jobs or starts ` +
        `runs on it. Use "${DEFAULT_GLUE_VERSION}" (the newest fast-starting Glue, which is what "use Glue 2.0" meant in 2020)`,
    );
  } else {
    check.fail("glueVersion", value, allowed);
  }
  return DEFAULT_GLUE_VERSION;
}

/**
 * Where a table lives when not in the stack's account and region: `account` and `region`, and the
 * role in that account the jobs assume (docs/security.md, "Tables in other accounts").
 */
function sourceOf(
  check: Checker,
  entry: Record<string, unknown>,
  partition: string | undefined,
): Pick<TableConfig, "account" | "region" | "sourceRoleArn"> {
  const source: Pick<TableConfig, "account" | "region" | "sourceRoleArn"> = {};
  if (entry.region !== undefined) {
    const region = entry.region;
    if (typeof region !== "string" || !REGION.test(region)) {
      check.fail("region", region, "an AWS region name such as us-east-1");
    } else if (partition !== undefined && partitionOfRegion(region) !== partition) {
      check.fail(
        "region",
        region,
        `a region of the stack's partition (${partition}); ${region} is in ${partitionOfRegion(region)}, which no role of the stack can reach`,
      );
    } else {
      source.region = region;
    }
  }
  let account: string | undefined;
  if (entry.account !== undefined) {
    // YAML reads an unquoted 12-digit account as a number.
    const text = typeof entry.account === "number" ? String(entry.account) : entry.account;
    if (typeof text !== "string" || !ACCOUNT_ID.test(text)) {
      check.fail("account", entry.account, 'a 12-digit AWS account ID, quoted: "210987654321"');
    } else {
      account = text;
    }
  }
  if (entry.sourceRoleArn !== undefined) {
    const problem = roleArnProblem(entry.sourceRoleArn, partition);
    const roleAccount = problem ? undefined : arnParts(entry.sourceRoleArn as string)?.account;
    if (problem) {
      check.fail(
        "sourceRoleArn",
        entry.sourceRoleArn,
        `an IAM role ARN in the table's account (arn:${partition ?? "aws"}:iam::<account>:role/<name>); ${problem}`,
      );
    } else if (account !== undefined && roleAccount !== account) {
      check.fail(
        "sourceRoleArn",
        entry.sourceRoleArn,
        `a role in the table's account ${account} (the jobs assume it to read the table); this one is in ${roleAccount}`,
      );
    } else {
      source.sourceRoleArn = entry.sourceRoleArn as string;
      source.account = roleAccount;
    }
  } else if (account !== undefined) {
    check.fail(
      "account",
      account,
      "an account together with sourceRoleArn, a role in that account the jobs assume to read the table " +
        "(`npx ddbsnap plan` prints the policies its owner gives it); omit account for a table of the stack's own account",
    );
  }
  return source;
}

function parseTable(
  raw: unknown,
  index: number,
  problems: string[],
  partition: string | undefined,
): TableConfig | undefined {
  const label = `tables[${index}]`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    problems.push(
      `${label}: is ${kind(raw)} ${show(raw)}; allowed: an object with at least a name, e.g. { name: Reviews }`,
    );
    return undefined;
  }
  const entry = raw as Record<string, unknown>;
  const name = entry.name;
  if (typeof name !== "string" || !DYNAMODB_TABLE_NAME.test(name)) {
    problems.push(
      `${label}: name is ${show(name)}; allowed: a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)`,
    );
    return undefined;
  }
  const check = new Checker(`${label} (${name})`, problems);
  check.unknownKeys(entry, TABLE_KEYS);

  const d = TABLE_DEFAULTS;
  const mode = check.oneOf("mode", entry.mode, MODES, d.mode);
  const workerType = check.oneOf("workerType", entry.workerType, WORKER_TYPES, d.workerType);
  const executionClass = check.oneOf(
    "executionClass",
    entry.executionClass,
    EXECUTION_CLASSES,
    d.executionClass,
  );
  let schedule = d.schedule;
  if (entry.schedule !== undefined) {
    const problem =
      typeof entry.schedule === "string"
        ? cronProblem(entry.schedule)
        : `it is ${kind(entry.schedule)}`;
    if (problem) {
      check.fail(
        "schedule",
        entry.schedule,
        `a Glue cron expression in UTC such as "cron(0 2 * * ? *)" (${problem})`,
      );
    } else {
      schedule = (entry.schedule as string).trim();
    }
  }
  if (mode !== "scan" && entry.readPercentage !== undefined) {
    check.fail(
      "readPercentage",
      entry.readPercentage,
      `nothing in ${mode} mode (DynamoDB's exports read no capacity); remove it`,
    );
  }
  if (mode === "incremental" && entry.format !== undefined && entry.format !== "parquet") {
    check.fail(
      "format",
      entry.format,
      'nothing but "parquet" in incremental mode (the Iceberg table stores Parquet); remove it',
    );
  }
  const columns = check.columns("columns", entry.columns);
  const table: TableConfig = {
    name,
    format: check.oneOf("format", entry.format, FORMATS, d.format),
    schedule,
    mode,
    readPercentage:
      mode === "scan"
        ? check.number("readPercentage", entry.readPercentage, 0.1, 1.5, d.readPercentage)
        : d.readPercentage,
    workerType,
    workers: check.number(
      "workers",
      entry.workers,
      MIN_WORKERS,
      WORKERS[workerType].maxWorkers,
      d.workers,
      true,
    ),
    glueVersion: glueVersionOf(check, entry.glueVersion),
    executionClass,
    retentionDays: check.number(
      "retentionDays",
      entry.retentionDays,
      1,
      3650,
      d.retentionDays,
      true,
    ),
    timeoutMinutes: check.number(
      "timeoutMinutes",
      entry.timeoutMinutes,
      10,
      2880,
      d.timeoutMinutes,
      true,
    ),
    enabled: check.boolean("enabled", entry.enabled, d.enabled),
    skipPitrCheck: check.boolean("skipPitrCheck", entry.skipPitrCheck, d.skipPitrCheck),
    columns: columns.types,
    columnRules: columns.rules,
    minItemRatio: check.number(
      "minItemRatio",
      entry.minItemRatio,
      CONTRACT.minItemRatio.min,
      CONTRACT.minItemRatio.max,
      d.minItemRatio,
    ),
    readers: check.roleArns("readers", entry.readers, partition),
    ...sourceOf(check, entry, partition),
  };
  if (mode === "scan" && entry.skipPitrCheck !== undefined) {
    check.fail(
      "skipPitrCheck",
      entry.skipPitrCheck,
      "nothing in scan mode (only export and incremental mode need point-in-time recovery); remove it",
    );
  }
  const runtime = GLUE_RUNTIMES[table.glueVersion];
  if (mode === "incremental" && !runtime.incremental) {
    check.fail(
      "glueVersion",
      entry.glueVersion,
      `one of ${quoted(INCREMENTAL_GLUE_VERSIONS)} in incremental mode (the MERGE needs Spark 3.5 with Iceberg 1.7 ` +
        `or newer; Glue ${table.glueVersion} ships Spark ${runtime.spark} with Iceberg ${runtime.iceberg})`,
    );
  }
  if (!runtime.workerTypes.includes(workerType)) {
    check.fail(
      "workerType",
      workerType,
      `on Glue ${table.glueVersion}, one of ${runtime.workerTypes.join(", ")}; ${workerType} runs on Glue ` +
        `${versionsAllowing(workerType).join(", ")} only (AWS documents the Graviton workers for Glue 6.1)`,
    );
  }
  if (executionClass === "FLEX" && !FLEX_WORKER_TYPES.includes(workerType)) {
    check.fail(
      "executionClass",
      "FLEX",
      `STANDARD with workerType ${workerType}; FLEX runs only on ${FLEX_WORKER_TYPES.join(" or ")} (AWS's Flex documentation names no other type, Graviton ones included)`,
    );
  }
  return table;
}

/**
 * Validates the raw config values of the namespace (already JSON-decoded where structured) and
 * applies the defaults. Throws one ConfigError listing every problem.
 */
export function parseStackConfig(
  raw: Record<string, unknown>,
  stack: string,
  awsRegion?: unknown,
): StackConfig {
  const problems: string[] = [];
  const stackCheck = new Checker("stack config", problems);
  stackCheck.unknownKeys(raw, STACK_KEYS);
  // The stack's partition, from `aws:region`, which every ARN and region in the config must share.
  const partition =
    typeof awsRegion === "string" && REGION.test(awsRegion.trim())
      ? partitionOfRegion(awsRegion.trim())
      : undefined;

  let databaseName = defaultDatabaseName(stack);
  if (raw.databaseName !== undefined) {
    if (typeof raw.databaseName === "string" && DATABASE_NAME.test(raw.databaseName)) {
      databaseName = raw.databaseName;
    } else {
      stackCheck.fail(
        "databaseName",
        raw.databaseName,
        "lowercase letters, digits and _ (a Glue database name)",
      );
    }
  }

  const text = (key: string, pattern: RegExp, allowed: string): string | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value === "string" && pattern.test(value)) return value;
    stackCheck.fail(key, value, allowed);
    return undefined;
  };
  const alertEmail = text("alertEmail", EMAIL, "an email address");
  const alertTopicArn = text(
    "alertTopicArn",
    SNS_TOPIC_ARN,
    "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
  );
  const kmsKeyArn = text(
    "kmsKeyArn",
    KMS_KEY_ARN,
    "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias",
  );
  let logRetentionDays = DEFAULT_LOG_RETENTION_DAYS;
  if (raw.logRetentionDays !== undefined) {
    const n = Number(raw.logRetentionDays);
    if (
      (LOG_RETENTION_DAYS as readonly number[]).includes(n) &&
      String(raw.logRetentionDays).trim() !== ""
    ) {
      logRetentionDays = n;
    } else {
      stackCheck.fail(
        "logRetentionDays",
        raw.logRetentionDays,
        `one of ${LOG_RETENTION_DAYS.join(", ")} (CloudWatch's retentions)`,
      );
    }
  }

  const readers = stackCheck.roleArns("readers", raw.readers, partition);
  const lakeFormation = stackCheck.boolean("lakeFormation", raw.lakeFormation, false);
  let hashKey: string | undefined;
  if (raw.hashKey !== undefined) {
    const value = raw.hashKey;
    const parts = typeof value === "string" ? arnParts(value) : undefined;
    if (typeof value !== "string" || !(SECRET_ARN.test(value) || PARAMETER_ARN.test(value))) {
      stackCheck.fail(
        "hashKey",
        value,
        "the full ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>) " +
          "or of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>) holding the HMAC key of hash columns",
      );
    } else if (partition !== undefined && parts?.partition !== partition) {
      stackCheck.fail("hashKey", value, `an ARN in the stack's partition (${partition})`);
    } else if (typeof awsRegion === "string" && parts?.region !== awsRegion.trim()) {
      stackCheck.fail(
        "hashKey",
        value,
        `a secret or parameter in the stack's region (${awsRegion.trim()}), where the jobs read it`,
      );
    } else {
      hashKey = value;
    }
  }

  const tables: TableConfig[] = [];
  if (!Array.isArray(raw.tables) || raw.tables.length === 0) {
    problems.push(
      `stack config: tables is ${raw.tables === undefined ? "missing" : show(raw.tables)}; allowed: a non-empty list of ` +
        `tables, e.g.\n      ${CONFIG_NAMESPACE}:tables:\n        - name: Reviews`,
    );
  } else {
    raw.tables.forEach((entry, index) => {
      const table = parseTable(entry, index, problems, partition);
      if (table) tables.push(table);
    });
  }
  crossTableProblems(
    tables,
    { readers, lakeFormation, hashKey, hashKeyGiven: raw.hashKey !== undefined },
    problems,
  );

  // The S3 folder, the crawler table and the view use the normalised name: two tables that
  // normalise alike would overwrite each other's snapshots.
  const byNormalised = new Map<string, string>();
  for (const table of tables) {
    const normalised = tableKey(table.name);
    const other = byNormalised.get(normalised);
    if (other !== undefined) {
      problems.push(
        `tables (${table.name}): name ${show(table.name)} collides with ${show(other)} (both become "${normalised}" ` +
          `in S3, Glue and Athena); allowed: names that differ after lowercasing and replacing other characters with _`,
      );
    } else {
      byNormalised.set(normalised, table.name);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    stack,
    databaseName,
    alertEmail,
    alertTopicArn,
    kmsKeyArn,
    logRetentionDays,
    readers,
    lakeFormation,
    ...(hashKey !== undefined ? { hashKey } : {}),
    tables,
  };
}

/** Rules that tie a table's keys to the stack's: readers for Lake Formation, a key for `hash`. */
function crossTableProblems(
  tables: TableConfig[],
  stack: { readers: string[]; lakeFormation: boolean; hashKey?: string; hashKeyGiven: boolean },
  problems: string[],
): void {
  if (stack.lakeFormation && stack.readers.length === 0 && tables.every((t) => !t.readers.length)) {
    problems.push(
      "stack config: lakeFormation is true but no table has readers; allowed: lakeFormation: true together with readers " +
        "(stack-wide or per table), which it grants through Lake Formation",
    );
  }
  for (const [i, table] of tables.entries()) {
    const hashed = Object.entries(table.columnRules)
      .filter(([, rule]) => rule === "hash")
      .map(([attribute]) => attribute);
    if (hashed.length > 0 && stack.hashKey === undefined && !stack.hashKeyGiven) {
      problems.push(
        `tables[${i}] (${table.name}): columns.${hashed[0]} is "hash" but the stack names no hashKey; allowed: hash together ` +
          "with the stack key hashKey, the ARN of a Secrets Manager secret or SSM parameter holding the HMAC key (at least " +
          `${CONTRACT.columnRules.minimumKeyBytes} bytes), or exclude, which needs no key`,
      );
    }
  }
}

/** Stack keys whose values are lists or maps: Pulumi hands them over as JSON text. */
const STRUCTURED_KEYS = ["tables", "readers"];

/**
 * Turns Pulumi's flat config map (`namespace:key` → string) into raw values for parseStackConfig.
 * Structured values (tables, readers) arrive as JSON text.
 */
export function rawConfigFromPulumi(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (STRUCTURED_KEYS.includes(key)) {
      try {
        raw[key] = JSON.parse(text);
      } catch {
        raw[key] = text;
      }
    } else {
      raw[key] = text;
    }
  }
  return raw;
}
