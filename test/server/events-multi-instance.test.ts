// Two server processes on one PostgreSQL database: a client subscribed on B sees
// a write made on A, with the postgres bus and with the redis bus. Each bus gets a fresh database, and
// each process is `demo/main.ts` (test/support/instance.ts), configured by its environment only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveRedis, REDIS_URL } from "../support/redis.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { openStream, type StreamClient } from "../support/event-source.ts";
import { type Instance, startInstance } from "../support/instance.ts";

async function post(url: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${url}/api${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

const HAVE_REDIS = await haveRedis();
const buses = [
  ["postgres", { EVENT_BUS: "postgres" }],
  ...(HAVE_REDIS ? [["redis", { EVENT_BUS: "redis", REDIS_URL }] as const] : []),
] as const;

describe.each(buses)("two instances with the %s bus", (_bus, env) => {
  let testDb: TestDatabase;
  let db: DemoDatabase;
  let a: Instance;
  let b: Instance;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createDemoDatabase(testDb.url);
    [a, b] = await Promise.all([
      startInstance("A", { ...env, DATABASE_URL: testDb.url }),
      startInstance("B", { ...env, DATABASE_URL: testDb.url }),
    ]);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.close();
    await testDb?.drop();
  });

  it("a client subscribed on B receives a write made on A, and the other way round", async () => {
    expect(a.url).not.toBe(b.url);
    const onB = openStream(`${b.url}/api/posts/events`);
    const onA = openStream(`${a.url}/api/events?resources=users,posts`);
    clients.push(onB, onA);
    await Promise.all([onB.ready, onA.ready]);

    const author = await post(a.url, "/users", {
      name: "Ann Instance",
      email: "ann@instances.test",
      passwordHash: "x",
    });
    const written = await post(a.url, "/posts", { title: "Written on A", authorId: author.id });
    const [seen] = await onB.waitFor(1);
    const outbox = await db.prisma.event.findFirstOrThrow({
      where: { resource: "post", recordId: String(written.id) },
    });
    expect(seen?.id).toBe(outbox.id.toString());
    expect(seen?.data).toMatchObject({
      resource: "posts",
      action: "create",
      id: written.id,
      record: { id: written.id, title: "Written on A", authorId: author.id },
    });

    // B writes; A's own stream (users and posts) sees A's two writes and then B's, in commit order.
    const fromB = await post(b.url, "/posts", { title: "Written on B", authorId: author.id });
    const seenOnA = await onA.waitFor(3);
    expect(seenOnA.map((e) => `${e.data.resource} ${e.data.id}`)).toEqual([
      `users ${author.id}`,
      `posts ${written.id}`,
      `posts ${fromB.id}`,
    ]);
    const second = await onB.waitFor(2);
    expect(second[1]?.data).toMatchObject({ action: "create", id: fromB.id, record: { title: "Written on B" } });
    const ids = (await db.prisma.event.findMany({ orderBy: { id: "asc" } })).map((e) => e.id.toString());
    expect(seenOnA.map((e) => e.id)).toEqual(ids);
  });
});
