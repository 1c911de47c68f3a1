/**
 * GraphQL over HTTP at /graphql (graphql-yoga), with GraphiQL served from the package itself so it
 * works offline. Runtime errors become GraphQL errors with `extensions.code`; unexpected ones are
 * masked and reported through `onUnexpectedError`.
 */
import { setMaxListeners } from "node:events";
import type { Server } from "node:http";
import { useGraphQLSSE } from "@graphql-yoga/plugin-graphql-sse";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { getCORSHeadersByRequestAndOptions } from "@whatwg-node/server";
import { createYoga, type GraphiQLOptions } from "graphql-yoga";
import type { Events } from "../events/events.ts";
import type { RequestContext } from "../runtime/context.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { BlobStore } from "../storage/blobs/blob-store.ts";
import { type Instrumentation, NO_INSTRUMENTATION } from "../storage/instrumentation.ts";
import type { GraphQLContext } from "./builder.ts";
import { toGraphQLError } from "./errors.ts";
import type { GraphQLExtension } from "./extensions.ts";
import {
  bodyLimit,
  DEFAULT_MAX_BODY_BYTES,
  type GraphQLHardening,
  hardeningPlugins,
  withoutSuggestions,
} from "./hardening.ts";
import { observedOperations } from "./observed-operations.ts";
import { buildGraphQLSchema } from "./schema.ts";
import { type QueryParams, splicedReads } from "./splice.ts";
import { serveGraphQLOverWebSocket, type WebSocketOptions, type WebSocketService } from "./websocket.ts";

export type { GraphQLContext } from "./builder.ts";
export type { ExtensionFieldResolver, ExtensionResolvers, GraphQLExtension } from "./extensions.ts";
export {
  CSRF_HEADERS,
  DEFAULT_GRAPHQL_LIMITS,
  DEFAULT_MAX_BODY_BYTES,
  type GraphQLHardening,
  type GraphQLLimits,
  type PersistedOperations,
  parsePersistedOperations,
} from "./hardening.ts";
export { buildGraphQLSchema } from "./schema.ts";
export type { WebSocketOptions, WebSocketService } from "./websocket.ts";

/** The path GraphQL is served at (HTTP, SSE in distinct-connections mode, and graphql-ws). */
export const GRAPHQL_ENDPOINT = "/graphql";
/** The path of GraphQL over SSE in single-connection mode (the graphql-sse protocol). */
export const GRAPHQL_STREAM_ENDPOINT = "/graphql/stream";

/** Options of {@link createGraphQLHandler}. */
export interface GraphQLHandlerOptions {
  runtime: Runtime;
  /** Change events, for subscriptions. @default none: subscribing fails with UNAVAILABLE */
  events?: Events | undefined;
  /** Where uploaded files go (`File` arguments of file fields). @default none: uploads fail with NOT_IMPLEMENTED */
  blobStore?: BlobStore | undefined;
  /** The request context of an HTTP request (actor, fresh loaders). Called once per request, and once per subscription. */
  contextFor: (request: Request) => RequestContext | Promise<RequestContext>;
  /** Serve GraphiQL on GET /graphql to browsers (`Accept: text/html`). @default true */
  graphiql?: boolean;
  /** Hand-written SDL and resolvers merged into the generated schema. @default [] */
  extensions?: readonly GraphQLExtension[];
  /** Receives every error masked from a client (not runtime errors, which clients see). @default console.error */
  onUnexpectedError?: (error: unknown) => void;
  /**
   * CORS for browsers on other origins, or `false` to send no CORS headers (e.g. when a proxy adds them).
   * @default { origin: "*" }
   */
  cors?: false | { origin: string | readonly string[] };
  /**
   * Limits on documents (depth, aliases, directives, tokens, cost), introspection, suggestions and CSRF
   * prevention; they apply to HTTP, SSE and graphql-ws alike.
   * @default DEFAULT_GRAPHQL_LIMITS, introspection on, CSRF prevention on
   */
  hardening?: GraphQLHardening;
  /**
   * Operations one HTTP request may batch (a JSON array body); 0 refuses batches, which is what most
   * clients expect and what keeps the limits above per request. @default 0
   */
  batchLimit?: number;
  /**
   * Largest HTTP request body in bytes; a larger one is refused with 413 before it is read (or, chunked,
   * as soon as it grows past it). A multipart upload may add the `maxBytes` of every file field of
   * the schema. The server passes `GRAPHQL_MAX_BODY_BYTES` (1 MiB by default).
   * @default DEFAULT_MAX_BODY_BYTES (25 MB, yoga's)
   */
  maxBodyBytes?: number;
  /** Told of every operation (name, type, duration, error codes), each a span when it has a tracer. @default observes nothing */
  instrumentation?: Instrumentation | undefined;
}

/** A response to send as it is: status 200, these headers, this body. */
export interface SplicedAnswer {
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A Fetch API handler for /graphql and the schema it serves. */
export interface GraphQLHandler {
  fetch(request: Request): Promise<Response>;
  /**
   * For a POST whose JSON body is `body`, when it is a query that yoga already parsed, validated and
   * answered spliced (src/graphql/splice.ts) with the same text: what answers it again without yoga,
   * given the request (its headers: actor, Accept, Origin). That answer is a 200 with the headers yoga
   * would send (media type by Accept, CORS), or undefined when anything about it needs yoga (an error
   * to report, bad credentials): send the request to `fetch` then. Undefined for any other body, and
   * whenever persisted operations are on (their policy may look at each request).
   */
  answerSpliced(body: unknown): ((request: Request) => Promise<SplicedAnswer | undefined>) | undefined;
  readonly schema: GraphQLSchema;
  /**
   * Serves graphql-ws on `server` at /graphql, next to this handler's HTTP (same schema, masking and
   * request context: `contextFor` gets a Request with the connection params as headers).
   * @example const ws = graphql.serveWebSocket(httpServer, { maxSubscriptions: 20 }); ... await ws.close();
   */
  serveWebSocket(server: Server, options?: WebSocketOptions): WebSocketService;
  /** Ends every open subscription (SSE and WebSocket), so that their connections can close: shutdown. */
  endSubscriptions(): void;
}

/**
 * Serves the runtime's GraphQL schema at /graphql. Requests to other paths get 404.
 * @example
 * const graphql = createGraphQLHandler({ runtime, contextFor: () => runtime.context() });
 * const response = await graphql.fetch(new Request("http://localhost/graphql?query={postsCount}"));
 */
export function createGraphQLHandler(options: GraphQLHandlerOptions): GraphQLHandler {
  const { runtime, contextFor } = options;
  const onUnexpectedError =
    options.onUnexpectedError ?? ((error: unknown) => console.error("Unexpected error in GraphQL", error));
  const shutdown = new AbortController();
  // Every open subscription listens to it.
  setMaxListeners(0, shutdown.signal);
  const schema = buildGraphQLSchema(runtime, options.extensions ?? [], {
    events: options.events,
    signal: shutdown.signal,
  });
  const cors = options.cors ?? { origin: "*" };
  const hardening = options.hardening ?? {};
  const hideSuggestions = hardening.hideSuggestions ?? !(hardening.introspection ?? true);
  const batchLimit = options.batchLimit ?? 0;
  if (!Number.isInteger(batchLimit) || batchLimit < 0)
    throw new TypeError(`batchLimit must be a whole number of at least 0, got ${JSON.stringify(batchLimit)}.`);
  const observed = observedOperations(options.instrumentation ?? NO_INSTRUMENTATION);
  const spliced = splicedReads(runtime, schema, observed.within);
  const corsOptions =
    cors === false
      ? false
      : { origin: typeof cors.origin === "string" ? cors.origin : [...cors.origin], credentials: false };
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    context: async ({ request }) => ({ runtime, context: await contextFor(request), blobStore: options.blobStore }),
    graphiql: (options.graphiql ?? true) ? { defaultQuery: exampleQuery(runtime), title: "Autograph GraphiQL" } : false,
    renderGraphiQL: cachedGraphiQL(),
    landingPage: false,
    // Errors are reported through onUnexpectedError; yoga would log every runtime error too.
    logging: false,
    maskedErrors: {
      maskError: (error) => {
        const masked = toGraphQLError(error, onUnexpectedError);
        // Variable coercion errors suggest enum values and input fields too, after validation ran.
        return hideSuggestions && /Did you mean/.test(masked.message)
          ? new GraphQLError(withoutSuggestions(masked.message), {
              nodes: masked.nodes,
              source: masked.source,
              positions: masked.positions,
              path: masked.path,
              extensions: masked.extensions,
            })
          : masked;
      },
    },
    batching: batchLimit > 0 ? { limit: batchLimit } : false,
    // bodyLimit below enforces the same limit without copying each body through a web stream.
    maxRequestBodySize: false,
    // No credentials: with origin "*" yoga echoes any origin, which must not also carry cookies.
    cors: corsOptions,
    // Subscriptions over SSE: yoga serves the distinct-connections mode at /graphql itself; this adds
    // the single-connection mode of the graphql-sse protocol.
    // The body limit goes last: it wraps whichever request parser the plugins before it chose.
    plugins: [
      observed.plugin,
      useGraphQLSSE({ endpoint: GRAPHQL_STREAM_ENDPOINT }),
      ...hardeningPlugins(hardening),
      spliced.plugin,
      bodyLimit(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, uploadAllowance(runtime)),
    ],
  });
  return {
    schema,
    fetch: (request) => Promise.resolve(yoga.fetch(request)),
    answerSpliced: (body) => {
      const answerer = hardening.persistedOperations || !isQueryParams(body) ? undefined : spliced.answerer(body);
      return (
        answerer &&
        (async (request) => {
          const mediaType = regularMediaType(request.headers.get("accept"));
          if (!mediaType) return undefined;
          let text: string | undefined;
          try {
            text = await observed.spliced(
              answerer.operationName,
              () => answerer(async () => contextFor(request)),
              (answer) => answer !== undefined,
            );
          } catch {
            return undefined; // yoga answers bad credentials
          }
          if (text === undefined) return undefined;
          const headers: Record<string, string> = { "Content-Type": `${mediaType}; charset=utf-8` };
          if (corsOptions) Object.assign(headers, getCORSHeadersByRequestAndOptions(request, corsOptions));
          return { text, headers };
        })
      );
    },
    serveWebSocket: (server, wsOptions = {}) =>
      serveGraphQLOverWebSocket(yoga, server, GRAPHQL_ENDPOINT, { ...wsOptions, onUnexpectedError }),
    endSubscriptions: () => shutdown.abort(),
  };
}

/** What a multipart upload may add to the body limit: every file field of the schema, each filled once. */
function uploadAllowance(runtime: Runtime): number {
  let bytes = 0;
  for (const resource of runtime.schema.resources)
    for (const field of resource.fields) bytes += field.blob?.maxBytes ?? 0;
  return bytes;
}

/** The query GraphiQL opens with: a page of the first resource, a relation of it, and its count. */
function exampleQuery(runtime: Runtime): string {
  const resource =
    runtime.schema.resources.find((r) => r.relations.some((x) => x.kind === "belongsTo" && x.views.list)) ??
    runtime.schema.resources[0];
  if (!resource) return "";
  const fields = resource.fields
    .filter((f) => !f.hidden.list)
    .slice(0, 4)
    .map((f) => f.name);
  const relation = resource.relations.find((x) => x.kind === "belongsTo" && x.views.list);
  const target = relation ? runtime.schema.resource.get(relation.target) : undefined;
  const nested =
    relation && target
      ? [
          `${relation.name} { ${target.fields
            .filter((f) => !f.hidden.one)
            .slice(0, 2)
            .map((f) => f.name)
            .join(" ")} }`,
        ]
      : [];
  return `# Autograph serves every resource of schema/ here. Press the run button (or Ctrl-Enter).\n{\n  ${resource.names.list}(take: 5) {\n    ${[...fields, ...nested].join("\n    ")}\n  }\n  ${resource.names.count}\n}\n`;
}

/**
 * GraphiQL with its scripts and styles inlined (about 9 MB), rendered once per set of options. The
 * renderer is loaded on the first GraphiQL page, not at boot: importing it costs about 50 MB of memory.
 */
function cachedGraphiQL(): (options: GraphiQLOptions) => Promise<string> {
  let cache: { key: string; html: string } | undefined;
  return async (options) => {
    const key = JSON.stringify(options);
    if (cache?.key !== key) {
      const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
      cache = { key, html: renderGraphiQL(options) };
    }
    return cache.html;
  };
}

/** A GraphQL-over-HTTP body of a query alone: `query`, and `operationName` and `variables` if any. */
function isQueryParams(body: unknown): body is QueryParams {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  for (const key in body) if (key !== "query" && key !== "operationName" && key !== "variables") return false;
  const { query, operationName, variables } = body as Record<string, unknown>;
  return (
    typeof query === "string" &&
    (operationName === undefined || operationName === null || typeof operationName === "string") &&
    (variables === undefined || variables === null || (typeof variables === "object" && !Array.isArray(variables)))
  );
}

/**
 * The media type yoga answers a single result with for this `Accept` (its result processors' choice:
 * the last match, in reverse order of the header, of application/graphql-response+json then
 * application/json); undefined when the header asks for neither (yoga then streams, or refuses).
 */
export function regularMediaType(accept: string | null): string | undefined {
  let chosen: string | undefined;
  const asked = (accept || "*/*").replace(/\s/g, "").toLowerCase().split(",").reverse();
  for (const entry of asked) {
    const [type = "", ...params] = entry.split(";");
    const charset = params.find((p) => p.includes("charset=")) ?? "charset=utf-8";
    if (charset !== "charset=utf-8") continue;
    const [pre, suf] = type.split("/");
    for (const offered of ["application/graphql-response+json", "application/json"]) {
      const [oPre, oSuf] = offered.split("/");
      if ((pre === "*" || pre === oPre) && (suf === "*" || suf === oSuf)) chosen = offered;
    }
  }
  return chosen;
}
