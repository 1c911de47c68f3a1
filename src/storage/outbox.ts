/**
 * Reading the transactional outbox (the `Event` model the runtime appends to in each write's
 * transaction): events after an id, in id order; the consumers' cursors; dead letters; retention; and
 * the session lock that makes one instance the dispatcher, and the NOTIFY channel that wakes it. Ids
 * are drawn under a transaction lock (store.ts `appendEvents`), so they commit in order: reading
 * `id > n` never skips a committed event.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { PrismaClientLike } from "./prisma.ts";
import type { OutboxEntry } from "./store.ts";

/**
 * A committed write, as subscribers and event handlers receive it: the outbox entry with its id and
 * time. Its record snapshot stays in the outbox (buses carry events, not records): read it with
 * {@link Outbox.snapshots}.
 */
export interface ChangeEvent extends Omit<OutboxEntry, "record"> {
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

/** Options of {@link Outbox.lead}. */
export interface LeadOptions {
  /** Stops waiting for the lock: `lead` then resolves with undefined. */
  readonly signal?: AbortSignal | undefined;
  /** Called on each NOTIFY on {@link OUTBOX_CHANNEL} while the lock is held (another instance committed events). */
  readonly onNotify?: (() => void) | undefined;
  /** Called once when the lock is lost (its connection dropped): lead again. */
  readonly onLost?: (() => void) | undefined;
}

const LEADER_LOCK = 0x41757470; // "Autp"

/**
 * The channel an instance NOTIFYs after committing events, so that the dispatcher (which LISTENs on
 * it while it holds the lock) publishes them at once. NOTIFY is per database, like the outbox.
 */
export const OUTBOX_CHANNEL = "autograph_outbox";
const ID = /^\d{1,19}$/;

/** Whether `raw` is an outbox id (a non-negative integer in decimal). */
export function isEventId(raw: unknown): raw is string {
  return typeof raw === "string" && ID.test(raw);
}

/** An outbox row as `after` reads it: ids and the time already as text. */
interface EventRow {
  id: string;
  resource: string;
  recordId: string;
  action: string;
  revisionId: string | null;
  revisionNumber: number | null;
  actorId: string | null;
  at: string;
  changed: string[];
}

function toEvent(row: EventRow): ChangeEvent {
  return Object.freeze({
    id: row.id,
    resource: row.resource,
    recordId: row.recordId,
    action: row.action,
    revisionId: row.revisionId,
    revisionNumber: row.revisionNumber,
    actorId: row.actorId,
    at: row.at,
    changed: Object.freeze([...row.changed]),
  });
}

/**
 * The dispatcher reads the outbox and moves its cursor once per committed batch, and every stream
 * that resumes reads it: plain SQL, as Prisma's query building costs several times the query here.
 * `createdAt` is a timestamp(3) in UTC (Prisma's DateTime), written out as an ISO 8601 instant; ids
 * are read as text (so `order by` names the table's column, not the text alias).
 */
const EVENT_COLUMNS = `"id"::text as "id", "resource", "recordId", "action", "revisionId"::text as "revisionId", "revisionNumber", "actorId", to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "at", "changed"`;

/** The Prisma delegates of the outbox's models, as far as the outbox uses them. */
interface OutboxDelegate {
  findFirst(args: object): Promise<{ id: bigint } | null>;
  findUnique(args: object): Promise<{ lastId: bigint } | null>;
  findMany(args: object): Promise<{ lastId: bigint }[]>;
  create(args: object): Promise<unknown>;
  deleteMany(args: object): Promise<{ count: number }>;
}

/** The outbox of one database. */
export class Outbox {
  readonly #prisma: PrismaClientLike;
  readonly #url: string;

  /** `url` is the database's, for the dispatcher's lock session. */
  constructor(prisma: PrismaClientLike, url: string) {
    this.#prisma = prisma;
    this.#url = url;
  }

  /** The delegate of one of the outbox's models (`event`, `eventCursor`, `eventDeadLetter`). */
  #model(name: "event" | "eventCursor" | "eventDeadLetter"): OutboxDelegate {
    return (this.#prisma as unknown as Record<string, OutboxDelegate>)[name] as OutboxDelegate;
  }

  /** Up to `limit` events with an id above `after` (and at most `upTo`), in id order. */
  async after(after: string, limit: number, filter: EventFilter = {}, upTo?: string): Promise<ChangeEvent[]> {
    const params: unknown[] = [after, limit];
    const where = [`"id" > $1::bigint`];
    if (upTo !== undefined) where.push(`"id" <= $${params.push(upTo)}::bigint`);
    if (filter.resources) where.push(`"resource" = any($${params.push([...filter.resources])}::text[])`);
    if (filter.actions) where.push(`"action" = any($${params.push([...filter.actions])}::text[])`);
    const rows = await this.#prisma.$queryRawUnsafe<EventRow[]>(
      `select ${EVENT_COLUMNS} from "Event" where ${where.join(" and ")} order by "Event"."id" limit $2`,
      ...params,
    );
    return rows.map(toEvent);
  }

  /**
   * The records the events left (their snapshots), by event id, in one statement; null for an event
   * without one (an event written before its table had the `record` column).
   */
  async snapshots(ids: readonly string[]): Promise<Map<string, Record<string, unknown> | null>> {
    const found = new Map<string, Record<string, unknown> | null>(ids.map((id) => [id, null]));
    if (ids.length === 0) return found;
    const rows = await this.#prisma.$queryRawUnsafe<{ id: string; record: Record<string, unknown> | null }[]>(
      `select "id"::text as "id", "record" from "Event" where "id" = any($1::bigint[])`,
      [...ids],
    );
    for (const row of rows) found.set(row.id, row.record);
    return found;
  }

  /** The newest committed id ("0" while the outbox is empty). */
  async latestId(): Promise<string> {
    const row = await this.#model("event").findFirst({ orderBy: { id: "desc" }, select: { id: true } });
    return row ? row.id.toString() : "0";
  }

  /** The oldest id still kept (retention may have removed older ones); undefined while empty. */
  async oldestId(): Promise<string | undefined> {
    const row = await this.#model("event").findFirst({ orderBy: { id: "asc" }, select: { id: true } });
    return row?.id.toString();
  }

  /** How far a consumer got, or undefined for a new consumer. */
  async cursor(name: string): Promise<string | undefined> {
    const row = await this.#model("eventCursor").findUnique({ where: { name } });
    return row?.lastId.toString();
  }

  async setCursor(name: string, lastId: string): Promise<void> {
    await this.#prisma.$executeRawUnsafe(
      `insert into "EventCursor" ("name", "lastId", "updatedAt") values ($1, $2::bigint, now() at time zone 'utc') on conflict ("name") do update set "lastId" = excluded."lastId", "updatedAt" = excluded."updatedAt"`,
      name,
      lastId,
    );
  }

  /**
   * Creates cursor `name` at the newest event unless it exists, and returns it: a consumer that starts
   * for the first time begins with what is committed from now on, whenever it gets to read. While the
   * outbox is empty no row is written (a database the server merely started on stays empty, so a backup
   * can still be loaded into it) and the answer is "0": everything from the first event on.
   */
  async startCursor(name: string): Promise<string> {
    await this.#prisma.$executeRawUnsafe(
      `insert into "EventCursor" ("name", "lastId", "updatedAt") select $1, max("id"), now() at time zone 'utc' from "Event" having max("id") is not null on conflict ("name") do nothing`,
      name,
    );
    return (await this.cursor(name)) ?? "0";
  }

  /** Records that `handler` gave up on an event. */
  async deadLetter(handler: string, eventId: string, attempts: number, error: string): Promise<void> {
    await this.#model("eventDeadLetter").create({
      data: { id: randomUUID(), handler, eventId: BigInt(eventId), attempts, error: error.slice(0, 4000) },
    });
  }

  /** Deletes events older than `before` that every consumer has passed; returns how many. */
  async prune(before: Date): Promise<number> {
    const cursors = await this.#model("eventCursor").findMany({ select: { lastId: true } });
    const passed = cursors.reduce<bigint | undefined>(
      (min, c) => (min === undefined || c.lastId < min ? c.lastId : min),
      undefined,
    );
    if (passed === undefined) return 0;
    const { count } = await this.#model("event").deleteMany({
      where: { createdAt: { lt: before }, id: { lte: passed } },
    });
    return count;
  }

  /** Tells the dispatcher, wherever it runs, that events were committed (a NOTIFY on {@link OUTBOX_CHANNEL}). */
  async notify(): Promise<void> {
    await this.#prisma.$executeRawUnsafe("select pg_notify($1, '')", OUTBOX_CHANNEL);
  }

  /**
   * Becomes the dispatcher: waits, on a connection of its own, for a session-level advisory lock held
   * until released or until that connection drops (a crashed instance frees it, and the next waiting
   * instance gets it at once: no polling for a leader). Holding it, the connection LISTENs on
   * {@link OUTBOX_CHANNEL}. Only the holder listens: a session waiting in a query reads no
   * notifications, and one that listened meanwhile would hold back PostgreSQL's notification queue.
   * Resolves with undefined when `signal` aborts the wait.
   */
  async lead(options: LeadOptions = {}): Promise<Leadership | undefined> {
    const { signal, onNotify, onLost } = options;
    if (signal?.aborted) return undefined;
    // keepAlive: a leader whose network went away must notice, or no notification reaches it.
    const client = new pg.Client({ connectionString: this.#url, keepAlive: true });
    let held = false;
    let lost = false;
    const drop = () => {
      const was = held;
      held = false;
      if (was && !lost) {
        lost = true;
        onLost?.();
      }
    };
    client.on("error", drop);
    client.on("end", drop);
    client.on("notification", (message) => {
      if (held && message.channel === OUTBOX_CHANNEL) onNotify?.();
    });
    let waiting = true;
    let cancels = 0;
    const cancel = () => {
      // The wait is a running query: cancel it from another session, or the backend would wait on (and
      // take the lock for a moment) after this client went away. A cancel that arrives between two
      // statements cancels nothing: retry while the wait goes on.
      const pid = (client as unknown as { processID?: number }).processID;
      if (!waiting || pid === undefined || cancels++ > 20) return;
      const other = new pg.Client({ connectionString: this.#url });
      other.on("error", () => {});
      other
        .connect()
        .then(() => other.query("select pg_cancel_backend($1)", [pid]))
        .catch(() => {})
        .finally(() => {
          other.end().catch(() => {});
          if (waiting) setTimeout(cancel, 50).unref();
        });
    };
    try {
      await client.connect();
      if (signal?.aborted) throw signal.reason;
      signal?.addEventListener("abort", cancel, { once: true });
      // A server-wide statement or lock timeout would end the wait: this session waits as long as it takes.
      await client.query("set statement_timeout = 0; set lock_timeout = 0");
      await client.query("select pg_advisory_lock($1)", [LEADER_LOCK]);
      waiting = false;
      if (signal?.aborted) throw signal.reason;
      held = true;
      await client.query(`listen ${OUTBOX_CHANNEL}`);
    } catch (error) {
      waiting = false;
      held = false;
      await client.end().catch(() => {});
      if (signal?.aborted) return undefined;
      throw error;
    } finally {
      signal?.removeEventListener("abort", cancel);
    }
    return {
      get held() {
        return held;
      },
      release: async () => {
        held = false;
        lost = true;
        await client.end().catch(() => {});
      },
    };
  }
}
