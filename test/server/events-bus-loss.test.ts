// Losing the bus during a stream of 1,000 writes: the bus listener's connection
// is dropped mid-stream (postgres: pg_terminate_backend of the LISTEN session; redis: CLIENT KILL of
// the subscriber), messages published meanwhile are lost by the bus, and still:
// - a subscriber that stays connected gets all 1,000 events exactly once, in order (the hub's gap fill);
// - a client that disconnects and resumes from its last event id (Last-Event-ID) gets every event
//   exactly once, in order.
import { Redis } from "ioredis";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveRedis, REDIS_URL } from "../support/redis.ts";
import { resources } from "../../demo/schema/index.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import type { PostgresBus } from "../../src/storage/postgres-bus.ts";
import { createDemoDatabase, type DemoDatabase, demoPrisma } from "../support/demo-database.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { openStream, type StreamClient } from "../support/event-source.ts";

const WRITES = 1000;

/** Drops this server's bus listener; resolves once the connection was killed (true) or none was found. */
type Drop = (testDb: TestDatabase) => Promise<number>;

/** pg_terminate_backend of this database's LISTEN session. */
const dropPostgres: Drop = async (testDb) => {
  const client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ killed: boolean }>(
      "select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and query ilike 'listen %' and pid <> pg_backend_pid()",
      [testDb.name],
    );
    return rows.filter((r) => r.killed).length;
  } finally {
    await client.end();
  }
};

/**
 * CLIENT KILL of the subscriber listening on this database's channel. Redis does not list a client's
 * channels, so the subscriber is the pubsub client that appeared when this server started
 * (`before` holds the ids seen until then); other test runs' subscribers are left alone.
 */
function dropRedis(before: Set<string>): Drop {
  return async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const list = String(await redis.call("CLIENT", "LIST", "TYPE", "pubsub"));
      const ids = list
        .split("\n")
        .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined && !before.has(id));
      let killed = 0;
      for (const id of ids) killed += Number(await redis.call("CLIENT", "KILL", "ID", id));
      return killed;
    } finally {
      redis.disconnect();
    }
  };
}

async function pubsubClients(): Promise<Set<string>> {
  const redis = new Redis(REDIS_URL);
  try {
    const list = String(await redis.call("CLIENT", "LIST", "TYPE", "pubsub"));
    return new Set(list.split("\n").flatMap((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1] ?? []));
  } finally {
    redis.disconnect();
  }
}

const HAVE_REDIS = await haveRedis();

describe.each(HAVE_REDIS ? (["postgres", "redis"] as const) : (["postgres"] as const))(
  "the %s bus drops its listener during 1,000 writes",
  (bus) => {
    let testDb: TestDatabase;
    let db: DemoDatabase;
    let running: RunningServer;
    let drop: Drop;
    const clients: StreamClient[] = [];

    beforeAll(async () => {
      testDb = await createTestDatabase();
      db = createDemoDatabase(testDb.url);
      const before = bus === "redis" ? await pubsubClients() : new Set<string>();
      running = await startServer({
        ...demoPrisma,
        resources,
        // 1,000 writes from one IP: no rate limit here.
        config: loadConfig({
          PORT: "0",
          DATABASE_URL: testDb.url,
          SEED: "false",
          EVENT_BUS: bus,
          REDIS_URL,
          RATE_LIMIT: "0",
          // Requests without credentials act as the demo's admin: the test writes tags.
          DEV_ACTOR: "1:admin",
        }),
        logger: pino({ level: "silent" }),
      });
      drop = bus === "postgres" ? dropPostgres : dropRedis(before);
    });
    afterAll(async () => {
      for (const client of clients) client.close();
      await running?.close(1000);
      await db?.close();
      await testDb?.drop();
    });

    it("the staying subscriber and the resuming client each get every event once, in order", async () => {
      const api = `${running.url}/api/tags/events`;
      const staying = openStream(api);
      const leaving = openStream(api);
      clients.push(staying, leaving);
      await Promise.all([staying.ready, leaving.ready]);

      // Four writers, 1,000 tag creations through REST.
      let next = 0;
      const writer = async () => {
        while (next < WRITES) {
          const i = next++;
          const response = await fetch(`${running.url}/api/tags`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name: `loss-${i}` }),
          });
          if (response.status !== 201)
            throw new Error(`write ${i} answered ${response.status}: ${await response.text()}`);
        }
      };
      const writing = Promise.all([writer(), writer(), writer(), writer()]);

      // A fifth of the way in, the bus loses its listener; the writes go on.
      await staying.waitFor(200);
      const listenerBefore =
        bus === "postgres" ? (running.events.bus as PostgresBus).listenerPid : await pubsubClients();
      expect(await drop(testDb)).toBeGreaterThanOrEqual(1);

      // The leaving client goes away after 300 events and comes back, with its last id, 300 writes later.
      const firstPart = [...(await leaving.waitFor(300))];
      leaving.close();
      const lastId = firstPart.at(-1)?.id as string;
      await staying.waitFor(600);
      const back = openStream(api, { lastEventId: lastId });
      clients.push(back);

      await writing;
      // The bus came back on a new connection (so the events before it was back went by the outbox).
      if (bus === "postgres")
        await expect.poll(() => (running.events.bus as PostgresBus).listenerPid).not.toBe(listenerBefore);
      else
        await expect
          .poll(async () => [...(await pubsubClients())].some((id) => !(listenerBefore as Set<string>).has(id)))
          .toBe(true);
      const expected = (
        await db.prisma.event.findMany({ where: { resource: "tag" }, orderBy: { id: "asc" }, select: { id: true } })
      ).map((e) => e.id.toString());
      expect(expected).toHaveLength(WRITES);

      const stayed = await staying.waitFor(WRITES);
      expect(stayed.map((e) => e.id)).toEqual(expected);
      const resumed = await back.waitFor(WRITES - firstPart.length);
      expect([...firstPart, ...resumed].map((e) => e.id)).toEqual(expected);
      // Nothing more arrives after the last write: no duplicate trails in.
      await running.events.settled();
      expect(staying.changes).toHaveLength(WRITES);
      expect(back.changes).toHaveLength(WRITES - firstPart.length);
      expect(new Set(stayed.map((e) => e.data.record.name)).size).toBe(WRITES);
    }, 120_000);
  },
);
