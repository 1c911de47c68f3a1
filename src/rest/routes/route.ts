/**
 * What every REST route module shares: the `route` wrapper that gives a handler its request context and
 * turns failures into error responses, the pieces of one resource's routes ({@link ResourceRoutes}), and
 * the small readers of a request (path id and revision, `fields`), and the mounting of a path's methods
 * with the 405 answer to the others.
 */
import type { Context, Hono } from "hono";
import type { BlankEnv, BlankSchema } from "hono/types";
import type { ServedOperation } from "../../metadata/definition.ts";
import type { ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import type { RequestContext } from "../../runtime/context.ts";
import { AppError } from "../../runtime/errors.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import type { ResourceService } from "../../runtime/service.ts";
import type { BlobStore } from "../../storage/blobs/blob-store.ts";
import { errorResponse } from "../errors.ts";
import { parseFieldsParam } from "../fields.ts";
import type { ListQueryOptions } from "../list-params.ts";
import type { SecurityProfileRules } from "../security-profile.ts";

/** The Hono app (or its base path) the routes are mounted on. */
export type Api = Hono<BlankEnv, BlankSchema, string>;

/** A route's body: the request, its context and its query parameters in, a response out. */
export type RouteHandler = (c: Context, ctx: RequestContext, params: URLSearchParams) => Promise<Response>;

/** Wraps a {@link RouteHandler} into a Hono handler. */
export type Route = (handle: RouteHandler) => (c: Context) => Promise<Response>;

/** Builds the {@link Route} wrapper: runs a route with the request's context, turning every failure into an error response. */
export function routeWith(
  contextFor: (request: Request) => RequestContext | Promise<RequestContext>,
  onUnexpectedError: (error: unknown) => void,
): Route {
  return (handle) => async (c) => {
    try {
      return await handle(c, await contextFor(c.req.raw), new URL(c.req.url).searchParams);
    } catch (error) {
      return errorResponse(error, onUnexpectedError);
    }
  };
}

/** What the route modules of one resource share. */
export interface ResourceRoutes {
  api: Api;
  runtime: Runtime;
  resource: ResolvedResource;
  service: ResourceService;
  route: Route;
  /** This resource's security profile (§22): its own, else the server's. */
  rules: SecurityProfileRules;
  /** Largest request body in bytes (a multipart write adds its resource's file limits, §6.8). */
  maxBodyBytes: number;
  /** Where the bytes of file fields go: the files of multipart writes (§6.8). None: they answer 501. */
  blobStore: BlobStore | undefined;
  /** Most embed paths in one request, and every resource. */
  parse: { maxEmbeds: number; schema: ResolvedSchema };
  /** The list options of one request: a lenient profile also drops filters on fields its actor may not see. */
  listOptionsOf: (ctx: RequestContext) => ListQueryOptions;
  /** The query parameters a route reads: under a lenient profile, the others are dropped before its checks. */
  only: (params: URLSearchParams, allowed?: readonly string[]) => URLSearchParams;
  /** The base path, without a trailing slash. */
  base: string;
  /** `/<resource path>`. */
  collection: string;
  /** `/<resource path>/:id`. */
  member: string;
}

/** The record id of the path. */
export const pathId = (c: Context): string => c.req.param("id") ?? "";

/** The revision of the path. */
export const pathRev = (c: Context): string => c.req.param("rev") ?? "";

/** The paths of `fields` (§16), or undefined when the request has none. */
export function fieldsOf(params: URLSearchParams): string[] | undefined {
  const raw = params.get("fields");
  return raw === null ? undefined : parseFieldsParam(raw);
}

/** The methods a route can serve (HEAD comes with GET, OPTIONS with every path: CORS preflight). */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * The methods of one path: each with the operation it needs of the resource (§26; undefined: none, the
 * path is not a resource's) and its handler.
 */
export type PathMethods = Partial<
  Record<Method, readonly [ServedOperation | undefined, (c: Context) => Promise<Response>]>
>;

/**
 * Mounts the methods of `path` whose operation `served` has, and answers every other method with 405 and
 * an `Allow` header listing exactly the methods mounted (§1.5). A path none of whose operations is served
 * still answers 405 (`Allow: OPTIONS`), not a 404 or another route's answer (§26.3).
 */
export function mountPath(
  api: Api,
  path: string,
  served: ReadonlySet<ServedOperation> | undefined,
  methods: PathMethods,
): void {
  const allowed: string[] = [];
  for (const [method, [operation, handler]] of Object.entries(methods) as [
    Method,
    NonNullable<PathMethods[Method]>,
  ][]) {
    if (operation !== undefined && served !== undefined && !served.has(operation)) continue;
    api.on(method, path, handler);
    allowed.push(method, ...(method === "GET" ? ["HEAD"] : []));
  }
  allowed.push("OPTIONS");
  api.all(path, (c) => methodNotAllowed(c, allowed));
}

/** A method the path does not serve: 405 with a message naming the allowed ones and an `Allow` header (§1.5). */
export function methodNotAllowed(c: Context, allowed: readonly string[]): Response {
  const error = new AppError(
    "METHOD_NOT_ALLOWED",
    `Method ${c.req.method} is not allowed on ${c.req.path}. Allowed: ${allowed.join(", ")}.`,
    { details: { allowed } },
  );
  return errorResponse(error, () => {}, { Allow: allowed.join(", ") });
}

/** Mounts a GET route (that needs `operation`, when a resource's) and the answer to its other methods. */
export function getOnly(
  api: Api,
  route: Route,
  path: string,
  handle: RouteHandler,
  needs?: { served: ReadonlySet<ServedOperation>; operation: ServedOperation },
): void {
  mountPath(api, path, needs?.served, { GET: [needs?.operation, route(handle)] });
}

/** Mounts a POST route (that needs `operation`, when a resource's) and the answer to its other methods. */
export function postOnly(
  api: Api,
  route: Route,
  path: string,
  handle: RouteHandler,
  needs?: { served: ReadonlySet<ServedOperation>; operation: ServedOperation },
): void {
  mountPath(api, path, needs?.served, { POST: [needs?.operation, route(handle)] });
}
