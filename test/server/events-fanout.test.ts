// Fan-out by actor view: live subscribers of one actor view and one operation share
// one stream, so a change is looked up, checked against `where` and executed once for all of them;
// REST streams of one actor view share its lookup and its frame. Every rule still holds per view: a
// customer, an acme agent and a globex agent subscribed to the same operation each get their own
// changes, and a customer never the internal note. The database is the witness: ten subscribers per
// view cost the statements one does.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { type Client, createClient } from "graphql-ws";
import { SignJWT } from "jose";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createEvents, type Events } from "../../src/events/events.ts";
import type { WebSocketService } from "../../src/graphql/handler.ts";
import type { Actor } from "../../src/runtime/context.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createActorResolver } from "../../src/server/auth.ts";
import { MemoryBus } from "../../src/storage/event-bus.ts";
import { Outbox } from "../../src/storage/outbox.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { readSseBlocks } from "../support/sse-blocks.ts";

const SECRET = "events-fanout-secret-of-32-characters-or-more";
const PER_VIEW = 10;
const TICKETS = "subscription { ticketChanged { eventId id action record { id title internalNote } changed } }";
const URGENT =
  "subscription { ticketChanged(where: { priority: { gte: 4 } }) { eventId id action record { id priority } } }";

let t: TestRuntime;
let events: Events;
let app: App;
let server: Server;
let sockets: WebSocketService;
let baseUrl: string;
const clients: Client[] = [];
const aborts: AbortController[] = [];
type View = "customer" | "acme" | "globex";
const tokens = new Map<View, string>();
/** The customer's own acme ticket, and a globex ticket. */
let own: number;
let globex: number;

const admin = () => t.runtime.context({ actor: { id: "root", roles: ["admin"] } satisfies Actor });

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const tickets = await t.db.prisma.ticket.findMany({
    orderBy: { id: "asc" },
    select: { id: true, tenantId: true, reporterId: true },
  });
  const first = tickets.find((x) => x.tenantId === "acme") as (typeof tickets)[number];
  own = first.id;
  globex = (tickets.find((x) => x.tenantId === "globex") as (typeof tickets)[number]).id;
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(SECRET));
  tokens.set("customer", await sign({ sub: String(first.reporterId), roles: ["customer"], tenant: "acme" }));
  tokens.set("acme", await sign({ sub: "agent-acme", roles: ["agent"], tenant: "acme" }));
  tokens.set("globex", await sign({ sub: "agent-globex", roles: ["agent"], tenant: "globex" }));
  // No safety poll during the test: every statement counted is a write's or a delivery's.
  events = createEvents({
    runtime: t.runtime,
    outbox: new Outbox(t.db.prisma, t.testDb.url),
    bus: new MemoryBus(),
    pollMs: 3_600_000,
    onError: () => {},
  });
  await events.start();
  app = createApp({
    runtime: t.runtime,
    logger: pino({ level: "silent" }),
    resolveActor: await createActorResolver({ jwt: { secret: SECRET } }),
    events,
  });
  server = createServer(getRequestListener(app.fetch));
  sockets = app.serveWebSockets(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const abort of aborts) abort.abort();
  await Promise.all(clients.map((c) => c.dispose()));
  app?.endSubscriptions();
  events?.hub.end();
  await sockets?.close(1000);
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await events?.close();
  await t?.close();
});

interface Sub {
  readonly view: View;
  readonly items: any[];
  readonly errors: unknown[];
}

/** A live subscription on a socket of its own. */
function subscribe(view: View, query: string): Sub {
  const client = createClient({
    url: `${baseUrl.replace("http", "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${tokens.get(view)}` },
    retryAttempts: 0,
  });
  clients.push(client);
  const items: any[] = [];
  const errors: unknown[] = [];
  client.subscribe(
    { query },
    {
      next: (r) => void (r.errors ? errors.push(...r.errors) : items.push(r.data?.ticketChanged)),
      error: (e) => void errors.push(e),
      complete: () => {},
    },
  );
  return { view, items, errors };
}

interface Stream {
  /** The change frames received, raw and parsed. */
  readonly frames: { raw: string; data: any }[];
}

/** A REST event stream. */
function stream(view: View, path: string): Stream {
  const abort = new AbortController();
  aborts.push(abort);
  const frames: { raw: string; data: any }[] = [];
  void (async () => {
    const response = await fetch(`${baseUrl}/api${path}`, {
      headers: { authorization: `Bearer ${tokens.get(view)}` },
      signal: abort.signal,
    });
    await readSseBlocks(response, (raw) => {
      const data = /^data: (.*)$/m.exec(raw)?.[1];
      if (/^event: patch$/m.test(raw) && data) frames.push({ raw, data: JSON.parse(data) });
    });
  })().catch(() => {});
  return { frames };
}

/** Resolves once `ready` holds, re-checking after each turn of the event loop. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setImmediate(resolve));
}

const patch = (id: number, data: Record<string, unknown>) => t.runtime.service("ticket").patch(admin(), id, data);

/** The id of the newest event. */
const newest = async () =>
  (await t.db.prisma.event.findFirstOrThrow({ orderBy: { id: "desc" }, select: { id: true } })).id.toString();
const got = (id: string) => (s: Sub) => s.items.some((item) => item.eventId === id);
const framed = (id: string) => (f: Stream) => f.frames.some((frame) => frame.data.eventId === id);

/**
 * Subscriptions start once the server has handled them: write to `ticket` until each has seen a
 * change. It ends with a write that every subscription had started before, and got: no delivery (nor
 * lookup) of an earlier write is still under way.
 */
async function started(ticket: number, subs: Sub[], streams: Stream[] = []): Promise<void> {
  for (let n = 0; ; n++) {
    const before = subs.map((s) => s.items.length > 0);
    const framesBefore = streams.map((f) => f.frames.length > 0);
    await patch(ticket, { priority: 4, title: `probe ${n}` });
    const id = await newest();
    // Those started before the write get it; the others may have started in time for it.
    await until(
      () =>
        subs.every((s, i) => !before[i] || got(id)(s)) && streams.every((f, i) => !framesBefore[i] || framed(id)(f)),
    );
    if (before.every(Boolean) && framesBefore.every(Boolean)) return;
  }
}

/**
 * The statements one patch of the customer's own ticket costs, with its deliveries: the write's, and
 * the lookups and `where` checks of the views (the outbox reads are left out: the dispatcher's, and the
 * one read of the event's snapshot, do not depend on subscribers, and may still be running when the
 * last delivery arrives).
 */
async function patchOwn(subs: Sub[], streams: Stream[]): Promise<string[]> {
  t.db.statements.reset();
  await patch(own, { priority: 5, internalNote: `note ${subs.length}` });
  const id = await newest();
  await until(() => subs.every(got(id)) && streams.every(framed(id)));
  // Sorted: the views' lookups run concurrently.
  return t.db.statements.log.filter((sql) => !/"EventCursor"|FROM ("public"\.)?"Event" /i.test(sql)).sort();
}

const last = (s: Sub) => s.items.at(-1);

describe("fan-out by actor view", () => {
  it("subscribers of one view share a stream and its lookups, and get the same change", async () => {
    const firsts = [subscribe("customer", TICKETS), subscribe("acme", TICKETS), subscribe("acme", URGENT)];
    const streams = [stream("customer", "/tickets/events")];
    await started(own, firsts, streams);
    const one = await patchOwn(firsts, streams);

    // Nine more per view and operation, each on a socket of its own, and nine more REST streams.
    const nine = (view: View, query: string) => Array.from({ length: PER_VIEW - 1 }, () => subscribe(view, query));
    const [customer, agent, agentUrgent] = firsts as [Sub, Sub, Sub];
    const views = [
      [customer, ...nine("customer", TICKETS)],
      [agent, ...nine("acme", TICKETS)],
      [agentUrgent, ...nine("acme", URGENT)],
    ];
    const subs = views.flat();
    const allStreams = [
      ...streams,
      ...Array.from({ length: PER_VIEW - 1 }, () => stream("customer", "/tickets/events")),
    ];
    await started(own, subs, allStreams);
    const ten = await patchOwn(subs, allStreams);

    // Ten subscribers per view cost the statements one does: a lookup (and a `where` check) per view.
    expect(ten.length).toBeGreaterThan(0);
    expect(ten).toEqual(one);
    // One hub listener per view and operation (the customer's, the agent's, the agent's `where`), one per REST stream.
    expect(events.hub.size).toBe(3 + allStreams.length);

    // Each view got its own, the same for all its subscribers: the customer's without the internal note.
    for (const view of views) for (const s of view) expect(last(s)).toEqual(last(view[0] as Sub));
    expect(last(customer)).toMatchObject({
      id: String(own),
      action: "patch",
      record: { id: String(own), internalNote: null },
    });
    expect(last(customer).changed).not.toContain("internalNote");
    expect(last(agent)).toMatchObject({
      id: String(own),
      record: { id: String(own), internalNote: expect.stringMatching(/^note /) },
    });
    expect(last(agent).changed).toContain("internalNote");
    expect(last(agentUrgent)).toEqual({
      eventId: last(agent).eventId,
      id: String(own),
      action: "patch",
      record: { id: String(own), priority: 5 },
    });
    // REST frames of one view are the same bytes, without the internal note.
    const frames = allStreams.map((f) => f.frames.at(-1));
    expect(new Set(frames.map((f) => f?.raw)).size).toBe(1);
    expect(frames[0]?.data.record).not.toHaveProperty("internalNote");
    expect(frames[0]?.data.changed).not.toContain("internalNote");
    for (const s of subs) expect(s.errors).toEqual([]);
  });

  it("another tenant's view, on the same operation, sees only its tenant's changes", async () => {
    const globexAgents = Array.from({ length: PER_VIEW }, () => subscribe("globex", TICKETS));
    const acmeAgents = Array.from({ length: 2 }, () => subscribe("acme", TICKETS));
    await started(globex, globexAgents);
    await started(own, acmeAgents);
    await patch(own, { title: "acme again" });
    await patch(globex, { title: "globex again" });
    await until(
      () =>
        globexAgents.every((s) => last(s)?.record?.title === "globex again") &&
        acmeAgents.every((s) => last(s)?.record?.title === "acme again"),
    );
    for (const s of globexAgents) expect(new Set(s.items.map((item) => item.id))).toEqual(new Set([String(globex)]));
    for (const s of acmeAgents) expect(new Set(s.items.map((item) => item.id))).toEqual(new Set([String(own)]));
  });
});
