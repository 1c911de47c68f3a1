// Dispatcher, hub and handlers in one process: committed events reach streams
// in id order; a stream resumes after an id with no gap and no duplicate; a bus that drops messages
// is made whole from the outbox; one dispatcher leads at a time; handlers retry and dead-letter
// without ever holding up a write.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEvents, type Events } from "../../src/events/events.ts";
import type { ChangeEvent } from "../../src/storage/outbox.ts";
import { type BusReceiver, MemoryBus } from "../../src/storage/event-bus.ts";
import { Outbox } from "../../src/storage/outbox.ts";
import { PostgresBus } from "../../src/storage/postgres-bus.ts";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let outbox: Outbox;
let events: Events;
/** What the dispatcher reported (handlers fail on purpose in some tests): shown when a test fails, to say why. */
const dispatcherErrors: string[] = [];
afterEach((ctx) => {
  const seen = dispatcherErrors.splice(0);
  if (ctx.task.result?.state === "fail" && seen.length > 0)
    console.error(`[hub test] dispatcher errors during "${ctx.task.name}":\n${seen.slice(-20).join("\n")}`);
});
/** The suite's own instance: a memory bus, a fast poll, the dispatcher's errors kept. Started. */
async function suiteEvents(): Promise<Events> {
  const started = createEvents({
    runtime: t.runtime,
    outbox,
    bus: new MemoryBus(),
    pollMs: 20,
    onError: (error, where) => dispatcherErrors.push(`${where}: ${String(error)}`),
  });
  await started.start();
  return started;
}
beforeAll(async () => {
  t = await createTestRuntime({ seed: false });
  outbox = new Outbox(t.db.prisma, t.testDb.url);
  events = await suiteEvents();
});
afterAll(async () => {
  await events?.close();
  await t?.close();
});

const ctx = () => t.runtime.context({ actor: ADMIN });
const tag = (name: string) => t.runtime.service("tag").create(ctx(), { name });

/** Reads `count` events from a stream, then stops it. */
async function take(stream: AsyncIterable<ChangeEvent>, count: number): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  for await (const event of stream) {
    out.push(event);
    if (out.length === count) break;
  }
  return out;
}

describe("streams", () => {
  it("deliver committed events live, in id order, filtered by resource and action", async () => {
    const stream = events.hub.stream({ resources: ["tag"], actions: ["create"] });
    const reading = take(stream, 3);
    await new Promise((r) => setTimeout(r, 20)); // the stream is registered once the generator runs
    await t.runtime.service("user").create(ctx(), { email: "hub@example.com", name: "Hub", passwordHash: "x" });
    const a = await tag("live-a");
    await t.runtime.service("tag").patch(ctx(), a.id, { name: "live-a2" });
    await tag("live-b");
    await tag("live-c");
    const got = await reading;
    expect(got.map((e) => [e.resource, e.action])).toEqual([
      ["tag", "create"],
      ["tag", "create"],
      ["tag", "create"],
    ]);
    expect(got.map((e) => BigInt(e.id))).toEqual([...got.map((e) => BigInt(e.id))].sort((x, y) => (x < y ? -1 : 1)));
  });

  it("resume after an id: what was missed first, then live, each exactly once", async () => {
    await events.settled();
    const from = await events.hub.latestId();
    for (let i = 0; i < 5; i++) await tag(`missed-${i}`);
    await events.settled();
    const stream = events.hub.stream({ after: from, resources: ["tag"] });
    const reading = take(stream, 8);
    for (let i = 0; i < 3; i++) await tag(`after-${i}`);
    const got = await reading;
    expect(got.map((e) => e.recordId)).toHaveLength(8);
    const names = await t.db.prisma.tag.findMany({
      where: { id: { in: got.map((e) => Number(e.recordId)) } },
      orderBy: { id: "asc" },
    });
    expect(names.map((n) => n.name)).toEqual([
      "missed-0",
      "missed-1",
      "missed-2",
      "missed-3",
      "missed-4",
      "after-0",
      "after-1",
      "after-2",
    ]);
    expect(new Set(got.map((e) => e.id)).size).toBe(8);
  });

  it("a malformed or too old event id is a 400", async () => {
    expect((await failure(take(events.hub.stream({ after: "abc" }), 1))).code).toBe("BAD_REQUEST");
  });
});

describe("a bus that loses messages", () => {
  it("a jump in ids is filled from the outbox, in order, without duplicates", async () => {
    const runtime = t.runtime;
    const lossy = new (class extends MemoryBus {
      dropped = 0;
      override async publish(batch: readonly ChangeEvent[]) {
        // Drop every other batch, as a bus with a flapping listener would.
        if (this.dropped++ % 2 === 0) return;
        await super.publish(batch);
      }
    })();
    const other = createEvents({ runtime, outbox, bus: lossy, pollMs: 10, onError: () => {} });
    // Not the leader: publish through the lossy bus by hand, as a leader elsewhere would.
    const hub = other.hub;
    await hub.start();
    const stream = hub.stream({ resources: ["tag"] });
    const reading = take(stream, 6);
    await new Promise((r) => setTimeout(r, 20));
    const start = await outbox.latestId();
    for (let i = 0; i < 6; i++) await tag(`lossy-${i}`);
    const committed = await outbox.after(start, 100);
    for (const event of committed) await lossy.publish([event]);
    const got = await reading;
    expect(got.map((e) => e.id)).toEqual(committed.filter((e) => e.resource === "tag").map((e) => e.id));
    await other.close();
  });

  it("a resync (the bus reconnected) catches up with everything committed meanwhile", async () => {
    const silent = new MemoryBus();
    let receiver: BusReceiver | undefined;
    silent.subscribe = async (r) => {
      receiver = r;
    };
    const other = createEvents({ runtime: t.runtime, outbox, bus: silent, onError: () => {} });
    await other.hub.start();
    const stream = other.hub.stream({ resources: ["tag"] });
    const reading = take(stream, 3);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) await tag(`resync-${i}`);
    receiver?.onResync();
    expect((await reading).length).toBe(3);
    await other.close();
  });
});

describe("the dispatcher", () => {
  it("one instance leads at a time; when it stops, another takes over and nothing is lost", async () => {
    const bus = new MemoryBus();
    const a = createEvents({ runtime: t.runtime, outbox, bus, pollMs: 10, onError: () => {} });
    const b = createEvents({ runtime: t.runtime, outbox, bus, pollMs: 10, onError: () => {} });
    // The suite's own instance leads already.
    await a.start();
    await b.start();
    await new Promise((r) => setTimeout(r, 60));
    expect([events.dispatcher.leading, a.dispatcher.leading, b.dispatcher.leading].filter(Boolean)).toHaveLength(1);
    const stream = b.hub.stream({ resources: ["tag"] });
    const reading = take(stream, 4);
    await new Promise((r) => setTimeout(r, 20));
    await tag("before-failover");
    await events.dispatcher.stop(); // the leader goes away
    for (let i = 0; i < 3; i++) await tag(`after-failover-${i}`);
    const got = await reading;
    expect(got).toHaveLength(4);
    expect(a.dispatcher.leading || b.dispatcher.leading).toBe(true);
    await a.close();
    await b.close();
    await events.close();
    events = await suiteEvents(); // the suite's own instance again
  });

  it("the first dispatcher on a database publishes what committed while it waited for the lock", async () => {
    // As on a fresh database: no bus cursor yet, and this instance starts while another holds the lock.
    await events.close();
    await t.db.pool.query(`delete from "EventCursor" where "name" = 'bus'`);
    const holder = await outbox.lead();
    const late = await suiteEvents();
    const reading = take(late.hub.stream({ resources: ["tag"] }), 2);
    await new Promise((r) => setTimeout(r, 20));
    const first = await tag("while-waiting-1");
    const second = await tag("while-waiting-2");
    await new Promise((r) => setTimeout(r, 60));
    expect(late.dispatcher.leading).toBe(false);
    await holder?.release();
    const got = await reading;
    expect(got.map((e) => e.recordId)).toEqual([String(first.id), String(second.id)]);
    events = late;
  });
});

describe("the postgres bus", () => {
  it("carries events between two hubs over LISTEN/NOTIFY, and recovers after its listener is dropped", async () => {
    // The suite's own instance (a memory bus) would lead and publish nowhere else: stop it for this one.
    await events.close();
    const busA = new PostgresBus({ url: t.testDb.url, channel: "hub_test_events" });
    const busB = new PostgresBus({ url: t.testDb.url, channel: "hub_test_events" });
    const a = createEvents({ runtime: t.runtime, outbox, bus: busA, pollMs: 10, onError: () => {} });
    const b = createEvents({ runtime: t.runtime, outbox, bus: busB, pollMs: 10, onError: () => {} });
    await a.start();
    await b.start();
    const stream = b.hub.stream({ resources: ["tag"] });
    const reading = take(stream, 6);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) await tag(`pg-bus-${i}`);
    // Drop B's listening connection, as a network blip would.
    await t.db.pool.query("select pg_terminate_backend($1)", [busB.listenerPid]);
    for (let i = 3; i < 6; i++) await tag(`pg-bus-${i}`);
    const got = await reading;
    const names = await t.db.prisma.tag.findMany({
      where: { id: { in: got.map((e) => Number(e.recordId)) } },
      orderBy: { id: "asc" },
    });
    expect(names.map((n) => n.name)).toEqual(["pg-bus-0", "pg-bus-1", "pg-bus-2", "pg-bus-3", "pg-bus-4", "pg-bus-5"]);
    await a.close();
    await b.close();
    events = await suiteEvents(); // the suite's own instance again
  });
});

describe("event handlers", () => {
  it("run after the commit for the events they name, retry, and dead-letter an event that keeps failing", async () => {
    const seen: string[] = [];
    let failures = 0;
    const off = events.handle(
      "test-indexer",
      async (event) => {
        const row = await t.db.prisma.tag.findUnique({ where: { id: Number(event.recordId) } });
        if (row?.name === "poison") throw new Error("cannot index poison");
        if (row?.name === "flaky" && failures++ < 2) throw new Error("try again");
        seen.push(String(row?.name));
      },
      { resources: ["tag"], actions: ["create"], retries: 3, backoffMs: 5 },
    );
    await events.ready(); // the handler's cursor starts at the newest event
    await tag("indexed");
    await tag("flaky");
    await tag("poison");
    await tag("after-poison");
    await events.settled();
    expect(seen).toEqual(["indexed", "flaky", "after-poison"]);
    const dead = await t.db.prisma.eventDeadLetter.findMany({ where: { handler: "test-indexer" } });
    expect(dead.map((d) => [d.attempts, d.error])).toEqual([[4, "Error: cannot index poison"]]);
    off();
  });

  it("a new handler begins at its registration: once ready, every write is its own, the first one too", async () => {
    await tag("before-the-handler");
    const seen: string[] = [];
    const off = events.handleBatch(
      "test-from-now",
      async (page) => {
        for (const event of page) seen.push(event.recordId);
      },
      { batchSize: 2 },
    );
    await events.ready();
    const written = [await tag("now-1"), await tag("now-2"), await tag("now-3")];
    await events.settled();
    expect(seen).toEqual(written.map((w) => String(w.id)));
    expect(await outbox.cursor("handler:test-from-now")).toBe(await outbox.latestId());
    off();
  });

  it("a handler that hangs never holds up a write, nor another handler", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const quick: string[] = [];
    let quickSaw!: () => void;
    const quickDone = new Promise<void>((r) => (quickSaw = r));
    const offSlow = events.handle("test-slow", () => gate, { resources: ["tag"] });
    const offQuick = events.handle(
      "test-quick",
      (event) => {
        quick.push(event.recordId);
        if (quick.length === 2) quickSaw();
      },
      { resources: ["tag"] },
    );
    await events.ready(); // both handlers have taken their starting cursor
    const one = await tag("slow-one");
    const two = await tag("slow-two"); // returns although the slow handler is stuck on slow-one
    expect(two.name).toBe("slow-two");
    await quickDone; // the quick handler got both while the slow one still hangs
    expect(quick).toEqual([String(one.id), String(two.id)]);
    release();
    offSlow();
    offQuick();
  });
});
