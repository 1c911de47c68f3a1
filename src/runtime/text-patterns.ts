/**
 * The values of the text operators, made safe for PostgreSQL: `contains` / `startsWith` / `endsWith`
 * text escaped to match literally (§4.2), `like` patterns and `regex` patterns checked before the
 * database sees them.
 */
import { textProblem } from "./coerce.ts";
import { AppError, show } from "./errors.ts";

/**
 * Prisma sends `contains`/`startsWith`/`endsWith` to ILIKE without escaping (`contains: "%"` matches
 * every row), so `%`, `_` and the escape character itself are escaped here to match literally.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Longest `regex` pattern, in characters. PostgreSQL's regular-expression engine runs in time
 * polynomial in the text for patterns without back-references (it compiles them to automata rather
 * than backtracking), so a short pattern without back-references bounds the work; both are checked.
 */
export const MAX_REGEX_LENGTH = 256;

/** A `like` or `regex` pattern, checked before PostgreSQL sees it (which still refuses a malformed regex with a 400). */
export function patternOf(at: string, op: "like" | "regex", value: unknown): string {
  const bad = (why: string) => new AppError("BAD_REQUEST", `Invalid filter value for ${at} (${op}): ${why}.`);
  if (typeof value !== "string") throw bad(`expected a string, got ${show(value)}`);
  const problem = textProblem(value);
  if (problem) throw bad(problem);
  if (op === "like") {
    // A trailing lone backslash escapes nothing; PostgreSQL would refuse the whole statement.
    if (/(^|[^\\])(\\\\)*\\$/.test(value)) throw bad(`the pattern ends with a lone "\\"; write "\\\\" for a backslash`);
    return value;
  }
  if (value.length > MAX_REGEX_LENGTH)
    throw bad(`the pattern is ${value.length} characters long, at most ${MAX_REGEX_LENGTH}`);
  // Back-references are what make a regular expression backtrack (exponential time on hostile text).
  if (/\\[1-9]/.test(value.replace(/\\\\/g, ""))) throw bad(`back-references (\\1 … \\9) are not supported`);
  return value;
}
