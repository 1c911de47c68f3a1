/**
 * GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on the HTTP server that
 * serves /graphql, at the same path. Operations run through yoga's envelop (`getEnveloped`), so
 * WebSocket and HTTP share the schema, the error masking and the request context: a subscription's
 * context comes from `contextFor` of a Request made of the upgrade request's headers and the
 * connection params (`{ authorization: "Bearer ..." }` overrides the header of that name).
 *
 * A thin adapter over graphql-ws's transport-free `makeServer`, in the shape of its `useServer`
 * starter, so that the limits answer in protocol terms: more than `maxSubscriptions` at once gets an
 * Error message for that subscription (the socket stays open); an inbound message over
 * `maxPayloadBytes` closes the socket with 1009 (Message Too Big); no `connection_init` within
 * `connectionInitWaitTimeoutMs` closes it with 4408; no operation running and no message for
 * `idleTimeoutMs` closes it with 1000 ("Idle timeout"); a peer that misses a ping's pong is cut (dead
 * peers); shutdown closes every socket with 1001.
 *
 * Fan-out: live change subscriptions (no `after`) of one actor view with the same operation (query,
 * variables, operation name, extensions) share one stream, so each change is viewed and executed
 * once for all of them (events/fanout.ts), and each result is serialised once: graphql-ws is handed
 * an empty stand-in payload, and this adapter puts the shared JSON in its place on the way out.
 */
import type { IncomingMessage, Server } from "node:http";
import { type ExecutionArgs, type ExecutionResult, GraphQLError, type GraphQLFormattedError } from "graphql";
import { CloseCode, handleProtocols, makeServer, type OperationResult } from "graphql-ws";
import type { YogaServerInstance } from "graphql-yoga";
import { WebSocket, WebSocketServer } from "ws";
import { actorViewKey } from "../events/change-view.ts";
import { SharedStreams } from "../events/fanout.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { GraphQLContext } from "./builder.ts";
import { toGraphQLError } from "./errors.ts";
import { liveChangePosition } from "./subscriptions.ts";

/** Limits of {@link serveGraphQLOverWebSocket}. */
export interface WebSocketOptions {
  /** Subscriptions one socket may have open at once; one more gets an Error message. @default 20 */
  maxSubscriptions?: number;
  /** Largest inbound message in bytes; a larger one closes the socket with 1009. @default 65536 */
  maxPayloadBytes?: number;
  /** Time a client has to send `connection_init` before the socket closes with 4408. @default 3000 */
  connectionInitWaitTimeoutMs?: number;
  /** Interval of the server's pings; a socket that misses a pong is dropped (a dead peer). @default 12000 */
  keepAliveMs?: number;
  /**
   * How long a socket with no operation running (no subscription, query or mutation) may send no
   * message before it is closed with 1000 and the reason "Idle timeout". Pongs do not count: they
   * say the peer lives, not that it needs the socket. 0 for none. @default 0 (the server passes `WS_IDLE_TIMEOUT_MS`)
   */
  idleTimeoutMs?: number;
  /**
   * Counts each operation (query, mutation or subscription) against a rate limit, as HTTP requests are
   * counted; resolves to the refusal's message when over budget (the operation then gets an Error
   * message with code RATE_LIMITED, and the socket stays open). `upgrade` is the socket's HTTP upgrade.
   * @default nothing is counted
   */
  countOperation?: ((request: Request, upgrade: IncomingMessage) => Promise<string | undefined>) | undefined;
}

/** A running graphql-ws endpoint. */
export interface WebSocketService {
  /** Sockets open now. */
  readonly size: number;
  /** Closes every socket with 1001 (going away) and stops accepting new ones; a socket still open after `graceMs` is cut. */
  close(graceMs?: number): Promise<void>;
}

type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;
type Enveloped = ReturnType<Yoga["getEnveloped"]>;
interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  /** The JSON payload of the `next` message about to be sent, by subscription id (see `withPayload`). */
  readonly payloads: Map<string, string>;
  /** What the idle timeout looks at. */
  readonly idle: Idle;
}

/** A socket's activity: when it last did something, and its operations (graphql-ws's context, once acknowledged). */
interface Idle {
  since: number;
  operations: Readonly<Record<string, unknown>> | undefined;
}

/** Headers of the upgrade request that describe the socket, not the client: never copied into the context's Request. */
const TRANSPORT_HEADERS = /^(connection|upgrade|sec-websocket-.*|content-length|transfer-encoding|host)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** Serves graphql-ws for `yoga` on `server` at `path`. */
export function serveGraphQLOverWebSocket(
  yoga: Yoga,
  server: Server,
  path: string,
  options: WebSocketOptions & { onUnexpectedError: (error: unknown) => void },
): WebSocketService {
  const maxSubscriptions = options.maxSubscriptions ?? 20;
  const keepAliveMs = options.keepAliveMs ?? 12_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 0;
  if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 0)
    throw new TypeError(`idleTimeoutMs must be a whole number of milliseconds (0 for none), got ${idleTimeoutMs}.`);
  const report = options.onUnexpectedError;
  const wss = new WebSocketServer({ server, path, maxPayload: options.maxPayloadBytes ?? 65_536, handleProtocols });
  const shared = new SharedStreams<ExecutionResult>();
  /** What a subscription's results depend on besides its actor: the operation as the client sent it. */
  const operations = new WeakMap<ExecutionArgs, string>();
  const graphqlWs = makeServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs ?? 3_000,
    onConnect: (ctx) => {
      // Running operations are entries of ctx.subscriptions (null while a query or mutation executes).
      ctx.extra.idle.operations = ctx.subscriptions;
    },
    // The idle clock starts again when the last operation ends, not at the last message.
    onComplete: (ctx) => {
      ctx.extra.idle.since = Date.now();
    },
    onSubscribe: async (ctx, _id, payload) => {
      // The new subscription is already counted in ctx.subscriptions.
      if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
        return [
          new GraphQLError(
            `At most ${maxSubscriptions} subscriptions may be open on one connection; complete one before starting another.`,
            { extensions: { code: "RATE_LIMITED" } },
          ),
        ];
      }
      try {
        const request = requestOf(ctx.extra.request, ctx.connectionParams);
        const refusal = await options.countOperation?.(request, ctx.extra.request);
        if (refusal !== undefined) return [new GraphQLError(refusal, { extensions: { code: "RATE_LIMITED" } })];
        const enveloped = yoga.getEnveloped({ request, params: payload, connectionParams: ctx.connectionParams });
        const document = enveloped.parse(payload.query);
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await enveloped.contextFactory(),
          rootValue: enveloped,
        };
        operations.set(
          args,
          JSON.stringify([
            payload.query,
            payload.variables ?? null,
            payload.operationName ?? null,
            payload.extensions ?? null,
          ]),
        );
        return args;
      } catch (error) {
        // Parse errors, a refused context (authentication): an Error message, not a closed socket.
        return [toGraphQLError(error, report)];
      }
    },
    execute: (args) => (args.rootValue as Enveloped).execute(args) as OperationResult,
    subscribe: async (args) => {
      const result = (await (args.rootValue as Enveloped).subscribe(args)) as Awaited<OperationResult>;
      const position = liveChangePosition(args.contextValue);
      const operation = operations.get(args);
      if (!position || operation === undefined || !(Symbol.asyncIterator in result)) return result;
      // Equal actor views running the same operation get the same results: one stream for all of them.
      const key = `${actorViewKey((args.contextValue as GraphQLContext).context.actor)}|${operation}`;
      // graphql-ws types results with its own ExecutionResult, which bench/'s PostGraphile augments: the same value.
      return shared.join(key, result[Symbol.asyncIterator]() as AsyncIterator<ExecutionResult>, position);
    },
    // The result's JSON is made once, however many subscribers share the result; `send` puts it in
    // place of this stand-in.
    onNext: (ctx, id, _payload, _args, result) => {
      ctx.extra.payloads.set(id, serialised(result as ExecutionResult));
      return STAND_IN;
    },
    // Errors thrown by a stream after it started (a subscriber that fell behind) reach the client as
    // runtime errors with their code, or masked.
    onError: (_ctx, _id, _payload, errors): GraphQLFormattedError[] =>
      errors.map((error) => toGraphQLError(error, report).toJSON()),
  });

  wss.on("error", (error) => report(error));
  wss.on("connection", (socket, request) => {
    // ws closes the socket itself on a protocol violation (1009 for an oversized message, 1002...):
    // the error only says why, and is the client's doing.
    socket.on("error", () => {});
    const payloads = new Map<string, string>();
    const idle: Idle = { since: Date.now(), operations: undefined };
    let idleCheck: NodeJS.Timeout | undefined;
    const checkIdle = () => {
      if (socket.readyState !== WebSocket.OPEN) return;
      const now = Date.now();
      // An operation running keeps the socket: its subscription is what the client holds it open for.
      if (idle.operations && Object.keys(idle.operations).length > 0) idle.since = now;
      const quiet = now - idle.since;
      if (quiet >= idleTimeoutMs)
        socket.close(1000, `Idle timeout: no operation and no message for ${idleTimeoutMs} ms`);
      else idleCheck = setTimeout(checkIdle, idleTimeoutMs - quiet);
    };
    if (idleTimeoutMs > 0) idleCheck = setTimeout(checkIdle, idleTimeoutMs);
    let pongWait: NodeJS.Timeout | undefined;
    const ping =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== WebSocket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once("pong", () => clearTimeout(pongWait));
            socket.ping();
          }, keepAliveMs)
        : undefined;
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            const message = withPayload(data, payloads);
            if (socket.readyState !== WebSocket.OPEN) return resolve();
            socket.send(message, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on("message", async (data) => {
            idle.since = Date.now();
            try {
              await handle(String(data));
            } catch (error) {
              report(error);
              socket.close(CloseCode.InternalServerError, "Internal server error");
            }
          }),
      },
      { socket, request, payloads, idle },
    );
    socket.once("close", (code, reason) => {
      clearTimeout(idleCheck);
      clearTimeout(pongWait);
      clearInterval(ping);
      closed(code, String(reason)).catch(report);
    });
  });

  return {
    get size() {
      return wss.clients.size;
    },
    async close(graceMs = 5_000) {
      for (const socket of wss.clients) socket.close(1001, "Server shutting down");
      const cut = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, graceMs);
      // Resolves once the last socket is gone (ws waits for its clients when it did not make the server).
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      clearTimeout(cut);
    },
  };
}

/** The payload graphql-ws serialises in place of a result: `"payload":{}`, which no result is. */
const STAND_IN = Object.freeze({});
const STAND_IN_TAIL = '"payload":{}}';

/** Results' JSON, made once per result object (a shared result reaches many subscribers). */
const json = new WeakMap<ExecutionResult, string>();

/** The payload of a `next` message as graphql-ws would serialise it. */
function serialised(result: ExecutionResult): string {
  let text = json.get(result);
  if (text === undefined) {
    const { errors, ...rest } = result;
    const payload = errors
      ? { ...rest, errors: errors.map((e) => (typeof e.toJSON === "function" ? e.toJSON() : e)) }
      : rest;
    text = JSON.stringify(payload);
    json.set(result, text);
  }
  return text;
}

/** A `next` message with its stand-in replaced by the JSON `onNext` set aside for its subscription. */
function withPayload(data: string, payloads: Map<string, string>): string {
  if (payloads.size === 0 || !data.endsWith(STAND_IN_TAIL)) return data;
  const { id, type } = JSON.parse(data) as { id?: unknown; type?: unknown };
  const payload = typeof id === "string" && type === "next" ? payloads.get(id) : undefined;
  if (payload === undefined) return data;
  payloads.delete(id as string);
  return `{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`;
}

/**
 * The Request a subscription's context is made from: the upgrade request's headers (cookies,
 * user agent), then each string-valued connection param as a header of that name.
 */
function requestOf(upgrade: IncomingMessage, params: Record<string, unknown> | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upgrade.headers)) {
    if (TRANSPORT_HEADERS.test(name) || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value !== "string" || !HEADER_NAME.test(name) || TRANSPORT_HEADERS.test(name)) continue;
    try {
      headers.set(name, value);
    } catch {
      throw new AppError(
        "BAD_REQUEST",
        `Connection param ${show(name)} is used as a header and must be a valid header value, got ${show(value.slice(0, 100))}.`,
      );
    }
  }
  // A POST, as an operation over HTTP would be: yoga allows mutations only on POST requests.
  headers.set("content-type", "application/json");
  return new Request(`http://${upgrade.headers.host ?? "localhost"}${upgrade.url ?? "/"}`, { method: "POST", headers });
}
