// The dispatcher sleeps until there is something to publish: two instances on one
// database, each with its own pool, runtime and dispatcher, and a safety poll of an hour, so that
// nothing here can be the poll's doing. A write on the instance that does not lead reaches the
// leader by NOTIFY; idle, neither instance sends a statement; the follower waits on the lock and
// takes over the moment the leader's session ends.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import { createEvents, type Events } from "../../src/events/events.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { MemoryBus } from "../../src/storage/event-bus.ts";
import { type ChangeEvent, OUTBOX_CHANNEL, Outbox } from "../../src/storage/outbox.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";
import { createStore } from "../../src/storage/store.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

const HOUR = 3_600_000;

let t: TestRuntime;
/** The second instance: its own pool and runtime (so its commits wake only its own dispatcher). */
let otherDb: DemoDatabase;
let otherRuntime: Runtime;
let a: Events;
let b: Events;
let observer: pg.Client;

beforeAll(async () => {
  t = await createTestRuntime({ seed: false });
  otherDb = createDemoDatabase(t.testDb.url);
  otherRuntime = createRuntime({ schema: resolveResources(resources, datamodel), store: createStore(otherDb) });
  // One bus between them, as the postgres or redis bus would be: whoever leads reaches both hubs.
  const bus = new MemoryBus();
  a = createEvents({
    runtime: t.runtime,
    outbox: new Outbox(t.db.prisma, t.testDb.url),
    bus,
    pollMs: HOUR,
    onError: () => {},
  });
  b = createEvents({
    runtime: otherRuntime,
    outbox: new Outbox(otherDb.prisma, t.testDb.url),
    bus,
    pollMs: HOUR,
    onError: () => {},
  });
  await a.start();
  await vi.waitFor(() => expect(a.dispatcher.leading).toBe(true));
  await b.start();
  observer = new pg.Client({ connectionString: t.testDb.url });
  await observer.connect();
});
afterAll(async () => {
  await observer?.end();
  await b?.close();
  await a?.close();
  await otherDb?.close();
  await t?.close();
});

/** The next tag event a hub hands out. */
async function nextTag(events: Events): Promise<ChangeEvent> {
  for await (const event of events.hub.stream({ resources: ["tag"] })) return event;
  throw new Error("the stream ended");
}

/** The client sessions of the test database other than the observer's: what each last ran, and when. */
async function sessions(): Promise<Map<number, { query: string; queryStart: string; waiting: string | null }>> {
  const { rows } = await observer.query<{
    pid: number;
    query: string;
    query_start: string;
    wait_event_type: string | null;
  }>(
    "select pid, query, query_start::text, wait_event_type from pg_stat_activity where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()",
    [t.testDb.name],
  );
  return new Map(rows.map((r) => [r.pid, { query: r.query, queryStart: r.query_start, waiting: r.wait_event_type }]));
}

describe("the dispatcher without its poll", () => {
  it("publishes at once a write committed on an instance that does not lead (NOTIFY)", async () => {
    expect([a.dispatcher.leading, b.dispatcher.leading]).toEqual([true, false]);
    const seenOnA = nextTag(a);
    const seenOnB = nextTag(b);
    const tag = await otherRuntime.service("tag").create(otherRuntime.context({ actor: ADMIN }), { name: "from-b" });
    // Only a NOTIFY can wake A within the test's timeout: its poll is an hour away, and B's commit
    // woke B's dispatcher alone, which does not lead.
    const [onA, onB] = await Promise.all([seenOnA, seenOnB]);
    expect([onA.recordId, onA.action, onB.id]).toEqual([String(tag.id), "create", onA.id]);
  });

  it("sends no statement while idle: the leader listens, the follower waits on the lock", async () => {
    await a.settled();
    // The first test's event may still be settling in B's hub (a fill from the outbox on a loaded
    // machine): idle starts once no session has run anything for 300 ms.
    let before = await sessions();
    for (let tries = 0; tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = await sessions();
      const moved = [...now].some(([pid, s]) => before.get(pid)?.queryStart !== s.queryStart);
      before = now;
      if (!moved) break;
    }
    t.db.statements.reset();
    otherDb.statements.reset();
    // An idle second: neither pool sends anything, and no session of the database runs a statement.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await sessions();
    expect([t.db.statements.count, otherDb.statements.count]).toEqual([0, 0]);
    const ran = [...after].filter(([pid, s]) => before.get(pid)?.queryStart !== s.queryStart).map(([, s]) => s.query);
    expect(ran).toEqual([]);
    const states = [...after.values()].map((s) => [s.query, s.waiting]);
    expect(states).toContainEqual([`listen ${OUTBOX_CHANNEL}`, "Client"]);
    expect(states).toContainEqual(["select pg_advisory_lock($1)", "Lock"]);
  });

  it("after the leader's session is cut, whichever instance leads next publishes the other's writes at once", async () => {
    const { rows } = await observer.query<{ killed: boolean }>(
      "select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and query = $2",
      [t.testDb.name, `listen ${OUTBOX_CHANNEL}`],
    );
    expect(rows.map((r) => r.killed)).toEqual([true]);
    // B was waiting on the lock: it leads as soon as A's session is gone.
    await expect.poll(() => b.dispatcher.leading).toBe(true);
    expect(a.dispatcher.leading).toBe(false);
    const seen = nextTag(b);
    const tag = await t.runtime.service("tag").create(t.runtime.context({ actor: ADMIN }), { name: "from-a" });
    expect((await seen).recordId).toBe(String(tag.id));
  });
});
