/**
 * Client values coerced to a field's type, the same way for filters, writes and ids: strict on
 * meaning (impossible dates, integers out of range, text PostgreSQL cannot store), lenient on
 * spelling (REST sends numbers and booleans as strings).
 */
import type { ResolvedField } from "../metadata/resolved.ts";
import { show } from "./errors.ts";

const INT32 = { min: -2147483648, max: 2147483647 };
const MIN_DATE = new Date("0001-01-01T00:00:00Z").getTime();
const MAX_DATE = new Date("9999-12-31T23:59:59.999Z").getTime();
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Parses an ISO 8601 date or date-time, refusing impossible calendar dates (2020-02-31) JS would roll over. */
function parseDateTime(text: string): Date | undefined {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > new Date(Date.UTC(2000, month, 0)).getUTCDate() ||
    (month === 2 && day === 29 && !isLeap(year))
  )
    return undefined;
  return new Date(text.trim());
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Why PostgreSQL would refuse a text value, or undefined: it stores no NUL and only well-formed UTF-8. */
export function textProblem(text: string): string | undefined {
  if (text.includes("\u0000")) return "text must not contain the NUL character (\\u0000)";
  if (!text.isWellFormed()) return "text must be well-formed Unicode (it has a lone surrogate)";
  return undefined;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Coerces a client value to a field's type: strict on meaning, lenient on spelling (REST sends
 * numbers as strings). Returns an error message instead of throwing so callers can collect them.
 */
export function coerceValue(
  field: ResolvedField,
  value: unknown,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const fail = (expected: string) => ({ ok: false as const, message: `expected ${expected}, got ${show(value)}` });
  if (value === null)
    return field.isRequired ? fail(`${describe(field)} (the field is required)`) : { ok: true, value: null };
  if (field.isList) {
    if (!Array.isArray(value)) return fail(`a list, each ${describe(field)}`);
    const out: unknown[] = [];
    for (const item of value) {
      const c = coerceValue({ ...field, isList: false, isRequired: true }, item);
      if (!c.ok) return c;
      out.push(c.value);
    }
    return { ok: true, value: out };
  }
  switch (field.kind) {
    case "String": {
      if (typeof value !== "string") return fail("a string");
      const bad = textProblem(value);
      return bad ? { ok: false, message: bad } : { ok: true, value };
    }
    case "Uuid":
      return typeof value === "string" && UUID.test(value) ? { ok: true, value: value.toLowerCase() } : fail("a UUID");
    case "Int":
    case "BigInt": {
      const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isInteger(n)) return fail("an integer");
      if (field.kind === "Int" && (n < INT32.min || n > INT32.max))
        return fail("an integer between -2147483648 and 2147483647");
      if (!Number.isSafeInteger(n)) return fail("a safe integer");
      return { ok: true, value: field.kind === "BigInt" ? BigInt(n) : n };
    }
    case "Float":
    case "Decimal": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      return typeof n === "number" && Number.isFinite(n) ? { ok: true, value: n } : fail("a number");
    }
    case "Boolean":
      if (typeof value === "boolean") return { ok: true, value };
      if (value === "true" || value === "false") return { ok: true, value: value === "true" };
      return fail("true or false");
    case "DateTime": {
      const d = value instanceof Date ? value : typeof value === "string" ? parseDateTime(value) : undefined;
      if (!d || Number.isNaN(d.getTime())) return fail("an ISO 8601 date-time, e.g. 2025-06-01T12:00:00Z");
      if (d.getTime() < MIN_DATE || d.getTime() > MAX_DATE) return fail("a date-time between years 0001 and 9999");
      return { ok: true, value: d };
    }
    case "Enum":
      return typeof value === "string" && field.enum?.values.includes(value)
        ? { ok: true, value }
        : fail(`one of ${field.enum?.values.join(", ")}`);
    case "Json":
      return { ok: true, value };
  }
}

/** "a value of PostStatus", "an Int", "a DateTime". */
function describe(field: ResolvedField): string {
  if (field.kind === "Enum") return `a value of ${field.enum?.name}`;
  return `${/^[AEIOU]/.test(field.kind) ? "an" : "a"} ${field.kind}`;
}
