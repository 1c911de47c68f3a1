// Longer than 400 lines: the composition root of HTTP. Its two entries, the GraphQL gate and the spliced
// answer share closures over the handlers, the rate limit and the observers; split, each would take them all.
/**
 * The composition root of the HTTP surface: GraphQL at /graphql, REST at /api, health at /healthz and
 * /readyz, the index at / and /api, one request context per request (actor, loaders, request id) for
 * every transport.
 *
 * Two entries, one routing: `app.fetch(Request)` is what tests call in process; `app.requestListener`
 * is what the Node server listens with. Both send /graphql and /graphql/stream to one GraphQL gate
 * (request log, rate limit, then yoga) and everything else to Hono. The listener hands Node's request
 * and response to that gate without Hono's Fetch API Request and Response in between: yoga reads
 * the body from the IncomingMessage and writes its answer to the ServerResponse. A POST of a query
 * yoga already answered spliced (src/graphql/splice.ts) is answered without yoga at all, under the
 * gate's same rate limit and request log.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { createServerAdapter } from "@whatwg-node/server";
import { Hono } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import type { SecurityProfile } from "../metadata/definition.ts";
import {
  createGraphQLHandler,
  GRAPHQL_ENDPOINT,
  GRAPHQL_STREAM_ENDPOINT,
  type GraphQLExtension,
  type GraphQLHardening,
  type SplicedAnswer,
  type WebSocketOptions,
  type WebSocketService,
} from "../graphql/handler.ts";
import { errorResponse } from "../rest/errors.ts";
import { createRestHandler } from "../rest/handler.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { BlobStore } from "../storage/blobs/blob-store.ts";
import type { Instrumentation } from "../storage/instrumentation.ts";
import type { Backup } from "../storage/dump/backup.ts";
import type { ActorResolver } from "./auth.ts";
import type { Events } from "../events/events.ts";
import {
  addRateLimitHeaders,
  countRequest,
  limitWebSocketUpgrades,
  type RateLimit,
  type RateLimitVerdict,
  rateLimitMiddleware,
  withRateLimitHeaders,
} from "./rate-limit.ts";
import { defaultAdminDir, mountAdminSite } from "./admin-site.ts";
import { logFailure } from "./failure-log.ts";
import { answerScrape, METRICS_PATH } from "./metrics-endpoint.ts";
import type { Metrics } from "./metrics.ts";
import { requestContextFor } from "./request-context.ts";
import {
  disposeResponse,
  graphqlTimeoutResponse,
  RequestDeadlines,
  restTimeoutResponse,
  TIMED_OUT,
} from "./request-timeout.ts";
import { pathOf, readBody, smallJsonBody, urlOf, writeResponse } from "./node-request.ts";
import { appRoute, ObservedRequest } from "./observed-request.ts";
import { currentRequest, type RequestScope, requestIdOf } from "./request-scope.ts";
import type { Tracing } from "./tracing.ts";
import { prefersHtml, rootIndex, rootPage } from "./root-page.ts";
import { withHeaders } from "./with-headers.ts";

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
  /**
   * Largest /graphql request body in bytes: 413 PAYLOAD_TOO_LARGE beyond, on every entry (in-process
   * `fetch`, the Node listener's spliced answer and yoga, chunked or not, batches included). A multipart
   * upload may add the declared sizes of the schema's file fields. @default 1048576 (1 MiB, as REST's secure profile)
   */
  graphqlMaxBodyBytes?: number;
  /**
   * How long a request's handler may run, in milliseconds, before the client gets 503 TIMEOUT
   * (request-timeout.ts: streams and uploads are exempt); 0 for no limit. @default 0
   */
  requestTimeoutMs?: number;
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
  /** Where the bytes of file fields live (docs/guides/files.md). @default none: the file routes answer 501 */
  blobStore?: BlobStore | undefined;
  /** Downloads answer 307 to the store's time-limited URL when it can give one (S3). @default false */
  blobRedirect?: boolean | undefined;
  /** The dump and load served to the admin role at /api/_dump and /api/_load. @default none: they answer 501 */
  backup?: Backup | undefined;
  /** Where the built admin app is, served at /admin; false serves none. @default dist/admin of the package */
  adminDir?: string | false | undefined;
  /**
   * Counts each HTTP request (method, route template, status, latency) and the open event streams
   * (docs/guides/operations.md). @default none: nothing is counted
   */
  metrics?: Metrics | undefined;
  /** Serves `metrics` at GET /metrics on this app, behind `token` (Bearer) when given. @default not served */
  metricsEndpoint?: { readonly token: string | undefined } | undefined;
  /** A server span per request (continuing an incoming `traceparent`), the parent of what it runs. @default none */
  tracing?: Tracing | undefined;
  /** What GraphQL operations are reported to (the server's metrics and tracer). @default none */
  instrumentation?: Instrumentation | undefined;
}

/** The HTTP app: a Fetch API handler, the same app as a Node request listener, and graphql-ws for the Node server. */
export interface App {
  /**
   * Answers a request in process (tests). `env` is what @hono/node-server passes (`{ incoming, outgoing }`)
   * when it serves this function: the client's socket, for its IP.
   */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** What the Node server listens with: the routes of `fetch`, GraphQL without a Fetch API copy of each request. */
  readonly requestListener: RequestListener;
  /** Serves GraphQL subscriptions over WebSocket (graphql-ws) on `server`, at /graphql. */
  serveWebSockets(server: Server): WebSocketService;
  /** Ends every open GraphQL subscription (SSE and WebSocket) so their connections can close (shutdown). */
  endSubscriptions(): void;
}

/** Builds the app over a runtime (GraphQL at /graphql, REST at /api): serve `requestListener` or `fetch`.
 * @example createServer(createApp({ runtime, logger: pino() }).requestListener).listen(4000); */
export function createApp(options: AppOptions): App {
  const { runtime, logger } = options;
  const onUnexpectedError = (error: unknown) => {
    // A client that hung up mid-request aborts its request's signal: nothing went wrong here.
    if ((error as { name?: unknown } | null)?.name === "AbortError")
      logger.debug({ err: error }, "request aborted by the client");
    // An outage is expected to pass (restart, failover): one warning line, no stack.
    else logFailure(logger, error, "unexpected error");
  };
  const deadlines = new RequestDeadlines(options.requestTimeoutMs ?? 0, (request) =>
    logger.warn(
      { method: request.method, path: pathOf(request.url), requestTimeoutMs: options.requestTimeoutMs },
      "request timeout: answered 503 TIMEOUT",
    ),
  );
  const graphqlMaxBodyBytes = options.graphqlMaxBodyBytes ?? GRAPHQL_MAX_BODY_BYTES;
  const contextFor = requestContextFor(runtime, options.resolveActor, (request) => deadlines.of(request));

  const graphql = createGraphQLHandler({
    runtime,
    events: options.events,
    blobStore: options.blobStore,
    contextFor,
    graphiql: options.graphiql ?? true,
    ...(options.graphqlHardening ? { hardening: options.graphqlHardening } : {}),
    ...(options.graphqlBatchLimit !== undefined ? { batchLimit: options.graphqlBatchLimit } : {}),
    maxBodyBytes: graphqlMaxBodyBytes,
    cors: { origin: options.corsOrigin ?? "*" },
    extensions: options.graphqlExtensions ?? [],
    onUnexpectedError,
    instrumentation: options.instrumentation,
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
    blobs: options.blobStore ? { store: options.blobStore, redirect: Boolean(options.blobRedirect) } : undefined,
    backup: options.backup,
  });

  const logRequest = (method: string, path: string, status: number, started: number) =>
    logger.info({ method, path, status, ms: Math.round(performance.now() - started) }, "request");
  const internalError = (error: unknown) => errorResponse(error, onUnexpectedError);
  const corsOrigin = options.corsOrigin ?? "*";
  // Counted before the handlers, so an over-budget request costs no work; health routes are not behind it.
  const actorOf = async (request: Request) => (await contextFor(request)).actor;

  // GraphQL over HTTP: what Hono's middleware does for the other routes, in front of yoga, whichever
  // entry the request came through. The Node listener's context carries `req` (yoga's convention).
  const graphqlLimit = { actorOf, corsOrigin, body: "graphql" } as const;
  // Requests the spliced answer below counted already (and resolved the actor of), then handed on to the gate.
  const counted = new WeakMap<IncomingMessage, { verdict: RateLimitVerdict | undefined; request: Request }>();
  const graphqlGate = createServerAdapter<{
    req?: IncomingMessage | undefined;
    res?: ServerResponse | undefined;
  }>(async (request, { req, res }) => {
    const started = performance.now();
    let response: Response;
    try {
      const earlier = req && counted.get(req);
      if (earlier) {
        contextFor.share(earlier.request, request);
        deadlines.share(earlier.request, request);
      } else deadlines.start(request);
      const verdict = earlier
        ? earlier.verdict
        : options.rateLimit
          ? await countRequest(options.rateLimit, request, req?.socket, graphqlLimit)
          : undefined;
      if (verdict && "refusal" in verdict) response = verdict.refusal;
      else {
        response = await deadlines.race(
          request,
          () => graphql.fetch(request),
          () => graphqlTimeoutResponse(deadlines.ms),
          disposeResponse,
        );
        if (verdict) response = withRateLimitHeaders(response, verdict.headers);
      }
    } catch (error) {
      response = internalError(error);
    } finally {
      deadlines.finish(request);
    }
    logRequest(request.method, pathOf(request.url), response.status, started);
    if (res) countStream(response, res, "graphql-sse");
    return response;
  });

  /**
   * POST /graphql on the Node listener, for a query yoga already answered spliced (same text): its
   * rules are the gate's (rate limit, request log), its answer without yoga (GraphQLHandler.answerSpliced).
   * Anything else goes on to the gate with the body already read, and the verdict and actor if made.
   */
  const answerSpliced = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const started = performance.now();
    const body = await readBody(req);
    if (!body) {
      res.destroy(); // the client went away mid-body
      return;
    }
    try {
      let params: unknown;
      try {
        params = JSON.parse(body.toString("utf8"));
      } catch {
        params = undefined; // yoga says what is wrong with it
      }
      const answerer = params === undefined ? undefined : graphql.answerSpliced(params);
      if (answerer) {
        const request = new Request(url, { method: "POST", headers: req.headers as Record<string, string> });
        deadlines.start(request);
        const verdict = options.rateLimit
          ? await countRequest(options.rateLimit, request, req.socket, graphqlLimit)
          : undefined;
        if (verdict && "refusal" in verdict) {
          deadlines.finish(request);
          await writeResponse(res, verdict.refusal);
          logRequest("POST", url.pathname, verdict.refusal.status, started);
          return;
        }
        const answer = await deadlines.race<SplicedAnswer | undefined | typeof TIMED_OUT>(
          request,
          () => answerer(request),
          () => TIMED_OUT,
        );
        if (answer === TIMED_OUT) {
          const timedOut = graphqlTimeoutResponse(deadlines.ms);
          await writeResponse(res, timedOut);
          logRequest("POST", url.pathname, timedOut.status, started);
          return;
        }
        if (answer) {
          const headers = verdict
            ? Object.fromEntries(addRateLimitHeaders(new Headers(answer.headers), verdict.headers))
            : answer.headers;
          res.writeHead(200, { ...headers, "Content-Length": Buffer.byteLength(answer.text) }).end(answer.text);
          logRequest("POST", url.pathname, 200, started);
          return;
        }
        counted.set(req, { verdict, request });
      }
    } catch (error) {
      onUnexpectedError(error);
    }
    // whatwg-node reads a body that was read already from `req.body`.
    (req as IncomingMessage & { body?: Buffer }).body = body;
    void graphqlGate.requestListener(req, res);
  };

  // Open event streams by transport, counted on the Node listener (an in-process response has no connection to watch).
  const openStreams = { sse: 0, "graphql-sse": 0 };
  options.metrics?.subscribers("sse", () => openStreams.sse);
  options.metrics?.subscribers("graphql-sse", () => openStreams["graphql-sse"]);
  const countStream = (response: Response, res: ServerResponse, transport: keyof typeof openStreams) => {
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) return;
    openStreams[transport]++;
    res.once("close", () => openStreams[transport]--);
  };

  const app = new Hono();
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    logRequest(c.req.method, c.req.path, c.res.status, started);
    const scope = currentRequest();
    if (scope) scope.route = rest.routeOf(c.req.raw) ?? appRoute(routePath(c));
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing) countStream(c.res, outgoing, "sse");
  });
  // The clock starts before the rate limit, which makes the request's context (and its deadline).
  app.use("/api/*", async (c, next) => {
    deadlines.start(c.req.raw);
    try {
      await next();
    } finally {
      deadlines.finish(c.req.raw);
    }
  });
  if (options.rateLimit) app.use("/api/*", rateLimitMiddleware(options.rateLimit, { actorOf, corsOrigin }));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const ready = await (options.ready?.() ?? Promise.resolve(true)).catch(() => false);
    return c.json({ status: ready ? "ready" : "unavailable" }, ready ? 200 : 503);
  });
  if (options.adminDir !== false) mountAdminSite(app, options.adminDir ?? defaultAdminDir());
  // The index: JSON at /api and to programs at /, a page of links to a browser at / (root-page.ts).
  const index = rootIndex(runtime.schema, GRAPHQL_ENDPOINT);
  for (const path of ["/api", "/api/"]) app.get(path, (c) => c.json(index));
  const restAnswer = (request: Request) =>
    deadlines.race(
      request,
      () => rest.fetch(request),
      () => restTimeoutResponse(deadlines.ms),
      disposeResponse,
    );
  app.all("/api", (c) => restAnswer(c.req.raw));
  app.all("/api/*", (c) => restAnswer(c.req.raw));
  app.get("/", (c) => {
    c.header("Vary", "Accept");
    return prefersHtml(c.req.header("accept")) ? c.html(rootPage(index, options.graphiql ?? true)) : c.json(index);
  });
  if (options.metrics && options.metricsEndpoint) {
    const { metrics, metricsEndpoint } = options;
    app.get(METRICS_PATH, (c) => answerScrape(metrics, metricsEndpoint.token, c.req.header("authorization")));
  }
  app.notFound((c) =>
    c.json(
      { message: `No route for ${c.req.method} ${c.req.path}. Try ${GRAPHQL_ENDPOINT} or /api.`, code: "NOT_FOUND" },
      404,
    ),
  );
  app.onError((error) => internalError(error));
  // Made on first use: @hono/node-server swaps in its own global Request and Response when it makes a
  // listener, which in-process callers of `fetch` have no reason to get.
  let honoListener: RequestListener | undefined;

  /** The Node listener's routing: GraphQL to the gate (or the spliced answer), the rest to Hono. */
  const serveNode = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => {
    const target = req.url ?? "/";
    const path = pathOf(target);
    if (!isGraphQLPath(path)) {
      honoListener ??= getRequestListener((request, env) => app.fetch(request, env));
      void honoListener(req, res);
      return;
    }
    scope.route = path;
    // What @hono/node-server checks before making a URL of Host and target: whatwg-node would make an
    // invalid one (a 500 when first read), or read an absolute-form target as a path.
    const url = urlOf(req.headers.host, target);
    if (!url) {
      res.writeHead(400).end();
      return;
    }
    req.url = url.pathname + url.search;
    req.headers.host = url.host;
    // A body left half read (over the body limit) would stall the connection: close it once answered.
    res.once("finish", () => {
      if (!req.complete) req.socket.destroySoon();
    });
    if (req.method === "POST" && url.pathname === GRAPHQL_ENDPOINT && smallJsonBody(req, graphqlMaxBodyBytes))
      void answerSpliced(req, res, url);
    else void graphqlGate.requestListener(req, res);
  };

  const { metrics, tracing } = options;
  return {
    fetch: async (request, env) => {
      const requestId = requestIdOf(request.headers.get("x-request-id"));
      const observed = new ObservedRequest(
        request.method,
        requestId,
        request.headers.get("traceparent"),
        metrics,
        tracing,
      );
      const path = new URL(request.url).pathname;
      if (isGraphQLPath(path)) observed.scope.route = path;
      const response = withSecurityHeaders(
        await observed.run(() =>
          isGraphQLPath(path)
            ? graphqlGate.fetch(request, { req: (env as { incoming?: IncomingMessage } | undefined)?.incoming })
            : app.fetch(request, env as object | undefined),
        ),
        requestId,
      );
      const stream = response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
      observed.end(response.status, stream);
      return response;
    },
    requestListener: (req, res) => {
      for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
      const requestId = requestIdOf(headerOf(req.headers["x-request-id"]));
      res.setHeader("X-Request-Id", requestId);
      const method = req.method ?? "GET";
      const observed = new ObservedRequest(method, requestId, headerOf(req.headers.traceparent), metrics, tracing);
      if (metrics || tracing)
        res.once("close", () => {
          const type = res.getHeader("content-type");
          observed.end(res.statusCode, typeof type === "string" && type.startsWith("text/event-stream"));
        });
      observed.run(() => serveNode(req, res, observed.scope));
    },
    serveWebSockets: (server) => {
      const { rateLimit } = options;
      // Each operation counts like an HTTP request of its actor (the upgrade itself is counted by IP below).
      const countOperation = rateLimit
        ? async (request: Request, upgrade: IncomingMessage) => {
            const verdict = await countRequest(rateLimit, request, upgrade.socket, graphqlLimit);
            return verdict && "refusal" in verdict ? verdict.message : undefined;
          }
        : undefined;
      const service = graphql.serveWebSocket(server, { ...options.webSocket, countOperation });
      options.metrics?.subscribers("graphql-ws", () => service.size);
      if (options.rateLimit) limitWebSocketUpgrades(server, options.rateLimit);
      return service;
    },
    endSubscriptions: () => graphql.endSubscriptions(),
  };
}

/** The default of {@link AppOptions.graphqlMaxBodyBytes}: 1 MiB, REST's secure profile's limit. */
export const GRAPHQL_MAX_BODY_BYTES = 1_048_576;

const isGraphQLPath = (path: string) => path === GRAPHQL_ENDPOINT || path === GRAPHQL_STREAM_ENDPOINT;

/** A header Node may give as a list: its first value. */
function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Headers on every response: no MIME sniffing, no Referer to other sites, no framing (the API's pages,
 * GraphiQL and /api/docs, cannot be clickjacked). Scripts are left alone: those pages load their own.
 */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "no-referrer"],
  ["Content-Security-Policy", "frame-ancestors 'none'"],
  ["X-Frame-Options", "DENY"],
];

/** `response` with {@link SECURITY_HEADERS} and its request id (a copy when its headers are immutable). */
function withSecurityHeaders(response: Response, requestId: string): Response {
  return withHeaders(response, (headers) => {
    headers.set("X-Request-Id", requestId);
    // A page's own policy (the admin's) is stricter than the default one, which only forbids framing.
    for (const [name, value] of SECURITY_HEADERS) if (!headers.has(name)) headers.set(name, value);
  });
}
