/**
 * Filter keys of the REST dialect: `<field>` or `<field>_<suffix>` (rest-dialect.md §3, §4), in query
 * parameters and inside `filter={...}` alike. Only names are resolved here; which operators a field
 * allows, and what values fit, is the runtime's to check.
 */
import type { Operator } from "../metadata/definition.ts";
import type { ResolvedField, ResolvedResource } from "../metadata/resolved.ts";
import { AppError } from "../runtime/errors.ts";

/** Every accepted suffix and the runtime operator it stands for (aliases included). */
export const SUFFIX_OPERATORS: ReadonlyMap<string, Operator> = new Map<string, Operator>([
  ["eq", "eq"],
  ["ne", "ne"],
  ["neq", "ne"],
  ["gt", "gt"],
  ["gte", "gte"],
  ["lt", "lt"],
  ["lte", "lte"],
  ["in", "in"],
  ["nin", "notIn"],
  ["not_in", "notIn"],
  ["notIn", "notIn"],
  ["like", "contains"],
  ["contains", "contains"],
  ["startswith", "startsWith"],
  ["startsWith", "startsWith"],
  ["endswith", "endsWith"],
  ["endsWith", "endsWith"],
  ["isnull", "isNull"],
  ["isNull", "isNull"],
  ["ilike", "like"],
  ["regex", "regex"],
]);

/** The suffix OpenAPI and error messages name for each operator (`eq` is the bare field name). */
export const CANONICAL_SUFFIX: Readonly<Record<Operator, string>> = {
  eq: "",
  ne: "_ne",
  gt: "_gt",
  gte: "_gte",
  lt: "_lt",
  lte: "_lte",
  in: "_in",
  notIn: "_nin",
  contains: "_like",
  startsWith: "_startswith",
  endsWith: "_endswith",
  isNull: "_isnull",
  like: "_ilike",
  regex: "_regex",
};

// Longest first, so `_not_in` wins over `_in`.
const SUFFIXES = [...SUFFIX_OPERATORS.keys()].sort((a, b) => b.length - a.length);

/** A field clients can see, and so name in filters and sorts. Hidden ones are treated as unknown. */
export function exposedField(resource: ResolvedResource, name: string): ResolvedField | undefined {
  const field = resource.field.get(name);
  return field && !(field.hidden.one && field.hidden.list) ? field : undefined;
}

/** A filter key split into field and operator; `op` is undefined for a bare field name. */
export interface FilterKey {
  readonly field: string;
  readonly op: Operator | undefined;
  /** Whether `field` names a field clients can see. */
  readonly known: boolean;
}

/**
 * Splits `views_gte` into `views` + `gte`. A key that is itself a field name is never split, so a field
 * called `created_at` stays one. Throws 400 when the part before the last `_` is a field but the suffix
 * is no operator (`views_between`). `shown` is the key as the client wrote it, for messages (a dotted
 * relation path ends in `key`).
 */
export function splitFilterKey(resource: ResolvedResource, key: string, where: string, shown: string = key): FilterKey {
  if (exposedField(resource, key)) return { field: key, op: undefined, known: true };
  for (const suffix of SUFFIXES) {
    const field = key.slice(0, -(suffix.length + 1));
    if (field !== "" && key.endsWith(`_${suffix}`)) {
      return { field, op: SUFFIX_OPERATORS.get(suffix), known: exposedField(resource, field) !== undefined };
    }
  }
  const at = key.lastIndexOf("_");
  if (at > 0 && exposedField(resource, key.slice(0, at))) {
    throw new AppError(
      "BAD_REQUEST",
      `Unknown filter operator "_${key.slice(at + 1)}" in ${where} "${shown}". Operators: ${[...SUFFIX_OPERATORS.keys()].map((s) => `_${s}`).join(", ")}.`,
    );
  }
  return { field: key, op: undefined, known: false };
}
