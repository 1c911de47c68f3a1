/**
 * Evaluates a Prisma-style `where` against a row in memory: for rows that no longer exist to query
 * (a purged record's last snapshot), when deciding whether an actor's tenant and scope covered it.
 * Covers the subset scopes use (equality, equals/not/in/notIn/gt/gte/lt/lte/contains/startsWith/
 * endsWith, AND/OR/NOT); anything else — relation conditions among them — answers "no match", so an
 * undecidable row is never shown.
 */
type Row = Readonly<Record<string, unknown>>;

function comparable(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return time;
  }
  return value;
}

function same(a: unknown, b: unknown): boolean {
  return comparable(a ?? null) === comparable(b ?? null);
}

function scalar(value: unknown, condition: unknown): boolean {
  if (condition === null || typeof condition !== "object" || condition instanceof Date) return same(value, condition);
  const c = condition as Record<string, unknown>;
  const insensitive = c.mode === "insensitive";
  const text = (x: unknown) => (insensitive ? String(x).toLowerCase() : String(x));
  for (const [op, operand] of Object.entries(c)) {
    const v = comparable(value) as number | string;
    const o = comparable(operand) as number | string;
    switch (op) {
      case "equals":
        if (!same(value, operand)) return false;
        break;
      case "not":
        if (
          operand !== null && typeof operand === "object" && !(operand instanceof Date)
            ? scalar(value, operand)
            : same(value, operand)
        )
          return false;
        break;
      case "in":
        if (!Array.isArray(operand) || !operand.some((x) => same(value, x))) return false;
        break;
      case "notIn":
        if (!Array.isArray(operand) || operand.some((x) => same(value, x))) return false;
        break;
      case "gt":
        if (value == null || !(v > o)) return false;
        break;
      case "gte":
        if (value == null || !(v >= o)) return false;
        break;
      case "lt":
        if (value == null || !(v < o)) return false;
        break;
      case "lte":
        if (value == null || !(v <= o)) return false;
        break;
      case "contains":
        if (value == null || !text(value).includes(text(operand))) return false;
        break;
      case "startsWith":
        if (value == null || !text(value).startsWith(text(operand))) return false;
        break;
      case "endsWith":
        if (value == null || !text(value).endsWith(text(operand))) return false;
        break;
      case "mode":
        break;
      default:
        return false;
    }
  }
  return true;
}

const OPERATORS: ReadonlySet<string> = new Set([
  "equals",
  "not",
  "in",
  "notIn",
  "gt",
  "gte",
  "lt",
  "lte",
  "contains",
  "startsWith",
  "endsWith",
  "mode",
]);

function plain(value: unknown): boolean {
  return value === null || typeof value !== "object" || value instanceof Date || Array.isArray(value);
}

/**
 * Whether {@link matchesWhere} decides `where` on `row` (rather than answering "no match" because it
 * cannot tell): conditions on the row's own columns, with the operators above, and AND/OR/NOT of them.
 */
export function decidable(row: Row, where: unknown): boolean {
  if (where === null || typeof where !== "object") return false;
  return Object.entries(where as Record<string, unknown>).every(([key, condition]) => {
    if (key === "AND" || key === "OR" || key === "NOT")
      return (Array.isArray(condition) ? condition : [condition]).every((w) => decidable(row, w));
    if (!(key in row)) return false;
    if (plain(condition)) return true;
    return Object.entries(condition as Record<string, unknown>).every(
      ([op, operand]) =>
        OPERATORS.has(op) && (op !== "not" || plain(operand) || decidable({ value: null }, { value: operand })),
    );
  });
}

/** Whether `row` meets `where`; false for any condition this evaluator cannot decide (e.g. on relations). */
export function matchesWhere(row: Row, where: unknown): boolean {
  if (where === null || typeof where !== "object") return false;
  for (const [key, condition] of Object.entries(where as Record<string, unknown>)) {
    const items = Array.isArray(condition) ? condition : [condition];
    if (key === "AND") {
      if (!items.every((w) => matchesWhere(row, w))) return false;
    } else if (key === "OR") {
      if (!items.some((w) => matchesWhere(row, w))) return false;
    } else if (key === "NOT") {
      if (items.some((w) => matchesWhere(row, w))) return false;
    } else if (!(key in row) || !scalar(row[key], condition)) return false;
  }
  return true;
}
