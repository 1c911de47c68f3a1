/**
 * The composition root of the HTTP surface: GraphQL at /graphql, REST at /api, health at /healthz and
 * /readyz, one request context per request (actor, loaders, request id) for every transport.
 * Transport-free: `app.fetch(Request)` is what tests call and what the Node server listens with.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { Hono } from "hono";
import type { Logger } from "pino";
import type { SecurityProfile } from "../metadata/definition.ts";
import { createGraphQLHandler, type GraphQLExtension, type GraphQLHardening, type WebSocketOptions, type WebSocketService } from "../graphql/handler.ts";
import { createRestHandler } from "../rest/handler.ts";
import type { RequestContext } from "../runtime/context.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ActorResolver } from "./auth.ts";
import type { Events } from "../events/events.ts";
import { limitWebSocketUpgrades, type RateLimit, rateLimitMiddleware } from "./rate-limit.ts";

/** Options of {@link createApp}. */
export interface AppOptions {
  runtime: Runtime;
  /** Who each request acts as (server/auth.ts). @default everyone is anonymous */
  resolveActor?: ActorResolver | undefined;
  /** Change events (GraphQL subscriptions, the REST event streams). @default none: no subscriptions */
  events?: Events | undefined;
  logger: Logger;
  /** Hand-written SDL and resolvers merged into the generated GraphQL schema. @default [] */
  graphqlExtensions?: GraphQLExtension[];
  /** Serve GraphiQL on GET /graphql. @default true */
  graphiql?: boolean;
  /** GraphQL document limits, introspection, suggestions, CSRF prevention. @default see GraphQLHardening */
  graphqlHardening?: GraphQLHardening;
  /** Operations one GraphQL HTTP request may batch; 0 refuses batches. @default 0 */
  graphqlBatchLimit?: number;
  /** How strictly REST reads requests (rest-dialect.md §22); a resource's own `security` wins. @default "secure" */
  securityProfile?: SecurityProfile;
  /** Largest accepted REST body in bytes (413 beyond), whatever the profile. @default the profile's (1 MiB secure) */
  maxBodyBytes?: number;
  /** Limits of GraphQL over WebSocket (subscriptions per socket, message size, init timeout). @default see WebSocketOptions */
  webSocket?: WebSocketOptions;
  /** Origins allowed by CORS. @default "*" */
  corsOrigin?: string | string[];
  /** Whether the app can serve traffic (database reachable); /readyz answers 503 otherwise. */
  ready?: () => Promise<boolean>;
  /**
   * Requests allowed per actor or IP on /graphql and /api (see server/rate-limit.ts); the caller
   * closes it. startServer passes one made from the configuration.
   * @default none: not limited
   */
  rateLimit?: RateLimit | undefined;
}

/** The HTTP app: a Fetch API handler, and graphql-ws for the Node server that listens with it. */
export interface App {
  /** `env` is what @hono/node-server passes (`{ incoming, outgoing }`): the client's socket, for its IP. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** Serves GraphQL subscriptions over WebSocket (graphql-ws) on `server`, at /graphql. */
  serveWebSockets(server: Server): WebSocketService;
  /** Ends every open GraphQL subscription (SSE and WebSocket) so their connections can close (shutdown). */
  endSubscriptions(): void;
}

/**
 * The request context of a request, whatever its transport: HTTP requests, and the Request a
 * WebSocket subscription is made from (its connection params as headers).
 */
export function requestContextFor(runtime: Runtime, resolveActor?: ActorResolver): (request: Request) => Promise<RequestContext> {
  // One context per request, however many layers ask (the rate limiter, then the transport): the
  // credentials are verified once and the request's loaders are shared.
  const made = new WeakMap<Request, Promise<RequestContext>>();
  return (request) => {
    let context = made.get(request);
    if (!context) {
      context = (async () =>
        runtime.context({
          requestId: request.headers.get("x-request-id")?.slice(0, 100) || randomUUID(),
          ...(resolveActor ? { actor: await resolveActor(request) } : {}),
        }))();
      made.set(request, context);
    }
    return context;
  };
}

/** Builds the app over a runtime. */
export function createApp(options: AppOptions): App {
  const { runtime, logger } = options;
  const onUnexpectedError = (error: unknown) => logger.error({ err: error }, "unexpected error");
  const contextFor = requestContextFor(runtime, options.resolveActor);

  const graphql = createGraphQLHandler({
    runtime,
    events: options.events,
    contextFor,
    graphiql: options.graphiql ?? true,
    ...(options.graphqlHardening ? { hardening: options.graphqlHardening } : {}),
    ...(options.graphqlBatchLimit !== undefined ? { batchLimit: options.graphqlBatchLimit } : {}),
    cors: { origin: options.corsOrigin ?? "*" },
    extensions: options.graphqlExtensions ?? [],
    onUnexpectedError,
  });
  const rest = createRestHandler({
    runtime,
    contextFor,
    basePath: "/api",
    ...(options.securityProfile ? { securityProfile: options.securityProfile } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    cors: { origin: options.corsOrigin ?? "*" },
    events: options.events,
    onUnexpectedError,
  });

  const app = new Hono();
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    logger.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, "request");
  });
  if (options.rateLimit) {
    // Counted before the handlers, so an over-budget request costs no work; health routes are not behind it.
    const limiting = { actorOf: async (request: Request) => (await contextFor(request)).actor, corsOrigin: options.corsOrigin ?? "*" };
    const limitGraphQL = rateLimitMiddleware(options.rateLimit, { ...limiting, body: "graphql" });
    const limitRest = rateLimitMiddleware(options.rateLimit, limiting);
    app.use("/graphql/*", limitGraphQL);
    app.use("/api/*", limitRest);
  }
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const ready = await (options.ready?.() ?? Promise.resolve(true)).catch(() => false);
    return c.json({ status: ready ? "ready" : "unavailable" }, ready ? 200 : 503);
  });
  app.all("/graphql", (c) => graphql.fetch(c.req.raw));
  app.all("/graphql/stream", (c) => graphql.fetch(c.req.raw));
  app.all("/api", (c) => rest.fetch(c.req.raw));
  app.all("/api/*", (c) => rest.fetch(c.req.raw));
  app.get("/", (c) =>
    c.json({ name: "Autograph", graphql: "/graphql", rest: "/api", openapi: "/api/openapi.json", docs: "/api/docs", resources: runtime.schema.resources.map((r) => `/api/${r.names.path}`) }),
  );
  app.notFound((c) => c.json({ message: `No route for ${c.req.method} ${c.req.path}. Try /graphql or /api.`, code: "NOT_FOUND" }, 404));
  app.onError((error, c) => {
    onUnexpectedError(error);
    return c.json({ message: "Internal server error", code: "INTERNAL" }, 500);
  });
  return {
    fetch: (request, env) => Promise.resolve(app.fetch(request, env as object | undefined)),
    serveWebSockets: (server) => {
      const service = graphql.serveWebSocket(server, options.webSocket ?? {});
      if (options.rateLimit) limitWebSocketUpgrades(server, options.rateLimit);
      return service;
    },
    endSubscriptions: () => graphql.endSubscriptions(),
  };
}
