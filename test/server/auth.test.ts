// Actor resolution: bearer JWTs (HS256 secret, RS256 JWKS), API keys, a development
// actor, or anonymous — one path for REST, GraphQL over HTTP, graphql-ws connection params and SSE.
// Wrong credentials are a 401, never a silent fall back to anonymous.
import { createClient } from "graphql-ws";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type App, createApp } from "../../src/server/app.ts";
import { createActorResolver, parseActor } from "../../src/server/auth.ts";
import { loadConfig } from "../../src/server/config.ts";
import { createRateLimit } from "../../src/server/rate-limit.ts";
import type { RunningServer } from "../../src/server/server.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256";
const sign = (claims: Record<string, unknown>, options: { expires?: string; issuer?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(options.expires ?? "5m")
    .setIssuer(options.issuer ?? "autograph-tests")
    .sign(new TextEncoder().encode(SECRET));

let t: TestRuntime;
let app: App;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const resolveActor = await createActorResolver({
    jwt: { secret: SECRET, issuer: "autograph-tests" },
    apiKeys: { "key-for-importer": parseActor("importer:editor") },
  });
  app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), resolveActor });
});
afterAll(() => t?.close());

async function createPost(headers: Record<string, string>): Promise<Response> {
  return app.fetch(
    new Request("http://test/api/posts", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ title: "Who wrote me", authorId: 1 }),
    }),
  );
}

describe("REST and GraphQL over HTTP", () => {
  it("a valid bearer token acts as its subject, with its roles", async () => {
    const response = await createPost({ authorization: `Bearer ${await sign({ sub: "ada", roles: ["editor"] })}` });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: number };
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).createdBy).toBe("ada");
    const seen: unknown[] = [];
    const hooks = t.runtime
      .on("post")
      .before("read", (op) => void seen.push([op.actor.id, op.actor.roles, op.actor.claims?.iss]));
    try {
      const token = await sign({ sub: "grace", roles: "admin" });
      const gql = await app.fetch(
        new Request("http://test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: `{ post(id: ${id}) { id } }` }),
        }),
      );
      expect(((await gql.json()) as { data: { post: { id: string } } }).data.post.id).toBe(String(id));
      expect(seen).toEqual([["grace", ["admin"], "autograph-tests"]]);
    } finally {
      hooks.off();
    }
  });

  it("an API key acts as its actor; no credentials act as anonymous", async () => {
    const byKey = (await (await createPost({ "x-api-key": "key-for-importer" })).json()) as {
      id: number;
      createdBy: string;
    };
    expect(byKey.createdBy).toBe("importer");
    const byScheme = (await (await createPost({ authorization: "ApiKey key-for-importer" })).json()) as {
      createdBy: string;
    };
    expect(byScheme.createdBy).toBe("importer");
    // Anonymous: posts are written by editors and authors (schema/post.ts), so it is a 401.
    const anonymous = await createPost({});
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: "UNAUTHENTICATED", message: "Sign in to create posts." });
  });

  it("wrong credentials are a 401 that says why, and nothing is written", async () => {
    const before = await t.db.prisma.post.count();
    const cases: [Record<string, string>, string][] = [
      [{ authorization: "Bearer not.a.jwt" }, "The bearer token is not valid."],
      [{ authorization: `Bearer ${await sign({ sub: "ada" }, { expires: "-1m" })}` }, "The bearer token has expired."],
      [
        { authorization: `Bearer ${await sign({ sub: "ada" }, { issuer: "someone-else" })}` },
        "The bearer token's iss claim is not accepted.",
      ],
      [{ authorization: `Bearer ${await sign({ roles: ["admin"] })}` }, "The bearer token names no subject (`sub`)."],
      [
        {
          authorization: `Bearer ${await new SignJWT({ sub: "ada" })
            .setProtectedHeader({ alg: "HS256" })
            .setIssuedAt(Math.floor(Date.now() / 1000) + 3600)
            .setExpirationTime("2h")
            .setIssuer("autograph-tests")
            .sign(new TextEncoder().encode(SECRET))}`,
        },
        "The bearer token's iat claim is not accepted: it lies in the future.",
      ],
      [{ authorization: "Basic dXNlcjpwYXNz" }, "Send `Authorization: Bearer <token>` (or `X-API-Key: <key>`)."],
      [{ "x-api-key": "guessed" }, "The API key is not valid."],
    ];
    for (const [headers, message] of cases) {
      const response = await createPost(headers);
      expect(response.status, message).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="autograph"');
      expect(await response.json()).toEqual({ message, code: "UNAUTHENTICATED" });
    }
    const gql = await app.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer nope" },
        body: JSON.stringify({ query: "{ postsCount }" }),
      }),
    );
    const body = (await gql.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data ?? null).toBeNull();
    expect(body.errors[0]).toMatchObject({
      message: "The bearer token is not valid.",
      extensions: { code: "UNAUTHENTICATED" },
    });
    expect(await t.db.prisma.post.count()).toBe(before);
  });

  it("a token without an expiry is refused where expiry is required (production's default), accepted where not", async () => {
    const endless = await new SignJWT({ sub: "ada" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("autograph-tests")
      .sign(new TextEncoder().encode(SECRET));
    const strict = await createActorResolver({
      jwt: { secret: SECRET, issuer: "autograph-tests", requireExpiry: true },
    });
    const lenient = await createActorResolver({ jwt: { secret: SECRET, issuer: "autograph-tests" } });
    const request = new Request("http://test/api/posts", { headers: { authorization: `Bearer ${endless}` } });
    await expect(strict(request)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      message: "The bearer token has no expiry (`exp`): this server requires one.",
    });
    expect((await lenient(request)).id).toBe("ada");
    expect(
      (
        await strict(
          new Request("http://test/", { headers: { authorization: `Bearer ${await sign({ sub: "ada" })}` } }),
        )
      ).id,
    ).toBe("ada");
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET }).jwt?.requireExpiry).toBe(true);
    expect(loadConfig({ JWT_SECRET: SECRET }).jwt?.requireExpiry).toBe(false);
    expect(
      loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET, JWT_REQUIRE_EXP: "false" }).jwt?.requireExpiry,
    ).toBe(false);
  });

  it("RS256 tokens verify against a JWKS; an HS256 token signed with a guessed key does not", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };
    const resolve = await createActorResolver({ jwt: { jwks: { keys: [jwk] } } });
    const token = await new SignJWT({ sub: "rsa-user", roles: ["reader"] })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setExpirationTime("5m")
      .sign(privateKey);
    const actor = await resolve(new Request("http://test/", { headers: { authorization: `Bearer ${token}` } }));
    expect(actor).toMatchObject({ id: "rsa-user", roles: ["reader"] });
    const forged = await new SignJWT({ sub: "rsa-user" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode("x".repeat(40)));
    await expect(
      resolve(new Request("http://test/", { headers: { authorization: `Bearer ${forged}` } })),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("credentials are verified once per request, also when the rate limiter asked first", async () => {
    const inner = await createActorResolver({ jwt: { secret: SECRET, issuer: "autograph-tests" } });
    let calls = 0;
    const counting = (request: Request) => {
      calls++;
      return inner(request);
    };
    const rateLimit = createRateLimit({ limit: 100 });
    try {
      const limited = createApp({
        runtime: t.runtime,
        logger: pino({ level: "silent" }),
        resolveActor: counting,
        rateLimit,
      });
      const response = await limited.fetch(
        new Request("http://test/api/tags", { headers: { authorization: `Bearer ${await sign({ sub: "once" })}` } }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit-limit")).toBe("100");
      expect(calls).toBe(1);
    } finally {
      await rateLimit.close();
    }
  });

  it("a bad key configuration fails at once, and actors parse from text", async () => {
    await expect(createActorResolver({ jwt: { secret: "short" } })).rejects.toThrow("at least 32 characters");
    await expect(createActorResolver({ jwt: {} })).rejects.toThrow("exactly one of");
    expect(parseActor("7:admin,editor")).toEqual({ id: "7", roles: ["admin", "editor"] });
    expect(parseActor("12:agent@acme")).toEqual({ id: "12", roles: ["agent"], tenantId: "acme" });
    expect(parseActor("12@acme")).toEqual({ id: "12", roles: [], tenantId: "acme" });
    expect(() => parseActor(":admin")).toThrow();
    expect(() => parseActor("12:agent@")).toThrow();
  });

  it("the tenant claim makes the actor's tenant, which confines what they see; a malformed one is a 401", async () => {
    const list = async (claims: Record<string, unknown>) => {
      const response = await app.fetch(
        new Request("http://test/api/tickets?range=[0,99]", {
          headers: { authorization: `Bearer ${await sign(claims)}` },
        }),
      );
      return {
        status: response.status,
        body: (await response.json()) as { tenantId?: string }[] & { message?: string },
      };
    };
    const globex = await list({ sub: "agent-9", roles: ["agent"], tenant: "globex" });
    expect(globex.status).toBe(200);
    expect(globex.body.length).toBe(await t.db.prisma.ticket.count({ where: { tenantId: "globex", deletedAt: null } }));
    expect(new Set(globex.body.map((r) => r.tenantId))).toEqual(new Set(["globex"]));
    // No tenant claim: an agent of no tenant sees nothing.
    expect((await list({ sub: "agent-9", roles: ["agent"] })).body).toEqual([]);
    const bad = await list({ sub: "agent-9", roles: ["agent"], tenant: { id: "globex" } });
    expect(bad.status).toBe(401);
    expect(bad.body.message).toBe("The bearer token's tenant claim must be a non-empty string or a whole number.");
    // The claim's name is configurable (JWT_TENANT_CLAIM).
    const custom = await createActorResolver({ jwt: { secret: SECRET, tenantClaim: "org" } });
    const actor = await custom(
      new Request("http://test/", { headers: { authorization: `Bearer ${await sign({ sub: "x", org: 42 })}` } }),
    );
    expect(actor.tenantId).toBe(42);
  });
});

describe("the running server: graphql-ws connection params and SSE use the same path", () => {
  let demo: TestServer;
  let running: RunningServer;
  beforeAll(async () => {
    demo = await startTestServer({
      env: { JWT_SECRET: SECRET, JWT_ISSUER: "autograph-tests", DEV_ACTOR: "developer:admin" },
    });
    ({ running } = demo);
  });
  afterAll(() => demo?.close());

  it("a subscriber's events are read as the actor of its connection params; SSE as the actor of its header; no credentials act as DEV_ACTOR", async () => {
    const readers: unknown[] = [];
    running.runtime.on("tag").before("read", (op) => void readers.push(op.actor.id));
    const client = createClient({
      url: `${running.url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${await sign({ sub: "ws-user" })}` },
    });
    const got = new Promise<string>((resolve, reject) =>
      client.subscribe<{ tagChanged: { id: string } }>(
        { query: "subscription { tagChanged(actions: [create]) { id } }" },
        { next: (m) => resolve(String(m.data?.tagChanged.id)), error: reject, complete: () => {} },
      ),
    );
    const sse = await fetch(`${running.url}/api/tags/events`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${await sign({ sub: "sse-user" })}` },
    });
    const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the ready event: the stream is in place
    await new Promise((r) => setTimeout(r, 100)); // the subscription is registered on the server
    const created = (await (
      await fetch(`${running.url}/api/tags`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "who-reads-me" }),
      })
    ).json()) as { id: number; name: string };
    expect(await got).toBe(String(created.id));
    let text = "";
    while (!text.includes("who-reads-me")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    await client.dispose();
    expect(readers).toEqual(expect.arrayContaining(["ws-user", "sse-user"]));
    // The write itself had no credentials: DEV_ACTOR.
    expect((await running.runtime.service("tag").revisions(running.runtime.context(), created.id))[0]?.actorId).toBe(
      "developer",
    );
  });

  it("a graphql-ws connection with a bad token gets no data, and an error that says why", async () => {
    const client = createClient({
      url: `${running.url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: "Bearer forged" },
      retryAttempts: 0,
    });
    const outcome = await new Promise<unknown>((resolve) =>
      client.subscribe(
        { query: "subscription { tagChanged { id } }" },
        { next: resolve, error: resolve, complete: () => resolve("complete") },
      ),
    );
    await client.dispose();
    expect(JSON.stringify(outcome)).toContain("The bearer token is not valid.");
  });
});
