/**
 * The longest gap between two firings of a Glue cron schedule, which the stale-snapshot alarm
 * needs: a snapshot is late only once the longest regular wait has passed. Pure.
 *
 * Glue cron (the EventBridge syntax): `cron(minutes hours day-of-month month day-of-week year)`,
 * UTC; day-of-week 1-7 is SUN-SAT; `L` (last day, or last <weekday>), `W` (nearest weekday), `#`
 * (nth weekday of the month) as in the EventBridge guide, "Cron expressions". Expressions are
 * validated first by lib/cron.ts.
 */

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const DAY_MS = 86_400_000;

/** Four years from a fixed start: every weekday/month-length/leap-year combination occurs. */
const WINDOW_START = Date.UTC(2027, 0, 1);
const WINDOW_DAYS = 4 * 366 + 31;

function numberOf(token: string, names?: string[], offset = 1): number {
  const named = names?.indexOf(token.toUpperCase()) ?? -1;
  return named >= 0 ? named + offset : Number(token);
}

/** The set of values a plain field (`*`, lists, ranges, steps) allows between min and max. */
function valuesOf(field: string, min: number, max: number, names?: string[]): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText ? Number(stepText) : 1;
    let [from, to] = [min, max];
    if (range !== "*") {
      const [a, b] = range.split("-");
      from = numberOf(a, names);
      to = b === undefined ? (stepText ? max : from) : numberOf(b, names);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function lastDayOfMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

function isWeekday(year: number, month0: number, day: number): boolean {
  const dow = new Date(Date.UTC(year, month0, day)).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** The weekday nearest to `day` within the month (EventBridge's `W`). */
function nearestWeekday(year: number, month0: number, day: number): number {
  const last = lastDayOfMonth(year, month0);
  const target = Math.min(day, last);
  const dow = new Date(Date.UTC(year, month0, target)).getUTCDay();
  if (dow === 6) return target === 1 ? 3 : target - 1;
  if (dow === 0) return target === last ? target - 2 : target + 1;
  return target;
}

type DayTest = (year: number, month0: number, day: number) => boolean;

function dayOfMonthTest(field: string): DayTest {
  const f = field.toUpperCase();
  if (f === "?") return () => true;
  if (f === "L") return (y, m, d) => d === lastDayOfMonth(y, m);
  if (f === "LW") {
    return (y, m, d) => {
      let last = lastDayOfMonth(y, m);
      while (!isWeekday(y, m, last)) last--;
      return d === last;
    };
  }
  const w = /^(\d{1,2})W$/.exec(f);
  if (w) return (y, m, d) => d === nearestWeekday(y, m, Number(w[1]));
  const days = valuesOf(f, 1, 31);
  return (_y, _m, d) => days.has(d);
}

function dayOfWeekTest(field: string): DayTest {
  const f = field.toUpperCase();
  if (f === "?") return () => true;
  const dowOf = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d)).getUTCDay() + 1;
  if (f === "L") return (y, m, d) => dowOf(y, m, d) === 7;
  const last = /^(\w+)L$/.exec(f);
  if (last) {
    const wanted = numberOf(last[1], DAYS);
    return (y, m, d) => dowOf(y, m, d) === wanted && d + 7 > lastDayOfMonth(y, m);
  }
  const nth = /^(\w+)#([1-5])$/.exec(f);
  if (nth) {
    const wanted = numberOf(nth[1], DAYS);
    return (y, m, d) => dowOf(y, m, d) === wanted && Math.ceil(d / 7) === Number(nth[2]);
  }
  const days = valuesOf(f, 1, 7, DAYS);
  return (y, m, d) => days.has(dowOf(y, m, d));
}

/** Every firing (epoch ms, ascending) of the schedule from `start` for `days` days. */
export function firings(expression: string, start = WINDOW_START, days = WINDOW_DAYS): number[] {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) throw new Error(`not a cron expression: ${expression}`);
  const [minutes, hours, dom, month, dow, year] = match[1].trim().split(/\s+/);
  const minuteSet = [...valuesOf(minutes, 0, 59)].sort((a, b) => a - b);
  const hourSet = [...valuesOf(hours, 0, 23)].sort((a, b) => a - b);
  const monthSet = valuesOf(month, 1, 12, MONTHS);
  const years = year === "*" ? undefined : valuesOf(year, 1970, 2199);
  const domTest = dayOfMonthTest(dom);
  const dowTest = dayOfWeekTest(dow);
  const times: number[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(start + i * DAY_MS);
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()];
    if (years && !years.has(y)) continue;
    if (!monthSet.has(m + 1) || !domTest(y, m, d) || !dowTest(y, m, d)) continue;
    for (const h of hourSet) for (const min of minuteSet) times.push(Date.UTC(y, m, d, h, min));
  }
  return times;
}

/**
 * The longest time between two consecutive firings, in seconds; undefined when the schedule
 * fires fewer than twice in four years (a one-off, or a year field in the past), which no
 * freshness threshold fits.
 */
export function longestGapSeconds(expression: string): number | undefined {
  const times = firings(expression);
  if (times.length < 2) return undefined;
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
  return longest / 1000;
}

/** How many times a day the schedule fires, on average over four years (undefined: a one-off). */
export function runsPerDay(expression: string): number | undefined {
  const times = firings(expression);
  if (times.length < 2) return undefined;
  return times.length / WINDOW_DAYS;
}
