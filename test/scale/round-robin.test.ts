// Two instances on one database behind a round-robin proxy (test/support/round-robin-proxy.ts: keep-alive
// to the backends, /readyz checked every 200 ms, a retry on the other backend only when a connection
// failed before anything was sent), with `RATE_LIMIT_STORE=redis` and `EVENT_BUS=redis` on a private
// redis-server:
// - the rate limit is one budget across the instances: the (N+1)th request is 429 whichever one it hits;
// - a subscriber on B gets every write made through the proxy (on A or B);
// - a rolling restart (SIGTERM to A, wait for its exit, start it again; then B) under steady reads and
//   writes through the proxy fails no request, and every acknowledged write is in the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { openStream } from "../support/event-source.ts";
import { type Instance, startInstance } from "../support/instance.ts";
import { type PrivateRedis, startPrivateRedis } from "../support/redis-server.ts";
import { type RoundRobinProxy, startRoundRobinProxy } from "../support/round-robin-proxy.ts";
import { until } from "../support/until.ts";

/** Concurrent clients of the proxy during the rolling restart. */
const CLIENTS = 4;

let redis: PrivateRedis;
let testDb: TestDatabase;
let db: DemoDatabase;

beforeAll(async () => {
  redis = await startPrivateRedis();
  testDb = await createTestDatabase();
  db = createDemoDatabase(testDb.url);
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
  await redis?.close();
});

/** Two instances with `env` and a proxy in front; `close()` stops the three. */
async function startPair(extra: Record<string, string>) {
  const env = {
    DATABASE_URL: testDb.url,
    EVENT_BUS: "redis",
    RATE_LIMIT_STORE: "redis",
    REDIS_URL: redis.url,
    ...extra,
  };
  const [a, b] = await Promise.all([startInstance("A", env), startInstance("B", env)]);
  const proxy = await startRoundRobinProxy({ backends: [a.url, b.url] });
  return { env, a, b, proxy };
}

function post(origin: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("the rate limit behind the proxy", () => {
  const LIMIT = 6;
  let a: Instance;
  let b: Instance;
  let proxy: RoundRobinProxy;

  beforeAll(async () => {
    ({ a, b, proxy } = await startPair({ RATE_LIMIT: String(LIMIT), RATE_LIMIT_WINDOW_SECONDS: "600" }));
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("is one budget for both instances: request N+1 is 429 whichever instance it reaches", async () => {
    const answers: { status: number; upstream: string; remaining: string | null }[] = [];
    for (let i = 0; i < LIMIT + 4; i++) {
      const response = await fetch(`${proxy.url}/api/tags`);
      await response.arrayBuffer();
      answers.push({
        status: response.status,
        upstream: response.headers.get("x-upstream") ?? "",
        remaining: response.headers.get("ratelimit-remaining"),
      });
    }
    console.log(
      `[round-robin] rate limit ${LIMIT}: ${answers.map((r) => `${r.status}@${r.upstream === new URL(a.url).origin ? "A" : "B"}`).join(" ")}`,
    );
    expect(answers.map((r) => r.status)).toEqual([...Array(LIMIT).fill(200), ...Array(4).fill(429)]);
    // Round robin: both instances counted the allowed requests into one budget, and both refuse.
    expect(answers.slice(0, LIMIT).map((r) => r.remaining)).toEqual(
      Array.from({ length: LIMIT }, (_, i) => String(LIMIT - 1 - i)),
    );
    const refusedBy = new Set(answers.slice(LIMIT).map((r) => r.upstream));
    expect(refusedBy).toEqual(new Set([new URL(a.url).origin, new URL(b.url).origin]));
  });
});

describe("events and a rolling restart behind the proxy", () => {
  let pair: Awaited<ReturnType<typeof startPair>>;

  beforeAll(async () => {
    // Shared through Redis too, but high enough for the load.
    pair = await startPair({ RATE_LIMIT: "1000000" });
  });
  afterAll(async () => {
    await pair?.proxy.close();
    await Promise.all([pair?.a.stop(), pair?.b.stop()]);
  });

  it("a subscriber on B gets every write made through the proxy", async () => {
    const { b, proxy } = pair;
    const stream = openStream(`${b.url}/api/tags/events`);
    try {
      await stream.ready;
      const upstreams = new Set<string>();
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        const response = await post(proxy.url, "/api/tags", { name: `proxied-${i}` });
        expect(response.status).toBe(201);
        upstreams.add(response.headers.get("x-upstream") ?? "");
        ids.push(((await response.json()) as { id: number }).id);
      }
      expect(upstreams.size).toBe(2);
      const received = await stream.waitFor(20);
      const outbox = await db.prisma.event.findMany({
        where: { resource: "tag" },
        orderBy: { id: "asc" },
        select: { id: true, recordId: true },
      });
      expect(received.map((e) => e.id)).toEqual(outbox.map((e) => e.id.toString()));
      expect(received.map((e) => e.data.id)).toEqual(ids);
    } finally {
      stream.close();
    }
  });

  it("a rolling restart under load fails no request and loses no acknowledged write", async () => {
    const { env, proxy } = pair;
    let stopping = false;
    const counts = { reads: 0, writes: 0, byA: 0, byB: 0 };
    const acknowledged: number[] = [];
    const failures: string[] = [];
    const origins = { a: new URL(pair.a.url).origin, b: new URL(pair.b.url).origin };
    let n = 0;
    const client = async (c: number) => {
      while (!stopping) {
        const i = n++;
        const write = i % 2 === 1;
        try {
          const response = write
            ? await post(proxy.url, "/api/tags", { name: `rolling-${c}-${i}` })
            : await fetch(`${proxy.url}/api/tags?range=[0,9]&sort=["id","DESC"]`);
          const body = (await response.json()) as { id?: number; message?: string };
          if (response.status !== (write ? 201 : 200)) {
            failures.push(`${write ? "write" : "read"} ${i}: ${response.status} ${body.message}`);
            continue;
          }
          const upstream = response.headers.get("x-upstream");
          if (upstream === origins.a) counts.byA++;
          if (upstream === origins.b) counts.byB++;
          if (write) {
            counts.writes++;
            acknowledged.push(body.id as number);
          } else counts.reads++;
        } catch (error) {
          failures.push(`${write ? "write" : "read"} ${i}: ${(error as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const served = () => counts.reads + counts.writes;

    await until(() => served() >= 100, 60_000, "100 requests before the restarts");
    for (const name of ["a", "b"] as const) {
      const old = pair[name];
      const code = await old.stop();
      expect(code, old.output()).toBe(0);
      const before = name === "a" ? counts.byA : counts.byB;
      pair[name] = await startInstance(old.name, { ...env, PORT: String(old.port) });
      // Back in the rotation: the proxy's health check passes, and it serves again.
      await until(() => proxy.healthy(pair[name].url), 30_000, `${old.name} healthy again`);
      await until(() => (name === "a" ? counts.byA : counts.byB) > before + 20, 30_000, `${old.name} serving again`);
    }
    const target = served() + 100;
    await until(() => served() >= target, 60_000, "100 requests after the restarts");
    stopping = true;
    await load;

    const present = await db.prisma.tag.count({ where: { id: { in: acknowledged } } });
    console.log(
      `[round-robin] rolling restart: ${served() + failures.length} requests through the proxy (${counts.reads} reads, ${counts.writes} writes acknowledged; ${counts.byA} answered by A, ${counts.byB} by B), ${failures.length} failed, ${proxy.stats.retried} connects retried on the other instance; ${present} of ${acknowledged.length} acknowledged writes in the database`,
    );
    expect(failures).toEqual([]);
    expect(proxy.stats.failures).toEqual([]);
    expect(present).toBe(acknowledged.length);
  }, 180_000);
});
