// Longer than 400 lines: each limit is a small envelop plugin sharing one options type, one error shape and one
// check of the options; the cost rule is the first to move out if it grows.
/**
 * Limits on what one GraphQL document may ask for, and the switches a public deployment turns off.
 * Each is an envelop plugin, so it applies wherever yoga's envelop runs: HTTP GET and POST, SSE, and
 * graphql-ws (which parses and validates through `getEnveloped`).
 *
 * - depth, aliases and directives: graphql-armor's validation rules;
 * - tokens: graphql-armor's parser, which stops lexing at the limit (so a 1 MB document of duplicate
 *   fields costs no more than its first tokens, and never reaches the quadratic field-merging rule);
 * - cost: our own estimate of the fields a response may hold, which knows our page arguments
 *   (`take`, `first`, `last`) and that a relation list without them holds a default page (graphql-armor's
 *   cost rule only knows `first`/`last` literals);
 * - introspection off: graphql-js's NoSchemaIntrospectionCustomRule; suggestions ("Did you mean ...?")
 *   hidden, as they would spell the schema out field by field;
 * - CSRF prevention: a GET or form-encoded POST (which browsers send cross-origin without a preflight)
 *   must carry a header that only a script allowed by CORS can set;
 * - body size ({@link bodyLimit}): yoga's limit, without the stream copy yoga makes of every body.
 *
 * A refused document gets one GraphQL error with `extensions: { code: "BAD_REQUEST", details: { limit, max } }`
 * and a message that names the limit; HTTP answers it as yoga answers any invalid document (200 with
 * `application/json`, 400 with `application/graphql-response+json`).
 */
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import {
  type ASTNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { Plugin } from "graphql-yoga";

/** Limits on one GraphQL document. Every one applies to each operation of it. */
export interface GraphQLLimits {
  /** Deepest selection nesting (introspection excluded). @default 10 */
  maxDepth: number;
  /** Aliased fields in one operation (fragments included). @default 15 */
  maxAliases: number;
  /** Directives in one operation. @default 50 */
  maxDirectives: number;
  /** Lexical tokens of the whole document; lexing stops at the limit. @default 2000 */
  maxTokens: number;
  /**
   * Estimated fields in a response: each field counts 1, and the fields under a list count once per
   * item it may hold: the literal `take`/`first`/`last`, else {@link GraphQLLimits.maxListSize} when it
   * is a variable, else {@link GraphQLLimits.defaultListSize}. @default 50000
   * @example `{ posts(take: 100) { id comments { id } } }` costs 1 + 100 × (1 + (1 + 25 × 1)) = 2801
   */
  maxCost: number;
  /** Items assumed for a list without a page argument (and for a page argument left out). @default 25 */
  defaultListSize: number;
  /** Items assumed for a page argument given as a variable (unknown when a document is validated). @default 100 */
  maxListSize: number;
}

/** The limits applied unless configured otherwise. */
export const DEFAULT_GRAPHQL_LIMITS: Readonly<GraphQLLimits> = Object.freeze({
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 50,
  maxTokens: 2000,
  maxCost: 50_000,
  defaultListSize: 25,
  maxListSize: 100,
});

/** Headers any of which marks a GET or form POST as sent by a script (so CORS preflighted it). */
export const CSRF_HEADERS = ["x-graphql-csrf", "x-graphql-yoga-csrf"] as const;

/** Options of {@link hardeningPlugins}. */
export interface GraphQLHardening {
  /** Overrides of {@link DEFAULT_GRAPHQL_LIMITS}. @default DEFAULT_GRAPHQL_LIMITS */
  limits?: Partial<GraphQLLimits> | undefined;
  /** Whether `__schema` and `__type` may be queried. Turn off in production. @default true */
  introspection?: boolean | undefined;
  /** Whether "Did you mean ...?" is cut from error messages. @default !introspection */
  hideSuggestions?: boolean | undefined;
  /**
   * Whether a GET (or a form-encoded or text/plain POST) must carry one of {@link CSRF_HEADERS}. A JSON
   * POST is preflighted by browsers and always passes; so does an SSE GET (`Accept: text/event-stream`),
   * as EventSource cannot set headers and GET never runs a mutation. @default true
   */
  csrfPrevention?: boolean | undefined;
  /** An allow-list of documents by id: off by default (any document within the limits runs). */
  persistedOperations?: PersistedOperations | undefined;
}

/** Persisted operations: documents stored on the server, run by id. */
export interface PersistedOperations {
  /**
   * Documents by id: clients send `extensions: { persistedQuery: { version: 1, sha256Hash: id } }`
   * (Apollo's and yoga's convention) instead of `query`.
   * @example { "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38": "{ postsCount }" }
   */
  operations: Readonly<Record<string, string>>;
  /**
   * Whether documents that are not stored may run too. When false, HTTP and SSE refuse a `query`, and
   * graphql-ws (which has no id convention) runs only a `query` whose text is exactly a stored document.
   * @default false
   */
  allowArbitraryOperations?: boolean | undefined;
}

/**
 * The operations of a persisted-operations file (a JSON object of id → document), checked.
 * @throws {TypeError} naming the first entry that is not an id with a document string.
 */
export function parsePersistedOperations(json: string, source: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new TypeError(`${source} must be JSON (an object of id → GraphQL document): ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new TypeError(
      `${source} must be a JSON object of id → GraphQL document, got ${Array.isArray(value) ? "an array" : typeof value}.`,
    );
  for (const [id, document] of Object.entries(value)) {
    if (typeof document !== "string" || document.trim() === "")
      throw new TypeError(
        `${source}: the operation ${JSON.stringify(id)} must be a GraphQL document string, got ${JSON.stringify(document)?.slice(0, 100)}.`,
      );
  }
  return value as Record<string, string>;
}

/** The envelop plugins that enforce `options`, in the order they must run. */
export function hardeningPlugins(options: GraphQLHardening = {}): Plugin[] {
  const limits = { ...DEFAULT_GRAPHQL_LIMITS, ...definedOnly(options.limits ?? {}) };
  checkLimits(limits);
  const introspection = options.introspection ?? true;
  const plugins: Plugin[] = [];
  if (options.csrfPrevention ?? true) plugins.push(csrfPrevention());
  if (options.persistedOperations) plugins.push(...persistedOperations(options.persistedOperations));
  plugins.push(
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ...rejectWith("maxDepth", limits.maxDepth) },
      maxAliases: { n: limits.maxAliases, ...rejectWith("maxAliases", limits.maxAliases) },
      maxDirectives: { n: limits.maxDirectives, ...rejectWith("maxDirectives", limits.maxDirectives) },
      maxTokens: { n: limits.maxTokens, ...rejectWith("maxTokens", limits.maxTokens) },
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: false },
    }) as Plugin,
  );
  plugins.push(variableDepth(MAX_VARIABLE_DEPTH));
  const rules: ValidationRule[] = [costRule(limits)];
  if (!introspection) rules.push(NoSchemaIntrospectionCustomRule);
  plugins.push({ onValidate: ({ addValidationRule }) => rules.forEach(addValidationRule) });
  if (options.hideSuggestions ?? !introspection) plugins.push(hideSuggestions());
  return plugins;
}

/** How deep variables may nest: deeper than any filter the runtime takes (20), far short of the stack's limit. */
export const MAX_VARIABLE_DEPTH = 64;

/**
 * Refuses variables nested deeper than `max` levels with 400 BAD_REQUEST, on every transport (HTTP,
 * SSE, graphql-ws), before anything walks them: graphql-js's coercion recurses once per level, and a
 * value a few thousand levels deep overflows the stack (a 500).
 */
function variableDepth(max: number): Plugin {
  const check = (variables: unknown) => {
    if (nestedDeeper(variables, max)) {
      throw new GraphQLError(`Variables are nested more than ${max} levels deep.`, {
        extensions: { code: "BAD_REQUEST", http: { status: 400 } },
      });
    }
  };
  return { onExecute: ({ args }) => check(args.variableValues), onSubscribe: ({ args }) => check(args.variableValues) };
}

/** Whether `value` nests objects or arrays more than `max` levels deep (walked without recursion). */
function nestedDeeper(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The largest HTTP request body yoga accepts by default (25 MB), which {@link bodyLimit} keeps. */
export const DEFAULT_MAX_BODY_BYTES = 25_000_000;

/**
 * Refuses an HTTP request body over `maxBytes` with 413 PAYLOAD_TOO_LARGE (a malformed Content-Length
 * with 400). It stands in for yoga's own limit (`maxRequestBodySize`, turned off), which pipes every
 * body through a counting TransformStream into a new Request: several percent of a small query's CPU.
 * A request that declares its length is checked by that number alone, as Node's HTTP parser delivers
 * no more body than Content-Length says; only a body without one (chunked) is counted as it is read.
 * A multipart request (the GraphQL multipart request spec: file uploads) may be `uploadBytes` larger:
 * its files are each held to their field's own limit as they are stored.
 */
export function bodyLimit(maxBytes: number, uploadBytes = 0): Plugin {
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new TypeError(`maxBodyBytes must be a whole number of bytes, at least 1, got ${JSON.stringify(maxBytes)}.`);
  const tooLarge = (size: string, limit: number) =>
    new GraphQLError(`Request body too large: at most ${limit} bytes, got ${size}.`, {
      extensions: { http: { status: 413 }, code: "PAYLOAD_TOO_LARGE", details: { maxBytes: limit } },
    });
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const multipart = request.headers.get("content-type")?.toLowerCase().startsWith("multipart/") ?? false;
      const limit = multipart ? maxBytes + uploadBytes : maxBytes;
      const length = request.headers.get("content-length");
      if (length !== null) {
        // One non-negative integer: a list ("5, 5") is how request smuggling tries to slip past a proxy.
        if (!/^\d+$/.test(length))
          throw new GraphQLError(
            `Content-Length must be a number of bytes, got ${JSON.stringify(length.slice(0, 40))}.`,
            { extensions: { http: { status: 400 }, code: "BAD_REQUEST" } },
          );
        if (Number(length) > limit) throw tooLarge(length, limit);
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser(async (unread) => {
        const chunks: Uint8Array[] = [];
        let size = 0;
        const iterator = (unread.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          size += next.value.byteLength;
          // Stop reading, without cancelling the body (which would reset the connection before the 413
          // is written): the rest is never buffered, and the server deals with the unread remainder.
          if (size > limit) throw tooLarge(`more than ${limit}`, limit);
          chunks.push(next.value);
        }
        return parse(
          new fetchAPI.Request(unread.url, {
            method: unread.method,
            headers: unread.headers,
            body: Buffer.concat(chunks),
          }),
        );
      });
    },
  };
}

/** `message` without its "Did you mean ...?" (graphql-js's suggestions of fields, types, enum values, arguments). */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, "");
}

function hideSuggestions(): Plugin {
  return {
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length > 0)
          setResult(
            result.map((error) =>
              /Did you mean/.test(error.message)
                ? new GraphQLError(withoutSuggestions(error.message), {
                    nodes: error.nodes,
                    source: error.source,
                    positions: error.positions,
                    extensions: error.extensions,
                  })
                : error,
            ),
          );
      },
  };
}

function persistedOperations(options: PersistedOperations): Plugin[] {
  const byId = new Map(Object.entries(options.operations));
  const allowArbitraryOperations = options.allowArbitraryOperations ?? false;
  const bad = (message: string, code = "BAD_REQUEST") => ({ message, extensions: { code } });
  const plugins: Plugin[] = [
    usePersistedOperations({
      allowArbitraryOperations,
      getPersistedOperation: (id) => byId.get(id) ?? null,
      customErrors: {
        persistedQueryOnly: bad(
          "Only persisted operations run here: send extensions.persistedQuery { version: 1, sha256Hash } instead of a query.",
        ),
        keyNotFound: bad(
          "Send a query, or extensions.persistedQuery { version: 1, sha256Hash } naming a persisted operation.",
        ),
        notFound: bad("No persisted operation has this sha256Hash.", "NOT_FOUND"),
      },
    }) as Plugin,
  ];
  if (!allowArbitraryOperations) {
    // graphql-ws and the graphql-sse stream bypass yoga's onParams: refuse any other document as it is parsed.
    const stored = new Set(byId.values());
    plugins.push({
      onParse: ({ params }) => {
        const text = typeof params.source === "string" ? params.source : params.source.body;
        if (!stored.has(text))
          throw new GraphQLError("Only persisted operations run here: this document is not one of them.", {
            extensions: { code: "BAD_REQUEST" },
          });
      },
    });
  }
  return plugins;
}

function csrfPrevention(): Plugin {
  const plugin = useCSRFPrevention({ requestHeaders: [...CSRF_HEADERS] });
  return {
    onRequestParse(payload) {
      const { request } = payload;
      // EventSource can set no header; a subscription or query over GET has no side effect to forge.
      if (request.method === "GET" && request.headers.get("accept")?.includes("text/event-stream")) return;
      return plugin.onRequestParse?.(payload);
    },
  };
}

/** graphql-armor reports through these callbacks instead of its "Syntax Error: ..." with no code. */
function rejectWith(limit: keyof GraphQLLimits, max: number) {
  return {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        const refused = limitError(error.message.replace(/^Syntax Error: /, ""), limit, max, error.nodes);
        // The token limit runs in the parser, which has no context to report to: stop it by throwing.
        if (context === null) throw refused;
        context.reportError(refused);
      },
    ],
  };
}

function limitError(
  message: string,
  limit: keyof GraphQLLimits,
  max: number,
  nodes?: readonly ASTNode[] | ASTNode | undefined,
): GraphQLError {
  return new GraphQLError(`${message} Simplify the operation or split it.`, {
    nodes,
    extensions: { code: "BAD_REQUEST", details: { limit, max } },
  });
}

const PAGE_ARGUMENTS = new Set(["take", "first", "last"]);

/** Refuses an operation whose estimated response holds more than `maxCost` fields (see {@link GraphQLLimits.maxCost}). */
function costRule(limits: GraphQLLimits): ValidationRule {
  return (context) => {
    const schema = context.getSchema();
    const fragmentsSeen = new Set<string>();
    const costOf = (selectionSet: SelectionSetNode, type: GraphQLCompositeType): number => {
      let cost = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          cost += fieldCost(selection, type);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          cost += costOf(selection.selectionSet, conditionType(schema, selection.typeCondition?.name.value) ?? type);
        } else {
          const name = selection.name.value;
          const fragment = context.getFragment(name);
          // A cycle is NoFragmentCycles' to report; an unknown fragment, KnownFragmentNames'.
          if (!fragment || fragmentsSeen.has(name)) continue;
          fragmentsSeen.add(name);
          const fragmentType = conditionType(schema, fragment.typeCondition.name.value);
          if (fragmentType) cost += costOf(fragment.selectionSet, fragmentType);
          fragmentsSeen.delete(name);
        }
      }
      return cost;
    };
    const fieldCost = (node: FieldNode, parent: GraphQLCompositeType): number => {
      // Introspection is limited by being turned off; GraphiQL's own query must pass when it is on.
      if (node.name.value.startsWith("__")) return 0;
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[node.name.value] : undefined;
      if (!field) return 1;
      const type = getNamedType(field.type);
      if (!node.selectionSet || !isCompositeType(type)) return 1;
      return 1 + itemsOf(field, node, parent, limits) * costOf(node.selectionSet, type);
    };
    return {
      OperationDefinition(operation) {
        const root = schema.getRootType(operation.operation);
        if (!root) return;
        const cost = costOf(operation.selectionSet, root);
        if (cost > limits.maxCost) {
          context.reportError(
            limitError(
              `Query cost limit of ${limits.maxCost} exceeded, found ${Math.round(cost)} (estimated fields in the response, lists counted at their page size).`,
              "maxCost",
              limits.maxCost,
              operation,
            ),
          );
        }
      },
    };
  };
}

/** How many times the selection under `field` may appear in the response. */
function itemsOf(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  parent: GraphQLCompositeType,
  limits: GraphQLLimits,
): number {
  if (field.args.some((arg) => PAGE_ARGUMENTS.has(arg.name))) {
    let items = 0;
    for (const arg of node.arguments ?? []) {
      if (!PAGE_ARGUMENTS.has(arg.name.value)) continue;
      if (arg.value.kind === Kind.INT) items = Math.max(items, Math.max(1, Number.parseInt(arg.value.value, 10)));
      else if (arg.value.kind === Kind.VARIABLE) items = Math.max(items, limits.maxListSize);
    }
    return items || limits.defaultListSize;
  }
  // The edges of a connection are the page its field already counted.
  if (isListType(getNullableType(field.type)) && !parent.name.endsWith("Connection")) return limits.defaultListSize;
  return 1;
}

function conditionType(schema: GraphQLSchema, name: string | undefined): GraphQLCompositeType | undefined {
  if (name === undefined) return undefined;
  const type = schema.getType(name);
  return type && isCompositeType(type) ? type : undefined;
}

function checkLimits(limits: GraphQLLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1)
      throw new TypeError(`GraphQL limit ${name} must be a whole number of at least 1, got ${JSON.stringify(value)}.`);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
