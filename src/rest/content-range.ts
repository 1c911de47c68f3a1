// The `Content-Range` header of list responses (rest-dialect.md §8, §14), as ra-data-simple-rest reads it:
// `posts 0-24/319`, the range inclusive and the total after the slash; `posts */0` when the page is
// empty. Lists answer 200 with it even when the request carried a `Range` header (never 206).

/** Only `[A-Za-z0-9_-]`: the unit name ends up in a header and must not carry anything else. */
export function rangeUnit(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "") || "items";
}

/** `unit first-last/total`; when no row was returned, `*` stands for the range (`posts *` + `/0`). */
export function contentRange(unit: string, offset: number, returned: number, total: number): string {
  const safe = rangeUnit(unit);
  return returned === 0 ? `${safe} */${total}` : `${safe} ${offset}-${offset + returned - 1}/${total}`;
}

/** The headers every list response carries: `Content-Range` and `X-Total-Count`. */
export function listHeaders(unit: string, offset: number, returned: number, total: number): Record<string, string> {
  return { "Content-Range": contentRange(unit, offset, returned, total), "X-Total-Count": String(total) };
}

/**
 * The headers of a cursor page (§14): a keyset page does not know its offset, so the range is always
 * `*` and only the total follows the slash (`posts *` + `/319`), which is all ra-data-simple-rest reads.
 */
export function cursorListHeaders(unit: string, total: number): Record<string, string> {
  return { "Content-Range": `${rangeUnit(unit)} */${total}`, "X-Total-Count": String(total) };
}
