/**
 * `ddbsnap`: the operator CLI. Parses the command line, loads only the command asked for (so
 * `--help` and `plan` never load the AWS SDK, and AWS commands never load Pulumi), runs it, and
 * turns any error into a message and an exit code (see EXIT in errors.ts).
 */
import { parseArgs } from "util";
import type { Command, CommandContext } from "./command";
import { GLOBAL_HELP, GLOBAL_OPTIONS } from "./command";
import { EXIT, explain, UsageError } from "./errors";
import type { CliIo } from "./io";
import { processIo } from "./io";
import type { CommandName } from "./manifest";
import { COMMAND_MANIFEST } from "./manifest";

/** Each command's module, loaded only when that command runs. */
const LOADERS: Record<CommandName, () => Command> = {
  plan: () => require("./commands/plan").plan,
  run: () => require("./commands/run").run,
  status: () => require("./commands/status").status,
  snapshots: () => require("./commands/snapshots").snapshots,
  query: () => require("./commands/query").query,
  estimate: () => require("./commands/estimate").estimate,
};

export const COMMAND_NAMES = Object.keys(COMMAND_MANIFEST) as CommandName[];

export const EXIT_CODES_HELP = `Exit codes: 0 ok; 1 the run or query failed (or had not finished when watching stopped);
2 usage or stack config error; 3 AWS error, no credentials or endpoint unreachable; 4 a bug in ddbsnap.`;

export function mainHelp(): string {
  const entries = Object.values(COMMAND_MANIFEST);
  return [
    "ddbsnap: operate the DynamoDB-to-Athena snapshot workflows of a ddb-athena-snapshots stack.",
    "",
    "Usage: ddbsnap <command> [options]        (ddbsnap <command> --help for more)",
    "",
    "Commands:",
    ...entries.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    "",
    GLOBAL_HELP,
    "",
    "Names (workflow, jobs, crawler, database, workgroup) are derived from the stack config with the",
    "program's own naming rules: no Pulumi CLI or stack outputs needed. AWS credentials come from the",
    "standard AWS SDK chain (AWS_PROFILE, environment variables, SSO, instance role).",
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

function commandHelp(command: Command): string {
  return [
    `Usage: ddbsnap ${command.usage}`,
    "",
    command.summary + ".",
    "",
    command.help,
    "",
    GLOBAL_HELP,
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

function parseCommandLine(
  name: string,
  command: Command,
  argv: string[],
): Omit<CommandContext, "io"> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--wiat'": add where to look.
    throw new UsageError(`${(error as Error).message}. See: ddbsnap ${name} --help`);
  }
  return { options: parsed.values as CommandContext["options"], positionals: parsed.positionals };
}

/** Runs one command line (without `node ddbsnap`) and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const debug = Boolean(io.env.DDBSNAP_DEBUG);
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      io.out(mainHelp());
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (!(name in LOADERS)) {
      throw new UsageError(
        `Unknown command "${name}". Commands: ${COMMAND_NAMES.join(", ")}. See: ddbsnap --help`,
      );
    }
    const command = LOADERS[name as CommandName]();
    const { options, positionals } = parseCommandLine(name, command, rest);
    if (options.help) {
      io.out(commandHelp(command));
      return EXIT.OK;
    }
    const { min, max, names } = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      const wanted =
        max === 0
          ? "no arguments"
          : `${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"} (${names})`;
      const got = positionals.length ? `${positionals.length}: ${positionals.join(" ")}` : "none";
      throw new UsageError(`${name} takes ${wanted}, got ${got}. Usage: ddbsnap ${command.usage}`);
    }
    return await command.run({ io, options, positionals });
  } catch (error) {
    const { message, exitCode } = explain(error, debug);
    io.err(`ddbsnap: ${message}`);
    return exitCode;
  }
}
