/**
 * The methods of a field in a `qb` expression (querying.md, "QB expressions", the field-method table),
 * AutoCRUD's names and aliases included: each checks its arguments and returns the runtime's
 * conditions for a field. Which operators a field allows is the runtime's to check, so a method only
 * works on a field that allows the operators it stands for.
 */
import type { Operator } from "../../metadata/definition.ts";
import type { ResolvedResource } from "../../metadata/resolved.ts";
import { show } from "../errors.ts";
import type { Filter } from "../query.ts";
import { argument, type FieldMethod, listArgument } from "./call.ts";
import { DATE_METHODS } from "./dates.ts";
import { QbError } from "./errors.ts";
import { type SyntaxNode, startOf } from "./syntax.ts";

const leaf = (field: string, op: Operator, value: unknown): Filter => ({ field, op, value });
const comparison =
  (op: Operator): FieldMethod =>
  (call) => {
    const value = argument(call, 1, 1, 0);
    return (field) => leaf(field, op, value);
  };
/** The negation of a one-argument text method (`not_contains`). */
const negated =
  (op: Operator): FieldMethod =>
  (call) => {
    const value = argument(call, 1, 1, 0);
    return (field) => ({ not: leaf(field, op, value) });
  };
const membership =
  (op: "in" | "notIn"): FieldMethod =>
  (call) => {
    const value = listArgument(call, 0);
    return (field) => leaf(field, op, value);
  };
const between: FieldMethod = (call) => {
  const low = argument(call, 2, 2, 0);
  const high = argument(call, 2, 2, 1);
  return (field) => ({ and: [leaf(field, "gte", low), leaf(field, "lte", high)] });
};
/** A method without arguments. */
const constant =
  (make: (field: string, owner: ResolvedResource | undefined) => Filter): FieldMethod =>
  (call) => {
    argument(call, 0, 0, -1);
    return make;
  };

/**
 * AutoCRUD's truthiness, on a typed column: not null, and not the type's empty value (`""` for text,
 * 0 for numbers, false for booleans). A required field skips the null test (it never is null, and
 * `isNull` does not fit it). A field the path does not reach yields a condition the runtime refuses,
 * naming the fields it has.
 */
export function truthy(field: string, owner: ResolvedResource | undefined): Filter {
  const f = owner?.field.get(field);
  if (f === undefined) return leaf(field, "isNull", false);
  if (f.kind === "Boolean") return leaf(field, "eq", true);
  const parts: Filter[] = f.isRequired ? [] : [leaf(field, "isNull", false)];
  if (f.kind === "String") parts.push(leaf(field, "ne", ""));
  if (f.kind === "Int" || f.kind === "Float" || f.kind === "BigInt" || f.kind === "Decimal")
    parts.push(leaf(field, "ne", 0));
  return parts.length === 1 ? (parts[0] as Filter) : { and: parts };
}

// Maps, not object literals: a client-chosen name such as "constructor" must not find Object.prototype.
/** Every field method by name. */
export const FIELD_METHODS: ReadonlyMap<string, FieldMethod> = new Map<string, FieldMethod>([
  ["eq", comparison("eq")],
  ["ne", comparison("ne")],
  ["gt", comparison("gt")],
  ["gte", comparison("gte")],
  ["lt", comparison("lt")],
  ["lte", comparison("lte")],
  ["in_", membership("in")],
  ["one_of", membership("in")],
  ["not_in", membership("notIn")],
  // The runtime's text operators are all case-insensitive, so the i- forms are the same methods.
  ["contains", comparison("contains")],
  ["icontains", comparison("contains")],
  ["starts_with", comparison("startsWith")],
  ["istarts_with", comparison("startsWith")],
  ["ends_with", comparison("endsWith")],
  ["iends_with", comparison("endsWith")],
  ["not_contains", negated("contains")],
  ["not_starts_with", negated("startsWith")],
  ["not_ends_with", negated("endsWith")],
  ["like", comparison("like")],
  ["regex", comparison("regex")],
  ["match", comparison("regex")],
  ["between", between],
  ["in_range", between],
  [
    "is_null",
    (call) => {
      const value = call.args.length === 0 ? true : argument(call, 0, 1, 0);
      if (typeof value !== "boolean")
        throw new QbError(
          startOf(call.args[0] as SyntaxNode),
          `expected true or false as the argument of .is_null()`,
          `, found ${show(value)}`,
        );
      return (field) => leaf(field, "isNull", value);
    },
  ],
  ["is_not_null", constant((field) => leaf(field, "isNull", false))],
  ["has_value", constant((field) => leaf(field, "isNull", false))],
  ["is_empty", constant((field) => ({ or: [leaf(field, "eq", ""), leaf(field, "isNull", true)] }))],
  ["is_true", constant((field) => leaf(field, "eq", true))],
  ["is_false", constant((field) => leaf(field, "eq", false))],
  ["is_truthy", constant(truthy)],
  ["is_falsy", constant((field, owner) => ({ not: truthy(field, owner) }))],
  ...DATE_METHODS,
]);
