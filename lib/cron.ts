/**
 * Validation of Glue/EventBridge cron expressions: `cron(min hour day-of-month month day-of-week year)`.
 * AWS rejects a bad expression only at deploy time, after other resources exist; catching it in
 * config validation fails fast and names the table. Pure.
 */

const MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC";
const DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT";

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string;
  extra?: RegExp;
}

const FIELDS: FieldRule[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, extra: /^(\?|L|W|\d{1,2}W|LW)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: DAYS,
    extra: /^(\?|L|\d(L|#[1-5])|(SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/,
  },
  { name: "year", min: 1970, max: 2199 },
];

function validValue(token: string, rule: FieldRule): boolean {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= rule.min && n <= rule.max;
  }
  return rule.names !== undefined && new RegExp(`^(${rule.names})$`).test(token);
}

function validField(field: string, rule: FieldRule): boolean {
  if (field === "*") return true;
  if (rule.extra?.test(field)) return true;
  return field.split(",").every((part) => {
    const [range, step, ...rest] = part.split("/");
    if (rest.length > 0) return false;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) return false;
    if (range === "*" && step !== undefined) return true;
    const bounds = range.split("-");
    if (bounds.length > 2) return false;
    return bounds.every((b) => validValue(b, rule));
  });
}

/** Returns undefined when valid, else a sentence saying what is wrong. */
export function cronProblem(expression: string): string | undefined {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) return "it must look like cron(Minutes Hours Day-of-month Month Day-of-week Year)";
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) return `it has ${fields.length} fields; Glue cron needs 6`;
  for (let i = 0; i < FIELDS.length; i++) {
    if (!validField(fields[i].toUpperCase(), FIELDS[i]))
      return `the ${FIELDS[i].name} field "${fields[i]}" is not valid`;
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    return "exactly one of day-of-month and day-of-week must be ?";
  }
  return undefined;
}
