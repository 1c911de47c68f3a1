/**
 * The transport-neutral query language: filters, sorts and pages as the runtime receives them from
 * GraphQL or REST. The runtime checks each against the resolved metadata (only declared fields and
 * operators, limits) and compiles it to a Prisma `where` / `orderBy`; transports only parse syntax.
 */
import type { Operator } from "../metadata/definition.ts";
import type { ResolvedField, ResolvedResource } from "../metadata/resolved.ts";
import { SEARCH_KEY, type SearchCondition } from "../storage/sql/search.ts";
import { coerceValue, textProblem } from "./coerce.ts";
import { AppError, show } from "./errors.ts";
import { escapeLike, patternOf } from "./text-patterns.ts";

/** A filter tree. Conditions name a field of the resource, an operator and a value. */
export type Filter =
  | { readonly and: readonly Filter[] }
  | { readonly or: readonly Filter[] }
  | { readonly not: Filter }
  | { readonly field: string; readonly op: Operator; readonly value: unknown }
  | { readonly search: string }
  /** Whether the record is in the trash (`QB.is_deleted()`): within the rows the list sees (§18), true keeps the trashed ones. */
  | { readonly deleted: boolean }
  /**
   * A condition on related records: to-one relations take no quantifier; to-many relations need
   * `some`, `every` or `none`. The inner filter is checked against the related resource's metadata.
   */
  | { readonly relation: string; readonly quantifier?: Quantifier | undefined; readonly filter: Filter };

/** How a condition on a to-many relation counts: at least one, all, or no related record matches. */
export type Quantifier = "some" | "every" | "none";

/** Finds a resource by singular name (relation targets). */
export type ResourceLookup = (name: string) => ResolvedResource;

/**
 * What one actor may see, as queries need it: which fields they may use (read, filter, sort, search,
 * aggregate) and which rows of each resource exist for them. The runtime makes one per actor
 * (access.ts); without one, every unhidden field and every live row is visible.
 */
export interface Visibility {
  /** Whether the actor may see `field` of `resource` (never true for a field hidden from all output). */
  canRead(resource: ResolvedResource, field: ResolvedField): boolean;
  /** The condition a row of `resource` meets when it exists for the actor (live, in tenant and scope); undefined: every row. */
  rows(resource: ResolvedResource): object | undefined;
  /** Whether some rows of `resource` exist for others but not for the actor (tenant or scope): relation sorts into it are refused. */
  restricted(resource: ResolvedResource): boolean;
}

/** Everyone's view: every field not hidden from output, every live row. */
export const OPEN_VISIBILITY: Visibility = Object.freeze({
  canRead: (_resource: ResolvedResource, field: ResolvedField) => !(field.hidden.one && field.hidden.list),
  rows: (resource: ResolvedResource) =>
    resource.ensure ? both(resource.ensure, liveCondition(resource)) : liveCondition(resource),
  restricted: () => false,
});

/** One sort key. */
export interface Sort {
  readonly field: string;
  readonly direction: "asc" | "desc";
}

/** Limits on what a query may ask for. Transports share one set (see server config). */
export interface QueryLimits {
  /** Largest offset. @default 1_000_000 */
  maxOffset: number;
  /** Most conditions in one filter (counting every leaf). @default 100 */
  maxFilterClauses: number;
  /** Largest filter value, in bytes of its JSON. @default 10_240 */
  maxFilterValueBytes: number;
  /** Most values in one `in` / `notIn` list. @default 1000 */
  maxInValues: number;
}

/** @see QueryLimits */
export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({
  maxOffset: 1_000_000,
  maxFilterClauses: 100,
  maxFilterValueBytes: 10_240,
  maxInValues: 1000,
});

/**
 * Both conditions; an absent `b` (no condition: the trash, a tenant or a scope that does not apply) is
 * `a` itself. Merged into one object when their keys differ: Prisma 6 reads `AND: [{ OR: [] }, x]`
 * as "everything" (an empty OR inside AND), while `{ OR: [], ...x }` correctly matches nothing.
 */
export function both(a: object, b: object | undefined): object {
  if (!b) return a;
  if (Object.keys(a).length === 0) return b;
  return Object.keys(b).some((k) => k in a) ? { AND: [a, b] } : { ...a, ...b };
}

/** The condition a soft-deleted resource's live rows meet (`deletedAt IS NULL`); undefined without soft delete. */
export function liveCondition(resource: ResolvedResource): object | undefined {
  return resource.softDelete ? { [resource.softDelete.field]: null } : undefined;
}

/**
 * Checks a filter against a resource's metadata and compiles it to a Prisma `where`.
 * Throws a 400 {@link AppError} naming the field, operator or value at fault.
 */
export function compileFilter(
  resource: ResolvedResource,
  filter: Filter | undefined,
  limits: QueryLimits,
  lookup: ResourceLookup,
  visibility: Visibility = OPEN_VISIBILITY,
): object {
  if (!filter) return {};
  let clauses = 0;
  const bad = (message: string) => new AppError("BAD_REQUEST", message);
  const walk = (r: ResolvedResource, f: Filter, depth: number, hops: number): object => {
    if (depth > 20) throw bad("Filter is nested too deeply (at most 20 levels).");
    if (typeof f !== "object" || f === null) throw bad(`Invalid filter: expected an object, got ${show(f)}.`);
    if ("and" in f) return { AND: f.and.map((x) => walk(r, x, depth + 1, hops)) };
    if ("or" in f) return { OR: f.or.map((x) => walk(r, x, depth + 1, hops)) };
    if ("not" in f) return { NOT: walk(r, f.not, depth + 1, hops) };
    if (++clauses > limits.maxFilterClauses)
      throw bad(`Too many filter conditions: at most ${limits.maxFilterClauses}.`);
    if ("search" in f) return searchWhere(r, f.search, limits, visibility);
    if ("deleted" in f) {
      if (!r.softDelete)
        throw bad(
          `${r.plural} have no trash, so whether one is deleted cannot be asked (QB.is_deleted() needs softDelete).`,
        );
      if (typeof f.deleted !== "boolean")
        throw bad(`Invalid deleted condition: expected true or false, got ${show(f.deleted)}.`);
      return { [r.softDelete.field]: f.deleted ? { not: null } : null };
    }
    if ("relation" in f) {
      const relation = r.relation.get(f.relation);
      if (!relation?.filterable) {
        const allowed = r.relations.filter((x) => x.filterable).map((x) => x.name);
        throw bad(
          `Cannot filter ${r.plural} through "${f.relation}". Relations you can filter through: ${allowed.join(", ") || "(none)"}.`,
        );
      }
      if (hops + 1 > resource.maxDepth)
        throw bad(`Relation filters nest too deeply: at most ${resource.maxDepth} relations from ${resource.plural}.`);
      const target = lookup(relation.target);
      const inner = walk(target, f.filter, depth + 1, hops + 1);
      // Related records the actor cannot see (in the trash, another tenant, out of scope) do not exist
      // for a filter: `some`/`none`/`is` look at visible ones, and `every` holds when every visible one matches.
      const visible = visibility.rows(target);
      const seen = (x: object) => both(x, visible);
      if (relation.kind === "belongsTo") {
        if (f.quantifier)
          throw bad(`"${f.relation}" of ${r.plural} is a single record: filter it without ${f.quantifier}.`);
        return { [relation.name]: { is: seen(inner) } };
      }
      if (f.quantifier !== "some" && f.quantifier !== "every" && f.quantifier !== "none") {
        throw bad(
          `"${f.relation}" of ${r.plural} is a list: say whether some, every or none of its records must match.`,
        );
      }
      const matching =
        f.quantifier === "every" && visible
          ? { OR: [{ NOT: visible }, inner] }
          : f.quantifier === "every"
            ? inner
            : seen(inner);
      if (relation.kind !== "manyToMany") return { [relation.name]: { [f.quantifier]: matching } };
      const via = relation.joinTargetRelation;
      const viaJoin =
        f.quantifier === "every" && visible
          ? { OR: [{ [via]: { is: { NOT: visible } } }, { [via]: { is: inner } }] }
          : { [via]: { is: f.quantifier === "every" ? inner : seen(inner) } };
      return { [relation.name]: { [f.quantifier]: viaJoin } };
    }
    const field = r.field.get(f.field);
    if (!field || !visibility.canRead(r, field)) {
      throw bad(`Unknown filter field "${f.field}" on ${r.plural}. Filterable fields: ${filterable(r, visibility)}.`);
    }
    if (field.filter.size === 0)
      throw bad(
        `Field "${f.field}" of ${r.plural} is not filterable. Filterable fields: ${filterable(r, visibility)}.`,
      );
    if (!field.filter.has(f.op))
      throw bad(
        `Operator "${f.op}" is not allowed on ${r.plural}.${f.field}; allowed: ${[...field.filter].join(", ")}.`,
      );
    const size = byteSize(f.value);
    if (size > limits.maxFilterValueBytes)
      throw bad(`Filter value of "${f.field}" is too large: ${size} bytes, at most ${limits.maxFilterValueBytes}.`);
    const where = { [field.name]: condition(r, field, f.op, f.value, limits) };
    // SQL `<>` skips NULLs; "not equal to x" should include rows where the field is null.
    if (f.op === "ne" && f.value !== null && !field.isRequired) return { OR: [where, { [field.name]: null }] };
    return where;
  };
  return walk(resource, filter, 0, 0);
}

/** Size of a value's JSON; values too deeply nested to serialise count as too large. */
function byteSize(value: unknown): number {
  try {
    return JSON.stringify(value ?? null)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function condition(
  resource: ResolvedResource,
  field: ResolvedField,
  op: Operator,
  value: unknown,
  limits: QueryLimits,
): object {
  const at = `${resource.plural}.${field.name}`;
  const one = (v: unknown) => {
    const c = coerceValue({ ...field, isRequired: true }, v);
    if (!c.ok) throw new AppError("BAD_REQUEST", `Invalid filter value for ${at} (${op}): ${c.message}.`);
    return c.value;
  };
  switch (op) {
    case "eq":
      // A NOT NULL column never equals null (and Prisma refuses `equals: null` on it): match nothing.
      if (value === null) return field.isRequired ? { in: [] } : { equals: null };
      return { equals: one(value) };
    case "ne":
      if (value === null && field.isRequired) return {};
      return value === null ? { not: null } : { not: one(value) };
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return { [op]: one(value) };
    case "in":
    case "notIn": {
      if (!Array.isArray(value))
        throw new AppError(
          "BAD_REQUEST",
          `Invalid filter value for ${at} (${op}): expected a list, got ${show(value)}.`,
        );
      if (value.length > limits.maxInValues)
        throw new AppError(
          "BAD_REQUEST",
          `Too many values for ${at} (${op}): ${value.length}, at most ${limits.maxInValues}.`,
        );
      return { [op]: value.map(one) };
    }
    case "contains":
    case "startsWith":
    case "endsWith": {
      if (typeof value !== "string")
        throw new AppError(
          "BAD_REQUEST",
          `Invalid filter value for ${at} (${op}): expected a string, got ${show(value)}.`,
        );
      const bad = textProblem(value);
      if (bad) throw new AppError("BAD_REQUEST", `Invalid filter value for ${at} (${op}): ${bad}.`);
      return { [op]: escapeLike(value), mode: "insensitive" };
    }
    case "isNull": {
      const b = value === true || value === "true" ? true : value === false || value === "false" ? false : undefined;
      if (b === undefined)
        throw new AppError(
          "BAD_REQUEST",
          `Invalid filter value for ${at} (isNull): expected true or false, got ${show(value)}.`,
        );
      return b ? { equals: null } : { not: null };
    }
    case "like":
    case "regex":
      return { [op]: patternOf(at, op, value), ...(op === "like" ? { mode: "insensitive" } : {}) };
  }
}

function searchWhere(resource: ResolvedResource, q: string, limits: QueryLimits, visibility: Visibility): object {
  if (typeof q !== "string") throw new AppError("BAD_REQUEST", `Search text must be a string, got ${show(q)}.`);
  if (q.length > limits.maxFilterValueBytes)
    throw new AppError("BAD_REQUEST", `Search text is too long: at most ${limits.maxFilterValueBytes} characters.`);
  const bad = textProblem(q);
  if (bad) throw new AppError("BAD_REQUEST", `Invalid search text: ${bad}.`);
  // Fields the actor may not see are not searched: a match on them would reveal their content.
  const fields = resource.fields.filter((f) => f.searchable && visibility.canRead(resource, f));
  if (fields.length === 0)
    throw new AppError("BAD_REQUEST", `${resource.plural} has no searchable fields, so "q"/search cannot be used.`);
  const text = q.trim();
  if (text === "") return {};
  // Full-text search in PostgreSQL's websearch syntax ("quoted phrase", -exclude, or); see storage/sql/where-sql.ts.
  const condition: SearchCondition = { text, columns: fields.map((f) => f.name), language: resource.searchLanguage };
  return { [SEARCH_KEY]: condition };
}

function filterable(resource: ResolvedResource, visibility: Visibility): string {
  return (
    resource.fields
      .filter((f) => f.filter.size > 0 && visibility.canRead(resource, f))
      .map((f) => f.name)
      .join(", ") || "(none)"
  );
}

/**
 * Checks sort keys and compiles them to a Prisma `orderBy`, appending the id as a unique tie-breaker
 * so pages are stable. A key may follow to-one relations declared sortable: `author.name`.
 */
export function compileSort(
  resource: ResolvedResource,
  sort: readonly Sort[] | undefined,
  lookup: ResourceLookup,
  visibility: Visibility = OPEN_VISIBILITY,
): object[] {
  const keys = sort ?? [];
  if (keys.length > 10) throw new AppError("BAD_REQUEST", "Too many sort keys: at most 10.");
  const orderBy: object[] = [];
  for (const s of keys) {
    if (s.direction !== "asc" && s.direction !== "desc")
      throw new AppError("BAD_REQUEST", `Sort direction must be asc or desc, got ${show(s.direction)}.`);
    const { path, field } = sortPath(resource, s.field, lookup, visibility);
    let order: object = {
      [field.name]: field.isRequired
        ? s.direction
        : { sort: s.direction, nulls: s.direction === "asc" ? "first" : "last" },
    };
    for (const relation of [...path].reverse()) order = { [relation]: order };
    orderBy.push(order);
  }
  if (!keys.some((s) => s.field === resource.id.name)) orderBy.push({ [resource.id.name]: tieBreakerDirection(keys) });
  return orderBy;
}

/**
 * The id tie-breaker runs the same way as the last sort key, so a (key, id) index serves the whole
 * order in one direction (an index scanned backward for `createdAt desc, id desc`).
 */
export function tieBreakerDirection(keys: readonly Sort[]): "asc" | "desc" {
  return keys.at(-1)?.direction ?? "asc";
}

/** A sort key's relations and field (400 unless sortable); a last has-many step (§3.3) gives `many`, its resource. */
export function sortPath(
  resource: ResolvedResource,
  key: string,
  lookup: ResourceLookup,
  visibility: Visibility = OPEN_VISIBILITY,
): { path: string[]; field: ResolvedField; resource: ResolvedResource; many: ResolvedResource | undefined } {
  const steps = typeof key === "string" ? key.split(".") : [];
  const path: string[] = [];
  let current = resource;
  let many: ResolvedResource | undefined;
  while (steps.length > 1) {
    const name = steps.shift() as string;
    const relation = current.relation.get(name);
    const toMany = relation?.kind === "hasMany" && steps.length === 1;
    if (!relation?.sortable || (relation.kind !== "belongsTo" && !toMany)) {
      const allowed = current.relations.filter((r) => r.sortable).map((r) => r.name);
      throw new AppError(
        "BAD_REQUEST",
        `Cannot sort ${current.plural} by "${key}": "${name}" is not a relation you can sort by${allowed.length ? ` (you can: ${allowed.join(", ")}; a to-many one only as the last step)` : ""}.`,
      );
    }
    if (path.length + 1 > resource.maxDepth)
      throw new AppError("BAD_REQUEST", `Sort key "${key}" follows too many relations: at most ${resource.maxDepth}.`);
    path.push(name);
    current = lookup(relation.target);
    // A to-one join would rank by related records the actor cannot see; a to-many value uses visible rows only.
    if (toMany) many = current;
    else if (visibility.restricted(current))
      throw new AppError(
        "BAD_REQUEST",
        `Cannot sort ${resource.plural} by "${key}": your access to ${current.plural} is limited, so they cannot order other records.`,
      );
  }
  const field = current.field.get(steps[0] ?? "");
  if (!field || !visibility.canRead(current, field) || !field.sortable) {
    const sortable = current.fields.filter((f) => f.sortable && visibility.canRead(current, f)).map((f) => f.name);
    throw new AppError(
      "BAD_REQUEST",
      `Cannot sort ${current.plural} by "${steps[0] ?? key}". Sortable fields: ${sortable.join(", ")}.`,
    );
  }
  return { path, field, resource: current, many };
}

/** Checks offset and limit against the resource's page size and the offset limit. */
export function checkPage(
  resource: ResolvedResource,
  page: { offset?: number | undefined; limit?: number | undefined },
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
) {
  const offset = page.offset ?? 0;
  const limit = page.limit ?? resource.defaultPageSize;
  if (!Number.isInteger(offset) || offset < 0)
    throw new AppError("BAD_REQUEST", `Offset must be a whole number ≥ 0, got ${show(offset)}.`);
  if (offset > limits.maxOffset)
    throw new AppError(
      "BAD_REQUEST",
      `Offset ${offset} is too large: at most ${limits.maxOffset}. Narrow the filter instead.`,
    );
  if (!Number.isInteger(limit) || limit < 0)
    throw new AppError("BAD_REQUEST", `Page size must be a whole number ≥ 0, got ${show(limit)}.`);
  if (limit > resource.maxPageSize)
    throw new AppError(
      "BAD_REQUEST",
      `Page size ${limit} is too large for ${resource.plural}: at most ${resource.maxPageSize}.`,
    );
  return { offset, limit };
}
