/**
 * `datetime(...)` literals of a `qb` expression, as AutoCRUD's parser reads Python's: parts
 * `datetime(2024, 1, 31, 12, 30)` (year, month, day, then optionally hour, minute, second,
 * microsecond) or one ISO 8601 text `datetime('2024-01-31T12:30:00+08:00')`. Parts, and a text
 * without an offset, are UTC (a server has no meaningful local zone). The value is the instant as
 * ISO 8601 text, to the millisecond, which the runtime converts like any date a client sends.
 */
import { QbError } from "./errors.ts";
import type { Token } from "./lexer.ts";

const EXAMPLE = "datetime(2024, 1, 31), datetime(2024, 1, 31, 12, 30) or datetime('2024-01-31T12:30:00Z')";
const PARTS = [
  { name: "year", low: 1, high: 9999 },
  { name: "month", low: 1, high: 12 },
  { name: "day", low: 1, high: 31 },
  { name: "hour", low: 0, high: 23 },
  { name: "minute", low: 0, high: 59 },
  { name: "second", low: 0, high: 59 },
  { name: "microsecond", low: 0, high: 999_999 },
] as const;
/** The most parts a datetime takes. */
export const MAX_DATETIME_PARTS = PARTS.length;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The instant `datetime(args)` at `column` spells, as ISO 8601 text. Throws {@link QbError} at the part at fault. */
export function datetimeValue(args: readonly Token[], column: number): string {
  const first = args[0];
  if (first === undefined) throw new QbError(column, "datetime()", ` needs a date: ${EXAMPLE}`);
  if (first.kind === "string") {
    const extra = args[1];
    if (extra !== undefined)
      throw new QbError(extra.column, "datetime()", ` takes one ISO 8601 text or numbers, not both: ${EXAMPLE}`);
    return fromIso(first.value, first.column);
  }
  if (args.length < 3) throw new QbError(column, "datetime()", ` needs at least a year, a month and a day: ${EXAMPLE}`);
  const values = args.map((token, i) => {
    const part = PARTS[i] as (typeof PARTS)[number];
    const n = token.kind === "number" ? token.value : Number.NaN;
    if (!Number.isInteger(n) || n < part.low || n > part.high)
      throw new QbError(
        token.column,
        `expected the ${part.name} as a whole number from ${part.low} to ${part.high} in datetime()`,
        `, found ${token.kind === "end" ? "end of input" : token.text}`,
      );
    return n;
  });
  const [year, month, day, hour = 0, minute = 0, second = 0, micro = 0] = values as [number, number, number];
  return instant(year, month, day, hour, minute, second, Math.floor(micro / 1000), 0, args[2] as Token);
}

function fromIso(text: string, column: number): string {
  const m = ISO.exec(text);
  if (!m)
    throw new QbError(
      column,
      "expected an ISO 8601 date or date-time in datetime()",
      `, found ${JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text)} (2024-01-31, 2024-01-31T12:30:00Z, 2024-01-31T12:30:00+08:00)`,
    );
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.replace(/\D/g, "");
  const [zh, zm] = [Number(digits.slice(0, 2) || 0), Number(digits.slice(2) || 0)];
  const offset = sign * (zh * 60 + zm);
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)];
  parts.forEach((n, i) => {
    const part = PARTS[i] as (typeof PARTS)[number];
    if (n < part.low || n > part.high)
      throw new QbError(
        column,
        `the ${part.name} of ${JSON.stringify(text)}`,
        ` is out of range (${part.low} to ${part.high})`,
      );
  });
  const [year, month, day, hour, minute, second] = parts as [number, number, number, number, number, number];
  return instant(year, month, day, hour, minute, second, Number(frac.padEnd(3, "0").slice(0, 3)), offset, column);
}

/** The ISO text of a wall-clock time at a UTC offset (minutes); refuses a day the month does not have. */
function instant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  offset: number,
  at: Token | number,
): string {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCDate() !== day)
    throw new QbError(
      typeof at === "number" ? at : at.column,
      `day ${day}`,
      ` does not exist in ${year}-${String(month).padStart(2, "0")} in datetime()`,
    );
  date.setUTCHours(hour, minute, second, ms);
  return new Date(date.getTime() - offset * 60_000).toISOString();
}
