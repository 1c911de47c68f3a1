/**
 * Whether two column values are the same value, however they were read: dates by time, decimals by
 * number (a compiled read gives "1.50" where Prisma gives a Decimal 1.5), JSON by content. Revision
 * diffs and the changed fields of an outbox event both compare this way.
 */

/** Whether `a` and `b` hold the same value. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  // A decimal is text where a compiled read gave it ("1.50") and a Decimal where Prisma did (1.5).
  if (a != null && b != null && (isDecimal(a) || isDecimal(b)))
    return String(a) === String(b) || Number(String(a)) === Number(String(b));
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null)
    return JSON.stringify(a) === JSON.stringify(b);
  return (a ?? null) === (b ?? null);
}

/** Whether `value` is a Prisma Decimal (decimal.js). */
function isDecimal(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Date) &&
    typeof (value as { toFixed?: unknown }).toFixed === "function"
  );
}
