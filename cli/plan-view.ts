/**
 * Turns what the program declared under Pulumi's mocks into what `ddbsnap plan` prints: the AWS
 * resources grouped by table (plus the shared ones) with their physical names, and the workflow
 * drawn as a Mermaid graph from the recorded triggers. Pure: takes the recorded resources.
 */
import type { StackConfig, TableConfig } from "../lib/config";
import type { TableNames } from "../lib/naming";
import { tableNames } from "../lib/naming";
import type { RecordedResource } from "../harness/mock-program";

export interface PlannedResource {
  /** `aws.glue.Job`: the class the program declares it with. */
  type: string;
  logicalName: string;
  /** The physical name AWS will know it by, or what it is attached to. */
  physical: string;
}

export interface TablePlan {
  table: TableConfig;
  names: TableNames;
  resources: PlannedResource[];
}

export interface PlanView {
  shared: PlannedResource[];
  tables: TablePlan[];
}

/**
 * Provider resources have a `module/resource` middle part (`aws:glue/job:Job`); component
 * resources (`ddbsnap:pipeline:TablePipeline`) only group others and create nothing in AWS.
 */
export function isAwsResource(r: RecordedResource): boolean {
  return (r.type.split(":")[1] ?? "").includes("/");
}

/** `aws:glue/job:Job` → `aws.glue.Job`; `aws:index/foo:Foo` → `aws.Foo`. */
export function typeLabel(type: string): string {
  const [pkg, module = "", cls = ""] = type.split(":");
  const folder = module.split("/")[0];
  return folder === "index" || folder === "" ? `${pkg}.${cls}` : `${pkg}.${folder}.${cls}`;
}

/** Finds the recorded resource a reference (name, ARN, bucket or id as the mocks made them) points at. */
function referenceIndex(resources: RecordedResource[]): Map<string, RecordedResource> {
  const index = new Map<string, RecordedResource>();
  for (const r of resources.filter(isAwsResource)) {
    // The mocks answer every resource's id with `<logical name>-id` (buckets: their name).
    const keys = [r.state.name, r.state.arn, `${r.name}-id`];
    // Objects and bucket settings echo their bucket's name: only the bucket itself answers to it.
    if (r.type === "aws:s3/bucket:Bucket") keys.push(r.state.bucket);
    for (const key of keys) if (typeof key === "string") index.set(key, r);
  }
  return index;
}

/** Where Pulumi will choose the name at deploy time the mocks made one up: say so instead. */
function autoNamed(r: RecordedResource): boolean {
  return (
    r.inputs.name === undefined &&
    !(r.type === "aws:s3/bucket:Bucket" && r.inputs.bucket !== undefined)
  );
}

function physicalLabel(r: RecordedResource, references: Map<string, RecordedResource>): string {
  const shown = (value: unknown) => {
    const target = typeof value === "string" ? references.get(value) : undefined;
    if (target)
      return typeof target.inputs.name === "string"
        ? target.inputs.name
        : `${target.name}-<random>`;
    return typeof value === "string" ? value : JSON.stringify(value);
  };
  if (typeof r.inputs.name === "string") return r.inputs.name;
  if (r.inputs.bucket !== undefined && r.type !== "aws:s3/bucket:Bucket") {
    return r.inputs.key !== undefined
      ? `s3://${shown(r.inputs.bucket)}/${r.inputs.key}`
      : `on bucket ${shown(r.inputs.bucket)}`;
  }
  if (r.inputs.role !== undefined) return `on role ${shown(r.inputs.role)}`;
  if (r.inputs.rule !== undefined) return `on rule ${shown(r.inputs.rule)}`;
  return autoNamed(r) ? `${r.name}-<random> (named by Pulumi at deploy)` : String(r.state.name);
}

/** Every string anywhere in a resource's inputs. */
function stringsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === "string") found.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, found));
  else if (value && typeof value === "object")
    Object.values(value).forEach((v) => stringsIn(v, found));
  return found;
}

/** The longest run of `-`-separated words every name starts with. */
function commonWordPrefix(names: string[]): string {
  if (names.length === 0) return "";
  const split = names.map((n) => n.split("-"));
  const prefix: string[] = [];
  for (let i = 0; i < split[0].length; i++) {
    const word = split[0][i];
    if (split.every((words) => words.length > i + 1 && words[i] === word)) prefix.push(word);
    else break;
  }
  return prefix.join("-");
}

/** Workflow, triggers, jobs, crawler first: the order a reader follows a run in. */
const TYPE_ORDER = [
  "aws.glue.Workflow",
  "aws.glue.Trigger",
  "aws.glue.Job",
  "aws.glue.Crawler",
  "aws.glue.Classifier",
];

function byReadingOrder(a: PlannedResource, b: PlannedResource): number {
  const rank = (t: string) =>
    TYPE_ORDER.indexOf(t) === -1 ? TYPE_ORDER.length : TYPE_ORDER.indexOf(t);
  return (
    rank(a.type) - rank(b.type) ||
    a.type.localeCompare(b.type) ||
    a.physical.localeCompare(b.physical)
  );
}

/**
 * Which resources belong to which table, worked out from what the program declared rather than
 * from a list of types:
 * - a resource named after the table's workflow (`ddbsnap-<stack>-<table>[-...]`) is the table's;
 * - so is every resource under the same component: a pipeline names its children after itself
 *   (`<component>-<child>`), and its component name is the common prefix of the logical names
 *   of the resources above;
 * - and a resource whose inputs name exactly one table's workflow, jobs or crawler (an alert
 *   rule's event pattern), or point at a resource of exactly one table (a rule's target, a role's
 *   policy). Anything left, or claimed by several tables, is shared.
 */
export function planView(resources: RecordedResource[], config: StackConfig): PlanView {
  const aws = resources.filter(isAwsResource);
  const references = referenceIndex(resources);
  const tables = config.tables.map((table) => ({
    table,
    names: tableNames(config.stack, table.name),
    members: new Set<RecordedResource>(),
  }));

  for (const { names, members } of tables) {
    const owns = (r: RecordedResource) =>
      typeof r.state.name === "string" &&
      (r.state.name === names.workflow || r.state.name.startsWith(`${names.workflow}-`));
    const prefix = commonWordPrefix(aws.filter(owns).map((r) => r.name));
    for (const r of aws) {
      if (owns(r) || (prefix !== "" && (r.name === prefix || r.name.startsWith(`${prefix}-`))))
        members.add(r);
    }
  }
  // Workflow names are [a-z0-9_-] only: no escaping needed. `ddbsnap-dev-reviews` must not match
  // inside `ddbsnap-dev-reviews_archive`, but does inside `...:job/ddbsnap-dev-reviews-export`.
  const mentions = new Map(
    tables.map(
      ({ names }) =>
        [names, new RegExp(`(^|[^A-Za-z0-9_-])${names.workflow}($|[^a-z0-9_])`)] as const,
    ),
  );
  const ownerOf = (r: RecordedResource) => tables.filter((t) => t.members.has(r));
  // Claims by reference can chain (rule → target), so repeat until nothing moves.
  for (let changed = true; changed;) {
    changed = false;
    for (const r of aws) {
      if (ownerOf(r).length > 0) continue;
      const strings = stringsIn(r.inputs);
      const claimants = tables.filter(
        (t) =>
          strings.some((s) => mentions.get(t.names)!.test(s)) ||
          strings.some((s) => {
            const target = references.get(s);
            return target !== undefined && target !== r && t.members.has(target);
          }),
      );
      if (claimants.length === 1) {
        claimants[0].members.add(r);
        changed = true;
      }
    }
  }

  const planned = (r: RecordedResource): PlannedResource => ({
    type: typeLabel(r.type),
    logicalName: r.name,
    physical: physicalLabel(r, references),
  });
  return {
    shared: aws
      .filter((r) => ownerOf(r).length === 0)
      .map(planned)
      .sort(byReadingOrder),
    tables: tables.map(({ table, names, members }) => ({
      table,
      names,
      resources: [...members].map(planned).sort(byReadingOrder),
    })),
  };
}

/** Mermaid wants labels in quotes, with quotes inside escaped. */
function mermaidLabel(lines: string[]): string {
  return `"${lines.map((l) => l.replace(/"/g, "#quot;")).join("<br/>")}"`;
}

function nodeDescription(
  r: RecordedResource | undefined,
  database: string,
  names: TableNames,
): string {
  if (!r) return "not declared";
  if (r.type === "aws:glue/crawler:Crawler") return `crawler → ${database}.${names.crawlerTable}`;
  if (r.type === "aws:glue/job:Job") {
    const command = r.inputs.command?.name;
    if (command === "pythonshell") return `Python shell job, ${r.inputs.maxCapacity} DPU`;
    const shape = r.inputs.workerType
      ? `${r.inputs.numberOfWorkers} × ${r.inputs.workerType}`
      : `${r.inputs.maxCapacity} DPU`;
    return `Spark job (Glue ${r.inputs.glueVersion}), ${shape} ${r.inputs.executionClass ?? "STANDARD"}`;
  }
  return typeLabel(r.type);
}

/** Orders conditional triggers along the chain they form, starting from what the schedule starts. */
function alongTheChain(
  conditional: RecordedResource[],
  startedBySchedule: string[],
): RecordedResource[] {
  const sources = (t: RecordedResource): string[] =>
    (t.inputs.predicate?.conditions ?? []).map(
      (c: Record<string, string>) => c.jobName ?? c.crawlerName,
    );
  const reached = new Set(startedBySchedule);
  const remaining = [...conditional];
  const ordered: RecordedResource[] = [];
  while (remaining.length > 0) {
    const next = remaining.find((t) => sources(t).every((s) => reached.has(s))) ?? remaining[0];
    remaining.splice(remaining.indexOf(next), 1);
    ordered.push(next);
    for (const action of next.inputs.actions ?? [])
      reached.add(action.jobName ?? action.crawlerName);
  }
  return ordered;
}

/**
 * The workflows as one Mermaid flowchart, a subgraph per table, drawn from the triggers the
 * program declared: the schedule starts the export job, and each conditional trigger's
 * conditions lead to its actions.
 */
export function workflowMermaid(
  resources: RecordedResource[],
  config: StackConfig,
  database: string,
): string {
  const lines = ["flowchart LR"];
  const byPhysical = new Map<string, RecordedResource>();
  for (const r of resources.filter(isAwsResource))
    if (typeof r.inputs.name === "string") byPhysical.set(r.inputs.name, r);
  const targetOf = (action: Record<string, string>) => action.jobName ?? action.crawlerName;

  for (const table of config.tables) {
    const names = tableNames(config.stack, table.name);
    // `ddbsnap-dev-reviews-export` → `reviews_export`: unique across tables, valid as a Mermaid id.
    const id = (physical: string) =>
      `${names.normalised}_${physical.startsWith(`${names.workflow}-`) ? physical.slice(names.workflow.length + 1) : physical}`.replace(
        /[^A-Za-z0-9_]/g,
        "_",
      );
    const defined = new Set<string>();
    // A node is defined (with its label) where it first appears, and referred to by id after.
    const node = (physical: string): string => {
      const nodeId = id(physical);
      if (defined.has(nodeId)) return nodeId;
      defined.add(nodeId);
      return `${nodeId}[${mermaidLabel([physical, nodeDescription(byPhysical.get(physical), database, names)])}]`;
    };

    lines.push(
      `  subgraph ${names.normalised}[${mermaidLabel([`${table.name}: workflow ${names.workflow}`])}]`,
    );
    const triggers = resources.filter(
      (r) => r.type === "aws:glue/trigger:Trigger" && r.inputs.workflowName === names.workflow,
    );
    const scheduled = triggers.filter((t) => t.inputs.type === "SCHEDULED");
    for (const trigger of scheduled) {
      const started =
        trigger.inputs.startOnCreation === false ? " (not started: enabled: false)" : "";
      const scheduleId = id(trigger.inputs.name);
      lines.push(
        `    ${scheduleId}([${mermaidLabel([`schedule${started}`, `${trigger.inputs.schedule} UTC`])}])`,
      );
      for (const action of trigger.inputs.actions ?? [])
        lines.push(`    ${scheduleId} --> ${node(targetOf(action))}`);
    }
    const startedBySchedule = scheduled.flatMap((t) => (t.inputs.actions ?? []).map(targetOf));
    const conditional = triggers.filter((t) => t.inputs.type === "CONDITIONAL");
    for (const trigger of alongTheChain(conditional, startedBySchedule)) {
      for (const condition of trigger.inputs.predicate?.conditions ?? []) {
        const state = condition.state ?? condition.crawlState;
        for (const action of trigger.inputs.actions ?? []) {
          lines.push(
            `    ${node(condition.jobName ?? condition.crawlerName)} -- "${state}" --> ${node(targetOf(action))}`,
          );
        }
      }
    }
    lines.push("  end");
  }
  return lines.join("\n");
}
