/**
 * The `qb` query parameter (querying.md, "QB expressions"; rest-dialect.md §11): text → tokens →
 * syntax tree → the runtime's filter, sort and page. Bounded before any work is done, so hostile input
 * costs at most a linear pass over 4 KiB.
 */
import { badQb, QbError } from "./errors.ts";
import { type EvaluateContext, evaluate, type QbQuery } from "./evaluate.ts";
import { tokenize } from "./lexer.ts";
import { type ParseLimits, parse } from "./parser.ts";

/** Bounds on one `qb` expression. */
export interface QbLimits extends ParseLimits {
  /** Longest expression, in characters. @default 4096 */
  maxLength: number;
}

/** @see QbLimits */
export const DEFAULT_QB_LIMITS: QbLimits = Object.freeze({ maxLength: 4096, maxDepth: 32, maxListItems: 1000 });

/**
 * Parses and evaluates a `qb` expression. Throws a 400 {@link AppError} whose message gives the column
 * of the problem and what was expected there.
 * @example
 * parseQbParam("QB['views'].gt(10) & QB['status'].in_(['draft','published'])", { resource, lookup, now: new Date() })
 * // → { filter: { and: [{ field: "views", op: "gt", value: 10 }, { field: "status", op: "in", value: ["draft", "published"] }] } }
 */
export function parseQbParam(text: string, ctx: EvaluateContext, limits: QbLimits = DEFAULT_QB_LIMITS): QbQuery {
  try {
    if (text.length > limits.maxLength)
      throw new QbError(
        limits.maxLength + 1,
        `the expression is too long: ${text.length} characters, at most ${limits.maxLength}`,
      );
    if (text.trim() === "")
      throw new QbError(1, "expected an expression", ", found end of input (QB.all() matches every record)");
    return evaluate(parse(tokenize(text), limits), ctx);
  } catch (error) {
    if (error instanceof QbError) throw badQb("qb", error);
    throw error;
  }
}
