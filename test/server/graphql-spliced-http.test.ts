// Spliced answers on the Node listener (GraphQLHandler.answerSpliced, app.ts): a query yoga already
// answered spliced is answered again without yoga. Whoever answers, the client must not tell: the same
// body and headers (media type by Accept, CORS, RateLimit), each request's own actor, scope and
// variables, and yoga's errors for anything wrong.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/app.ts";
import { createActorResolver, parseActor } from "../../src/server/auth.ts";
import { createRateLimit, type RateLimit } from "../../src/server/rate-limit.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
const servers: Server[] = [];
const limiters: RateLimit[] = [];
let url: string;
let customerId: number;
let resolutions = 0;

async function listen(limit: number): Promise<string> {
  const rateLimit = createRateLimit({ limit, windowSeconds: 60 });
  limiters.push(rateLimit);
  const reporter = await t.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme" }, orderBy: { id: "asc" } });
  customerId = reporter.reporterId as number;
  const resolve = await createActorResolver({
    apiKeys: {
      "key-of-agent": parseActor("1:agent,editor@acme"),
      "key-of-customer": parseActor(`${customerId}:customer@acme`),
    },
  });
  const resolveActor: typeof resolve = (request) => {
    resolutions++;
    return resolve(request);
  };
  const app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), rateLimit, resolveActor });
  const server = createServer(app.requestListener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  url = await listen(10_000);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(limiters.map((l) => l.close()));
  await t?.close();
});

const post = async (body: unknown, headers: Record<string, string> = {}, to = url) => {
  const response = await fetch(to, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  // Every response has an X-Request-Id (a new UUID each, here): present, but not compared.
  expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  const shown = Object.fromEntries(
    [...response.headers].filter(
      ([name]) =>
        name !== "date" && name !== "ratelimit-remaining" && name !== "ratelimit-reset" && name !== "x-request-id",
    ),
  );
  return {
    status: response.status,
    text,
    headers: shown,
    json: JSON.parse(text) as {
      data?: Record<string, unknown>;
      errors?: { message: string; extensions?: { code?: string } }[];
    },
  };
};

describe("a query answered spliced once", () => {
  it.each([
    ["no Accept, no Origin", {}],
    ["Accept: application/graphql-response+json", { accept: "application/graphql-response+json" }],
    [
      "urql's Accept and an Origin",
      {
        accept:
          "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed",
        origin: "http://app.example",
      },
    ],
    ["Accept: */* and an API key", { accept: "*/*", "x-api-key": "key-of-agent" }],
  ])("is answered again the same, headers and all: %s", async (_, headers) => {
    const body = {
      query: `query Posts($n: Int) { posts(take: $n, orderBy: [{ id: asc }]) { id title author { name } } } # ${_}`,
      variables: { n: 3 },
    };
    const first = await post(body, headers);
    const again = await post(body, headers);
    expect(first.status).toBe(200);
    expect(first.text).toContain("\n"); // PostgreSQL's json_agg: spliced
    expect(again).toEqual(first);
    expect(again.headers["ratelimit-limit"]).toBe("10000");
  });

  it("resolves each request's actor once (the rate limiter and the answer share it), on either path", async () => {
    const body = { query: "{ tags(take: 2) { id } }" };
    resolutions = 0;
    await post(body, { "x-api-key": "key-of-agent" }); // yoga
    await post(body, { "x-api-key": "key-of-agent" }); // spliced
    // Spliced before, but these variables need yoga: the verdict and actor go with the request.
    const query = "query T($n: Int) { tags(take: $n) { id } }";
    await post({ query, variables: { n: 1 } });
    await post({ query, variables: { n: "x" } });
    expect(resolutions).toBe(4);
  });

  it("answers each request's variables, and leaves invalid ones to yoga (400)", async () => {
    const query = "query Page($n: Int, $skip: Int) { posts(take: $n, skip: $skip, orderBy: [{ id: asc }]) { id } }";
    const ids = (r: Awaited<ReturnType<typeof post>>) => (r.json.data!.posts as { id: string }[]).map((p) => p.id);
    const a = await post({ query, variables: { n: 2, skip: 0 } });
    const b = await post({ query, variables: { n: 3, skip: 1 } });
    expect(ids(b)).toHaveLength(3);
    expect(ids(b)[0]).toBe(ids(a)[1]);
    const bad = await post({ query, variables: { n: "two" } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors?.[0]?.message).toMatch(/\$n/);
    // An operation name the document lacks: yoga's error, not a spliced answer of another operation.
    const named = await post({ query, variables: { n: 1 }, operationName: "Other" });
    expect(named.json.data).toBeUndefined();
    expect(named.json.errors?.[0]?.message).toMatch(/operation/);
  });

  it("is scoped to the actor of each request, whoever asked first", async () => {
    const query = "{ tickets(take: 100, orderBy: [{ id: asc }]) { id reporterId } }";
    const agent = await post({ query }, { "x-api-key": "key-of-agent" });
    const customer = await post({ query }, { "x-api-key": "key-of-customer" });
    const reporters = (r: Awaited<ReturnType<typeof post>>) =>
      new Set((r.json.data!.tickets as { reporterId: string }[]).map((x) => x.reporterId));
    expect(reporters(agent).size).toBeGreaterThan(1);
    expect([...reporters(customer)]).toEqual([String(customerId)]);
    const own = await t.db.prisma.ticket.count({
      where: { tenantId: "acme", reporterId: customerId, deletedAt: null },
    });
    expect((customer.json.data!.tickets as unknown[]).length).toBe(own);
    // Anonymous: tickets need a signed-in actor, whoever asked the same query before.
    const anonymous = await post({ query });
    expect(anonymous.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const badKey = await post({ query }, { "x-api-key": "nobody's" });
    expect(badKey.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(badKey.json.data ?? null).toBeNull();
  });

  it("refuses an over-budget request with 429 before answering it", async () => {
    const limited = await listen(2);
    const body = { query: "{ postsCount }" };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(body, {}, limited)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await post(body, { origin: "http://app.example" }, limited);
    expect(refused.json.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(refused.headers["retry-after"]).toBeDefined();
  });

  it("leaves anything but a lone query to yoga: bad JSON, extensions, mutations", async () => {
    const raw = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    const query = "{ postsCount }";
    await post({ query });
    const withExtensions = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: "00" } } });
    expect(withExtensions.status).toBeLessThan(500);
    const before = await t.db.prisma.tag.count();
    const mutation = 'mutation { createTag(data: { name: "spliced-http" }) { id name } }';
    const created = await post({ query: mutation }, { "x-api-key": "key-of-agent" });
    const again = await post(
      { query: mutation.replace("spliced-http", "spliced-http-2") },
      { "x-api-key": "key-of-agent" },
    );
    expect([created.json.errors, again.json.errors]).toEqual([undefined, undefined]);
    expect(await t.db.prisma.tag.count()).toBe(before + 2);
  });
});
