/**
 * Query parameters of `GET /<resource>/aggregate` (rest-dialect.md §15), parsed for syntax only:
 * `groupBy`, `sum`, `avg`, `min`, `max` (comma lists of fields), `having` (a JSON array of conditions
 * on groups), `sort` (`-sum.views,count`), `limit` and `offset` of the groups, and the filter of a list
 * (`filter`, `q`, `<field>_<op>`, dot paths), parsed by the list parser itself so the same rules and
 * limits apply. Which fields may be grouped or aggregated is the runtime's to check.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { AggregateSpec, HavingCondition } from "../runtime/aggregate.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { Filter } from "../runtime/query.ts";
import { LIST_PARAMS, type ListQueryOptions, parseListQuery } from "./list-params.ts";
import { exposedField, splitFilterKey } from "./operators.ts";

/** Parameters of the aggregate route besides the filter ones (`filter`, `q`). */
export const AGGREGATE_PARAMS = ["groupBy", "sum", "avg", "min", "max", "having", "sort", "limit", "offset"] as const;
type AggregateParam = (typeof AGGREGATE_PARAMS)[number];
/** List parameters that give the filter; the aggregate route takes them as lists do. */
const FILTER_PARAMS = ["filter", "q", "conditions"];
const OWN: ReadonlySet<string> = new Set<string>(AGGREGATE_PARAMS);
const HAVING_KEYS = new Set(["fn", "field", "op", "value"]);

const bad = (message: string) => new AppError("BAD_REQUEST", message);

/** A parsed aggregate request: the rows' filter and what to compute over them. */
export interface AggregateQuery {
  readonly filter: Filter | undefined;
  readonly spec: AggregateSpec;
}

function list(name: string, raw: string): string[] {
  const items = raw.split(",").map((s) => s.trim());
  if (items.some((s) => s === ""))
    throw bad(`Query parameter "${name}" must be a comma list of field names, e.g. ${name}=views; got ${show(raw)}.`);
  return [...new Set(items)];
}

function wholeNumber(name: string, raw: string): number {
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw bad(`Query parameter "${name}" must be a whole number ≥ 0, got ${show(raw)}.`);
  return n;
}

function havingParam(raw: string): HavingCondition[] {
  const example = `having=[{"fn":"count","op":"gte","value":10},{"fn":"sum","field":"views","op":"gt","value":1000}]`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw bad(
      `Query parameter "having" is not valid JSON${error instanceof SyntaxError ? `: ${error.message}` : ""}. Expected e.g. ${example}.`,
    );
  }
  if (!Array.isArray(parsed))
    throw bad(`Query parameter "having" must be a JSON array of conditions, e.g. ${example}; got ${show(raw)}.`);
  return parsed.map((item, i) => {
    const fits =
      typeof item === "object" &&
      item !== null &&
      !Array.isArray(item) &&
      Object.keys(item).every((k) => HAVING_KEYS.has(k)) &&
      typeof item.fn === "string" &&
      typeof item.op === "string" &&
      "value" in item &&
      (item.field === undefined || typeof item.field === "string");
    if (!fits)
      throw bad(
        `Condition ${i} of "having" must be {"fn": count|sum|avg|min|max, "field"?: name, "op": eq|ne|gt|gte|lt|lte, "value": v}; got ${show(item)}.`,
      );
    return item as HavingCondition;
  });
}

function sortParam(raw: string): { by: string; direction: "asc" | "desc" }[] {
  return raw.split(",").map((item) => {
    const key = item.trim();
    const by = key.startsWith("-") ? key.slice(1) : key;
    if (by === "")
      throw bad(
        `Query parameter "sort" of aggregates must be a comma list of count, <fn>.<field> or group-by fields, "-" for descending (sort=-sum.views,count); got ${show(raw)}.`,
      );
    return { by, direction: key.startsWith("-") ? "desc" : "asc" };
  });
}

/**
 * Parses the query of `GET /<resource>/aggregate`. Throws 400 naming the parameter at fault, and
 * naming every unknown parameter at once.
 */
export function parseAggregateQuery(
  resource: ResolvedResource,
  params: URLSearchParams,
  options: ListQueryOptions,
): AggregateQuery {
  const seen = new Set<string>();
  const unknown: string[] = [];
  const forward = new URLSearchParams();
  for (const [key, value] of params) {
    // Paging, embedding and the other list-only parameters mean nothing for groups; so is any other name that is no field.
    const other =
      !OWN.has(key) &&
      !FILTER_PARAMS.includes(key) &&
      !key.includes(".") &&
      ((LIST_PARAMS as readonly string[]).includes(key) ||
        key === "qb" ||
        !exposedField(resource, splitFilterKey(resource, key, "query parameter").field));
    if (other) {
      if (!unknown.includes(key)) unknown.push(key);
      continue;
    }
    if (seen.has(key)) throw bad(`Query parameter "${key}" is given more than once; give it once.`);
    seen.add(key);
    if (!OWN.has(key)) forward.append(key, value);
  }
  // A lenient profile (§22) drops them; the filter parameters are read by the list parser, which applies the profile too.
  if (unknown.length > 0 && (options.rules?.strictParams ?? true)) {
    throw bad(
      `Unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} for ${resource.names.path}/aggregate. ` +
        `Accepted: ${[...AGGREGATE_PARAMS, ...FILTER_PARAMS].join(", ")}, and <field>, <field>_<operator> or relation.field filters as on lists.`,
    );
  }
  const filter = parseListQuery(resource, forward, options).filter;
  const get = (name: AggregateParam) => params.get(name) ?? undefined;
  const spec: { -readonly [K in keyof AggregateSpec]: AggregateSpec[K] } = {};
  for (const name of ["groupBy", "sum", "avg", "min", "max"] as const) {
    const raw = get(name);
    if (raw !== undefined) spec[name] = list(name, raw);
  }
  const having = get("having");
  if (having !== undefined) spec.having = havingParam(having);
  const sort = get("sort");
  if (sort !== undefined) spec.sort = sortParam(sort);
  const limit = get("limit");
  if (limit !== undefined) spec.limit = wholeNumber("limit", limit);
  const offset = get("offset");
  if (offset !== undefined) spec.offset = wholeNumber("offset", offset);
  return { filter, spec };
}
