/**
 * Rate limiting of /graphql and /api: each key gets `limit` requests per window of `windowSeconds`
 * (rate-limiter-flexible: the window starts with a key's first request and its budget refills at once
 * when it ends). The key is the actor when the request is authenticated (`actor:<id>`, whatever IP it
 * comes from), else the client's IP (`ip:<address>`).
 *
 * Over the budget the HTTP layer answers 429 before any handler runs, with `Retry-After` (seconds) and
 * the `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` headers (draft IETF RateLimit
 * fields, seconds) — headers that every counted response carries. CORS preflights (OPTIONS) are not
 * counted, and /healthz and /readyz are never limited (the middleware is not in front of them).
 *
 * When the store fails (Redis down or slow) the request is let through uncounted and the failure is
 * reported: an outage of the limiter must not become an outage of the API.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { MiddlewareHandler } from "hono";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Actor } from "../runtime/context.ts";
import { createRedisRateLimiter } from "../storage/redis-rate-limit.ts";
import { allowedOrigin } from "../rest/cors.ts";
import { withHeaders } from "./with-headers.ts";

/** Options of {@link createRateLimit}. */
export interface RateLimitOptions {
  /** Requests allowed per key per window; must be at least 1 (leave the limiter out to disable it). */
  limit: number;
  /** Length of the window in seconds. @default 60 */
  windowSeconds?: number;
  /**
   * Where counts live: `"memory"` (this process) or Redis, shared by every instance that uses the same
   * URL and key prefix. @default "memory"
   * @example { redisUrl: "redis://127.0.0.1:6379", keyPrefix: "myapp:rate-limit" }
   */
  store?: "memory" | { redisUrl: string; keyPrefix?: string };
  /**
   * Whether a proxy in front sets `X-Forwarded-For`: the client's IP is then its last entry (the one
   * the proxy appended; earlier ones are the client's own claim). Otherwise the socket's address.
   * @default false
   */
  trustProxy?: boolean;
  /** The store failed (the request was let through). Reported at most once per 10 seconds, with how many failed. */
  onStoreError?: (error: unknown, failures: number) => void;
  /** A request was refused with 429 (metrics), by transport: `rest`, `graphql` or `websocket` (an upgrade). @default none */
  onRefused?: (transport: "rest" | "graphql" | "websocket") => void;
}

/** The outcome of counting one request. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Requests left in the window. */
  readonly remaining: number;
  /** Seconds until the window ends (at least 1). */
  readonly resetSeconds: number;
}

/** A rate limiter: a budget per key, and the settings the HTTP middleware reads. */
export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly trustProxy: boolean;
  /** Counts one request of `key`; undefined when the store failed (the request is let through, uncounted). */
  consume(key: string): Promise<RateLimitDecision | undefined>;
  /** Told of each refusal, by transport (RateLimitOptions.onRefused). */
  readonly onRefused: ((transport: "rest" | "graphql" | "websocket") => void) | undefined;
  /** Resolves once the store can count (Redis connected); at once in memory. */
  ready(): Promise<void>;
  /** Releases the store (closes the Redis connection). */
  close(): Promise<void>;
}

/**
 * Builds a rate limiter.
 * @throws {Error} when `limit` or `windowSeconds` is not a positive integer.
 * @example
 * ```ts
 * const rateLimit = createRateLimit({ limit: 600, windowSeconds: 60 });
 * const app = createApp({ runtime, logger, rateLimit });
 * ```
 */
export function createRateLimit(options: RateLimitOptions): RateLimit {
  const { limit } = options;
  const windowSeconds = options.windowSeconds ?? 60;
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`Rate limit must be a whole number of requests, at least 1, got ${limit}`);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1)
    throw new Error(`Rate limit window must be a whole number of seconds, at least 1, got ${windowSeconds}`);
  const store = options.store ?? "memory";

  let failures = 0;
  let reportedAt = Number.NEGATIVE_INFINITY;
  // A Redis outage fails every request: report the first failure, then a count every 10 seconds.
  const storeFailed = (error: unknown) => {
    failures++;
    if (Date.now() - reportedAt < 10_000) return;
    reportedAt = Date.now();
    options.onStoreError?.(error, failures);
    failures = 0;
  };

  let limiter: RateLimiterAbstract;
  let ready = () => Promise.resolve();
  let close = () => Promise.resolve();
  if (store === "memory") {
    limiter = new RateLimiterMemory({ points: limit, duration: windowSeconds });
  } else {
    const redis = createRedisRateLimiter({
      url: store.redisUrl,
      points: limit,
      durationSeconds: windowSeconds,
      ...(store.keyPrefix === undefined ? {} : { keyPrefix: store.keyPrefix }),
      onError: storeFailed,
    });
    limiter = redis.limiter;
    ready = redis.ready;
    close = redis.close;
  }

  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  return {
    limit,
    windowSeconds,
    trustProxy: options.trustProxy ?? false,
    onRefused: options.onRefused,
    async consume(key) {
      try {
        const res = await limiter.consume(key);
        return { allowed: true, remaining: res.remainingPoints, resetSeconds: seconds(res.msBeforeNext) };
      } catch (rejection) {
        // rate-limiter-flexible rejects with a RateLimiterRes when over the budget, with an Error when the store fails.
        if (rejection instanceof RateLimiterRes)
          return { allowed: false, remaining: 0, resetSeconds: seconds(rejection.msBeforeNext) };
        storeFailed(rejection);
        return undefined;
      }
    },
    ready,
    close,
  };
}

/** Options of {@link countRequest} and {@link rateLimitMiddleware}. */
export interface RateLimitMiddlewareOptions {
  /** The actor of a request, when known: an authenticated actor is counted by id rather than by IP. */
  actorOf?: (request: Request) => Actor | undefined | Promise<Actor | undefined>;
  /** How a refusal is written: REST's `{ message, code }` or a GraphQL response `{ errors: [...] }`. @default "rest" */
  body?: "rest" | "graphql";
  /** Origins allowed by CORS, so that browsers can read a 429 (the handlers, which set CORS, are not reached). @default "*" */
  corsOrigin?: string | string[];
}

/**
 * What counting a request decided: the 429 to answer instead of handling it (and its message, for
 * transports that answer otherwise), or the headers its response carries.
 */
export type RateLimitVerdict =
  | { readonly refusal: Response; readonly message: string }
  | { readonly headers: Readonly<Record<string, string>> };

/** The socket a request came in on (Node's `req.socket`), for the client's address; none in process. */
export type ClientSocket = { readonly remoteAddress?: string | undefined } | undefined;

const RATE_LIMIT_HEADERS = "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";

/**
 * Counts one request (but a CORS preflight) against its key's budget: the one place that decides, for
 * every transport that is limited (Hono's REST routes, GraphQL over HTTP). Undefined when the request
 * is not counted: a preflight, or a store that failed (the request then passes).
 */
export async function countRequest(
  rateLimit: RateLimit,
  request: Request,
  socket: ClientSocket,
  options: RateLimitMiddlewareOptions = {},
): Promise<RateLimitVerdict | undefined> {
  if (request.method === "OPTIONS") return undefined;
  const actor = await Promise.resolve()
    .then(() => options.actorOf?.(request))
    // An actor that cannot be resolved (a bad token) is the handler's to answer (401); count by IP meanwhile.
    .catch(() => undefined);
  const key = actor?.id === undefined ? `ip:${clientIp(request, socket, rateLimit.trustProxy)}` : `actor:${actor.id}`;
  const decision = await rateLimit.consume(key);
  if (decision === undefined) return undefined;
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(rateLimit.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(decision.resetSeconds),
  };
  if (decision.allowed) return { headers };
  rateLimit.onRefused?.(options.body ?? "rest");
  const message = `Too many requests: at most ${rateLimit.limit} every ${rateLimit.windowSeconds} seconds; retry in ${decision.resetSeconds} seconds.`;
  const body =
    options.body === "graphql"
      ? { errors: [{ message, extensions: { code: "RATE_LIMITED" } }] }
      : { message, code: "RATE_LIMITED" };
  return {
    message,
    refusal: Response.json(body, {
      status: 429,
      headers: {
        ...headers,
        "Retry-After": String(decision.resetSeconds),
        ...corsHeaders(request.headers.get("origin") ?? undefined, options.corsOrigin ?? "*"),
      },
    }),
  };
}

/** `response` with the RateLimit headers of its request's verdict (a copy when its headers are immutable); exposed to browsers when it has CORS. */
export function withRateLimitHeaders(response: Response, headers: Readonly<Record<string, string>>): Response {
  return withHeaders(response, (h) => addRateLimitHeaders(h, headers));
}

/** Adds the RateLimit headers of a request's verdict to `headers`, exposed to browsers when they carry CORS; returns them. */
export function addRateLimitHeaders(headers: Headers, values: Readonly<Record<string, string>>): Headers {
  for (const [name, value] of Object.entries(values)) headers.set(name, value);
  if (headers.has("access-control-allow-origin")) appendExposed(headers);
  return headers;
}

/**
 * The Hono middleware counting each request (but CORS preflights) against its key's budget and
 * answering 429 over it.
 * @example app.use("/api/*", rateLimitMiddleware(rateLimit, { actorOf }));
 */
export function rateLimitMiddleware(rateLimit: RateLimit, options: RateLimitMiddlewareOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    // @hono/node-server's env: the Node request, whose socket says who is calling.
    const env = c.env as { incoming?: IncomingMessage } | undefined;
    const verdict = await countRequest(rateLimit, c.req.raw, env?.incoming?.socket, options);
    if (verdict === undefined) return next();
    if ("refusal" in verdict) return verdict.refusal;
    await next();
    const response = withRateLimitHeaders(c.res, verdict.headers);
    if (response !== c.res) c.res = response;
  };
}

/**
 * Counts WebSocket upgrades (graphql-ws connections) on `server` against the budget of their IP, like
 * HTTP requests, and refuses one over it with a plain HTTP 429 before the WebSocket server sees it.
 * Call after the WebSocket server is attached: its upgrade listeners are moved behind the check.
 * Operations sent on an open socket are not counted (its subscriptions are capped per socket instead).
 */
export function limitWebSocketUpgrades(server: Server, rateLimit: RateLimit): void {
  type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  const listeners = server.listeners("upgrade") as UpgradeListener[];
  server.removeAllListeners("upgrade");
  server.on("upgrade", async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Nothing else listens on the socket while the count is taken: a reset must not be an unhandled error.
    const onError = () => socket.destroy();
    socket.on("error", onError);
    const forwarded = rateLimit.trustProxy
      ? String(request.headers["x-forwarded-for"] ?? "")
          .split(",")
          .at(-1)
          ?.trim()
      : undefined;
    const decision = await rateLimit.consume(`ip:${forwarded || request.socket.remoteAddress || "unknown"}`);
    socket.off("error", onError);
    if (decision !== undefined && !decision.allowed) {
      rateLimit.onRefused?.("websocket");
      const body = JSON.stringify({
        message: `Too many requests: at most ${rateLimit.limit} every ${rateLimit.windowSeconds} seconds; retry in ${decision.resetSeconds} seconds.`,
        code: "RATE_LIMITED",
      });
      socket.end(
        [
          "HTTP/1.1 429 Too Many Requests",
          `Retry-After: ${decision.resetSeconds}`,
          `RateLimit-Limit: ${rateLimit.limit}`,
          "RateLimit-Remaining: 0",
          `RateLimit-Reset: ${decision.resetSeconds}`,
          "Content-Type: application/json",
          `Content-Length: ${Buffer.byteLength(body)}`,
          "Connection: close",
          "",
          body,
        ].join("\r\n"),
      );
      return;
    }
    for (const listener of listeners) listener.call(server, request, socket, head);
  });
}

/**
 * The client's IP: the socket's remote address (Node server), or with `trustProxy` the last entry of
 * `X-Forwarded-For`. "unknown" when neither is there (in-process `app.fetch` without a socket).
 */
export function clientIp(request: Request, socket: ClientSocket, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded.slice(0, 100);
  }
  return socket?.remoteAddress ?? "unknown";
}

function corsHeaders(origin: string | undefined, allowed: string | string[]): Record<string, string> {
  const allow = allowedOrigin(origin, allowed);
  if (allow === undefined) return {};
  return {
    "Access-Control-Allow-Origin": allow,
    ...(allow === "*" ? {} : { Vary: "Origin" }),
    "Access-Control-Expose-Headers": RATE_LIMIT_HEADERS,
  };
}

function appendExposed(headers: Headers) {
  const exposed = headers.get("access-control-expose-headers");
  if (exposed === "*" || exposed?.toLowerCase().includes("ratelimit-limit")) return;
  headers.set("access-control-expose-headers", exposed ? `${exposed}, ${RATE_LIMIT_HEADERS}` : RATE_LIMIT_HEADERS);
}
