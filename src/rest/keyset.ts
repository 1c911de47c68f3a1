/**
 * Cursor (keyset) pages on lists (rest-dialect.md §14). `cursor` pages forward and `before` pages
 * backward; an empty value starts at either end (`cursor=` is the first page, `before=` the last), and
 * `per_page` is the page size. The body stays the plain JSON array react-admin reads; the way on is
 * in the `Link` header, and `Content-Range` gives the total with `*` for the range, since a keyset page
 * does not know its offset. Cursors are the runtime's: opaque and tamper-checked.
 */
import { AppError } from "../runtime/errors.ts";
import type { Page } from "../runtime/service-types.ts";

/** Query parameters of cursor pages. */
export const CURSOR_PARAMS = ["cursor", "before"] as const;

/** Where a cursor page starts: after `cursor` going forward, or before it going backward; none = at that end. */
export interface CursorQuery {
  readonly backward: boolean;
  readonly cursor: string | undefined;
}

/**
 * The cursor of a list request, or undefined for an offset page. Throws 400 when `cursor` and
 * `before` come together, or with `range` or `page` (which page by offset).
 */
export function parseCursorQuery(params: URLSearchParams): CursorQuery | undefined {
  const after = params.get("cursor");
  const before = params.get("before");
  if (after === null && before === null) return undefined;
  if (after !== null && before !== null)
    throw new AppError(
      "BAD_REQUEST",
      `Query parameters "cursor" and "before" cannot be combined: page forward with cursor, backward with before.`,
    );
  const offsetParams = ["range", "page"].filter((name) => params.has(name));
  if (offsetParams.length > 0) {
    throw new AppError(
      "BAD_REQUEST",
      `Query parameter "${after !== null ? "cursor" : "before"}" cannot be combined with ${offsetParams.map((n) => `"${n}"`).join(" and ")}: cursor pages continue from a cursor, not from an offset. Set the page size with per_page.`,
    );
  }
  const raw = after ?? before ?? "";
  return { backward: after === null, cursor: raw === "" ? undefined : raw };
}

/**
 * The `Link` header of a cursor page: `first` (`cursor=`), `prev` (`before=<first record's cursor>`)
 * when there are records before, `next` (`cursor=<last record's cursor>`) when there are records
 * after, and `last` (`before=`). Each is the request's path and query with only the cursor changed.
 */
export function cursorLinks(requestUrl: string, page: Pick<Page, "pageInfo">): string {
  const url = new URL(requestUrl);
  const link = (name: (typeof CURSOR_PARAMS)[number], value: string, rel: string) => {
    for (const p of CURSOR_PARAMS) url.searchParams.delete(p);
    url.searchParams.set(name, value);
    return `<${url.pathname}${url.search}>; rel="${rel}"`;
  };
  const { hasPreviousPage, hasNextPage, startCursor, endCursor } = page.pageInfo;
  const links = [link("cursor", "", "first")];
  if (hasPreviousPage && startCursor !== undefined) links.push(link("before", startCursor, "prev"));
  if (hasNextPage && endCursor !== undefined) links.push(link("cursor", endCursor, "next"));
  links.push(link("before", "", "last"));
  return links.join(", ");
}
