/**
 * `ddbsnap estimate <table>`: reads the table's size, item count and capacity with DescribeTable
 * and prints how long one snapshot run takes and what it costs, scan versus export, for the
 * table's configured workers, worker type and read percentage (lib/estimate.ts does the math).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type {
  AssumptionRange,
  Assumptions,
  BillingMode,
  Prices,
  TableFacts,
} from "../../lib/estimate";
import {
  ASSUMPTION_SOURCES,
  DEFAULT_ASSUMPTION_RANGE,
  DEFAULT_PRICES,
  EstimateInputError,
  GIB,
} from "../../lib/estimate";
import { arnParts } from "../../lib/arns";
import { dynamodbClient, sdk } from "../aws";
import type { Command, CommandContext } from "../command";
import { stackOf, targetOf } from "../command";
import { COMMAND_MANIFEST } from "../manifest";
import { awsCall, EXIT, UsageError } from "../errors";
import { PRICE_FLAGS, renderEstimate } from "../estimate-view";
import { findTable } from "../stack";
import { whenMissing } from "./shared";

/** What DescribeTable says: size, items, billing mode and provisioned read capacity. */
export async function describeTable(
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<TableFacts> {
  const { DescribeTableCommand } = sdk.dynamodb();
  const { Table } = await awsCall("DynamoDB DescribeTable", () =>
    dynamodb.send(new DescribeTableCommand({ TableName: tableName })),
  );
  // Tables created provisioned and never switched have no BillingModeSummary.
  const billingMode = (Table?.BillingModeSummary?.BillingMode ?? "PROVISIONED") as BillingMode;
  return {
    sizeBytes: Table?.TableSizeBytes ?? 0,
    itemCount: Table?.ItemCount ?? 0,
    billingMode,
    provisionedRcu:
      billingMode === "PROVISIONED" ? Table?.ProvisionedThroughput?.ReadCapacityUnits : undefined,
  };
}

function positiveNumber(ctx: CommandContext, flag: string, allowZero = false): number | undefined {
  const text = ctx.options[flag] as string | undefined;
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(
      `--${flag} must be a number ${allowZero ? "of 0 or more" : "above 0"}, got "${text}"`,
    );
  }
  return value;
}

/** The default ranges with each `--assume name=low[-high]` applied. */
export function assumptionsFrom(flags: unknown): AssumptionRange {
  const range: AssumptionRange = {
    low: { ...DEFAULT_ASSUMPTION_RANGE.low },
    high: { ...DEFAULT_ASSUMPTION_RANGE.high },
  };
  const given = flags === undefined ? [] : Array.isArray(flags) ? flags : [flags];
  for (const text of given as string[]) {
    const match = /^(\w+)=([0-9.]+)(?:-([0-9.]+))?$/.exec(String(text).trim());
    const name = match?.[1] as keyof Assumptions | undefined;
    const [low, high] = [Number(match?.[2]), Number(match?.[3] ?? match?.[2])];
    if (!match || !name || !(name in ASSUMPTION_SOURCES) || !(low >= 0) || !(high >= low)) {
      throw new UsageError(
        `--assume must be <name>=<low>[-<high>] with 0 <= low <= high, got "${text}"; names: ${Object.keys(ASSUMPTION_SOURCES).join(", ")}`,
      );
    }
    range.low[name] = low;
    range.high[name] = high;
  }
  return range;
}

/** The incremental column's change rate when --change-rate is not given: 1 % a day. */
export const DEFAULT_CHANGE_RATE_PERCENT = 1;

export const estimate: Command = {
  ...COMMAND_MANIFEST.estimate,
  help: `Reads the table's size, item count, billing mode and provisioned read capacity (DynamoDB
DescribeTable) and prints, for the workers, worker type and readPercentage in the stack config: how
long a scan takes and what limits it, the read units it consumes, Glue DPU-hours and cost with
STANDARD and FLEX, against export mode (DynamoDB's per-GB export plus a short Glue read). Every
assumption and price is printed and can be changed:

It then compares all three modes per run and per 30 days at the table's schedule: scan, export
and incremental (exports of what changed, merged into an Iceberg table).

Options:
  --size-gb <n>               use this table size instead of DescribeTable's
  --change-rate <percent>     share of the table's bytes that change a day, for the incremental
                              column (default ${DEFAULT_CHANGE_RATE_PERCENT})
  --assume <name>=<low>[-<high>]
                              change an assumption (repeatable), e.g. --assume scanEfficiency=0.8
                              or --assume exportSecondsPerTib=1800-7200; the names, their defaults and
                              sources are printed under "Assumptions"
${(Object.keys(PRICE_FLAGS) as (keyof Prices)[])
  .map((key) => {
    const flag = `${PRICE_FLAGS[key].flag} <usd>`;
    const what = `${PRICE_FLAGS[key].what} (default ${DEFAULT_PRICES[key] ?? "none: not published, see docs/performance.md"})`;
    // A flag too long for the column takes its own line, as --assume does.
    return flag.length < 26
      ? `  --${flag.padEnd(26)}${what}`
      : `  --${flag}\n${" ".repeat(30)}${what}`;
  })
  .join("\n")}`,

  async run(ctx: CommandContext): Promise<number> {
    const stack = stackOf(ctx);
    const { table } = findTable(stack, ctx.positionals[0]);
    const prices: Prices = { ...DEFAULT_PRICES };
    for (const key of Object.keys(PRICE_FLAGS) as (keyof Prices)[]) {
      const given = positiveNumber(ctx, PRICE_FLAGS[key].flag, true);
      if (given !== undefined) prices[key] = given;
    }
    const assumptions = assumptionsFrom(ctx.options.assume);
    const sizeGb = positiveNumber(ctx, "size-gb", true);
    const changeRate = positiveNumber(ctx, "change-rate", true) ?? DEFAULT_CHANGE_RATE_PERCENT;
    if (changeRate > 100)
      throw new UsageError(`--change-rate is a percentage of 0 to 100, got "${changeRate}"`);

    const target = targetOf(ctx, stack);
    // DescribeTable where the table is: its own region; for a table in another account, by ARN,
    // which DynamoDB answers when the table's resource policy lets this identity describe it.
    const tableTarget = table.region ? { ...target, region: table.region } : target;
    const tableId = table.sourceRoleArn
      ? `arn:${arnParts(table.sourceRoleArn)?.partition}:dynamodb:${tableTarget.region}:${table.account}:table/${table.name}`
      : table.name;
    let factsAssumed: string | undefined;
    const facts = await describeTable(dynamodbClient(tableTarget), tableId).catch((e) => {
      if (table.sourceRoleArn && sizeGb !== undefined) {
        // The operator is not the pipeline role the owner's role trusts: go on from --size-gb.
        factsAssumed = `DescribeTable of account ${table.account} refused; size from --size-gb, on-demand assumed`;
        return { sizeBytes: 0, itemCount: 0, billingMode: "PAY_PER_REQUEST" as const };
      }
      if (table.sourceRoleArn) {
        throw new UsageError(
          `cannot describe ${table.name} in account ${table.account} from here (${(e as Error).message.split("\n")[0]}): ` +
            "its role trusts only the table's pipeline role. Pass --size-gb <n>; the table's owner can read its size with " +
            `aws dynamodb describe-table --table-name ${table.name} --region ${tableTarget.region}`,
        );
      }
      throw whenMissing(e, `DynamoDB table ${table.name}`, tableTarget, stack.config.stack);
    });
    if (sizeGb !== undefined) facts.sizeBytes = Math.round(sizeGb * GIB);
    try {
      renderEstimate({
        tableName: table.name,
        stack: stack.config.stack,
        region: target.region,
        tableRegion: table.region,
        factsAssumed,
        facts,
        sizeOverridden: sizeGb !== undefined,
        table,
        prices,
        assumptions,
        changeRatePerDay: changeRate / 100,
      }).forEach((l) => ctx.io.out(l));
    } catch (error) {
      if (error instanceof EstimateInputError)
        throw new UsageError(`cannot estimate ${table.name}: ${error.message}`);
      throw error;
    }
    return EXIT.OK;
  },
};
