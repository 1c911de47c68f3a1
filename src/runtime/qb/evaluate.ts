// Longer than 400 lines: the tables of qb helpers, methods and modifiers and the evaluator that reads them map one
// to one onto querying.md's "QB expressions".
/**
 * What a `qb` syntax tree means: fields, conditions, helpers and result modifiers become the runtime's
 * filter, sort and page (querying.md, "QB expressions"). Only names are resolved here; which fields,
 * operators, values and page sizes are allowed is checked by the runtime, which names the field at fault.
 */
import type { Operator } from "../../metadata/definition.ts";
import type { ResolvedResource } from "../../metadata/resolved.ts";
import { show } from "../errors.ts";
import type { Filter, Sort } from "../query.ts";
import { QbError } from "./errors.ts";
import { type FindResource, onPath } from "./paths.ts";
import { type CompareOperator, type SyntaxNode, startOf } from "./syntax.ts";

/** A `qb` expression's result, in the runtime's terms. No filter means every record. */
export interface QbQuery {
  readonly filter?: Filter;
  readonly sort?: readonly Sort[];
  readonly offset?: number;
  readonly limit?: number;
}

/** What the evaluator needs to know besides the tree. */
export interface EvaluateContext {
  /** The resource the expression queries. */
  readonly resource: ResolvedResource;
  /** Relation targets, to tell to-one from to-many along dotted paths. */
  readonly lookup: FindResource;
  /** The time `last_n_days()` and `today()` count from. */
  readonly now: Date;
}

/** Fields the meta helpers stand for: `QB.created_time()` is `QB['createdAt']`. */
export const META_FIELDS: ReadonlyMap<string, string> = new Map([
  ["created_time", "createdAt"],
  ["updated_time", "updatedAt"],
  ["created_by", "createdBy"],
  ["updated_by", "updatedBy"],
]);

const DAY = 86_400_000;
/** Far enough back for any date a database holds, near enough that the arithmetic stays exact. */
const MAX_DAYS = 1_000_000;

/** A modifier as messages name it (`.limit`, `QB.page`), and where it is. */
type Modifier = { readonly name: string; readonly column: number };

/** What a node evaluates to. `undefined` filter: every record (`QB.all()`). */
type Meaning =
  | { readonly kind: "field"; readonly path: string; readonly column: number }
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
};

/** Field methods: each checks its arguments and returns the conditions for a field name. */
type FieldMethod = (call: Call, ctx: EvaluateContext) => (field: string) => Filter;
interface Call {
  readonly name: string;
  /** How messages name it: `.eq`, `QB.limit`. */
  readonly label: string;
  readonly args: readonly SyntaxNode[];
  readonly column: number;
}

const leaf = (field: string, op: Operator, value: unknown): Filter => ({ field, op, value });
const comparison =
  (op: Operator): FieldMethod =>
  (call) => {
    const value = argument(call, 1, 1, 0);
    return (field) => leaf(field, op, value);
  };
const membership =
  (op: "in" | "notIn"): FieldMethod =>
  (call) => {
    const value = listArgument(call, 0);
    return (field) => leaf(field, op, value);
  };

const FIELD_METHODS: ReadonlyMap<string, FieldMethod> = new Map<string, FieldMethod>([
  ["eq", comparison("eq")],
  ["ne", comparison("ne")],
  ["gt", comparison("gt")],
  ["gte", comparison("gte")],
  ["lt", comparison("lt")],
  ["lte", comparison("lte")],
  ["in_", membership("in")],
  ["not_in", membership("notIn")],
  // The runtime's text operators are all case-insensitive, so icontains and contains are the same.
  ["contains", comparison("contains")],
  ["icontains", comparison("contains")],
  ["starts_with", comparison("startsWith")],
  ["ends_with", comparison("endsWith")],
  [
    "regex",
    (call) => {
      throw new QbError(
        call.column,
        ".regex()",
        " is not supported: the runtime has no regular-expression operator; use contains, starts_with or ends_with",
      );
    },
  ],
  [
    "between",
    (call) => {
      const low = argument(call, 2, 2, 0);
      const high = argument(call, 2, 2, 1);
      return (field) => ({ and: [leaf(field, "gte", low), leaf(field, "lte", high)] });
    },
  ],
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
  [
    "is_true",
    (call) => {
      argument(call, 0, 0, -1);
      return (field) => leaf(field, "eq", true);
    },
  ],
  [
    "is_false",
    (call) => {
      argument(call, 0, 0, -1);
      return (field) => leaf(field, "eq", false);
    },
  ],
  [
    "last_n_days",
    (call, ctx) => {
      const days = wholeArgument(call, 0, 0, MAX_DAYS, 1);
      const since = new Date(ctx.now.getTime() - days * DAY).toISOString();
      return (field) => leaf(field, "gte", since);
    },
  ],
  [
    "today",
    (call, ctx) => {
      argument(call, 0, 0, -1);
      const start = Date.UTC(ctx.now.getUTCFullYear(), ctx.now.getUTCMonth(), ctx.now.getUTCDate());
      const [from, to] = [new Date(start).toISOString(), new Date(start + DAY).toISOString()];
      return (field) => ({ and: [leaf(field, "gte", from), leaf(field, "lt", to)] });
    },
  ],
]);

/** Result modifiers: each sets parts of the page or the order of a query. */
type ModifierMethod = (call: Call, ctx: EvaluateContext) => { sort?: Sort[]; offset?: number; limit?: number };
const sortModifier: ModifierMethod = (call) => {
  if (call.args.length === 0)
    throw new QbError(
      call.column,
      `${call.label}()`,
      ` needs at least one field: ${call.label}('-createdAt', 'title')`,
    );
  return {
    sort: call.args.map((node, i) => {
      const key = argument(call, 1, Number.POSITIVE_INFINITY, i);
      const descending = typeof key === "string" && key.startsWith("-");
      const field = typeof key === "string" ? (descending ? key.slice(1) : key) : "";
      if (field === "")
        throw new QbError(
          startOf(node),
          `expected a field name as argument ${i + 1} of ${call.label}()`,
          `, found ${show(key)} ('title', or '-views' for descending)`,
        );
      return { field, direction: descending ? "desc" : "asc" };
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
const HELPERS = ["all", "any", ...META_FIELDS.keys(), ...MODIFIERS.keys()];

/** Evaluates a whole expression. Throws {@link QbError} naming the column of the first problem. */
export function evaluate(tree: SyntaxNode, ctx: EvaluateContext): QbQuery {
  const result = meaning(tree, ctx);
  if (result.kind === "query") {
    return { ...(result.filter ? { filter: result.filter } : {}), ...pick(result) };
  }
  const filter = condition(result);
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
          (f) => leaf(f, op, value),
          pathFailure(left.column, left.path),
        ),
        column: left.column,
      };
    }
    case "not": {
      const operand = condition(meaning(node.operand, ctx));
      return { kind: "condition", filter: operand === undefined ? NOTHING : { not: operand }, column: node.column };
    }
    case "and":
    case "or":
      return {
        kind: "condition",
        filter: combine(
          node.kind,
          node.operands.map((o) => condition(meaning(o, ctx))),
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
        node.args.map((a) => condition(meaning(a, ctx))),
      ),
      column: node.column,
    };
  }
  const field = META_FIELDS.get(node.name);
  if (field !== undefined) {
    argument(call, 0, 0, -1);
    return { kind: "field", path: field, column: node.column };
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
    if (target.kind === "field" || target.kind === "value") {
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

/** The filter of an operand of `&`, `|`, `~`, `QB.all`, `QB.any`: it must be a condition. */
function condition(m: Meaning): Filter | undefined {
  if (m.kind === "condition") return m.filter;
  if (m.kind === "query") {
    throw new QbError(
      m.first.column,
      `${m.first.name}()`,
      " must come last: result modifiers apply to the whole expression, so write (a & b).limit(5), not a & b.limit(5)",
    );
  }
  const hint =
    m.kind === "field" ? `; compare it: QB[${JSON.stringify(m.path)}] == …, or call a method such as .eq(…)` : "";
  throw new QbError(m.column, "expected a condition", `, found ${describe(m)}${hint}`);
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

/** The value a literal spells (the grammar allows only literals inside lists and right of a comparison). */
function literalOf(
  node: SyntaxNode,
  head = "expected a value (a quoted string, a number, true, false, None or a list)",
): unknown {
  if (node.kind === "value") return node.value;
  if (node.kind === "list") return node.items.map((item) => literalOf(item));
  throw new QbError(startOf(node), head, `, found ${describeNode(node)}`);
}

/** How a node that should have been a value reads in "found …". */
function describeNode(node: SyntaxNode): string {
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

/** How a meaning reads in "found …". */
function describe(m: Meaning): string {
  switch (m.kind) {
    case "field":
      return `the field QB[${JSON.stringify(m.path)}]`;
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

/**
 * Argument `index` of a call taking `min`..`max` arguments, which must be a value; an `index` of -1
 * only checks the count.
 */
function argument(call: Call, min: number, max: number, index: number): unknown {
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

function listArgument(call: Call, index: number): unknown[] {
  const value = argument(call, 1, 1, index);
  if (!Array.isArray(value))
    throw new QbError(
      startOf(call.args[index] as SyntaxNode),
      `expected a list as the argument of ${call.label}()`,
      `, found ${show(value)} (${call.label}(['a', 'b']))`,
    );
  return value;
}

/** A whole-number argument in [low, high] of a call taking 1..`max` arguments. */
function wholeArgument(call: Call, index: number, low: number, high: number, max: number): number {
  const value = argument(call, 1, max, index);
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
