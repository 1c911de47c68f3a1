/**
 * JSON responses. Records can hold values JSON.stringify cannot write as-is: BigInt columns are sent as
 * decimal strings (a JavaScript number would lose precision); Dates and Prisma Decimals serialise
 * themselves (ISO 8601 strings, decimal strings).
 */

function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** A JSON response with `status` and extra headers. */
export function jsonResponse(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body, replacer), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}

/** A JSON response whose body is JSON text already (built by PostgreSQL), sent as it is. */
export function jsonTextResponse(json: string, status = 200, headers?: Record<string, string>): Response {
  return new Response(json, { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });
}
