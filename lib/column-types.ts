/**
 * Column types a table's `columns` setting may ask for: the same list the export job's type
 * policy writes (glue-scripts/item_types.py), from the shared contract.
 */
import { CONTRACT } from "./contract";

const { simple, collections, decimalPattern, maxDecimalPrecision } = CONTRACT.columnTypes;
const DECIMAL = new RegExp(`^${decimalPattern}$`);

export const ALLOWED_COLUMN_TYPES_TEXT = [...simple, "decimal(p,s)", ...collections].join(", ");

/** The type as Glue and the job spell it (lowercase, no spaces), or undefined if not allowed. */
export function normaliseColumnType(text: string): string | undefined {
  const type = text.toLowerCase().replace(/\s+/g, "");
  if ((simple as string[]).includes(type) || (collections as string[]).includes(type)) return type;
  const decimal = DECIMAL.exec(type);
  if (!decimal) return undefined;
  const [precision, scale] = [Number(decimal[1]), Number(decimal[2])];
  return precision >= 1 && precision <= maxDecimalPrecision && scale <= precision
    ? type
    : undefined;
}
