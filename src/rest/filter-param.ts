/**
 * Filter conditions of the REST dialect (rest-dialect.md §2.3, §3.1, §12): one condition from a
 * `<field>` / `<field>_<suffix>` / `<relation>.<field>…` key and its value, in a query parameter or in
 * the `filter` JSON, whose objects may also combine conditions with `$or` and `$not`. What comes out is
 * the runtime's {@link Filter}; the runtime checks fields, operators and values.
 */
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { Filter } from "../runtime/query.ts";
import { relationCondition } from "./filter-paths.ts";
import { jsonParam } from "./json-param.ts";
import { splitFilterKey } from "./operators.ts";
import { namesFilterableField } from "./security-profile.ts";

/** Whether the request's actor may see a field (see ListQueryOptions.readable). */
export type Readable = ((resource: ResolvedResource, field: string) => boolean) | undefined;

const bad = (message: string) => new AppError("BAD_REQUEST", message);

/**
 * One condition from a filter key and its value. `fromQuery`: the value is query-string text. A dotted
 * key is a condition on related records (§12): `author.name`, `comments.every.body_like`.
 */
export function condition(
  resource: ResolvedResource,
  key: string,
  value: unknown,
  fromQuery: boolean,
  schema: ResolvedSchema,
  shown = key,
): Filter {
  if (key === "q") return { search: value as string };
  if (key.includes("."))
    return relationCondition(resource, schema, key, (target, leaf) =>
      target ? condition(target, leaf, value, fromQuery, schema, key) : { field: leaf, op: "eq", value },
    );
  const { field, op } = splitFilterKey(resource, key, fromQuery ? "query parameter" : "filter key", shown);
  if (op === undefined) return Array.isArray(value) ? { field, op: "in", value } : { field, op: "eq", value };
  // A comma list is how a query string spells a list; JSON may spell it either way.
  if ((op === "in" || op === "notIn") && typeof value === "string")
    return { field, op, value: value === "" ? [] : value.split(",") };
  return { field, op, value };
}

export function filterParam(
  resource: ResolvedResource,
  raw: string,
  schema: ResolvedSchema,
  strict: boolean,
  readable: Readable,
): { conditions: Filter[]; ids: unknown[] | undefined } {
  const parsed = jsonParam("filter", raw, '{"status":"published"}');
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw bad(
      `Query parameter "filter" must be a JSON object of field: value, e.g. filter={"status":"published"}; got ${show(raw)}.`,
    );
  }
  const entries = filterEntries(resource, parsed, schema, strict, readable);
  const idName = resource.id.name;
  const only = entries.length === 1 ? entries[0] : undefined;
  const ids = only && only[0] === idName && Array.isArray(only[1]) ? only[1] : undefined;
  return { conditions: filterObject(resource, entries, schema, strict, readable, "filter"), ids };
}

/** The keys of a `filter` object a request is held to. */
function filterEntries(
  resource: ResolvedResource,
  object: object,
  schema: ResolvedSchema,
  strict: boolean,
  readable: Readable,
): [string, unknown][] {
  // A lenient profile drops keys that name nothing filterable as if they were never sent (§22.2): so a
  // getMany stays a getMany, and a hidden field answers exactly as a made-up one.
  return Object.entries(object).filter(
    ([key]) =>
      strict || key === "q" || key === "$or" || key === "$not" || namesFilterableField(resource, schema, key, readable),
  );
}

/**
 * The conditions of a `filter` object (all must hold), `$or: [{...}, ...]` (at least one object holds)
 * and `$not: {...}` (the object does not hold) included, nested to any depth the runtime allows (§2.3).
 */
function filterObject(
  resource: ResolvedResource,
  entries: [string, unknown][],
  schema: ResolvedSchema,
  strict: boolean,
  readable: Readable,
  at: string,
): Filter[] {
  const nested = (value: unknown, where: string): Filter => {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw bad(
        `In "filter", ${where} must be a JSON object of conditions, e.g. {"status":"draft"}; got ${show(value)}.`,
      );
    const inner = filterObject(
      resource,
      filterEntries(resource, value, schema, strict, readable),
      schema,
      strict,
      readable,
      where,
    );
    return inner.length === 1 ? (inner[0] as Filter) : { and: inner };
  };
  return entries.map(([key, value]) => {
    if (key === "$or") {
      if (!Array.isArray(value) || value.length === 0)
        throw bad(
          `In "filter", ${at}.$or must be a non-empty JSON array of objects, e.g. {"$or":[{"status":"draft"},{"views_gte":10}]}; got ${show(value)}.`,
        );
      return { or: value.map((item, i) => nested(item, `${at}.$or[${i}]`)) };
    }
    if (key === "$not") return { not: nested(value, `${at}.$not`) };
    if (key.startsWith("$"))
      throw bad(
        `In "filter", ${at} has the unknown key ${show(key)}; the combinators are $or and $not (every key holds: that is AND).`,
      );
    return condition(resource, key, value, false, schema);
  });
}
