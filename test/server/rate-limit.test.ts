// Rate limiting: a budget of requests per window per actor, or per IP when anonymous,
// on /graphql and /api; 429 with Retry-After and RateLimit-* headers over it; health routes and CORS
// preflights free; counts in memory or shared through Redis; a failing store lets requests through.
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { createClient } from "graphql-ws";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { resources } from "../../demo/schema/index.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createActorResolver, parseActor } from "../../src/server/auth.ts";
import { loadConfig } from "../../src/server/config.ts";
import { createRateLimit, type RateLimit, type RateLimitOptions } from "../../src/server/rate-limit.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import { haveRedis, REDIS_URL } from "../support/redis.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { demoPrisma } from "../support/demo-database.ts";

let t: TestRuntime;
const limiters: RateLimit[] = [];
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(async () => {
  await Promise.all(limiters.map((l) => l.close()));
  await t?.close();
});

async function appWith(options: RateLimitOptions): Promise<App> {
  const rateLimit = createRateLimit(options);
  limiters.push(rateLimit);
  const resolveActor = await createActorResolver({
    apiKeys: { "key-of-ada": parseActor("ada:editor"), "key-of-bob": parseActor("bob:editor") },
  });
  return createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), rateLimit, resolveActor });
}

const get = (app: App, path: string, headers: Record<string, string> = {}, method = "GET") =>
  app.fetch(new Request(`http://test${path}`, { method, headers }));
const graphql = (app: App, headers: Record<string, string> = {}) =>
  app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: "{ usersCount }" }),
    }),
  );

/** A GET over a socket bound to `localAddress`, as a Response (node:http, which can choose the client's address). */
function getFrom(localAddress: string, url: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    request(url, { localAddress, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(new Response(null, { status: res.statusCode ?? 0 })));
    })
      .on("error", reject)
      .end();
  });
}

/** Statuses of `n` requests made one after the other. */
async function statuses(n: number, request: () => Promise<Response>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await request()).status);
  return seen;
}

describe("over createApp (in memory)", () => {
  it("the request after the budget is a 429 with Retry-After and the RateLimit headers; every counted response has them", async () => {
    const app = await appWith({ limit: 3, windowSeconds: 60 });
    const first = await get(app, "/api/users");
    expect(first.status).toBe(200);
    expect([first.headers.get("ratelimit-limit"), first.headers.get("ratelimit-remaining")]).toEqual(["3", "2"]);
    const reset = Number(first.headers.get("ratelimit-reset"));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    expect(first.headers.get("access-control-expose-headers")).toContain("RateLimit-Remaining");
    expect(await statuses(2, () => get(app, "/api/users"))).toEqual([200, 200]);

    const refused = await get(app, "/api/users");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("ratelimit-limit")).toBe("3");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    expect(await refused.json()).toEqual({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/^Too many requests: at most 3 every 60 seconds; retry in \d+ seconds\.$/),
    });

    // GraphQL over HTTP shares the budget and is refused before yoga runs, with a GraphQL-shaped body.
    const gql = await graphql(app);
    expect(gql.status).toBe(429);
    expect(gql.headers.get("retry-after")).not.toBeNull();
    expect(await gql.json()).toEqual({
      errors: [{ message: expect.stringContaining("Too many requests"), extensions: { code: "RATE_LIMITED" } }],
    });
  });

  it("GraphQL requests are counted like REST ones", async () => {
    const app = await appWith({ limit: 2 });
    const ok = await graphql(app);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { usersCount: 0 } });
    expect(ok.headers.get("ratelimit-remaining")).toBe("1");
    expect(await statuses(2, () => graphql(app))).toEqual([200, 429]);
  });

  it("health routes, the index and CORS preflights are not counted", async () => {
    const app = await appWith({ limit: 2 });
    for (let i = 0; i < 5; i++) {
      expect((await get(app, "/healthz")).status).toBe(200);
      expect((await get(app, "/readyz")).status).toBe(200);
      const preflight = await get(
        app,
        "/api/users",
        { origin: "https://admin.example", "access-control-request-method": "GET" },
        "OPTIONS",
      );
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers.get("ratelimit-remaining")).toBeNull();
    }
    expect(await statuses(3, () => get(app, "/api/users"))).toEqual([200, 200, 429]);
    // Still healthy while the budget is spent.
    expect((await get(app, "/healthz")).status).toBe(200);
    expect((await get(app, "/readyz")).status).toBe(200);
  });

  it("different IPs have separate budgets when a trusted proxy names them; its last X-Forwarded-For entry counts", async () => {
    const app = await appWith({ limit: 2, trustProxy: true });
    const from = (chain: string) => () => get(app, "/api/users", { "x-forwarded-for": chain });
    expect(await statuses(3, from("203.0.113.1"))).toEqual([200, 200, 429]);
    expect(await statuses(3, from("203.0.113.2"))).toEqual([200, 200, 429]);
    // A client cannot escape by prepending addresses of its own: the proxy appended the real one last.
    expect(await statuses(1, from("198.51.100.7, 203.0.113.1"))).toEqual([429]);
  });

  it("without TRUST_PROXY, X-Forwarded-For is ignored (a client cannot pick its bucket)", async () => {
    const app = await appWith({ limit: 2 });
    let n = 0;
    expect(await statuses(4, () => get(app, "/api/users", { "x-forwarded-for": `203.0.113.${++n}` }))).toEqual([
      200, 200, 429, 429,
    ]);
  });

  it("an authenticated actor has a budget of its own, whatever IP it comes from; anonymous requests count per IP", async () => {
    const app = await appWith({ limit: 2, trustProxy: true });
    const as = (key: string, ip: string) => () =>
      get(app, "/api/users", { authorization: `ApiKey ${key}`, "x-forwarded-for": ip });
    let n = 0;
    expect(await statuses(3, () => as("key-of-ada", `203.0.113.${++n}`)())).toEqual([200, 200, 429]);
    expect(await statuses(3, as("key-of-bob", "203.0.113.1"))).toEqual([200, 200, 429]);
    // The IPs ada used still have their anonymous budgets.
    expect(await statuses(1, () => get(app, "/api/users", { "x-forwarded-for": "203.0.113.1" }))).toEqual([200]);
  });

  it("a failing store lets requests through uncounted and reports the failure", async () => {
    const failures: unknown[] = [];
    // Nothing listens on port 1: every count fails at once.
    const app = await appWith({
      limit: 1,
      store: { redisUrl: "redis://127.0.0.1:1" },
      onStoreError: (error) => failures.push(error),
    });
    const responses = [await get(app, "/api/users"), await get(app, "/api/users"), await graphql(app)];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(responses[0]?.headers.get("ratelimit-remaining")).toBeNull();
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toBeInstanceOf(Error);
  });

  it("refuses a limit or window that is not a positive whole number", () => {
    expect(() => createRateLimit({ limit: 0 })).toThrow(
      "Rate limit must be a whole number of requests, at least 1, got 0",
    );
    expect(() => createRateLimit({ limit: 10, windowSeconds: 0.5 })).toThrow(
      "Rate limit window must be a whole number of seconds, at least 1, got 0.5",
    );
  });
});

describe("configuration", () => {
  it("defaults: 600 requests per 60 seconds per key, in memory, X-Forwarded-For not trusted", () => {
    expect(loadConfig({})).toMatchObject({
      rateLimit: 600,
      rateLimitWindowSeconds: 60,
      rateLimitStore: "memory",
      trustProxy: false,
    });
    expect(
      loadConfig({
        RATE_LIMIT: "0",
        RATE_LIMIT_WINDOW_SECONDS: "1",
        RATE_LIMIT_STORE: "redis",
        REDIS_URL: "redis://127.0.0.1:6379",
        TRUST_PROXY: "true",
      }),
    ).toMatchObject({
      rateLimit: 0,
      rateLimitWindowSeconds: 1,
      rateLimitStore: "redis",
      trustProxy: true,
    });
  });

  it("a bad value names the variable, the expectation and the value", () => {
    expect(() => loadConfig({ RATE_LIMIT: "-5" })).toThrow(
      'RATE_LIMIT must be a whole number of requests per window (0 turns rate limiting off), got "-5"',
    );
    expect(() => loadConfig({ RATE_LIMIT: "lots" })).toThrow(
      'RATE_LIMIT must be a whole number of requests per window (0 turns rate limiting off), got "lots"',
    );
    expect(() => loadConfig({ RATE_LIMIT_WINDOW_SECONDS: "0" })).toThrow(
      'RATE_LIMIT_WINDOW_SECONDS must be a whole number of seconds, at least 1, got "0"',
    );
    expect(() => loadConfig({ RATE_LIMIT_WINDOW_SECONDS: "1.5" })).toThrow(
      'RATE_LIMIT_WINDOW_SECONDS must be a whole number of seconds, at least 1, got "1.5"',
    );
    expect(() => loadConfig({ RATE_LIMIT_STORE: "memcached" })).toThrow(
      'RATE_LIMIT_STORE must be memory or redis, got "memcached"',
    );
    expect(() => loadConfig({ RATE_LIMIT_STORE: "redis" })).toThrow(
      'RATE_LIMIT_STORE must be memory unless REDIS_URL is set, got "redis"',
    );
    expect(() => loadConfig({ TRUST_PROXY: "sometimes" })).toThrow(
      'TRUST_PROXY must be true or false (or 1/0, yes/no, on/off), got "sometimes"',
    );
  });
});

/** The demo server on this file's database, with `env` on top, for `work`; stopped after it. */
async function withServer(env: Record<string, string>, work: (running: RunningServer) => Promise<void>): Promise<void> {
  const running = await startServer({
    ...demoPrisma,
    resources,
    config: loadConfig({ PORT: "0", DATABASE_URL: t.testDb.url, SEED: "false", ...env }),
    logger: pino({ level: "silent" }),
  });
  try {
    await work(running);
  } finally {
    await running.close();
  }
}

/** How the server answers a graphql-ws upgrade: 101 when the socket opens (it is closed at once), else the HTTP status. */
function upgrade(running: RunningServer): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${running.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    socket.on("unexpected-response", (_request, response) =>
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers["retry-after"] }),
    );
    socket.on("open", () => {
      socket.close();
      resolve({ status: 101, retryAfter: undefined });
    });
    socket.on("error", reject);
  });
}

/** A graphql-ws client of the server, and one operation on it: its first result, or `{ error }`. */
function wsClient(running: RunningServer) {
  const client = createClient({
    url: `${running.url.replace("http", "ws")}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
  });
  const run = (query: string) =>
    new Promise<unknown>((resolve) => {
      client.subscribe({ query }, { next: resolve, error: (error) => resolve({ error }), complete: () => {} });
    });
  return { run, dispose: () => client.dispose() };
}

describe("over real sockets (startServer, memory store)", () => {
  it("counts by the socket's IP, ignores X-Forwarded-For, and leaves health alone", async () => {
    await withServer({ RATE_LIMIT: "3", RATE_LIMIT_WINDOW_SECONDS: "60" }, async (running) => {
      let n = 0;
      const seen = await statuses(4, () =>
        fetch(`${running.url}/api/users`, { headers: { "x-forwarded-for": `203.0.113.${++n}` } }),
      );
      expect(seen).toEqual([200, 200, 200, 429]);
      const refused = await fetch(`${running.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ usersCount }" }),
      });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get("ratelimit-limit")).toBe("3");
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
      // Another client address (127.0.0.2 is loopback too) has a budget of its own.
      expect(await statuses(4, () => getFrom("127.0.0.2", `${running.url}/api/users`))).toEqual([200, 200, 200, 429]);
      // graphql-ws connections from a spent IP are refused at the upgrade, with the same 429.
      const refusedUpgrade = await upgrade(running);
      expect(refusedUpgrade.status).toBe(429);
      expect(Number(refusedUpgrade.retryAfter)).toBeGreaterThanOrEqual(1);
    });
  });

  it("graphql-ws upgrades are counted per IP, and run subscriptions while under the budget", async () => {
    await withServer({ RATE_LIMIT: "3" }, async (running) => {
      const client = wsClient(running);
      expect(await client.run("{ usersCount }")).toEqual({ data: { usersCount: 0 } });
      await client.dispose();
      // One upgrade and one operation spent; one HTTP request spends the rest.
      expect((await fetch(`${running.url}/api/users`)).status).toBe(200);
      expect((await upgrade(running)).status).toBe(429);
    });
  });

  it("each graphql-ws operation is counted like an HTTP request: over the budget it gets RATE_LIMITED, the socket stays open", async () => {
    await withServer({ RATE_LIMIT: "3" }, async (running) => {
      const client = wsClient(running);
      // The upgrade spends one; two operations spend the rest; the fourth request of this IP is refused.
      expect(await client.run("{ usersCount }")).toEqual({ data: { usersCount: 0 } });
      expect(await client.run("{ usersCount }")).toEqual({ data: { usersCount: 0 } });
      const refused = (await client.run("{ usersCount }")) as {
        error: { message: string; extensions?: { code?: string } }[];
      };
      expect(refused.error[0]).toMatchObject({
        message: expect.stringMatching(/^Too many requests: at most 3 every 60 seconds/),
        extensions: { code: "RATE_LIMITED" },
      });
      // The socket is still open: its next operation is refused the same way, not dropped.
      expect(
        ((await client.run("{ usersCount }")) as { error: { extensions?: { code?: string } }[] }).error[0]?.extensions
          ?.code,
      ).toBe("RATE_LIMITED");
      await client.dispose();
    });
  });

  it("RATE_LIMIT=0 turns limiting off", async () => {
    await withServer({ RATE_LIMIT: "0" }, async (running) => {
      const responses = await Promise.all(Array.from({ length: 5 }, () => fetch(`${running.url}/api/users`)));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(responses[0]?.headers.get("ratelimit-limit")).toBeNull();
    });
  });
});

describe("Redis store", async () => {
  const redis = await haveRedis();
  it.skipIf(!redis)("two instances sharing one Redis share each key's budget", async () => {
    const store = { redisUrl: REDIS_URL, keyPrefix: `autograph-test:${randomUUID()}` };
    const a = createRateLimit({ limit: 3, store });
    const b = createRateLimit({ limit: 3, store });
    limiters.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const appA = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), rateLimit: a });
    const appB = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), rateLimit: b });
    expect(await statuses(2, () => get(appA, "/api/users"))).toEqual([200, 200]);
    const third = await get(appB, "/api/users");
    expect(third.status).toBe(200);
    expect(third.headers.get("ratelimit-remaining")).toBe("0");
    const refusedA = await get(appA, "/api/users");
    const refusedB = await graphql(appB);
    expect([refusedA.status, refusedB.status]).toEqual([429, 429]);
    expect(Number(refusedB.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
