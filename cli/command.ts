/**
 * What every command module exports, and the options all commands share (stack, directory,
 * region, endpoint). Parsing uses Node's util.parseArgs.
 */
import * as path from "path";
import type { ParseArgsConfig } from "util";
import type { AwsTarget } from "./aws";
import { resolveTarget } from "./aws";
import type { CliIo } from "./io";
import type { Stack } from "./stack";
import { loadStack, PROJECT_DIR } from "./stack";

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;
export type OptionValues = Record<string, string | boolean | undefined>;

export const GLOBAL_OPTIONS: OptionSpecs = {
  stack: { type: "string" },
  dir: { type: "string" },
  region: { type: "string" },
  "endpoint-url": { type: "string" },
  help: { type: "boolean", short: "h" },
};

export const GLOBAL_HELP = `Options for every command:
  --stack <name>         the stack whose Pulumi.<name>.yaml to read
                         (default: $PULUMI_STACK if set, else "dev")
  --dir <path>           the directory holding Pulumi.<stack>.yaml (default: this project)
  --region <region>      AWS region (default: the stack's aws:region, else $AWS_REGION)
  --endpoint-url <url>   send AWS calls to this endpoint, e.g. an emulator (default: $AWS_ENDPOINT_URL)
  -h, --help             help for the command`;

export interface CommandContext {
  io: CliIo;
  options: OptionValues;
  positionals: string[];
}

export interface Command {
  /** e.g. `run <table> [--wait]` */
  usage: string;
  summary: string;
  /** What the command does and its own options, for `ddbsnap <command> --help`. */
  help: string;
  options: OptionSpecs;
  /** How many positional arguments the command takes. */
  positionals: { min: number; max: number; names: string };
  run(ctx: CommandContext): Promise<number>;
}

export function stackName(ctx: CommandContext): string {
  return (ctx.options.stack as string | undefined) ?? (ctx.io.env.PULUMI_STACK?.trim() || "dev");
}

export function stackDir(ctx: CommandContext): string {
  const dir = ctx.options.dir as string | undefined;
  return dir === undefined ? PROJECT_DIR : path.resolve(dir);
}

export function stackOf(ctx: CommandContext): Stack {
  return loadStack(stackDir(ctx), stackName(ctx));
}

export function targetOf(ctx: CommandContext, stack: Stack): AwsTarget {
  return resolveTarget(
    {
      region: ctx.options.region as string | undefined,
      endpointUrl: ctx.options["endpoint-url"] as string | undefined,
    },
    stack.region,
    ctx.io.env,
  );
}
