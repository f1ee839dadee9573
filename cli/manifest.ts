/**
 * Every command's name, usage line, one-line summary, options and positional arguments: the one
 * source for `ddbsnap --help`, each command's own help and the command-line parser. Data only, so
 * the overview loads no command module (and so neither the AWS SDK nor Pulumi).
 */
import type { OptionSpecs } from "./command";
import { PRICE_FLAGS } from "./estimate-view";

/** `estimate`'s --price-* flags, one per price of the model. */
const PRICE_OPTIONS: OptionSpecs = Object.fromEntries(
  Object.values(PRICE_FLAGS).map(({ flag }) => [flag, { type: "string" as const }]),
);

export interface CommandManifest {
  /** e.g. `run <table> [--wait] [--timeout-minutes n]`: every option of the command appears here. */
  usage: string;
  summary: string;
  options: OptionSpecs;
  /** How many positional arguments the command takes. */
  positionals: { min: number; max: number; names: string };
}

export const COMMAND_MANIFEST = {
  plan: {
    usage: "plan [--mermaid]",
    summary:
      "Print what the stack would create, offline: the real program runs under Pulumi's mocks, no AWS calls",
    options: { mermaid: { type: "boolean" } },
    positionals: { min: 0, max: 0, names: "" },
  },
  run: {
    usage: "run <table> [--wait] [--timeout-minutes n]",
    summary: "Start the table's workflow run now; with --wait, follow it to the end",
    options: { wait: { type: "boolean" }, "timeout-minutes": { type: "string" } },
    positionals: { min: 1, max: 1, names: "<table>" },
  },
  status: {
    usage: "status [<table>] [--last n] [--check] [--json]",
    summary:
      "Show each table's freshness and the last runs of its workflow; --check exits 1 when a table is stale or failing",
    options: { last: { type: "string" }, check: { type: "boolean" }, json: { type: "boolean" } },
    positionals: { min: 0, max: 1, names: "[<table>]" },
  },
  snapshots: {
    usage: "snapshots <table>",
    summary:
      "List the table's snapshots, newest first (incremental mode: its Iceberg snapshots), marking the one the view shows",
    options: {},
    positionals: { min: 1, max: 1, names: "<table>" },
  },
  query: {
    usage: 'query "<sql>" [--format table|csv|json] [--as-of <time>]',
    summary:
      "Run SQL in the stack's Athena workgroup and print every row; --as-of reads the tables as they were then",
    options: { format: { type: "string" }, "as-of": { type: "string" } },
    positionals: { min: 1, max: 1, names: '"<sql>", quoted as one argument' },
  },
  estimate: {
    usage:
      "estimate <table> [--size-gb n] [--change-rate percent] [--assume name=low[-high]] [--price-<item> usd]",
    summary:
      "Estimate the time and cost of one run, scan versus export, and all three modes per 30 days",
    options: {
      ...PRICE_OPTIONS,
      "size-gb": { type: "string" },
      "change-rate": { type: "string" },
      assume: { type: "string", multiple: true },
    },
    positionals: { min: 1, max: 1, names: "<table>" },
  },
} satisfies Record<string, CommandManifest>;

export type CommandName = keyof typeof COMMAND_MANIFEST;
