// Longer than 400 lines: the tables of qb helpers, methods and modifiers and the evaluator that reads them map one
// to one onto querying.md's "QB expressions".
/**
 * What a `qb` syntax tree means: fields, conditions, helpers and result modifiers become the runtime's
 * filter, sort and page (querying.md, "QB expressions"). Only names are resolved here; which fields,
 * operators, values and page sizes are allowed is checked by the runtime, which names the field at fault.
 */
import type { Operator } from "../../metadata/definition.ts";
import { show } from "../errors.ts";
import type { Filter, Sort } from "../query.ts";
import { argument, type Call, type EvaluateContext, literalOf, wholeArgument } from "./call.ts";
import { QbError } from "./errors.ts";
import { FIELD_METHODS, truthy } from "./field-methods.ts";
import { onPath } from "./paths.ts";
import { type CompareOperator, type SyntaxNode, startOf } from "./syntax.ts";

export type { EvaluateContext } from "./call.ts";

/** A `qb` expression's result, in the runtime's terms. No filter means every record. */
export interface QbQuery {
  readonly filter?: Filter;
  readonly sort?: readonly Sort[];
  readonly offset?: number;
  readonly limit?: number;
}

/**
 * Fields the meta helpers stand for: `QB.created_time()` is `QB['createdAt']`; `QB.resource_id()` is
 * the resource's id, whatever its name. The same names are sort keys (`.sort('-created_time')`).
 */
export const META_FIELDS: ReadonlyMap<string, string> = new Map([
  ["created_time", "createdAt"],
  ["updated_time", "updatedAt"],
  ["created_by", "createdBy"],
  ["updated_by", "updatedBy"],
  ["resource_id", ""],
]);

/** The field a meta name stands for on `ctx`'s resource (`resource_id`: the id), or undefined for another name. */
export function metaField(name: string, ctx: Pick<EvaluateContext, "resource">): string | undefined {
  const field = META_FIELDS.get(name);
  return field === "" ? ctx.resource.id.name : field;
}

/**
 * A sort key as AutoCRUD writes it: `title` or `+title` ascending, `-title` descending; a meta name
 * (`created_time`, `resource_id`, …) stands for its field. Undefined when no field is named.
 * @example sortKey("-created_time", { resource: posts }) // → { field: "createdAt", direction: "desc" }
 */
export function sortKey(key: string, ctx: Pick<EvaluateContext, "resource">): Sort | undefined {
  const direction = key.startsWith("-") ? "desc" : "asc";
  const name = key.startsWith("-") || key.startsWith("+") ? key.slice(1) : key;
  if (name === "") return undefined;
  return { field: metaField(name, ctx) ?? name, direction };
}

/** A modifier as messages name it (`.limit`, `QB.page`), and where it is. */
type Modifier = { readonly name: string; readonly column: number };

/** What a node evaluates to. `undefined` filter: every record (`QB.all()`). */
type Meaning =
  | { readonly kind: "field"; readonly path: string; readonly column: number }
  /** `QB.is_deleted()`: whether the record is in the trash (§18). */
  | { readonly kind: "deleted"; readonly column: number }
  | { readonly kind: "condition"; readonly filter: Filter | undefined; readonly column: number }
  | {
      readonly kind: "query";
      readonly filter: Filter | undefined;
      readonly sort?: readonly Sort[];
      readonly offset?: number;
      readonly limit?: number;
      /** Which modifier set each part, to name both when two collide. */
      readonly setBy: Readonly<Partial<Record<"sort" | "offset" | "limit", Modifier>>>;
      readonly first: Modifier;
      readonly column: number;
    }
  | { readonly kind: "value"; readonly value: unknown; readonly column: number };
type Query = Extract<Meaning, { kind: "query" }>;

/** A matcher no record satisfies (`~QB.all()`): an empty OR. */
const NOTHING: Filter = { or: [] };

const COMPARE_OPS: Readonly<Record<CompareOperator, Operator>> = {
  "==": "eq",
  "!=": "ne",
  ">": "gt",
  ">=": "gte",
  "<": "lt",
  "<=": "lte",
  "<<": "in",
  ">>": "contains",
  "%": "regex",
};

/** Result modifiers: each sets parts of the page or the order of a query. */
type ModifierMethod = (call: Call, ctx: EvaluateContext) => { sort?: Sort[]; offset?: number; limit?: number };
const sortModifier: ModifierMethod = (call, ctx) => {
  if (call.args.length === 0)
    throw new QbError(
      call.column,
      `${call.label}()`,
      ` needs at least one field: ${call.label}('-createdAt', 'title')`,
    );
  return {
    sort: call.args.map((node, i) => {
      const key = argument(call, 1, Number.POSITIVE_INFINITY, i);
      const sort = typeof key === "string" ? sortKey(key, ctx) : undefined;
      if (sort === undefined)
        throw new QbError(
          startOf(node),
          `expected a field name as argument ${i + 1} of ${call.label}()`,
          `, found ${show(key)} ('title', or '-views' for descending)`,
        );
      return sort;
    }),
  };
};
const MODIFIERS: ReadonlyMap<string, ModifierMethod> = new Map<string, ModifierMethod>([
  ["sort", sortModifier],
  ["order_by", sortModifier],
  ["limit", (call) => ({ limit: wholeArgument(call, 0, 0, Number.MAX_SAFE_INTEGER, 1) })],
  ["offset", (call) => ({ offset: wholeArgument(call, 0, 0, Number.MAX_SAFE_INTEGER, 1) })],
  [
    "page",
    (call, ctx) => {
      const number = wholeArgument(call, 0, 1, Number.MAX_SAFE_INTEGER, 2);
      const size =
        call.args.length > 1 ? wholeArgument(call, 1, 0, Number.MAX_SAFE_INTEGER, 2) : ctx.resource.defaultPageSize;
      return { offset: (number - 1) * size, limit: size };
    },
  ],
  [
    "first",
    (call) => {
      argument(call, 0, 0, -1);
      return { limit: 1 };
    },
  ],
]);

// Maps, not object literals: a client-chosen name such as "constructor" must not find Object.prototype.
const HELPERS = ["all", "any", ...META_FIELDS.keys(), "is_deleted", ...MODIFIERS.keys()];
/** What `QB.is_deleted()` takes: a boolean test, in any of these forms. */
const DELETED_METHODS: ReadonlyMap<string, boolean | undefined> = new Map([
  ["eq", undefined],
  ["ne", undefined],
  ["is_true", true],
  ["is_false", false],
  ["is_truthy", true],
  ["is_falsy", false],
]);

/** Evaluates a whole expression. Throws {@link QbError} naming the column of the first problem. */
export function evaluate(tree: SyntaxNode, ctx: EvaluateContext): QbQuery {
  const result = meaning(tree, ctx);
  if (result.kind === "query") {
    return { ...(result.filter ? { filter: result.filter } : {}), ...pick(result) };
  }
  const filter = condition(result, ctx);
  return filter ? { filter } : {};
}

function pick(q: Query): Omit<QbQuery, "filter"> {
  return {
    ...(q.sort ? { sort: q.sort } : {}),
    ...(q.offset !== undefined ? { offset: q.offset } : {}),
    ...(q.limit !== undefined ? { limit: q.limit } : {}),
  };
}

function meaning(node: SyntaxNode, ctx: EvaluateContext): Meaning {
  switch (node.kind) {
    case "field":
      return { kind: "field", path: node.path, column: node.column };
    case "value":
    case "list":
      return { kind: "value", value: literalOf(node), column: node.column };
    case "compare": {
      const left = meaning(node.left, ctx);
      if (left.kind === "deleted") return deletedTest(node.op, literalOf(node.right), node.right, left.column);
      if (left.kind !== "field")
        throw new QbError(
          left.column,
          "expected a field",
          `, found ${describe(left)} (the left of "${node.op}" is a field: QB['views'] ${node.op} …)`,
        );
      const value = literalOf(node.right);
      if (node.op === "<<" && !Array.isArray(value))
        throw new QbError(
          node.right.column,
          "expected a list",
          `, found ${show(value)} (the right of "<<" is a list: QB['status'] << ['draft', 'published'])`,
        );
      const op = COMPARE_OPS[node.op];
      return {
        kind: "condition",
        filter: onPath(
          ctx.resource,
          ctx.lookup,
          left.path,
          (field) => ({ field, op, value }),
          pathFailure(left.column, left.path),
        ),
        column: left.column,
      };
    }
    case "not": {
      // `~QB['field']` is AutoCRUD's falsy shortcut: the negation of the field's truthiness.
      const operand = condition(meaning(node.operand, ctx), ctx);
      return { kind: "condition", filter: operand === undefined ? NOTHING : { not: operand }, column: node.column };
    }
    case "and":
    case "or":
      return {
        kind: "condition",
        filter: combine(
          node.kind,
          node.operands.map((o) => condition(meaning(o, ctx), ctx)),
        ),
        column: node.column,
      };
    case "qb":
      return helper(node, ctx);
    case "call":
      return method(node, meaning(node.target, ctx), ctx);
  }
}

/** `QB.<name>(...)`. */
function helper(node: Extract<SyntaxNode, { kind: "qb" }>, ctx: EvaluateContext): Meaning {
  const call: Call = { name: node.name, label: `QB.${node.name}`, args: node.args, column: node.column };
  if (node.name === "all" || node.name === "any") {
    if (node.name === "any" && node.args.length === 0)
      throw new QbError(
        node.column,
        "QB.any()",
        " needs at least one condition (QB.all() with none matches every record)",
      );
    const kind = node.name === "all" ? "and" : "or";
    return {
      kind: "condition",
      filter: combine(
        kind,
        node.args.map((a) => condition(meaning(a, ctx), ctx)),
      ),
      column: node.column,
    };
  }
  const field = metaField(node.name, ctx);
  if (field !== undefined) {
    argument(call, 0, 0, -1);
    return { kind: "field", path: field, column: node.column };
  }
  if (node.name === "is_deleted") {
    argument(call, 0, 0, -1);
    return { kind: "deleted", column: node.column };
  }
  // A modifier on QB itself stands for the same modifier on QB.all(): QB.limit(5) is QB.all().limit(5).
  if (MODIFIERS.has(node.name)) return modify({ kind: "condition", filter: undefined, column: node.column }, call, ctx);
  throw new QbError(
    node.column,
    `unknown helper QB.${node.name}()`,
    `; QB has ${HELPERS.map((h) => `QB.${h}()`).join(", ")} and QB['field']`,
  );
}

/** `<target>.<name>(...)`. */
function method(node: Extract<SyntaxNode, { kind: "call" }>, target: Meaning, ctx: EvaluateContext): Meaning {
  const call: Call = { name: node.name, label: `.${node.name}`, args: node.args, column: node.column };
  if (target.kind === "deleted" && DELETED_METHODS.has(node.name)) {
    const fixed = DELETED_METHODS.get(node.name);
    if (fixed !== undefined) {
      argument(call, 0, 0, -1);
      return { kind: "condition", filter: { deleted: fixed }, column: target.column };
    }
    return deletedTest(
      node.name === "eq" ? "==" : "!=",
      argument(call, 1, 1, 0),
      call.args[0] as SyntaxNode,
      target.column,
    );
  }
  const fieldMethod = FIELD_METHODS.get(node.name);
  if (fieldMethod !== undefined) {
    if (target.kind !== "field")
      throw new QbError(
        node.column,
        `.${node.name}()`,
        ` applies to a field, not to ${describe(target)}: QB['views'].${node.name}(…)`,
      );
    return {
      kind: "condition",
      filter: onPath(
        ctx.resource,
        ctx.lookup,
        target.path,
        fieldMethod(call, ctx),
        pathFailure(target.column, target.path),
      ),
      column: target.column,
    };
  }
  if (MODIFIERS.has(node.name)) {
    if (target.kind === "field" || target.kind === "value" || target.kind === "deleted") {
      throw new QbError(
        node.column,
        `.${node.name}()`,
        ` applies to a condition or to QB.all(), not to ${describe(target)}: QB['views'].gt(10).${node.name}(…)`,
      );
    }
    return modify(target, call, ctx);
  }
  throw new QbError(
    node.column,
    `unknown method .${node.name}()`,
    `; a field has ${[...FIELD_METHODS.keys()].map((m) => `.${m}()`).join(", ")}; a condition has ${[...MODIFIERS.keys()].map((m) => `.${m}()`).join(", ")}`,
  );
}

/** Applies a result modifier, refusing to set the same part twice (`.limit(5).first()`). */
function modify(target: Extract<Meaning, { kind: "condition" | "query" }>, call: Call, ctx: EvaluateContext): Query {
  const modifier = { name: call.label, column: call.column };
  const change = (MODIFIERS.get(call.name) as ModifierMethod)(call, ctx);
  const base: Query =
    target.kind === "query"
      ? target
      : { kind: "query", filter: target.filter, setBy: {}, first: modifier, column: target.column };
  const setBy = { ...base.setBy };
  for (const part of ["sort", "offset", "limit"] as const) {
    if (change[part] === undefined) continue;
    const earlier = setBy[part];
    if (earlier)
      throw new QbError(
        call.column,
        `${call.label}()`,
        ` sets the ${part}, which ${earlier.name}() at column ${earlier.column} already set; give each once`,
      );
    setBy[part] = modifier;
  }
  return { ...base, ...change, setBy };
}

/** `QB.is_deleted() == true` and its forms: only a comparison of equality with a boolean. */
function deletedTest(op: string, value: unknown, at: SyntaxNode, column: number): Meaning {
  if ((op !== "==" && op !== "!=") || typeof value !== "boolean")
    throw new QbError(
      op === "==" || op === "!=" ? startOf(at) : column,
      "QB.is_deleted()",
      ` is true or false: compare it with == or != to true or false, or call .is_true(), .is_false(), .eq(true), .ne(true); found ${op === "==" || op === "!=" ? show(value) : `"${op}"`}`,
    );
  return { kind: "condition", filter: { deleted: op === "==" ? value : !value }, column };
}

/**
 * The filter of an operand of `&`, `|`, `~`, `QB.all`, `QB.any` and of the whole expression: a
 * condition, or a field standing alone, which is AutoCRUD's truthiness test (`QB['title']` is
 * `QB['title'].is_truthy()`).
 */
function condition(m: Meaning, ctx: EvaluateContext): Filter | undefined {
  if (m.kind === "condition") return m.filter;
  if (m.kind === "deleted") return { deleted: true };
  if (m.kind === "field") return onPath(ctx.resource, ctx.lookup, m.path, truthy, pathFailure(m.column, m.path));
  if (m.kind === "query") {
    throw new QbError(
      m.first.column,
      `${m.first.name}()`,
      " must come last: result modifiers apply to the whole expression, so write (a & b).limit(5), not a & b.limit(5)",
    );
  }
  throw new QbError(m.column, "expected a condition", `, found ${describe(m)}`);
}

/** ANDs or ORs conditions, flattening runs of the same kind; `undefined` (every record) is the identity of AND and absorbs OR. */
function combine(kind: "and" | "or", filters: readonly (Filter | undefined)[]): Filter | undefined {
  if (kind === "or" && filters.includes(undefined)) return undefined;
  const parts: Filter[] = [];
  for (const f of filters) {
    if (f === undefined) continue;
    if (kind === "and" && "and" in f) parts.push(...f.and);
    else if (kind === "or" && "or" in f && f.or.length > 0) parts.push(...f.or);
    else parts.push(f);
  }
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return kind === "and" ? { and: parts } : { or: parts };
}

/** How a meaning reads in "found …". */
function describe(m: Meaning): string {
  switch (m.kind) {
    case "field":
      return `the field QB[${JSON.stringify(m.path)}]`;
    case "deleted":
      return "QB.is_deleted()";
    case "condition":
      return "a condition";
    case "query":
      return `a query with ${m.first.name}()`;
    case "value":
      return Array.isArray(m.value) ? "a list" : `the value ${show(m.value)}`;
  }
}

function pathFailure(column: number, path: string): (problem: string) => never {
  return (problem) => {
    throw new QbError(column, `the field path ${JSON.stringify(path)}`, ` ${problem}`);
  };
}
