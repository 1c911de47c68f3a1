/**
 * Query parameters of the REST dialect, parsed for syntax only (rest-dialect.md §2, §3): react-admin's
 * `filter` / `sort` / `range` and CRUDCrate's `<field>_<op>` / `page` / `per_page` / `sort=-a,b` / `q`.
 * What comes out is the runtime's transport-neutral {@link Filter} and {@link Sort}; the runtime decides
 * whether fields, operators, values and page sizes are allowed. Unknown parameters and `filter` keys
 * are rejected, unless the resource's security profile says to ignore them (§22).
 */
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { Filter, Sort } from "../runtime/query.ts";
import type { DeletedMode } from "../runtime/service-types.ts";
import { parseEmbedParam } from "./embeds.ts";
import { jsonParam } from "./json-param.ts";
import { sortParam } from "./sort-param.ts";
import { condition, filterParam, type Readable } from "./filter-param.ts";
import { parseDeletedParam } from "./lifecycle.ts";
import { exposedField } from "./operators.ts";
import { parseConditionsParam } from "../runtime/qb/conditions.ts";
import { parseQbParam } from "../runtime/qb/qb-param.ts";
import { parseSortsParam } from "../runtime/qb/sorts.ts";
import { namesFilterableField, type SecurityProfileRules } from "./security-profile.ts";

/** Parameter names the dialect reserves on lists. A field with one of these names is filtered as `<field>_eq`. */
export const LIST_PARAMS = [
  "filter",
  "sort",
  "sort_by",
  "order",
  "range",
  "page",
  "per_page",
  "q",
  "embed",
  "cursor",
  "before",
  "fields",
  "deleted",
  "sorts",
  "sort_by",
] as const;
/**
 * Expression parameters (rest-dialect.md §11): `qb` carries filter, sort and page; `conditions` and
 * `data_conditions` (AutoCRUD's older name, the same array; both may be given) the filter.
 */
export const EXPRESSION_PARAMS = ["qb", "conditions", "data_conditions"] as const;
const RESERVED: ReadonlySet<string> = new Set([...LIST_PARAMS, ...EXPRESSION_PARAMS]);
const BESIDE_CONDITIONS = [
  "embed",
  "fields",
  "sort",
  "sorts",
  "sort_by",
  "order",
  "range",
  "page",
  "per_page",
  "cursor",
  "before",
  "deleted",
];
/** What may accompany each expression parameter; anything else says the same thing another way (422). */
const COMPANIONS: Readonly<Record<(typeof EXPRESSION_PARAMS)[number], readonly string[]>> = {
  qb: ["embed", "fields", "deleted"],
  conditions: [...BESIDE_CONDITIONS, "data_conditions"],
  data_conditions: [...BESIDE_CONDITIONS, "conditions"],
};

/** A parsed list request. */
export interface ListQuery {
  readonly filter: Filter | undefined;
  readonly sort: readonly Sort[] | undefined;
  readonly offset: number | undefined;
  readonly limit: number | undefined;
  /** Set when the client paged with `page` / `per_page` (the response then carries a `Link` header). */
  readonly page: { readonly number: number; readonly size: number } | undefined;
  /** Relation paths to embed, e.g. `["author", "comments.author"]`. */
  readonly embed: readonly string[];
  /**
   * The ids of a react-admin getMany: `filter={"id":[...]}` and nothing else but `embed`. Answered by
   * id (every id found, no page size) rather than as a page.
   */
  readonly ids: readonly unknown[] | undefined;
  /** Which records the list sees on a soft-deleted resource (§18): undefined is the live ones. */
  readonly deleted: DeletedMode | undefined;
}

/** Options of {@link parseListQuery}. */
export interface ListQueryOptions {
  /** Most embed paths in one request. */
  maxEmbeds: number;
  /** Every resource, to follow relation paths (`author.name`) in `qb` and `conditions`. */
  schema: ResolvedSchema;
  /**
   * Whether unknown query parameters and unknown `filter` keys are 400s or ignored (§22).
   * @default strict: both are 400s
   */
  rules?: Pick<SecurityProfileRules, "strictParams" | "strictFilter">;
  /**
   * Whether the request's actor may see a field (field access, hiddenWhenScoped). Under a lenient
   * profile a filter on a field they may not see is dropped like one on an unknown field, instead of
   * the runtime's 400. @default every field the schema exposes
   */
  readable?: Readable;
}

const bad = (message: string) => new AppError("BAD_REQUEST", message);

/** Rejects parameters given more than once: which one was meant would be a guess. */
function single(params: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of params) {
    if (out.has(key))
      throw bad(
        `Query parameter "${key}" is given more than once; give it once (use "${key}_in=a,b" or filter={"${key}":[...]} for several values).`,
      );
    out.set(key, value);
  }
  return out;
}

function wholeNumber(name: string, raw: string, min: number): number {
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min)
    throw bad(`Query parameter "${name}" must be a whole number ≥ ${min}, got ${show(raw)}.`);
  return n;
}

function rangeParam(raw: string): { offset: number; limit: number } {
  const parsed = jsonParam("range", raw, "[0,24]");
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !parsed.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
  ) {
    throw bad(
      `Query parameter "range" must be [first,last]: two whole numbers ≥ 0, both inclusive (range=[0,24] is the first 25); got ${show(raw)}.`,
    );
  }
  const [first, last] = parsed as [number, number];
  if (last < first) throw bad(`Query parameter "range" must not end before it starts: got [${first},${last}].`);
  return { offset: first, limit: last - first + 1 };
}

/**
 * Parses the query parameters of `GET /<resource>`. Throws 400 naming the parameter at fault, and
 * naming every unknown parameter at once.
 */
export function parseListQuery(
  resource: ResolvedResource,
  params: URLSearchParams,
  options: ListQueryOptions,
): ListQuery {
  const strictParams = options.rules?.strictParams ?? true;
  const strictFilter = options.rules?.strictFilter ?? true;
  // A lenient profile reads only reserved parameters and those naming a filterable field (§22.2).
  const p = single(
    strictParams
      ? params
      : new URLSearchParams(
          [...params].filter(
            ([key]) => RESERVED.has(key) || namesFilterableField(resource, options.schema, key, options.readable),
          ),
        ),
  );
  checkCompanions(p);
  const lookup = (name: string) => options.schema.resource.get(name);
  const qb = p.get("qb");
  if (qb !== undefined) {
    const parsed = parseQbParam(qb, { resource, lookup, now: new Date() });
    const embedRaw = p.get("embed");
    const embed = embedRaw === undefined ? [] : parseEmbedParam(embedRaw, options.maxEmbeds);
    return {
      filter: parsed.filter,
      sort: parsed.sort,
      offset: parsed.offset,
      limit: parsed.limit,
      page: undefined,
      embed,
      ids: undefined,
      deleted: parseDeletedParam(p.get("deleted")),
    };
  }
  const conditions: Filter[] = [];
  const unknown: string[] = [];
  for (const [key, value] of p) {
    if (RESERVED.has(key)) continue;
    const c = condition(resource, key, value, true, options.schema);
    if ("field" in c && !exposedField(resource, c.field)) unknown.push(key);
    else conditions.push(c);
  }
  if (unknown.length > 0) {
    const fields = resource.fields
      .filter((f) => f.filter.size > 0 && exposedField(resource, f.name))
      .map((f) => f.name);
    throw bad(
      `Unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} for ${resource.plural}. ` +
        `Accepted: ${[...LIST_PARAMS, ...EXPRESSION_PARAMS].join(", ")}, and <field> or <field>_<operator> for the filterable fields (${fields.join(", ") || "none"}).`,
    );
  }

  let ids: unknown[] | undefined;
  const filter = p.get("filter");
  if (filter !== undefined) {
    const parsed = filterParam(resource, filter, options.schema, strictFilter, options.readable);
    conditions.push(...parsed.conditions);
    ids = parsed.ids;
  }
  const q = p.get("q");
  if (q !== undefined) conditions.push({ search: q });
  for (const name of ["conditions", "data_conditions"] as const) {
    const raw = p.get(name);
    const parsed = raw === undefined ? undefined : parseConditionsParam(raw, resource, lookup, name);
    if (parsed !== undefined) conditions.push(parsed);
  }

  const order = p.get("order");
  const sortBy = p.get("sort_by");
  if (sortBy !== undefined && p.has("sort"))
    throw bad(`Query parameters "sort" and "sort_by" cannot be combined: both give the sort. Use one.`);
  // sort_by is CRUDCrate's spelling of the comma-list sort (§3.3): sort_by=createdAt&order=DESC.
  if (sortBy?.trimStart().startsWith("["))
    throw bad(
      `Query parameter "sort_by" takes a comma list of fields (sort_by=createdAt&order=DESC), got ${show(sortBy)}.`,
    );
  const sortRaw = sortBy ?? p.get("sort");
  if (order !== undefined && sortRaw === undefined)
    throw bad(`Query parameter "order" needs "sort" or "sort_by" (sort=title&order=DESC).`);
  const sortsRaw = p.get("sorts");
  const sort =
    sortsRaw !== undefined
      ? parseSortsParam(sortsRaw, resource)
      : sortRaw === undefined
        ? undefined
        : sortParam(resource, sortRaw, order);

  let offset: number | undefined;
  let limit: number | undefined;
  let page: ListQuery["page"];
  const range = p.get("range");
  const pageRaw = p.get("page");
  const perPageRaw = p.get("per_page");
  if (range !== undefined && (pageRaw !== undefined || perPageRaw !== undefined)) {
    throw bad(`Query parameters "range" and "page"/"per_page" cannot be combined: page with one or the other.`);
  }
  if (range !== undefined) ({ offset, limit } = rangeParam(range));
  if (pageRaw !== undefined || perPageRaw !== undefined) {
    const number = pageRaw === undefined ? 1 : wholeNumber("page", pageRaw, 1);
    const size = perPageRaw === undefined ? resource.defaultPageSize : wholeNumber("per_page", perPageRaw, 0);
    page = { number, size };
    offset = (number - 1) * size;
    limit = size;
  }

  const embedRaw = p.get("embed");
  const embed = embedRaw === undefined ? [] : parseEmbedParam(embedRaw, options.maxEmbeds);
  const onlyIds = ids !== undefined && [...p.keys()].every((k) => k === "filter" || k === "embed" || k === "fields");
  return {
    filter: conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { and: conditions },
    sort,
    offset,
    limit,
    page,
    embed,
    ids: onlyIds ? ids : undefined,
    deleted: parseDeletedParam(p.get("deleted")),
  };
}

/** Refuses `qb` or `conditions` together with parameters that give the same filter, sort or page another way (422). */
function checkCompanions(p: Map<string, string>): void {
  const sorting = ["sort", "order"].filter((k) => p.has(k));
  if (p.has("sorts") && sorting.length > 0)
    throw new AppError(
      "VALIDATION_FAILED",
      `Query parameter "sorts" cannot be combined with ${sorting.map((k) => `"${k}"`).join(", ")}: both give the sort. Use one.`,
      { details: { parameter: "sorts", conflicting: sorting } },
    );
  const given = EXPRESSION_PARAMS.filter((name) => p.has(name));
  if (given.length > 1 && given.includes("qb")) {
    throw new AppError(
      "VALIDATION_FAILED",
      `Query parameters ${given.map((k) => `"${k}"`).join(" and ")} cannot be combined: both give the filter. Use one; QB.all(...) holds any number of conditions.`,
      { details: { conflicting: given } },
    );
  }
  for (const name of given) companions(p, name);
}

function companions(p: Map<string, string>, name: (typeof EXPRESSION_PARAMS)[number]): void {
  const allowed = COMPANIONS[name];
  const others = [...p.keys()].filter((k) => k !== name && !allowed.includes(k));
  if (others.length === 0) return;
  const why =
    name === "qb"
      ? "qb gives the filter, the sort (.sort()) and the page (.limit(), .offset(), .page()) itself"
      : `${name} gives the whole filter`;
  throw new AppError(
    "VALIDATION_FAILED",
    `Query parameter "${name}" cannot be combined with ${others.map((k) => `"${k}"`).join(", ")}: ${why}. Only ${allowed.join(", ")} may accompany it.`,
    { details: { parameter: name, conflicting: others } },
  );
}

/** Query parameters of a single-record read. */
export const ONE_PARAMS = ["embed", "fields", "deleted", "asOf"] as const;

/** A parsed single-record read. */
export interface OneQuery {
  readonly embed: readonly string[];
  /** Soft-deleted resources: whether the trash is searched too (§18.3). */
  readonly deleted: DeletedMode | undefined;
  /** The record as it was (§19.4): a revision number or an ISO 8601 time, as sent. */
  readonly asOf: string | undefined;
}

/**
 * Parses the query of a single-record read: `embed`, `fields` (§16, read by the handler), `deleted`
 * (§18) and `asOf` (§19). A snapshot is what was stored then: it embeds nothing (today's related
 * records would not be the ones it pointed to).
 */
export function parseOneQuery(params: URLSearchParams, options: ListQueryOptions): OneQuery {
  const p = single(params);
  rejectOthers(p, ONE_PARAMS);
  const raw = p.get("embed");
  const asOf = p.get("asOf");
  if (asOf !== undefined && raw !== undefined)
    throw bad(
      `Query parameter "asOf" cannot be combined with "embed": a revision is the record alone, as it was stored.`,
    );
  return {
    embed: raw === undefined ? [] : parseEmbedParam(raw, options.maxEmbeds),
    deleted: parseDeletedParam(p.get("deleted")),
    asOf,
  };
}

/** Rejects every query parameter but `allowed` (writes take none). */
export function rejectOthers(params: URLSearchParams | Map<string, string>, allowed: readonly string[] = []): void {
  const unknown = [...new Set(params.keys())].filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw bad(
      `Unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}: this request accepts ${allowed.length > 0 ? allowed.join(", ") : "no query parameters"}.`,
    );
  }
}
