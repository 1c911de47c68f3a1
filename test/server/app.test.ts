// The app's two entries: `app.fetch(Request)` in process and `app.requestListener` on a Node server,
// which hands /graphql to yoga without Hono. Whichever a request takes, /graphql gets the same request
// log, rate limit (headers, 429 shape, CORS), one actor resolution, and body limit; other paths reach Hono.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/server/app.ts";
import { createActorResolver, parseActor } from "../../src/server/auth.ts";
import { createRateLimit, type RateLimit } from "../../src/server/rate-limit.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

interface Served {
  readonly app: App;
  readonly url: string;
  /** The "request" lines the app logged. */
  readonly logged: { method: string; path: string; status: number }[];
  /** Calls of the actor resolver. */
  resolutions: number;
}

let t: TestRuntime;
const limiters: RateLimit[] = [];
const servers: Server[] = [];
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(limiters.map((limiter) => limiter.close()));
  await t?.close();
});

/** An app with a rate limit, API keys and a captured log, listening on a free port through its request listener. */
async function serve(limit: number): Promise<Served> {
  const rateLimit = createRateLimit({ limit });
  limiters.push(rateLimit);
  const resolve = await createActorResolver({ apiKeys: { "key-of-ada": parseActor("ada:editor") } });
  const logger = pino({ level: "info" }, { write: (line: string) => void served.logged.push(JSON.parse(line)) });
  const served: Served = {
    app: createApp({
      runtime: t.runtime,
      logger,
      rateLimit,
      corsOrigin: ["https://admin.example"],
      resolveActor: (request) => {
        served.resolutions++;
        return resolve(request);
      },
    }),
    url: "",
    logged: [],
    resolutions: 0,
  };
  const server = createServer(served.app.requestListener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(served, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

type Entry = "fetch" | "listener";
/** Sends the same request in process (`app.fetch`) or over a socket to the app's request listener. */
function send(served: Served, entry: Entry, path: string, init: RequestInit = {}): Promise<Response> {
  return entry === "fetch"
    ? served.app.fetch(new Request(`http://test${path}`, init))
    : fetch(`${served.url}${path}`, init);
}

const postsCount = (headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", origin: "https://admin.example", ...headers },
  body: JSON.stringify({ query: "{ postsCount }" }),
});

describe.each<Entry>(["fetch", "listener"])("GraphQL over HTTP through %s", (entry) => {
  it("answers with the RateLimit headers exposed to CORS, resolves the actor once, and logs the request", async () => {
    const served = await serve(100);
    const response = await send(served, entry, "/graphql", postsCount({ authorization: "ApiKey key-of-ada" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { postsCount: 320 } });
    expect([response.headers.get("ratelimit-limit"), response.headers.get("ratelimit-remaining")]).toEqual([
      "100",
      "99",
    ]);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    expect(response.headers.get("access-control-expose-headers")).toContain("RateLimit-Remaining");
    // The rate limiter and the GraphQL context asked for the actor; the credentials were checked once.
    expect(served.resolutions).toBe(1);
    expect(served.logged).toEqual([
      expect.objectContaining({
        msg: "request",
        method: "POST",
        path: "/graphql",
        status: 200,
        ms: expect.any(Number),
      }),
    ]);
  });

  it("refuses a request over the budget before yoga runs, in GraphQL's shape, readable cross-origin", async () => {
    const served = await serve(1);
    expect((await send(served, entry, "/graphql", postsCount())).status).toBe(200);
    const refused = await send(served, entry, "/graphql", postsCount());
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    expect(await refused.json()).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^Too many requests: at most 1 every 60 seconds/),
          extensions: { code: "RATE_LIMITED" },
        },
      ],
    });
    // Anonymous: counted by IP, and the refused request resolved no context beyond the limiter's question.
    expect(served.resolutions).toBe(2);
    expect(served.logged.map((line) => line.status)).toEqual([200, 429]);
    // A CORS preflight is answered by yoga and not counted.
    const preflight = await send(served, entry, "/graphql", {
      method: "OPTIONS",
      headers: { origin: "https://admin.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("ratelimit-remaining")).toBeNull();
  });

  it("puts the security headers on every answer: REST, GraphQL (spliced too), health, errors, docs", async () => {
    const served = await serve(100);
    for (const [path, init] of [
      ["/healthz", {}],
      ["/api/posts?range=[0,1]", {}],
      ["/api/nope", {}],
      ["/api/docs", {}],
      ["/graphql", postsCount()],
      ["/graphql", postsCount()],
    ] as const) {
      const response = await send(served, entry, path, init);
      expect([response.headers.get("x-content-type-options"), response.headers.get("referrer-policy")], path).toEqual([
        "nosniff",
        "no-referrer",
      ]);
      expect(response.headers.get("content-security-policy"), path).toBe("frame-ancestors 'none'");
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
    }
  });

  it("serves the graphql-sse stream path through the same gate, and leaves other paths to Hono", async () => {
    const served = await serve(100);
    const stream = await send(served, entry, "/graphql/stream", { method: "PUT" });
    expect(stream.headers.get("ratelimit-limit")).toBe("100");
    expect(served.logged.at(-1)).toMatchObject({ path: "/graphql/stream" });
    expect(await (await send(served, entry, "/healthz")).json()).toEqual({ status: "ok" });
    expect((await send(served, entry, "/api/tags?range=[0,1]")).headers.get("content-range")).toBe("tags 0-1/25");
    for (const path of ["/graphql/other", "/graphql/", "/nope"]) {
      const missing = await send(served, entry, path);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining(path) });
    }
  });
});

describe("the request listener", () => {
  /** A POST to `path` whose body goes out in chunks (no Content-Length), as raw HTTP. */
  function chunked(url: string, chunks: string[]): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        `${url}/graphql`,
        { method: "POST", headers: { "content-type": "application/json" } },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (body += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      // The server answers a body over the limit before it read the rest, then closes: writing the rest may fail.
      request.on("error", (error) =>
        (error as NodeJS.ErrnoException).code === "EPIPE" || (error as NodeJS.ErrnoException).code === "ECONNRESET"
          ? undefined
          : reject(error),
      );
      for (const chunk of chunks) request.write(chunk);
      request.end();
    });
  }

  it("reads a chunked GraphQL body, and refuses one over the body limit (1 MiB by default) with 413", async () => {
    const served = await serve(100);
    const ok = await chunked(served.url, ['{"query":', '"{ postsCount }"}']);
    expect(ok).toEqual({ status: 200, body: JSON.stringify({ data: { postsCount: 320 } }) });
    const megabyte = " ".repeat(1 << 20);
    const tooLarge = await chunked(served.url, [
      '{"query":"{ postsCount }"',
      ...Array.from({ length: 2 }, () => megabyte),
      "}",
    ]);
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body).errors[0]).toMatchObject({
      message: "Request body too large: at most 1048576 bytes, got more than 1048576.",
      extensions: { code: "PAYLOAD_TOO_LARGE" },
    });
  });

  /** The status of a raw GET /graphql query with the given request target and Host header. */
  function rawGet(url: string, target: string, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const { port } = new URL(url);
      const headers = { accept: "application/json", "x-graphql-csrf": "1", ...(host === undefined ? {} : { host }) };
      const request = httpRequest(
        { host: "127.0.0.1", port, method: "GET", path: target, headers, setHost: host === undefined },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on("error", reject).end();
    });
  }

  it("routes a request target in absolute form (as sent to a proxy) by its path, and refuses a malformed Host with 400", async () => {
    const served = await serve(100);
    expect(await rawGet(served.url, `${served.url}/graphql?query=%7BpostsCount%7D`)).toBe(200);
    expect(served.logged.at(-1)).toMatchObject({ path: "/graphql", status: 200 });
    expect(await rawGet(served.url, "/graphql?query=%7BpostsCount%7D", "LocalHost:80")).toBe(200);
    for (const host of ["a b", "evil.example@127.0.0.1", "x/y", ""])
      expect(await rawGet(served.url, "/graphql?query=%7BpostsCount%7D", host), host).toBe(400);
  });
});
