/**
 * The outbox relay's contract, run against each broker (test/messaging/relay-*.test.ts): writes
 * through the REST API reach the broker, every one, with its routing, in order per record; a relay
 * stopped mid-stream resumes from its cursor on the next start; a broker away for a while loses
 * nothing. Delivery is at least once: duplicates (a page published again) are counted, and dropping
 * every message whose id was seen already must leave each record's events in outbox order.
 */
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../demo/options.ts";
import type { RelayedEvent } from "../../src/messaging/relay-message.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import { ADMIN_DEV_ACTOR } from "./actors.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { until } from "./until.ts";

/** A message as a consumer of the broker received it. */
export interface Received {
  /** The routing key (RabbitMQ) or the subject (NATS). */
  readonly topic: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: RelayedEvent;
  /** The broker's message id (AMQP `messageId`, NATS `Nats-Msg-Id`). */
  readonly messageId: string | undefined;
  /** Whether the broker keeps it on disk (AMQP delivery mode 2); undefined where the stream decides. */
  readonly persistent?: boolean;
}

/** One broker, as the contract drives it. */
export interface RelayProbe {
  /** `amqp` or `nats`: the relay's cursor is `handler:relay:<kind>`. */
  readonly kind: string;
  /** The server's variables that turn the relay on, publishing where this probe listens. */
  readonly env: Readonly<Record<string, string>>;
  /** The topic a message of `resource`'s `action` should have. */
  topic(resource: string, action: string): string;
  /** Every message received so far, in the order the broker holds them. */
  received(): Promise<Received[]>;
  /** Makes the broker unreachable for the relay (a private server killed, a proxy cut). */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface EventRow {
  id: string;
  resource: string;
  recordId: string;
  action: string;
}

/** Runs the contract on the broker `open()` gives. */
export function relayContract(open: () => Promise<RelayProbe>): void {
  let probe: RelayProbe;
  let testDb: TestDatabase;
  let sql: pg.Client;
  let server: RunningServer | undefined;
  let seeded = false;

  const start = async () => {
    server = await startServer({
      ...demoOptions,
      config: loadConfig({
        PORT: "0",
        DATABASE_URL: testDb.url,
        SEED: seeded ? "false" : "true",
        DEV_ACTOR: ADMIN_DEV_ACTOR,
        RELAY_ACTOR: ADMIN_DEV_ACTOR,
        // Pages of 7 (not 500): the writes of each step go out over several pages and rounds of confirms.
        RELAY_BATCH_SIZE: "7",
        ...probe.env,
      }),
      logger: pino({ level: "silent" }),
    });
    seeded = true;
    return server;
  };
  const stop = async () => {
    await server?.close(0);
    server = undefined;
  };
  const relayOf = (running: RunningServer) => {
    const relay = running.relays.find((r) => r.name === `relay:${probe.kind}`);
    if (!relay) throw new Error(`no relay:${probe.kind} on the server`);
    return relay;
  };
  /** The relay's lag as `/metrics` reports it (`autograph_relay_lag{broker}`). */
  const scrapedLag = async (running: RunningServer) => {
    const text = await (await fetch(running.metricsUrl ?? "")).text();
    const line = text.split("\n").find((l) => l.startsWith(`autograph_relay_lag{broker="${probe.kind}"} `));
    return Number(line?.split(" ")[1]);
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server?.url}/api/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as { id: string | number };
  };
  /** `records` tags, each updated `updates` times (one record's writes in order, records side by side). */
  const writeTags = async (prefix: string, records: number, updates: number) => {
    await Promise.all(
      Array.from({ length: records }, async (_, r) => {
        const { id } = await call("POST", "tags", { name: `${prefix}-${r}` });
        for (let u = 1; u <= updates; u++) await call("PUT", `tags/${id}`, { name: `${prefix}-${r}-v${u}` });
      }),
    );
  };
  const eventsAfter = async (after: string) =>
    (
      await sql.query<EventRow>(
        `select "id"::text as id, "resource", "recordId", "action" from "Event" where "id" > $1::bigint order by "id"`,
        [after],
      )
    ).rows;
  const latestId = async () =>
    (await sql.query<{ id: string }>(`select coalesce(max("id"), 0)::text as id from "Event"`)).rows[0]?.id ?? "0";
  /** Waits until every committed event after `after` was received; returns the messages of those events. */
  const receivedAll = async (after: string, timeoutMs = 60_000) => {
    const expected = await eventsAfter(after);
    let got: Received[] = [];
    await until(
      async () => {
        got = (await probe.received()).filter((m) => BigInt(m.body.id) > BigInt(after));
        const ids = new Set(got.map((m) => m.body.id));
        return expected.every((e) => ids.has(e.id));
      },
      timeoutMs,
      () => `${expected.length} events on ${probe.kind} (got ${new Set(got.map((m) => m.body.id)).size})`,
    );
    return { expected, got };
  };
  /** Every expected event received, with its routing; per record, in outbox order once duplicates are dropped. */
  const checkDelivery = (expected: EventRow[], got: Received[]) => {
    const byId = new Map(got.map((m) => [m.body.id, m]));
    for (const event of expected) {
      const message = byId.get(event.id);
      expect(message?.topic, `event ${event.id}`).toBe(probe.topic(event.resource, event.action));
      expect(message?.body).toMatchObject({ resource: event.resource, recordId: event.recordId, action: event.action });
      expect(message?.headers).toMatchObject({
        "autograph-event-id": event.id,
        "autograph-resource": event.resource,
        "autograph-action": event.action,
      });
      expect(message?.messageId).toBe(event.id);
      expect(message?.persistent).not.toBe(false);
    }
    const seen = new Set<string>();
    const perRecord = new Map<string, string[]>();
    let duplicates = 0;
    for (const message of got) {
      if (seen.has(message.body.id)) {
        duplicates++;
        continue;
      }
      seen.add(message.body.id);
      const key = `${message.body.resource}:${message.body.recordId}`;
      perRecord.set(key, [...(perRecord.get(key) ?? []), message.body.id]);
    }
    for (const [record, ids] of perRecord) {
      const sorted = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(ids, `events of ${record} in outbox order`).toEqual(sorted);
    }
    return { duplicates, records: perRecord.size };
  };

  beforeAll(async () => {
    probe = await open();
    testDb = await createTestDatabase();
    sql = new pg.Client({ connectionString: testDb.url });
    await sql.connect();
  });
  afterAll(async () => {
    await stop();
    await sql?.end();
    await testDb?.drop();
    await probe?.close();
  });

  // A step may start a server (migrations, seed) and wait up to a minute for the broker's deliveries.
  describe("the outbox relay", { timeout: 120_000 }, () => {
    it("publishes every write made through the API, with its routing and headers, in order per record", async () => {
      const running = await start();
      const from = await latestId();
      await writeTags("order", 6, 5);
      const user = await call("POST", "users", {
        email: "relay-reader@example.com",
        name: "Relay Reader",
        passwordHash: "secret-hash",
      });
      await call("DELETE", `tags/${(await call("POST", "tags", { name: "order-gone" })).id}`);
      const { expected, got } = await receivedAll(from);
      expect(expected.length).toBe(6 * 6 + 1 + 2);
      const { duplicates, records } = checkDelivery(expected, got);
      expect(records).toBe(8);
      expect(duplicates).toBe(0);
      // The record as RELAY_ACTOR sees it: the user's hidden password hash never leaves the server.
      const created = got.find((m) => m.body.resource === "user" && m.body.recordId === String(user.id));
      expect(created?.body.record).toMatchObject({ email: "relay-reader@example.com" });
      expect(created?.body.record).not.toHaveProperty("passwordHash");
      const deleted = got.find((m) => m.body.action === "delete");
      expect(deleted?.body.record).toBeNull();
      await until(async () => (await relayOf(running).lag()) === 0, 10_000, "relay lag 0");
      expect(await scrapedLag(running)).toBe(0);
    });

    it("resumes from its cursor after a restart: nothing lost, nothing reordered per record", async ({ annotate }) => {
      const running = server ?? (await start());
      const from = await latestId();
      await writeTags("restart-a", 4, 3);
      await until(async () => (await relayOf(running).lag()) === 0, 30_000, "first writes published");
      // The broker goes away: the next writes stay in the outbox while the server stops.
      await probe.cut();
      await writeTags("restart-b", 4, 3);
      expect(await relayOf(running).lag()).toBeGreaterThan(0);
      expect(await scrapedLag(running)).toBeGreaterThan(0);
      await stop();
      await probe.restore();
      const again = await start();
      await writeTags("restart-c", 4, 3);
      const { expected, got } = await receivedAll(from);
      expect(expected.length).toBe(3 * 4 * 4);
      const { records, duplicates } = checkDelivery(expected, got);
      expect(records).toBe(12);
      await annotate(`${probe.kind}: ${expected.length} events, ${duplicates} duplicate(s) across the restart`);
      await until(async () => (await relayOf(again).lag()) === 0, 10_000, "relay lag 0");
    });

    it("loses nothing while the broker is away, and publishes it all once the broker is back", async ({ annotate }) => {
      const running = server ?? (await start());
      const relay = relayOf(running);
      const from = await latestId();
      await probe.cut();
      const failures = relay.failures;
      await writeTags("outage", 5, 4);
      // The relay tried, failed, and keeps the events (with backoff) until the broker is back.
      await until(() => relay.failures > failures, 30_000, "a failed publish while the broker is away");
      expect(await relay.lag()).toBeGreaterThan(0);
      await probe.restore();
      const { expected, got } = await receivedAll(from);
      expect(expected.length).toBe(5 * 5);
      const { records, duplicates } = checkDelivery(expected, got);
      expect(records).toBe(5);
      await annotate(
        `${probe.kind}: ${expected.length} events, ${relay.failures - failures} failed page(s), ${duplicates} duplicate(s)`,
      );
      await until(async () => (await relay.lag()) === 0, 10_000, "relay lag 0");
    });
  });
}
