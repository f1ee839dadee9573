/**
 * The stack the CLI works on: its `Pulumi.<stack>.yaml`, the validated config (the same
 * lib/config.ts the program uses), the names lib/naming.ts derives from it, and the AWS region.
 * The CLI needs neither the Pulumi CLI nor stack outputs.
 */
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import type { StackConfig, TableConfig } from "../lib/config";
import { CONFIG_NAMESPACE, parseStackConfig } from "../lib/config";
import type { StackNames, TableNames } from "../lib/naming";
import { normaliseName, stackNames, tableKey, tableNames } from "../lib/naming";
import { UsageError } from "./errors";

/** This project's root: the directory holding Pulumi.yaml and the stack files. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

export interface StackFile {
  stack: string;
  path: string;
  /** Every key under `config:`, as YAML parsed it (`aws:region`, `ddb-athena-snapshots:tables`, ...). */
  values: Record<string, unknown>;
}

function stackFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => /^Pulumi\.[^.]+\.ya?ml$/.test(f));
  } catch {
    return [];
  }
}

export function readStackFile(dir: string, stack: string): StackFile {
  const candidates = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => path.join(dir, f));
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    const others = stackFilesIn(dir).map((f) => f.replace(/^Pulumi\.|\.ya?ml$/g, ""));
    throw new UsageError(
      `No stack file Pulumi.${stack}.yaml in ${dir}. ` +
        (others.length
          ? `Stacks there: ${others.join(", ")}; pick one with --stack <name>.`
          : "Pass --dir <directory holding it>."),
    );
  }
  // Lazy: only commands that read a stack pay for the YAML parser.
  const { parse } = require("yaml") as typeof import("yaml");
  let document: unknown;
  try {
    document = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || Array.isArray(config) || config === null) {
    throw new UsageError(`${file}: "config" must be a map of keys to values`);
  }
  return { stack, path: file, values: config as Record<string, unknown> };
}

/** The values under the project's namespace, without the `ddb-athena-snapshots:` prefix. */
export function namespaceValues(file: StackFile): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(
    Object.entries(file.values)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}

export interface Stack {
  file: StackFile;
  config: StackConfig;
  names: StackNames;
  /** `aws:region` from the stack file, if set. */
  region?: string;
}

/** Reads and validates the stack; a config problem throws the program's own ConfigError. */
export function loadStack(dir: string, stack: string): Stack {
  const file = readStackFile(dir, stack);
  const region = file.values["aws:region"];
  const config = parseStackConfig(namespaceValues(file), stack, region);
  return {
    file,
    config,
    names: stackNames(config.stack, config.databaseName),
    region: typeof region === "string" && region.trim() !== "" ? region.trim() : undefined,
  };
}

export interface StackTable {
  table: TableConfig;
  names: TableNames;
}

/** A configured table, by its DynamoDB name or its normalised name (`Reviews` or `reviews`). */
export function findTable(stack: Stack, wanted: string): StackTable {
  const table =
    stack.config.tables.find((t) => t.name === wanted) ??
    stack.config.tables.find(
      (t) => tableKey(t.name) === wanted || normaliseName(t.name) === normaliseName(wanted),
    );
  if (!table) {
    const known = stack.config.tables.map((t) => t.name).join(", ");
    throw new UsageError(
      `No table "${wanted}" in stack ${stack.config.stack} (${stack.file.path}). Known tables: ${known}.`,
    );
  }
  return { table, names: tableNames(stack.config.stack, table.name) };
}

export function allTables(stack: Stack): StackTable[] {
  return stack.config.tables.map((table) => ({
    table,
    names: tableNames(stack.config.stack, table.name),
  }));
}
