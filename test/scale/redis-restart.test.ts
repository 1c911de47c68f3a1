// A Redis restart under writes, with `EVENT_BUS=redis` and two instances on one database: a private
// redis-server (test/support/redis-server.ts) is killed (SIGKILL) and started again on its port while
// A takes a stream of tag creations; the subscribers are on B:
// - a REST event stream that stays connected through the outage,
// - a REST event stream that leaves during the outage and resumes with Last-Event-ID,
// - a GraphQL subscription over WebSocket (`tagChanged(after: "0")`) that stays connected.
// Each sees every committed event exactly once, in commit order (0 lost, 0 duplicates).
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { openStream, type StreamClient } from "../support/event-source.ts";
import { type Instance, startInstance } from "../support/instance.ts";
import { type PrivateRedis, startPrivateRedis } from "../support/redis-server.ts";
import { until } from "../support/until.ts";

/** Tag creations on A: Redis is killed after the first third is acknowledged, started again after the second. */
const WRITES = 300;
const WRITERS = 3;

describe("a Redis restart with two instances on the redis bus", () => {
  let redis: PrivateRedis;
  let testDb: TestDatabase;
  let db: DemoDatabase;
  let a: Instance;
  let b: Instance;
  const streams: StreamClient[] = [];
  const sockets: Client[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    testDb = await createTestDatabase();
    db = createDemoDatabase(testDb.url);
    const env = { DATABASE_URL: testDb.url, EVENT_BUS: "redis", REDIS_URL: redis.url, RATE_LIMIT: "0" };
    [a, b] = await Promise.all([startInstance("A", env), startInstance("B", env)]);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await Promise.all(sockets.map((client) => client.dispose()));
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.close();
    await testDb?.drop();
    await redis?.close();
  });

  it("subscribers on B lose no event written on A before, during and after the restart", async () => {
    const api = `${b.url}/api/tags/events`;
    const staying = openStream(api);
    const leaving = openStream(api);
    streams.push(staying, leaving);
    await Promise.all([staying.ready, leaving.ready]);

    // From event 0: the subscription replays the (empty) outbox, so it is registered once it starts.
    const overWs: string[] = [];
    const wsErrors: unknown[] = [];
    const client = createClient({
      url: `${b.url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    sockets.push(client);
    client.subscribe<{ tagChanged: { eventId: string } }>(
      { query: `subscription { tagChanged(after: "0") { eventId } }` },
      {
        next: (result) =>
          void (result.errors ? wsErrors.push(...result.errors) : overWs.push(result.data?.tagChanged.eventId ?? "")),
        error: (error) => void wsErrors.push(error),
        complete: () => void wsErrors.push(new Error("the subscription completed")),
      },
    );

    const acknowledged: number[] = [];
    const failures: string[] = [];
    let next = 0;
    let inFlight = 0;
    /** While set, the writers wait for it before their next write. */
    let paused: Promise<void> | undefined;
    let resume = () => {};
    const writer = async () => {
      while (next < WRITES) {
        await paused;
        if (next >= WRITES) break;
        const i = next++;
        inFlight++;
        const response = await fetch(`${a.url}/api/tags`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: `restart-${i}` }),
        });
        const body = (await response.json()) as { id?: number; message?: string };
        inFlight--;
        if (response.status === 201 && body.id !== undefined) acknowledged.push(body.id);
        else failures.push(`write ${i}: ${response.status} ${body.message}`);
      }
    };
    const received = () => ({
      staying: staying.changes.length,
      resumed: back ? firstPart.length + back.changes.length : leaving.changes.length,
      websocket: overWs.length,
    });
    const writing = Promise.all(Array.from({ length: WRITERS }, writer));

    await until(() => acknowledged.length + failures.length >= WRITES / 3, 60_000, "the first third of the writes");
    await redis.kill();
    const killedAt = acknowledged.length;
    // The leaving client goes away during the outage, with what it has seen so far.
    leaving.close();
    const firstPart = [...leaving.changes];
    let back: StreamClient | undefined;
    await until(() => acknowledged.length + failures.length >= (2 * WRITES) / 3, 60_000, "the second third");
    // It comes back while Redis is still down: B replays from the outbox, then goes on live.
    back = openStream(api, firstPart.length > 0 ? { lastEventId: firstPart.at(-1)?.id as string } : {});
    streams.push(back);
    // The writers pause while Redis comes back: what was committed during the outage must reach B's
    // subscribers by itself (a resync), not because a later write reveals a gap.
    paused = new Promise<void>((resolve) => (resume = resolve));
    await until(() => inFlight === 0, 30_000, "the writes in flight");
    const committed = await db.prisma.event.count({ where: { resource: "tag" } });
    await redis.start();
    const restartedAt = acknowledged.length;
    await until(
      () => Object.values(received()).every((count) => count >= committed),
      30_000,
      () =>
        `the ${committed} events committed so far to reach B's subscribers after the restart (${JSON.stringify(received())})`,
    );
    paused = undefined;
    resume();
    await writing;
    expect(failures).toEqual([]);

    const expected = (
      await db.prisma.event.findMany({ where: { resource: "tag" }, orderBy: { id: "asc" }, select: { id: true } })
    ).map((e) => e.id.toString());
    expect(expected).toHaveLength(WRITES);

    // A last write after everything: once each subscriber has it, anything before it has arrived (in order).
    const sentinel = await fetch(`${a.url}/api/tags`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "restart-sentinel" }),
    });
    expect(sentinel.status).toBe(201);
    const all = (
      await db.prisma.event.findMany({ where: { resource: "tag" }, orderBy: { id: "asc" }, select: { id: true } })
    ).map((e) => e.id.toString());
    const last = all.at(-1) as string;
    const seen = (ids: readonly string[]) => ids.includes(last);
    const resumed = back;
    await until(
      () => seen(staying.changes.map((e) => e.id)) && seen(resumed.changes.map((e) => e.id)) && seen(overWs),
      60_000,
      () => `every subscriber to reach the last event (${JSON.stringify(received())} of ${all.length})`,
    );
    expect(wsErrors).toEqual([]);

    const views = {
      staying: staying.changes.map((e) => e.id),
      resumed: [...firstPart, ...resumed.changes].map((e) => e.id),
      websocket: overWs,
    };
    console.log(
      `[redis-restart] ${WRITES} writes on A (${killedAt} acknowledged when Redis was killed, ${restartedAt} when it was back), ` +
        Object.entries(views)
          .map(
            ([name, ids]) =>
              `${name}: ${ids.length} received, ${new Set(ids).size} distinct, ${ids.length - new Set(ids).size} duplicates, ${all.filter((id) => !ids.includes(id)).length} lost`,
          )
          .join("; "),
    );
    for (const ids of Object.values(views)) expect(ids).toEqual(all);
    // Every acknowledged write has its event, and nothing else was written.
    expect(acknowledged).toHaveLength(WRITES);
    expect(await db.prisma.tag.count()).toBe(WRITES + 1);
  }, 180_000);
});
