/**
 * Changing the headers of a Response someone else made: in place when they are mutable, on a copy when
 * they are not (a Response from `fetch`, `Response.error()`, `Response.redirect()`).
 */

/** `response` with `edit` applied to its headers (a copy when they are immutable). */
export function withHeaders(response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers);
    return response;
  } catch {
    // Immutable headers refuse the first change, so nothing was applied: apply all of it to a copy.
    const copy = new Response(response.body, response);
    edit(copy.headers);
    return copy;
  }
}
