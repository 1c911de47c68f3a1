// The HTTP side of /graphql: GraphiQL offline, status codes of malformed requests, masking of
// unexpected errors, one request context per request, CORS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGraphQLHandler } from "../../src/graphql/handler.ts";
import type { RequestContext } from "../../src/runtime/context.ts";
import { AppError } from "../../src/runtime/errors.ts";
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

const request = (path: string, init: RequestInit = {}) => new Request(`http://test${path}`, init);

describe("GraphiQL", () => {
  it("is served to browsers on GET /graphql, with every asset inlined (it works offline)", async () => {
    const response = await gql.handler.fetch(request("/graphql", { headers: { accept: "text/html" } }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("YogaGraphiQL.renderYogaGraphiQL");
    // Nothing loaded from elsewhere: no script, stylesheet, icon or CSS import by URL, no known CDN.
    expect(html).not.toMatch(/<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh|fonts\.googleapis|gstatic\.com|skypack/i);
    expect(html).toMatch(/<link rel="icon" href="data:/);
  });

  it("is not served when turned off", async () => {
    const handler = createGraphQLHandler({
      runtime: t.runtime,
      contextFor: () => t.runtime.context(),
      graphiql: false,
    });
    const response = await handler.fetch(request("/graphql", { headers: { accept: "text/html" } }));
    // Yoga answers a browser that accepts only HTML with 406 Not Acceptable.
    expect(response.status).toBe(406);
    expect(await response.text()).not.toContain("YogaGraphiQL");
  });
});

describe("requests", () => {
  it("answers GET queries", async () => {
    const response = await gql.handler.fetch(
      request("/graphql?query=%7BpostsCount%7D", { headers: { accept: "application/json", "x-graphql-csrf": "1" } }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { postsCount: 320 } });
  });

  it("refuses mutations over GET with 405", async () => {
    const response = await gql.handler.fetch(
      request(`/graphql?query=${encodeURIComponent("mutation { deleteTag(id: 1) { id } }")}`, {
        headers: { accept: "application/json", "x-graphql-csrf": "1" },
      }),
    );
    expect(response.status).toBe(405);
    expect(await t.db.prisma.tag.findUnique({ where: { id: 1 } })).not.toBeNull();
  });

  it("keeps yoga's 400 for a malformed request", async () => {
    const badJson = await gql.handler.fetch(
      request("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: "{ not json" }),
    );
    expect(badJson.status).toBe(400);
    // With the GraphQL-over-HTTP media type, a document that does not parse is a 400 too (with plain
    // application/json, yoga answers 200 with the error, as the spec allows for legacy clients).
    const syntax = await gql.handler.fetch(
      request("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
        body: JSON.stringify({ query: "{ posts {" }),
      }),
    );
    expect(syntax.status).toBe(400);
    expect(((await syntax.json()) as GraphQLBody).errors?.[0]?.message).toMatch(/^Syntax Error/);
  });

  it("answers runtime errors with 200 and the error's code", async () => {
    const { status, body } = await gql.post(`{ posts(take: 5000) { id } }`);
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions).toEqual({ code: "BAD_REQUEST" });
  });

  it("serves /graphql only", async () => {
    expect((await gql.handler.fetch(request("/other?query=%7BpostsCount%7D"))).status).toBe(404);
  });
});

describe("unexpected errors", () => {
  it("are masked for the client and reported to onUnexpectedError; the write is rolled back", async () => {
    const secret = new Error("connection string postgres://admin:hunter2@db");
    const hooks = t.runtime.on("tag").before("create", () => {
      throw secret;
    });
    try {
      const { status, body, text } = await gql.post(`mutation { createTag(data: { name: "masked" }) { id } }`);
      expect(status).toBe(200);
      expect(body.errors).toEqual([
        {
          message: "Unexpected error.",
          locations: [{ line: 1, column: 12 }],
          path: ["createTag"],
          extensions: { code: "INTERNAL" },
        },
      ]);
      expect(text).not.toMatch(/hunter2|postgres:|stack|at .*\.ts/);
      expect(gql.unexpected).toContain(secret);
      expect(await t.db.prisma.tag.count({ where: { name: "masked" } })).toBe(0);
    } finally {
      hooks.off();
    }
  });

  it("from the request context are masked too; an AppError from it keeps its code", async () => {
    const crash = new Error("session store exploded");
    const reported: unknown[] = [];
    const crashing = createGraphQLHandler({
      runtime: t.runtime,
      contextFor: () => {
        throw crash;
      },
      onUnexpectedError: (e) => reported.push(e),
    });
    const post = (handler: typeof crashing) =>
      handler.fetch(
        request("/graphql", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: "{ postsCount }" }),
        }),
      );
    const masked = await (await post(crashing)).text();
    expect(masked).not.toContain("exploded");
    expect(JSON.parse(masked).errors[0]).toMatchObject({
      message: "Unexpected error.",
      extensions: { code: "INTERNAL" },
    });
    expect(reported).toEqual([crash]);

    const refusing = createGraphQLHandler({
      runtime: t.runtime,
      contextFor: () => {
        throw new AppError("UNAUTHENTICATED", "Sign in first.");
      },
    });
    const body = (await (await post(refusing)).json()) as GraphQLBody;
    expect(body.errors?.[0]).toMatchObject({ message: "Sign in first.", extensions: { code: "UNAUTHENTICATED" } });
  });
});

describe("request context", () => {
  it("is made once per request, so no request reads another's loader cache", async () => {
    const contexts: RequestContext[] = [];
    const handler = createGraphQLHandler({
      runtime: t.runtime,
      contextFor: () => {
        const context = t.runtime.context();
        contexts.push(context);
        return context;
      },
    });
    const title = async () => {
      const response = await handler.fetch(
        request("/graphql", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: "{ post(id: 5) { title } }" }),
        }),
      );
      return ((await response.json()) as { data: { post: { title: string } } }).data.post.title;
    };
    const first = await title();
    await t.db.prisma.post.update({ where: { id: 5 }, data: { title: `${first} (changed)` } });
    expect(await title()).toBe(`${first} (changed)`);
    expect(contexts).toHaveLength(2);
    expect(contexts[0]?.loaders).not.toBe(contexts[1]?.loaders);
  });
});

describe("CORS", () => {
  const withOrigin = { headers: { origin: "https://admin.example", accept: "application/json" } };
  it("allows any origin by default, without credentials", async () => {
    const response = await gql.handler.fetch(request("/graphql?query=%7BpostsCount%7D", withOrigin));
    expect(response.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });
  it("follows the configured origins, or sends nothing when off", async () => {
    const only = createGraphQLHandler({
      runtime: t.runtime,
      contextFor: () => t.runtime.context(),
      cors: { origin: "https://app.example" },
    });
    expect(
      (await only.fetch(request("/graphql?query=%7BpostsCount%7D", withOrigin))).headers.get(
        "access-control-allow-origin",
      ),
    ).toBe("https://app.example");
    const off = createGraphQLHandler({ runtime: t.runtime, contextFor: () => t.runtime.context(), cors: false });
    expect(
      (await off.fetch(request("/graphql?query=%7BpostsCount%7D", withOrigin))).headers.get(
        "access-control-allow-origin",
      ),
    ).toBeNull();
  });
});

describe("body size", () => {
  const limited = () =>
    createGraphQLHandler({ runtime: t.runtime, contextFor: () => t.runtime.context(), maxBodyBytes: 64 });
  const query = JSON.stringify({ query: "{ postsCount }" });
  const padded = JSON.stringify({ query: `{ postsCount ${" ".repeat(100)}}` });
  /** A body with no Content-Length (chunked on the wire): read as a stream. */
  const streamOf = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < text.length; i += 16) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 16)));
        controller.close();
      },
    });
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    limited().fetch(
      request("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
        duplex: "half",
      } as RequestInit),
    );

  it("refuses a body whose Content-Length is over the limit with 413, before reading it", async () => {
    const response = await post(padded, { "content-length": String(padded.length) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as GraphQLBody).errors).toEqual([
      {
        message: `Request body too large: at most 64 bytes, got ${padded.length}.`,
        extensions: { code: "PAYLOAD_TOO_LARGE", details: { maxBytes: 64 } },
      },
    ]);
    expect((await post(query, { "content-length": String(query.length) })).status).toBe(200);
  });

  it("counts a body without Content-Length as it is read", async () => {
    const over = await post(streamOf(padded));
    expect(over.status).toBe(413);
    expect(((await over.json()) as GraphQLBody).errors?.[0]?.message).toBe(
      "Request body too large: at most 64 bytes, got more than 64.",
    );
    const within = await post(streamOf(query));
    expect(await within.json()).toEqual({ data: { postsCount: 320 } });
  });

  it("refuses a Content-Length that is not one number with 400", async () => {
    const response = await post(query, { "content-length": `${query.length}, ${query.length}` });
    expect(response.status).toBe(400);
    expect(((await response.json()) as GraphQLBody).errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^Content-Length must be a number of bytes/),
      extensions: { code: "BAD_REQUEST" },
    });
  });

  it("refuses a limit that is not a whole number of bytes", () => {
    expect(() =>
      createGraphQLHandler({ runtime: t.runtime, contextFor: () => t.runtime.context(), maxBodyBytes: 0 }),
    ).toThrow("maxBodyBytes must be a whole number of bytes, at least 1, got 0.");
  });
});
