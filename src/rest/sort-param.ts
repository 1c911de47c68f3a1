/**
 * The `sort` of a list (rest-dialect.md §2.1, §3.3, §13): react-admin's JSON pairs (`["title","ASC"]`,
 * `["title"]` ascending, several as a list of pairs) and CRUDCrate's comma list (`-views,title`,
 * `createdAt_desc`, with `order` for the keys that give no direction). Syntax only: the runtime decides
 * which keys may be sorted by.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { Sort } from "../runtime/query.ts";
import { jsonParam } from "./json-param.ts";

const bad = (message: string) => new AppError("BAD_REQUEST", message);

/** The sort keys of `raw` (the `sort` or `sort_by` parameter), `order` the direction of comma-list keys that give none. */
export function sortParam(resource: ResolvedResource, raw: string, order: string | undefined): Sort[] {
  if (raw.trimStart().startsWith("[")) {
    if (order !== undefined)
      throw bad(
        `Query parameter "order" cannot be combined with sort=["field","ASC"|"DESC"]; the direction goes inside the JSON.`,
      );
    const parsed = jsonParam("sort", raw, '["title","ASC"]');
    // Several keys as a list of pairs (§13): [["author.name","ASC"],["createdAt","DESC"]].
    const pairs: unknown[] =
      Array.isArray(parsed) && parsed.length > 0 && parsed.every(Array.isArray) ? parsed : [parsed];
    return pairs.map((pair) => {
      // ["name"] alone is ascending (CRUDCrate, §3.3).
      if (
        !Array.isArray(pair) ||
        pair.length < 1 ||
        pair.length > 2 ||
        typeof pair[0] !== "string" ||
        (pair.length === 2 && typeof pair[1] !== "string")
      ) {
        throw bad(
          `Query parameter "sort" must be ["field","ASC"|"DESC"] (or ["field"], ascending) or a list of such pairs ([["author.name","ASC"],["createdAt","DESC"]]), got ${show(raw)}.`,
        );
      }
      return { field: pair[0], direction: pair.length === 2 ? direction("sort", pair[1] as string) : "asc" };
    });
  }
  const defaultDirection = order === undefined ? "asc" : direction("order", order);
  return raw.split(",").map((item) => {
    const key = item.trim();
    const descending = key.startsWith("-");
    const named = descending ? key.slice(1) : key;
    if (named === "")
      throw bad(
        `Query parameter "sort" must be a comma list of fields, each optionally prefixed with "-" for descending (sort=-views,title); got ${show(raw)}.`,
      );
    const suffixed = directionSuffix(resource, named);
    if (!suffixed) return { field: named, direction: descending ? "desc" : defaultDirection };
    if (descending)
      throw bad(
        `Sort key ${show(key)} gives its direction twice ("-" and "_${suffixed.direction}"): use one, e.g. ${suffixed.field}_desc or -${suffixed.field}.`,
      );
    return suffixed;
  });
}

/**
 * `createdAt_desc` → createdAt, descending (§3.3): a key that is no field of the resource and ends in
 * `_asc` or `_desc`. A field whose own name ends so (`status_desc`) stays that field.
 */
function directionSuffix(resource: ResolvedResource, key: string): Sort | undefined {
  const match = /^(.+)_(asc|desc)$/i.exec(key);
  if (!match || resource.field.has(key)) return undefined;
  return { field: match[1] as string, direction: (match[2] as string).toLowerCase() as "asc" | "desc" };
}

function direction(name: string, raw: string): "asc" | "desc" {
  const d = raw.toLowerCase();
  if (d !== "asc" && d !== "desc") throw bad(`Sort direction in "${name}" must be ASC or DESC, got ${show(raw)}.`);
  return d;
}
