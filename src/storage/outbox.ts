/**
 * Reading the transactional outbox (the `Event` model the runtime appends to in each write's
 * transaction): events after an id, in id order; the consumers' cursors; dead letters; retention; and
 * the session lock that makes one instance the dispatcher. Ids are drawn under a transaction lock
 * (store.ts `appendEvents`), so they commit in order: reading `id > n` never skips a committed event.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { PrismaClient } from "./generated/client.ts";
import type { OutboxEntry } from "./store.ts";

/** A committed write, as subscribers and event handlers receive it: the outbox entry with its id and time. */
export interface ChangeEvent extends OutboxEntry {
  /** The outbox id: increasing in commit order (a decimal string; it is a bigint). */
  readonly id: string;
  /** When it was committed (ISO 8601). */
  readonly at: string;
}

/** Which events a reader wants (all when unset). */
export interface EventFilter {
  readonly resources?: readonly string[] | undefined;
  readonly actions?: readonly string[] | undefined;
}

/** A held dispatcher lock (a session-level advisory lock on its own connection). */
export interface Leadership {
  /** Whether the lock is still held (false once its connection dropped). */
  readonly held: boolean;
  release(): Promise<void>;
}

const LEADER_LOCK = 0x41757470; // "Autp"
const ID = /^\d{1,19}$/;

/** Whether `raw` is an outbox id (a non-negative integer in decimal). */
export function isEventId(raw: unknown): raw is string {
  return typeof raw === "string" && ID.test(raw);
}

interface EventRow {
  id: bigint;
  resource: string;
  recordId: string;
  action: string;
  revisionId: string | null;
  revisionNumber: number | null;
  actorId: string | null;
  createdAt: Date;
  changed: string[];
}

function toEvent(row: EventRow): ChangeEvent {
  return Object.freeze({
    id: row.id.toString(),
    resource: row.resource,
    recordId: row.recordId,
    action: row.action,
    revisionId: row.revisionId,
    revisionNumber: row.revisionNumber,
    actorId: row.actorId,
    at: row.createdAt.toISOString(),
    changed: Object.freeze([...row.changed]),
  });
}

/** The outbox of one database. */
export class Outbox {
  readonly #prisma: PrismaClient;
  readonly #url: string;

  /** `url` is the database's, for the dispatcher's lock session. */
  constructor(prisma: PrismaClient, url: string) {
    this.#prisma = prisma;
    this.#url = url;
  }

  /** Up to `limit` events with an id above `after` (and at most `upTo`), in id order. */
  async after(after: string, limit: number, filter: EventFilter = {}, upTo?: string): Promise<ChangeEvent[]> {
    const rows = await this.#prisma.event.findMany({
      where: {
        id: { gt: BigInt(after), ...(upTo === undefined ? {} : { lte: BigInt(upTo) }) },
        ...(filter.resources ? { resource: { in: [...filter.resources] } } : {}),
        ...(filter.actions ? { action: { in: [...filter.actions] } } : {}),
      },
      orderBy: { id: "asc" },
      take: limit,
    });
    return rows.map(toEvent);
  }

  /** The newest committed id ("0" while the outbox is empty). */
  async latestId(): Promise<string> {
    const row = await this.#prisma.event.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
    return row ? row.id.toString() : "0";
  }

  /** The oldest id still kept (retention may have removed older ones); undefined while empty. */
  async oldestId(): Promise<string | undefined> {
    const row = await this.#prisma.event.findFirst({ orderBy: { id: "asc" }, select: { id: true } });
    return row?.id.toString();
  }

  /** How far a consumer got, or undefined for a new consumer. */
  async cursor(name: string): Promise<string | undefined> {
    const row = await this.#prisma.eventCursor.findUnique({ where: { name } });
    return row?.lastId.toString();
  }

  async setCursor(name: string, lastId: string): Promise<void> {
    await this.#prisma.eventCursor.upsert({ where: { name }, create: { name, lastId: BigInt(lastId) }, update: { lastId: BigInt(lastId) } });
  }

  /** Records that `handler` gave up on an event. */
  async deadLetter(handler: string, eventId: string, attempts: number, error: string): Promise<void> {
    await this.#prisma.eventDeadLetter.create({ data: { id: randomUUID(), handler, eventId: BigInt(eventId), attempts, error: error.slice(0, 4000) } });
  }

  /** Deletes events older than `before` that every consumer has passed; returns how many. */
  async prune(before: Date): Promise<number> {
    const cursors = await this.#prisma.eventCursor.findMany({ select: { lastId: true } });
    const passed = cursors.reduce<bigint | undefined>((min, c) => (min === undefined || c.lastId < min ? c.lastId : min), undefined);
    if (passed === undefined) return 0;
    const { count } = await this.#prisma.event.deleteMany({ where: { createdAt: { lt: before }, id: { lte: passed } } });
    return count;
  }

  /**
   * Tries to become the dispatcher: a session-level advisory lock on a connection of its own, held
   * until released or until that connection drops (a crashed instance frees it). Undefined when
   * another instance holds it.
   */
  async lead(): Promise<Leadership | undefined> {
    const client = new pg.Client({ connectionString: this.#url });
    let held = false;
    client.on("error", () => {
      held = false;
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [LEADER_LOCK]);
      held = rows[0]?.locked === true;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (!held) {
      await client.end().catch(() => {});
      return undefined;
    }
    client.on("end", () => {
      held = false;
    });
    return {
      get held() {
        return held;
      },
      release: async () => {
        held = false;
        await client.end().catch(() => {});
      },
    };
  }
}
