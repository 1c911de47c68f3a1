// Read replicas (docs/guides/read-replicas.md) on a real streaming pair: a primary and a hot standby
// made with pg_basebackup (test/support/streaming-pair.ts). With the standby's replay paused, what a
// response shows tells where its reads went: the paused replica still has the old state, the primary
// the new one.
import { createClient } from "graphql-ws";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { demoOptions } from "../../demo/options.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import { createStore } from "../../src/storage/store.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";
import { postgresBinaries, type StreamingPair, startStreamingPair } from "../support/streaming-pair.ts";

const binaries = postgresBinaries();
const missing = "missing" in binaries ? binaries.missing : undefined;
const DATABASE = "autograph";

let pair: StreamingPair;
let running: RunningServer;
/** The primary, to check what requests wrote and to find event ids. */
let primary: DemoDatabase;
/** The server's log lines, as pino wrote them. */
const logs: { level: number; msg: string }[] = [];

beforeAll(async () => {
  if (missing) return;
  pair = await startStreamingPair((binaries as { dir: string }).dir);
  const admin = new pg.Client({ connectionString: pair.primaryUrl("postgres") });
  await admin.connect();
  await admin.query(`create database ${DATABASE}`);
  await admin.end();
  // The migrations and the seed the server applies to the primary reach the replica by streaming.
  await pair.caughtUp();
  running = await startServer({
    ...demoOptions,
    config: loadConfig({
      PORT: "0",
      DATABASE_URL: pair.primaryUrl(DATABASE),
      DATABASE_READ_URL: pair.replicaUrl(DATABASE),
      SEED: "true",
      RATE_LIMIT: "0",
      // Requests without credentials act as the demo's admin: the test writes posts and tags.
      DEV_ACTOR: "1:admin",
    }),
    logger: pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
  });
  primary = createDemoDatabase(pair.primaryUrl(DATABASE));
  await pair.caughtUp();
}, 180_000);

afterAll(async () => {
  await primary?.close();
  await running?.close(1000);
  await pair?.close();
}, 60_000);

const replica = () => {
  if (!running.replica) throw new Error("the server has no read replica");
  return running.replica;
};

async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${running.url}/api${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(`${running.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

const newestEventId = async () =>
  (await primary.prisma.event.findFirstOrThrow({ orderBy: { id: "desc" }, select: { id: true } })).id.toString();

const logged = (text: string) => logs.filter((line) => line.msg.includes(text)).length;

describe.skipIf(missing !== undefined)(
  `read replica on a streaming pair${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    let groupsBefore: unknown[] = [];
    let tagId: number;

    it("plain reads go to the replica, one statement each; a write's reads go to the primary", async () => {
      const created = await rest("POST", "/tags", { name: "replica-routing" });
      expect(created.status).toBe(201);
      tagId = Number(created.body.id);
      await pair.caughtUp();

      replica().statements.reset();
      const read = await rest("GET", `/tags/${tagId}`);
      expect(read.body.name).toBe("replica-routing");
      expect(replica().statements.count).toBe(1);
      // An aggregate runs through the replica's own Prisma client: one statement there too.
      replica().statements.reset();
      const aggregate = await rest("GET", "/posts/aggregate?groupBy=status");
      expect(aggregate.status).toBe(200);
      expect(aggregate.body.groups.length).toBeGreaterThan(0);
      expect(replica().statements.count).toBe(1);
      groupsBefore = aggregate.body.groups;

      replica().statements.reset();
      const patched = await rest("PATCH", `/tags/${tagId}`, { name: "replica-patched" });
      expect(patched.status).toBe(200);
      expect(patched.body.name).toBe("replica-patched");
      // The write and its read-back never touched the replica.
      expect(replica().statements.count).toBe(0);
      await pair.caughtUp();
    });

    it("with replay paused: the writing request sees its write, later reads the replica's old state, subscribers the new", async () => {
      // A subscription from the newest event on: none of the writes below can be missed.
      const subscriptions = createClient({
        url: `${running.url.replace("http", "ws")}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      const changes: any[] = [];
      let resolveChange!: () => void;
      const changed = new Promise<void>((resolve) => {
        resolveChange = resolve;
      });
      subscriptions.subscribe(
        {
          query: `subscription($after: ID) { postChanged(after: $after, actions: [create]) { action record { title tags { name } } } }`,
          variables: { after: await newestEventId() },
        },
        {
          next: (result) => {
            changes.push(result);
            resolveChange();
          },
          error: (error) => {
            changes.push({ error });
            resolveChange();
          },
          complete: () => {},
        },
      );
      try {
        await pair.onReplica("select pg_wal_replay_pause()");

        // REST: the patch's response is read back from the primary.
        const patched = await rest("PATCH", `/tags/${tagId}`, { name: "while-paused" });
        expect(patched.body.name).toBe("while-paused");
        // GraphQL: a mutation and its selection, the new tag included (a read of relations after the write).
        const created = await graphql(
          `mutation { createPost(data: { title: "Written while paused", authorId: 3, tags: { create: [{ name: "paused-tag" }] } }) { id title tags { name } } }`,
        );
        expect(created.errors).toBeUndefined();
        expect(created.data.createPost).toMatchObject({
          title: "Written while paused",
          tags: [{ name: "paused-tag" }],
        });
        const postId = created.data.createPost.id as string;
        // Both are committed on the primary.
        expect((await primary.prisma.tag.findUniqueOrThrow({ where: { id: tagId } })).name).toBe("while-paused");
        expect(await primary.prisma.post.count({ where: { id: Number(postId) } })).toBe(1);

        // A later request reads the paused replica: the old name, and no such post yet.
        expect((await rest("GET", `/tags/${tagId}`)).body.name).toBe("replica-patched");
        expect((await rest("GET", `/posts/${postId}`)).status).toBe(404);
        const later = await graphql(
          `query($id: ID!) { post(id: $id) { id } tagsCount(where: { name: { eq: "paused-tag" } }) }`,
          {
            id: postId,
          },
        );
        expect(later.data).toEqual({ post: null, tagsCount: 0 });

        // The subscriber's re-read is the primary's: the post with its new tag (the replica has neither).
        await changed;
        expect(changes[0]).toEqual({
          data: {
            postChanged: {
              action: "create",
              record: { title: "Written while paused", tags: [{ name: "paused-tag" }] },
            },
          },
        });

        // The replica received the commits but did not replay them: it lags.
        await replica().measure();
        expect(replica().lagBytes()).toBeGreaterThan(0);
        expect(replica().lagSeconds()).toBeGreaterThan(0);
        console.log(
          `replica lag while paused: ${replica().lagSeconds()?.toFixed(3)} s, ${replica().lagBytes()} bytes received and not replayed`,
        );
        // The same figure, as Prometheus scrapes it.
        const scraped = await (await fetch(`${running.metricsUrl}`)).text();
        const gauge = Number(/^autograph_replica_lag_bytes (\S+)$/m.exec(scraped)?.[1]);
        expect(gauge).toBe(replica().lagBytes());
        expect(scraped).toMatch(/^autograph_replica_lag_seconds \d/m);

        await pair.onReplica("select pg_wal_replay_resume()");
        await pair.caughtUp();
        expect((await rest("GET", `/tags/${tagId}`)).body.name).toBe("while-paused");
        expect((await rest("GET", `/posts/${postId}`)).status).toBe(200);
        await expect
          .poll(async () => {
            await replica().measure();
            return replica().lagSeconds();
          })
          .toBeLessThan(1);
        expect(replica().lagBytes()).toBe(0);
      } finally {
        await pair.onReplica("select pg_wal_replay_resume()");
        await subscriptions.dispose();
      }
    });

    it("with the replica stopped, reads fall back to the primary (logged once) and /readyz stays ready", async () => {
      await pair.stopReplica();
      try {
        // First an aggregate: the replica's Prisma client fails it, and it runs again on the primary's.
        const aggregate = await rest("GET", "/posts/aggregate?groupBy=status");
        expect(aggregate.status).toBe(200);
        expect(aggregate.body.groups).toHaveLength(groupsBefore.length);
        expect(replica().state).toBe("unreachable");
        for (let i = 0; i < 5; i++) {
          const read = await rest("GET", `/tags/${tagId}`);
          expect(read.status).toBe(200);
          expect(read.body.name).toBe("while-paused");
        }
        const list = await graphql(`{ tags(where: { name: { eq: "while-paused" } }) { name } tagsCount }`);
        expect(list.errors).toBeUndefined();
        expect(list.data.tags).toEqual([{ name: "while-paused" }]);
        expect(replica().state).toBe("unreachable");
        expect(replica().lagSeconds()).toBeUndefined();
        expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
        await replica().measure();
        expect(logged("read replica unreachable")).toBe(1);
      } finally {
        await pair.startReplica();
      }
      // The next probe that reaches it brings it back, logged once too.
      await expect
        .poll(async () => {
          await replica().measure();
          return replica().state;
        })
        .toBe("serving");
      expect(logged("read replica serving reads again")).toBe(1);
      replica().statements.reset();
      expect((await rest("GET", `/tags/${tagId}`)).status).toBe(200);
      expect(replica().statements.count).toBe(1);
    });
  },
);

describe.skipIf(missing !== undefined)("READ_REPLICA_MAX_LAG_MS (createDatabase's maxLagMs)", () => {
  it("reads go to the primary while the replica lags beyond the limit, and back once it caught up", async () => {
    const states: string[] = [];
    const db = createDemoDatabase(pair.primaryUrl(DATABASE), {
      // The periodic probe is left out of the way: the test measures when it wants to.
      readReplica: {
        url: pair.replicaUrl(DATABASE),
        maxLagMs: 1,
        lagIntervalMs: 600_000,
        onStateChange: (s) => void states.push(s),
      },
    });
    const lagging = db.replica;
    if (!lagging) throw new Error("no replica");
    const store = createStore(db);
    const tag = await db.prisma.tag.create({ data: { name: "lag-limit" } });
    const readName = async () =>
      (
        await store.read({
          level: { model: "Tag", fields: ["id", "name"], relations: [] },
          where: { id: { in: [tag.id] } },
          orderBy: [],
          offset: 0,
          limit: null,
          total: false,
        })
      ).rows[0]?.name;
    try {
      await pair.caughtUp();
      await lagging.measure();
      expect(lagging.state).toBe("serving");

      await pair.onReplica("select pg_wal_replay_pause()");
      await db.prisma.tag.update({ where: { id: tag.id }, data: { name: "lag-limit-new" } });
      await expect
        .poll(async () => {
          await lagging.measure();
          return lagging.state;
        })
        .toBe("lagging");
      db.statements.reset();
      lagging.statements.reset();
      expect(await readName()).toBe("lag-limit-new");
      expect([db.statements.count, lagging.statements.count]).toEqual([1, 0]);

      await pair.onReplica("select pg_wal_replay_resume()");
      await pair.caughtUp();
      await expect
        .poll(async () => {
          await lagging.measure();
          return lagging.state;
        })
        .toBe("serving");
      db.statements.reset();
      lagging.statements.reset();
      expect(await readName()).toBe("lag-limit-new");
      expect([db.statements.count, lagging.statements.count]).toEqual([0, 1]);
      // One call per transition, however many measures.
      expect(states).toEqual(["lagging", "serving"]);
    } finally {
      await pair.onReplica("select pg_wal_replay_resume()");
      await db.close();
    }
  });
});
