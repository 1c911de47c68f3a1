/**
 * The REST facade: every resource of the runtime at `<basePath>/<resource>`, in the react-admin
 * (ra-data-simple-rest) dialect plus CRUDCrate query conventions, with OpenAPI and its docs page,
 * and change event streams (events.ts). docs/reference/rest-dialect.md is the contract. Transport only: each
 * route parses syntax and calls one service method; the runtime checks fields, operators, values and limits.
 * The routes live in routes/, one module per group; this module composes them.
 */
import { Hono } from "hono";
import { routePath } from "hono/route";
import type { Events } from "../events/events.ts";
import type { SecurityProfile } from "../metadata/definition.ts";
import type { RequestContext } from "../runtime/context.ts";
import { AppError } from "../runtime/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { Backup } from "../storage/dump/backup.ts";
import { restCors } from "./cors.ts";
import { errorResponse } from "./errors.ts";
import type { EventStreamOptions } from "./events.ts";
import { mountCollectionActionRoutes, mountMemberActionRoutes } from "./routes/actions.ts";
import { mountAggregateRoutes } from "./routes/aggregate.ts";
import { mountBackupRoutes } from "./routes/backup.ts";
import { mountBatchRoutes } from "./routes/batch.ts";
import { type BlobRouteOptions, mountBlobRoutes } from "./routes/blobs.ts";
import { mountCollectionRoutes } from "./routes/collection.ts";
import { mountDescribeRoute } from "./routes/describe.ts";
import { mountEventStreamRoute } from "./routes/event-streams.ts";
import { mountHistoryRoutes } from "./routes/history.ts";
import { mountLockRoutes } from "./routes/locks.ts";
import { mountMemberRoutes } from "./routes/member.ts";
import { mountMetaRoutes } from "./routes/meta.ts";
import { type Api, type ResourceRoutes, routeWith } from "./routes/route.ts";
import { DEFAULT_SECURITY_PROFILE, routeParams, rulesFor } from "./security-profile.ts";

/** Options of {@link createRestHandler}. */
export interface RestHandlerOptions {
  runtime: Runtime;
  /** The request context (actor, loaders, request id) of one request. Called once per request. */
  contextFor: (request: Request) => RequestContext | Promise<RequestContext>;
  /** Path the facade is mounted at. @default "/api" */
  basePath?: string;
  /**
   * How strictly requests are read (§22): unknown query parameters and filter keys, what a batch
   * delete answers, the body limit. A resource's own `security` wins for its routes.
   * @default "secure"
   * @example createRestHandler({ runtime, contextFor, securityProfile: "react_admin" })
   */
  securityProfile?: SecurityProfile;
  /**
   * Largest request body in bytes; larger ones get 413. When set, it applies to every resource, whatever
   * its profile. @default the profile's: 1 MiB secure, 2 MiB react_admin, 10 MiB legacy
   */
  maxBodyBytes?: number;
  /** Longest query string in bytes; longer ones get 400. @default 16 KiB (16_384) */
  maxQueryBytes?: number;
  /** Most embed paths in one request. @default 20 */
  maxEmbeds?: number;
  /** Allowed CORS origins. @default { origin: "*" } */
  cors?: { origin: string | string[] };
  /**
   * Change events, for the event streams `GET <basePath>/<resource>/events` and `GET <basePath>/events`
   * (§21). @default none: those routes answer 404
   */
  events?: Events | undefined;
  /** Heartbeat and reconnection hint of the event streams. @default { heartbeatMs: 15_000, retryMs: 3_000 } */
  eventStream?: EventStreamOptions;
  /**
   * Where the bytes of file fields live, and whether downloads redirect to the store's presigned URLs
   * (docs/guides/files.md). @default none: the file routes answer 501
   * @example createRestHandler({ runtime, contextFor, blobs: { store, redirect: true } })
   */
  blobs?: BlobRouteOptions | undefined;
  /**
   * The installation's dump and load, served to the admin role at `GET <basePath>/_dump` and
   * `POST <basePath>/_load` (docs/guides/backup.md). @default none: those routes answer 501
   */
  backup?: Backup | undefined;
  /** Receives errors that are not {@link AppError}s (answered as a bare 500). @default console.error */
  onUnexpectedError?: (error: unknown) => void;
}

/** A Fetch API handler. */
export interface RestHandler {
  fetch(request: Request): Promise<Response>;
  /**
   * The route template that answered `request` (e.g. `/api/posts/:id`), once `fetch` has answered it;
   * undefined when no route matched (a 404 of the facade) or it was not answered here. Metrics and
   * spans are labelled with it, never with the raw path, so their cardinality stays bounded.
   */
  routeOf(request: Request): string | undefined;
}

/** Headers a browser may send cross-origin: ra-data-simple-rest sends `Range` on every list. */
export const CORS_ALLOW_HEADERS = [
  "Content-Type",
  "Authorization",
  "X-API-Key",
  "Range",
  "If-Match",
  "If-None-Match",
  "X-Request-Id",
  "Last-Event-ID",
] as const;
/** Response headers a browser lets scripts read: react-admin reads `Content-Range` for totals. */
export const CORS_EXPOSE_HEADERS = ["Content-Range", "ETag", "Link", "X-Total-Count", "Location"] as const;

/** Paths under the base path the facade itself uses; a resource cannot take them. */
const OWN_PATHS = new Set(["docs", "openapi.json", "events", "_dump", "_load", "_meta"]);

/**
 * Builds the REST handler over a runtime.
 * @example
 * const rest = createRestHandler({ runtime, contextFor: () => runtime.context() });
 * const response = await rest.fetch(new Request("http://localhost/api/posts?range=[0,9]"));
 */
export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const { runtime } = options;
  const base = (options.basePath ?? "/api").replace(/\/+$/, "");
  const serverProfile = options.securityProfile ?? DEFAULT_SECURITY_PROFILE;
  const maxQueryBytes = options.maxQueryBytes ?? 16 * 1024;
  const parse = { maxEmbeds: options.maxEmbeds ?? 20, schema: runtime.schema };
  const onUnexpectedError =
    options.onUnexpectedError ?? ((error: unknown) => console.error("REST: unexpected error", error));
  for (const resource of runtime.schema.resources) {
    if (OWN_PATHS.has(resource.names.path))
      throw new Error(
        `REST: resource "${resource.name}" has the path "${resource.names.path}", which the REST facade uses itself; set \`naming\` or \`plural\` on the resource.`,
      );
  }

  const app = new Hono({ strict: true });
  const api: Api = base === "" ? app : app.basePath(base);
  const templates = new WeakMap<Request, string>();
  api.use("*", async (c, next) => {
    await next();
    // After next(), the route index is the handler that answered; a middleware's wildcard is no route.
    const template = routePath(c);
    if (template && !template.endsWith("*")) templates.set(c.req.raw, template);
  });
  api.use(
    "*",
    restCors({
      origin: options.cors?.origin ?? "*",
      allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: [...CORS_ALLOW_HEADERS],
      exposeHeaders: [...CORS_EXPOSE_HEADERS],
      maxAge: 600,
    }),
  );
  api.use("*", async (c, next) => {
    const query = new URL(c.req.url).search;
    const size = Buffer.byteLength(query) - 1;
    if (size > maxQueryBytes)
      throw new AppError(
        "BAD_REQUEST",
        `Query string is too long: ${size} bytes, at most ${maxQueryBytes}. Filter by fewer values, or page.`,
      );
    await next();
  });

  const route = routeWith(options.contextFor, onUnexpectedError);
  const notFound = mountMetaRoutes({ api, schema: runtime.schema, base, serverProfile, onUnexpectedError });
  const streams = { api, runtime, route, serverProfile, events: options.events, eventStream: options.eventStream };
  mountEventStreamRoute(streams);
  mountBackupRoutes({ api, runtime, route, serverProfile, backup: options.backup, onUnexpectedError });
  mountDescribeRoute({ api, runtime, route, base, serverProfile, events: options.events !== undefined });

  for (const resource of runtime.schema.resources) {
    const rules = rulesFor(resource, serverProfile);
    const listOptions = { ...parse, rules };
    const collection = `/${resource.names.path}`;
    const routes: ResourceRoutes = {
      api,
      runtime,
      resource,
      service: runtime.service(resource.name),
      route,
      rules,
      maxBodyBytes: options.maxBodyBytes ?? rules.maxBodyBytes,
      blobStore: options.blobs?.store,
      parse,
      listOptionsOf: (ctx: RequestContext) => ({
        ...listOptions,
        readable: (r, field) => runtime.service(r.name).canRead(ctx, field),
      }),
      only: (params, allowed = []) => routeParams(params, allowed, rules),
      base,
      collection,
      member: `${collection}/:id`,
    };
    mountCollectionRoutes(routes);
    // Before the member routes, so `aggregate`, `events`, `batch` and collection actions are never taken
    // for an id (§15, §21, §20, §27).
    mountAggregateRoutes(routes);
    mountEventStreamRoute(streams, resource);
    mountBatchRoutes(routes);
    mountLockRoutes(routes);
    mountCollectionActionRoutes(routes);
    mountMemberRoutes(routes);
    mountMemberActionRoutes(routes);
    mountBlobRoutes(routes, options.blobs);
    mountHistoryRoutes(routes);
  }

  app.notFound(notFound);
  app.onError((error) => errorResponse(error, onUnexpectedError));
  return {
    routeOf: (request) => templates.get(request),
    async fetch(request) {
      try {
        return await app.fetch(request);
      } catch (error) {
        return errorResponse(error, onUnexpectedError);
      }
    },
  };
}
