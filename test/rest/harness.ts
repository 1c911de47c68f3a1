/**
 * The REST handler over a fresh test database, called in process with Fetch API requests the way
 * ra-data-simple-rest makes them. Tests act through HTTP, then check the database with `t.db.prisma`.
 */
import { createRestHandler, type RestHandler, type RestHandlerOptions } from "../../src/rest/handler.ts";
import type { Actor } from "../../src/runtime/context.ts";
import type { RuntimeOptions } from "../../src/runtime/runtime.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

export interface RestFixture extends TestRuntime {
  readonly rest: RestHandler;
  /** Errors the handler reported as unexpected (answered 500). */
  readonly unexpected: unknown[];
  /** `GET <path>`; `path` starts at the host, e.g. `/api/posts?range=[0,9]`. */
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** A write with a JSON body (`Content-Type: application/json`, as react-admin's fetchJson sends it). */
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** Query-string encoding as ra-data-simple-rest does it (query-string's strict encoding). */
export function query(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === "string" ? v : JSON.stringify(v))}`)
    .join("&");
}

/** The fixture acts as `actor` (anonymous unless given; see test/support/actors.ts), unless `rest` says otherwise. */
export async function createRestFixture(
  options: {
    seed?: boolean;
    limits?: RuntimeOptions["limits"];
    rest?: Partial<RestHandlerOptions>;
    actor?: Actor;
  } = {},
): Promise<RestFixture> {
  const t = await createTestRuntime({
    seed: options.seed ?? true,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const unexpected: unknown[] = [];
  const rest = createRestHandler({
    runtime: t.runtime,
    contextFor: () => t.runtime.context(options.actor ? { actor: options.actor } : {}),
    onUnexpectedError: (e) => unexpected.push(e),
    ...options.rest,
  });
  const at = (path: string) => `http://test${path}`;
  return {
    ...t,
    close: () => t.close(),
    rest,
    unexpected,
    get: (path, headers) => rest.fetch(new Request(at(path), { headers: { Accept: "application/json", ...headers } })),
    send: (method, path, body, headers) =>
      rest.fetch(
        new Request(at(path), {
          method,
          headers: {
            Accept: "application/json",
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
            ...headers,
          },
          ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
        }),
      ),
  };
}
