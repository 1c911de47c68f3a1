// GraphQL hardening (docs/guides/security.md, "GraphQL hardening"): document limits on HTTP and
// graphql-ws, introspection and GraphiQL off, hidden suggestions, CSRF prevention, batching, masking.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Client, createClient } from "graphql-ws";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createHash } from "node:crypto";
import {
  createGraphQLHandler,
  DEFAULT_GRAPHQL_LIMITS,
  type GraphQLHandler,
  parsePersistedOperations,
  type WebSocketService,
} from "../../src/graphql/handler.ts";
import { createApp } from "../../src/server/app.ts";
import { loadConfig } from "../../src/server/config.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLBody, type GraphQLTestClient, graphqlClient } from "./client.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t, { actor: ADMIN });
});
afterAll(() => t?.close());

type GraphQLError = NonNullable<GraphQLBody["errors"]>[number];

/** Posts `query` and checks the answer is a refusal of the client's document: never a 5xx, never a stack. */
async function refused(query: string, handler: GraphQLHandler = gql.handler): Promise<GraphQLError[]> {
  const response = await handler.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ query }),
    }),
  );
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBe(400);
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|stack/);
  const body = JSON.parse(text) as GraphQLBody;
  expect(body.data).toBeUndefined();
  return body.errors ?? [];
}

/** The error of `limit` among `errors`, which must be there with code BAD_REQUEST. */
function limitError(errors: GraphQLError[], limit: string): GraphQLError {
  const error = errors.find((e) => (e.extensions?.details as { limit?: string } | undefined)?.limit === limit);
  expect(error, JSON.stringify(errors)).toBeDefined();
  expect(error?.extensions?.code).toBe("BAD_REQUEST");
  expect(error?.message).not.toMatch(/^Syntax Error/);
  return error as GraphQLError;
}

/** `{ posts(take: 1) { author { posts { author ... { id } } } } }`, `levels` fields deep. */
function deep(levels: number): string {
  let inner = "id";
  for (let level = levels - 1; level > 0; level--)
    inner = `${level === 1 ? "posts(take: 1)" : level % 2 === 1 ? "posts" : "author"} { ${inner} }`;
  return `{ ${inner} }`;
}

describe("document limits (defaults)", () => {
  it("refuses a query deeper than 10 and answers one 10 deep", async () => {
    const error = limitError(await refused(deep(11)), "maxDepth");
    expect(error.message).toMatch(/depth limit of 10 exceeded, found 11/);
    expect(error.extensions?.details).toEqual({ limit: "maxDepth", max: 10 });
    // 10 deep is within the depth limit (the cost limit and the runtime's relation nesting still apply).
    const { body } = await gql.post(deep(10));
    expect(body.errors?.map((e) => (e.extensions?.details as { limit?: string } | undefined)?.limit)).not.toContain(
      "maxDepth",
    );
    expect(body.errors?.map((e) => e.extensions?.code)).not.toContain("INTERNAL");
  });

  it("refuses more than 15 aliases, in fragments too", async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: postsCount`).join(" ");
    expect(limitError(await refused(`{ ${aliases(16)} }`), "maxAliases").message).toMatch(
      /Aliases limit of 15 exceeded, found 16/,
    );
    limitError(await refused(`query { ...F } fragment F on Query { ${aliases(16)} }`), "maxAliases");
    const data = await gql.data<Record<string, number>>(`{ ${aliases(15)} }`);
    expect(Object.keys(data)).toHaveLength(15);
  });

  it("refuses the duplicate-field and alias floods by their tokens, before validation works through them", async () => {
    const duplicates = await refused(`{ ${"postsCount ".repeat(20_000)} }`);
    expect(duplicates).toHaveLength(1);
    expect(limitError(duplicates, "maxTokens").message).toMatch(/Token limit of 2000 exceeded/);
    const aliasFlood = await refused(
      `{ ${Array.from({ length: 5_000 }, (_, i) => `a${i}: posts(take: 100) { id }`).join(" ")} }`,
    );
    expect(aliasFlood).toHaveLength(1);
    limitError(aliasFlood, "maxTokens");
    // A repeated field is merged once it parses: under the limits it answers normally.
    expect(await gql.data(`{ ${"postsCount ".repeat(100)} }`)).toEqual({ postsCount: 320 });
  });

  it("refuses more than 50 directives", async () => {
    const directives = (n: number) =>
      Array.from({ length: n }, (_, i) => `f${i}: postsCount @include(if: true)`).join(" ");
    // 51 aliased fields: the alias limit would refuse it too; raise it to see the directive limit alone.
    const handler = graphqlClient(t, { hardening: { limits: { maxAliases: 100 } } }).handler;
    const errors = await refused(`{ ${directives(51)} }`, handler);
    expect(errors).toHaveLength(1);
    expect(limitError(errors, "maxDirectives").message).toMatch(/Directives limit of 50 exceeded, found 51/);
    expect(
      await refused(`{ postsCount ${"@skip(if: false) ".repeat(51)}}`, handler).then((e) =>
        limitError(e, "maxDirectives"),
      ),
    ).toBeDefined();
  });

  it("refuses lists nested past the cost limit, counting literal, variable and default page sizes", async () => {
    // 1 + 100 × (1 + 25 × (1 + 1 × (1 + 25 × (1 + 1 × (1 + 25 × 1))))) = 1,692,601 fields.
    const nested = `{ posts(take: 100) { comments { post { comments { post { comments { id } } } } } } }`;
    const error = limitError(await refused(nested), "maxCost");
    expect(error.message).toMatch(/cost limit of 50000 exceeded, found \d+/);
    expect(error.message).toMatch(/found 1692601 /);
    // A variable page size counts as the largest page (100): 1 + 100 × (1 + 25 × (1 + 1 × (1 + 25 × 1))) = 67,601.
    const withVariable = `query ($n: Int) { posts(take: $n) { comments { post { comments { id } } } } }`;
    expect(limitError(await refused(withVariable), "maxCost").message).toMatch(/found 67601 /);
    // The same shape with 5 posts (1 + 5 × 676 = 3,381) passes, and so does a full page of posts with their relations.
    await gql.data(`{ posts(take: 5) { comments { post { comments { id } } } } }`);
    await gql.data(`{ posts(take: 100) { id title author { name } tags { name } comments { body } } }`);
  });

  it("counts a connection's page once, through its edges", async () => {
    const { data } = await gql
      .post(`{ postsConnection(first: 100) { edges { node { id comments { id } } } } }`)
      .then((r) => ({ data: r.body.data }));
    expect(data).toBeTruthy();
    const error = limitError(
      await refused(
        `{ postsConnection(first: 100) { edges { node { comments { post { comments { post { comments { id } } } } } } } } }`,
      ),
      "maxCost",
    );
    expect(error.message).toMatch(/exceeded/);
  });

  it("answers a refusal with 200 to legacy application/json clients, as any invalid document", async () => {
    const { status, body } = await gql.post(deep(11));
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });

  it("refuses variables nested thousands deep with a 400, not a stack overflow's 500", async () => {
    const n = 3000;
    // Written out as text: JSON.stringify of such a value would overflow this test's own stack.
    const deepWhere = `${'{"AND":['.repeat(n)}{"title":{"contains":"a"}}${"]}".repeat(n)}`;
    const deepList = `${"[".repeat(n)}1${"]".repeat(n)}`;
    for (const variables of [`{"w":${deepWhere}}`, `{"w":{"id":{"in":${deepList}}}}`]) {
      const response = await gql.handler.fetch(
        new Request("http://test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
          body: `{"query":"query($w: PostWhereInput) { posts(where: $w) { id } }","variables":${variables}}`,
        }),
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        errors: [{ message: "Variables are nested more than 64 levels deep.", extensions: { code: "BAD_REQUEST" } }],
      });
    }
    // 20 levels of AND (the runtime's own filter limit) still run.
    const twenty = `${'{"AND":['.repeat(19)}{"title":{"contains":"a"}}${"]}".repeat(19)}`;
    const ok = await gql.handler.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"query":"query($w: PostWhereInput) { posts(where: $w) { id } }","variables":{"w":${twenty}}}`,
      }),
    );
    expect(((await ok.json()) as GraphQLBody).errors).toBeUndefined();
  });

  it("follows configured limits, and refuses a limit that is not a whole number at least 1", async () => {
    const strict = graphqlClient(t, { hardening: { limits: { maxDepth: 3, maxTokens: 50 } } });
    limitError(await refused(deep(4), strict.handler), "maxDepth");
    limitError(await refused(`{ ${"postsCount ".repeat(60)} }`, strict.handler), "maxTokens");
    expect(await strict.data(deep(3))).toBeTruthy();
    expect(() =>
      createGraphQLHandler({
        runtime: t.runtime,
        contextFor: () => t.runtime.context(),
        hardening: { limits: { maxDepth: 0 } },
      }),
    ).toThrow("GraphQL limit maxDepth must be a whole number of at least 1, got 0.");
    expect(DEFAULT_GRAPHQL_LIMITS).toMatchObject({
      maxDepth: 10,
      maxAliases: 15,
      maxDirectives: 50,
      maxTokens: 2000,
      maxCost: 50_000,
    });
  });
});

describe("introspection and suggestions", () => {
  it("are on by default: __schema answers, a typo gets a suggestion", async () => {
    const data = await gql.data<{ __schema: { queryType: { name: string } } }>(`{ __schema { queryType { name } } }`);
    expect(data.__schema.queryType.name).toBe("Query");
    // GraphiQL's full introspection query passes the limits.
    const { getIntrospectionQuery } = await import("graphql");
    expect((await gql.post(getIntrospectionQuery())).body.errors).toBeUndefined();
    expect((await gql.error(`{ postz }`)).message).toMatch(/Did you mean "post" or "posts"\?/);
  });

  it("when off, __schema and __type are refused and no error suggests a name", async () => {
    const closed = graphqlClient(t, { hardening: { introspection: false } });
    for (const query of [`{ __schema { types { name } } }`, `{ __type(name: "Post") { fields { name } } }`]) {
      const { body } = await closed.post(query);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/introspection has been disabled/);
    }
    const typo = await closed.error(`{ postz }`);
    expect(typo.message).toBe('Cannot query field "postz" on type "Query".');
    const argTypo = await closed.error(`{ posts(tak: 1) { id } }`);
    expect(argTypo.text).not.toMatch(/Did you mean|"take"/);
    // An enum value in a variable is checked at execution, after validation: its suggestion is cut too.
    const enumTypo = await closed.error(`query ($s: PostStatus) { posts(where: { status: { eq: $s } }) { id } }`, {
      s: "PUBLISHD",
    });
    expect(enumTypo.text).not.toMatch(/Did you mean|PUBLISHED/);
    expect(await closed.data(`{ __typename }`)).toEqual({ __typename: "Query" });
  });
});

describe("production configuration through createApp", () => {
  it("NODE_ENV=production turns GraphiQL and introspection off; the variables override it", async () => {
    const config = loadConfig({ NODE_ENV: "production" });
    expect(config.graphql).toMatchObject({
      graphiql: false,
      introspection: false,
      csrfPrevention: true,
      batchLimit: 0,
    });
    expect(loadConfig({ NODE_ENV: "production", GRAPHIQL: "true", GRAPHQL_INTROSPECTION: "1" }).graphql).toMatchObject({
      graphiql: true,
      introspection: true,
    });
    expect(
      loadConfig({ GRAPHQL_MAX_DEPTH: "5", GRAPHQL_MAX_COST: "1000", GRAPHQL_BATCH_LIMIT: "3" }).graphql,
    ).toMatchObject({ limits: { maxDepth: 5, maxCost: 1000 }, batchLimit: 3 });
    expect(() => loadConfig({ GRAPHQL_MAX_TOKENS: "0" })).toThrow(
      'GRAPHQL_MAX_TOKENS must be a whole number, at least 1, got "0"',
    );
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: "maybe" })).toThrow("GRAPHQL_INTROSPECTION must be true or false");

    const app = createApp({
      runtime: t.runtime,
      logger: pino({ level: "silent" }),
      graphiql: config.graphql.graphiql,
      graphqlHardening: {
        introspection: config.graphql.introspection,
        csrfPrevention: config.graphql.csrfPrevention,
        limits: config.graphql.limits,
      },
      graphqlBatchLimit: config.graphql.batchLimit,
    });
    const page = await app.fetch(new Request("http://test/graphql", { headers: { accept: "text/html" } }));
    expect(page.status).toBe(406);
    expect(await page.text()).not.toContain("GraphiQL");
    const post = (query: string) =>
      app.fetch(
        new Request("http://test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query }),
        }),
      );
    const introspection = (await (await post(`{ __schema { types { name } } }`)).json()) as GraphQLBody;
    expect(introspection.data).toBeUndefined();
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    expect(await (await post(`{ postsCount }`)).json()).toEqual({ data: { postsCount: 320 } });
  });
});

describe("CSRF prevention", () => {
  const get = (headers: Record<string, string>, handler: GraphQLHandler = gql.handler) =>
    handler.fetch(new Request("http://test/graphql?query=%7BpostsCount%7D", { headers }));

  it("refuses a GET without the x-graphql-csrf header (403, with the reason), answers one with it", async () => {
    const bare = await get({ accept: "application/json" });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as GraphQLBody).errors?.[0]?.message).toMatch(/CSRF/);
    const marked = await get({ accept: "application/json", "x-graphql-csrf": "1" });
    expect(marked.status).toBe(200);
    expect(await marked.json()).toEqual({ data: { postsCount: 320 } });
  });

  it("refuses a form POST without the header; a JSON POST needs none", async () => {
    const form = await gql.handler.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `query=${encodeURIComponent("mutation { deleteTag(id: 1) { id } }")}`,
      }),
    );
    expect(form.status).toBe(403);
    expect(await t.db.prisma.tag.findUnique({ where: { id: 1 } })).not.toBeNull();
    expect(await gql.data(`{ postsCount }`)).toEqual({ postsCount: 320 });
  });

  it("lets EventSource (GET, Accept: text/event-stream, no custom header) through, and GraphiQL", async () => {
    const stream = await get({ accept: "text/event-stream" });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('"postsCount":320');
    const graphiql = await gql.handler.fetch(new Request("http://test/graphql", { headers: { accept: "text/html" } }));
    expect(graphiql.status).toBe(200);
  });

  it("can be turned off", async () => {
    const open = graphqlClient(t, { hardening: { csrfPrevention: false } }).handler;
    expect((await get({ accept: "application/json" }, open)).status).toBe(200);
  });
});

describe("batching", () => {
  const batch = (handler: GraphQLHandler, n: number) =>
    handler.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(Array.from({ length: n }, () => ({ query: "{ postsCount }" }))),
      }),
    );

  it("is off by default: an array body is a 400", async () => {
    const response = await batch(gql.handler, 2);
    expect(response.status).toBe(400);
    expect(await t.db.prisma.post.count()).toBe(320);
  });

  it("when on, is limited", async () => {
    const batching = graphqlClient(t, { batchLimit: 2 }).handler;
    const two = await batch(batching, 2);
    expect(two.status).toBe(200);
    expect(await two.json()).toEqual([{ data: { postsCount: 320 } }, { data: { postsCount: 320 } }]);
    const three = await batch(batching, 3);
    expect(three.status).toBe(413);
    expect(await three.text()).toMatch(/Batching is limited to 2 operations per request/);
  });
});

describe("persisted operations", () => {
  const COUNT = "{ postsCount }";
  const hash = createHash("sha256").update(COUNT).digest("hex");
  const post = (handler: GraphQLHandler, body: unknown) =>
    handler
      .fetch(
        new Request("http://test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      )
      .then(async (r) => ({ status: r.status, body: (await r.json()) as GraphQLBody }));

  it("run by hash; any other document is refused unless allowArbitraryOperations", async () => {
    const only = graphqlClient(t, { hardening: { persistedOperations: { operations: { [hash]: COUNT } } } }).handler;
    expect(await post(only, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } })).toEqual({
      status: 200,
      body: { data: { postsCount: 320 } },
    });
    const arbitrary = await post(only, { query: "{ postsCount }" });
    expect(arbitrary.status).toBeLessThan(500);
    expect(arbitrary.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/Only persisted operations run here/),
      extensions: { code: "BAD_REQUEST" },
    });
    const unknown = await post(only, { extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } });
    expect(unknown.status).toBeLessThan(500);
    expect(unknown.body.errors?.[0]).toMatchObject({
      message: "No persisted operation has this sha256Hash.",
      extensions: { code: "NOT_FOUND" },
    });

    const open = graphqlClient(t, {
      hardening: { persistedOperations: { operations: { [hash]: COUNT }, allowArbitraryOperations: true } },
    }).handler;
    expect((await post(open, { query: "{ tagsCount }" })).body.errors).toBeUndefined();
    expect((await post(open, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } })).body).toEqual({
      data: { postsCount: 320 },
    });
  });

  it("a persisted-operations file must be an object of id → document", () => {
    expect(parsePersistedOperations(JSON.stringify({ [hash]: COUNT }), "ops.json")).toEqual({ [hash]: COUNT });
    expect(() => parsePersistedOperations("{", "ops.json")).toThrow(/^ops.json must be JSON/);
    expect(() => parsePersistedOperations("[]", "ops.json")).toThrow(
      "ops.json must be a JSON object of id → GraphQL document, got an array.",
    );
    expect(() => parsePersistedOperations(JSON.stringify({ a: 1 }), "ops.json")).toThrow(
      'ops.json: the operation "a" must be a GraphQL document string, got 1.',
    );
  });
});

describe("over graphql-ws (a real socket)", () => {
  let server: Server;
  let ws: WebSocketService;
  let client: Client;
  const unexpected: unknown[] = [];
  const secret = new Error("connection string postgres://admin:hunter2@db");
  beforeAll(async () => {
    const handler = createGraphQLHandler({
      runtime: t.runtime,
      contextFor: () => t.runtime.context(),
      hardening: { introspection: false },
      // A resolver that fails as a bug would (graphql-ws runs queries and subscriptions here).
      extensions: [
        {
          typeDefs: "extend type Query { crash: Int }",
          resolvers: {
            Query: {
              crash: () => {
                throw secret;
              },
            },
          },
        },
      ],
      onUnexpectedError: (e) => unexpected.push(e),
    });
    server = createServer();
    ws = handler.serveWebSocket(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    client = createClient({
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
    });
  });
  afterAll(async () => {
    await client?.dispose();
    await ws?.close(100);
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Runs one operation; resolves with its result, or the errors it was refused with. */
  const run = (query: string) =>
    new Promise<{ data?: unknown; errors?: GraphQLError[] }>((resolve) => {
      let result: { data?: unknown; errors?: GraphQLError[] } = {};
      client.subscribe<unknown>(
        { query },
        {
          next: (value) => {
            result = value as typeof result;
          },
          error: (errors) => resolve({ errors: errors as GraphQLError[] }),
          complete: () => resolve(result),
        },
      );
    });

  it("applies the same limits, with the same codes", async () => {
    limitError((await run(deep(11))).errors ?? [], "maxDepth");
    limitError((await run(`{ ${"postsCount ".repeat(3000)} }`)).errors ?? [], "maxTokens");
    limitError(
      (await run(`{ posts(take: 100) { comments { post { comments { post { comments { id } } } } } } }`)).errors ?? [],
      "maxCost",
    );
    expect(await run(`{ postsCount }`)).toEqual({ data: { postsCount: 320 } });
  });

  it("refuses introspection when off and hides suggestions", async () => {
    expect(JSON.stringify((await run(`{ __schema { types { name } } }`)).errors)).toMatch(/introspection/i);
    const typo = await run(`{ postz }`);
    expect(typo.errors?.[0]?.message).toBe('Cannot query field "postz" on type "Query".');
  });

  it("runs only persisted documents when arbitrary ones are not allowed", async () => {
    const handler = createGraphQLHandler({
      runtime: t.runtime,
      contextFor: () => t.runtime.context(),
      hardening: { persistedOperations: { operations: { x: "{ postsCount }" } } },
    });
    const only = createServer();
    const onlyWs = handler.serveWebSocket(only);
    await new Promise<void>((resolve) => only.listen(0, "127.0.0.1", resolve));
    const c = createClient({
      url: `ws://127.0.0.1:${(only.address() as AddressInfo).port}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
    });
    try {
      const once = (query: string) =>
        new Promise<{ data?: unknown; errors?: GraphQLError[] }>((resolve) => {
          let result = {};
          c.subscribe(
            { query },
            {
              next: (v) => {
                result = v;
              },
              error: (errors) => resolve({ errors: errors as GraphQLError[] }),
              complete: () => resolve(result),
            },
          );
        });
      expect(await once("{ postsCount }")).toEqual({ data: { postsCount: 320 } });
      expect((await once("{ tagsCount }")).errors?.[0]).toMatchObject({
        message: expect.stringMatching(/Only persisted operations run here/),
        extensions: { code: "BAD_REQUEST" },
      });
    } finally {
      await c.dispose();
      await onlyWs.close(100);
      await new Promise((resolve) => only.close(resolve));
    }
  });

  it("masks an unexpected resolver error (no message, no stack), as HTTP does", async () => {
    const result = await run(`{ crash }`);
    expect(result).toEqual({
      data: { crash: null },
      errors: [
        {
          message: "Unexpected error.",
          locations: [{ line: 1, column: 3 }],
          path: ["crash"],
          extensions: { code: "INTERNAL" },
        },
      ],
    });
    expect(JSON.stringify(result)).not.toMatch(/hunter2|postgres:|stack/);
    expect(unexpected).toEqual([secret]);
    const hooks = t.runtime.on("tag").before("create", () => {
      throw secret;
    });
    try {
      const http = await gql.post(`mutation { createTag(data: { name: "masked-http" }) { id } }`);
      expect(http.body.errors?.[0]).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL" } });
      expect(http.text).not.toMatch(/hunter2|postgres:|stack/);
      expect(await t.db.prisma.tag.count({ where: { name: "masked-http" } })).toBe(0);
    } finally {
      hooks.off();
    }
  });
});
