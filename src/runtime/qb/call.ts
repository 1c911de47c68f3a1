/**
 * A method call of a `qb` expression as the evaluator sees it (`.between(1, 9)`, `QB.limit(5)`), and
 * the checks of its arguments: how many, and that each is a literal of the kind wanted. Every failure
 * is a {@link QbError} at the column of the argument (or the call) at fault.
 */
import type { ResolvedResource } from "../../metadata/resolved.ts";
import { show } from "../errors.ts";
import type { Filter } from "../query.ts";
import { QbError } from "./errors.ts";
import type { FindResource } from "./paths.ts";
import { type SyntaxNode, startOf } from "./syntax.ts";

/** What the evaluator needs to know besides the tree. */
export interface EvaluateContext {
  /** The resource the expression queries. */
  readonly resource: ResolvedResource;
  /** Relation targets, to tell to-one from to-many along dotted paths. */
  readonly lookup: FindResource;
  /** The time the date helpers (`.today()`, `.last_n_days(n)`, …) count from. */
  readonly now: Date;
}

/** One call: its name, how messages name it, its arguments (syntax, not yet values) and where it is. */
export interface Call {
  readonly name: string;
  /** How messages name it: `.eq`, `QB.limit`. */
  readonly label: string;
  readonly args: readonly SyntaxNode[];
  readonly column: number;
}

/**
 * A field method: checks its arguments once and returns the conditions for a field, given its name and
 * the resource it belongs to (undefined past an unknown relation, which the runtime then refuses).
 */
export type FieldMethod = (
  call: Call,
  ctx: EvaluateContext,
) => (field: string, owner: ResolvedResource | undefined) => Filter;

/** The value a literal spells (the grammar allows only literals inside lists and right of a comparison). */
export function literalOf(
  node: SyntaxNode,
  head = "expected a value (a quoted string, a number, true, false, None, datetime(...) or a list)",
): unknown {
  if (node.kind === "value") return node.value;
  if (node.kind === "list") return node.items.map((item) => literalOf(item));
  throw new QbError(startOf(node), head, `, found ${describeNode(node)}`);
}

/** How a node that should have been a value reads in "found …". */
export function describeNode(node: SyntaxNode): string {
  switch (node.kind) {
    case "field":
      return `the field QB[${JSON.stringify(node.path)}]`;
    case "qb":
      return `QB.${node.name}()`;
    case "call":
      return `a call of .${node.name}()`;
    case "value":
      return `the value ${show(node.value)}`;
    case "list":
      return "a list";
    default:
      return "a condition";
  }
}

/**
 * Argument `index` of a call taking `min`..`max` arguments, which must be a value; an `index` of -1
 * only checks the count.
 */
export function argument(call: Call, min: number, max: number, index: number): unknown {
  const count = call.args.length;
  if (count < min || count > max) {
    const wanted =
      min === max
        ? `${min} argument${min === 1 ? "" : "s"}`
        : max === Number.POSITIVE_INFINITY
          ? `at least ${min} arguments`
          : `${min} to ${max} arguments`;
    throw new QbError(call.column, `${call.label}()`, ` takes ${wanted}, found ${count}`);
  }
  if (index < 0) return undefined;
  return literalOf(call.args[index] as SyntaxNode, `expected a value as argument ${index + 1} of ${call.label}()`);
}

/** The one argument of a call, which must be a list. */
export function listArgument(call: Call, index: number): unknown[] {
  const value = argument(call, 1, 1, index);
  if (!Array.isArray(value))
    throw new QbError(
      startOf(call.args[index] as SyntaxNode),
      `expected a list as the argument of ${call.label}()`,
      `, found ${show(value)} (${call.label}(['a', 'b']))`,
    );
  return value;
}

/** A whole-number argument in [low, high] of a call taking `min`..`max` arguments. */
export function wholeArgument(call: Call, index: number, low: number, high: number, max: number, min = 1): number {
  const value = argument(call, min, max, index);
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < low || value > high) {
    const range = high === Number.MAX_SAFE_INTEGER ? `≥ ${low}` : `from ${low} to ${high}`;
    throw new QbError(
      startOf(call.args[index] as SyntaxNode),
      `expected a whole number ${range} as argument ${index + 1} of ${call.label}()`,
      `, found ${show(value)}`,
    );
  }
  return value;
}
