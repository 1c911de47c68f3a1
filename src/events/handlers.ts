/**
 * In-process event handlers (AutoCRUD's event handlers): code that runs for each committed event of
 * the resources and actions it names, after the commit, never inside or in front of the write. Each
 * handler keeps its own cursor in the outbox, so it sees every event once it is running (at least
 * once across a crash), retries a failing event with backoff, and after its last retry records a dead
 * letter and moves on. Handlers run on the instance that dispatches (one at a time across instances).
 *
 * A batch handler (an outbox relay to a broker) gets the events in id order, a page at a time, and
 * never skips one: a failing page is retried with backoff for as long as it fails, and the cursor moves
 * past a page only once the handler resolved for it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ChangeEvent, EventFilter, Outbox } from "../storage/outbox.ts";

/** A handler of committed events. */
export type EventHandler = (event: ChangeEvent) => void | Promise<void>;

/** Options of a handler. */
export interface HandlerOptions extends EventFilter {
  /** Attempts after the first failure. @default 4 */
  retries?: number;
  /** Wait before the first retry; doubles each time. @default 100 ms */
  backoffMs?: number;
}

/** A handler of pages of committed events, in id order: the page counts as handled once it resolves. */
export type BatchHandler = (events: readonly ChangeEvent[]) => Promise<void>;

/** Options of a batch handler. */
export interface BatchHandlerOptions {
  /**
   * Where a handler with no cursor yet begins: the events committed from now on, or every event the
   * outbox still holds. @default "newest"
   */
  from?: "newest" | "beginning";
  /** Most events per call. @default 100 */
  batchSize?: number;
  /** Wait before the first retry; doubles each time, up to `maxBackoffMs`. @default 100 ms */
  backoffMs?: number;
  /** @default 30000 ms */
  maxBackoffMs?: number;
}

/** A handler of one event at a time, retried then dead-lettered per event. */
interface EachRegistered {
  readonly kind: "each";
  readonly name: string;
  readonly handler: EventHandler;
  readonly options: Required<Pick<HandlerOptions, "retries" | "backoffMs">> & EventFilter;
}

/** A handler of pages of events, retried per page until it succeeds. */
interface BatchRegistered {
  readonly kind: "batch";
  readonly name: string;
  readonly handler: BatchHandler;
  readonly options: Required<BatchHandlerOptions>;
}

type Registered = EachRegistered | BatchRegistered;

const PAGE = 100;

export class EventHandlers {
  readonly #outbox: Outbox;
  readonly #onError: (error: unknown, where: { handler: string; eventId?: string }) => void;
  readonly #handlers = new Map<string, Registered>();
  /** Each handler runs on its own: a slow one holds up nobody else. */
  readonly #runs = new Map<string, { running: Promise<void> | undefined; again: boolean }>();
  #stopped = false;
  /** Aborts the backoff waits of batch handlers at stop. */
  readonly #stopping = new AbortController();
  /** New handlers' cursors being created (see {@link ready}). */
  readonly #beginning = new Set<Promise<unknown>>();
  /** Where each handler began, for as long as the outbox holds no cursor row of it (it was empty). */
  readonly #begun = new Map<string, string>();

  readonly #leading: () => boolean;

  /** `leading`: whether this instance dispatches (only the dispatcher runs handlers). */
  constructor(
    outbox: Outbox,
    leading: () => boolean,
    onError: (error: unknown, where: { handler: string; eventId?: string }) => void,
  ) {
    this.#outbox = outbox;
    this.#leading = leading;
    this.#onError = onError;
  }

  /** Registers a handler under a stable name (its cursor and dead letters are kept under it). */
  add(name: string, handler: EventHandler, options: HandlerOptions = {}): () => void {
    return this.#register({
      kind: "each",
      name,
      handler,
      options: {
        retries: options.retries ?? 4,
        backoffMs: options.backoffMs ?? 100,
        resources: options.resources,
        actions: options.actions,
      },
    });
  }

  /** Registers a batch handler under a stable name (its cursor is `handler:<name>`). */
  addBatch(name: string, handler: BatchHandler, options: BatchHandlerOptions = {}): () => void {
    return this.#register({
      kind: "batch",
      name,
      handler,
      options: { from: "newest", batchSize: 100, backoffMs: 100, maxBackoffMs: 30_000, ...options },
    });
  }

  #register(registered: Registered): () => void {
    const { name } = registered;
    if (!/^[\w.:-]{1,100}$/.test(name))
      throw new Error(`Event handler name "${name}": use letters, digits, _ . : - (at most 100)`);
    if (this.#handlers.has(name)) throw new Error(`An event handler named "${name}" is registered already`);
    this.#handlers.set(name, registered);
    // A new handler begins with the events committed from its registration on: its cursor is created
    // now, not at its first run, which may come after more commits.
    const beginning = this.#begin(registered)
      .catch((error) => this.#onError(error, { handler: name })) // its first run tries again
      .finally(() => {
        this.#beginning.delete(beginning);
        this.kick();
      });
    this.#beginning.add(beginning);
    return () => void this.#handlers.delete(name);
  }

  /**
   * Resolves once every handler registered so far has its cursor: events committed from then on are
   * theirs. A server awaits it before it serves, so the first writes it takes are not missed.
   */
  async ready(): Promise<void> {
    await Promise.all([...this.#beginning]);
  }

  /**
   * Creates the cursor of a handler unless it exists, and returns it: the newest event (a batch handler
   * `from: "beginning"`: before the first), or "0" while the outbox is empty (everything from the first
   * event on; no row is written then, so it is remembered here). Atomic, so instances starting together
   * agree.
   */
  async #begin(h: Registered): Promise<string> {
    const cursorName = `handler:${h.name}`;
    let cursor: string;
    if (h.kind === "batch" && h.options.from === "beginning") {
      const kept = await this.#outbox.cursor(cursorName);
      cursor = kept ?? "0";
      if (kept === undefined) await this.#outbox.setCursor(cursorName, cursor);
    } else cursor = await this.#outbox.startCursor(cursorName);
    this.#begun.set(h.name, cursor);
    return cursor;
  }

  /** The cursor of handler `name` ("0" before its first event). */
  async cursor(name: string): Promise<string> {
    return (await this.#outbox.cursor(`handler:${name}`)) ?? "0";
  }

  /** Lets every handler process what is new, now or right after its run in progress. */
  kick(): void {
    for (const h of this.#handlers.values()) {
      const run = this.#runs.get(h.name) ?? { running: undefined, again: false };
      this.#runs.set(h.name, run);
      if (run.running) {
        run.again = true;
        continue;
      }
      run.running = (async () => {
        do {
          run.again = false;
          await this.#process(h).catch((error) => this.#onError(error, { handler: h.name }));
        } while (run.again && !this.#stopped && this.#handlers.get(h.name) === h);
      })().finally(() => {
        run.running = undefined;
      });
    }
  }

  /** Resolves once no handler is running (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.#runs.values()].map((r) => r.running).filter((r): r is Promise<void> => r !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  async #process(h: Registered): Promise<void> {
    const cursorName = `handler:${h.name}`;
    // Created at registration; when that failed (the database was away), now.
    let cursor = (await this.#outbox.cursor(cursorName)) ?? this.#begun.get(h.name) ?? (await this.#begin(h));
    if (!this.#leading()) return;
    if (h.kind === "batch") return this.#processBatches(h, cursorName, cursor);
    for (;;) {
      const events = await this.#outbox.after(cursor, PAGE);
      for (const event of events) {
        if (this.#stopped) return;
        const wanted =
          (!h.options.resources || h.options.resources.includes(event.resource)) &&
          (!h.options.actions || h.options.actions.includes(event.action));
        if (wanted) await this.#deliver(h, event);
        cursor = event.id;
        await this.#outbox.setCursor(cursorName, cursor);
      }
      if (events.length < PAGE) return;
    }
  }

  /**
   * Hands the events after `cursor` to a batch handler a page at a time, moving the cursor after each
   * page it handled. A page that fails is handed over again (the same events, from its first) after a
   * backoff, until it succeeds, this instance stops dispatching (the next dispatcher resumes from the
   * cursor), or the handlers stop.
   */
  async #processBatches(h: BatchRegistered, cursorName: string, from: string): Promise<void> {
    const { batchSize, backoffMs, maxBackoffMs } = h.options;
    let cursor = from;
    let failures = 0;
    while (!this.#stopped && this.#leading() && this.#handlers.get(h.name) === h) {
      const events = await this.#outbox.after(cursor, batchSize);
      if (events.length === 0) return;
      try {
        await h.handler(events);
      } catch (error) {
        this.#onError(error, { handler: h.name, eventId: events[0]?.id as string });
        const wait = Math.min(backoffMs * 2 ** failures++, maxBackoffMs);
        // Ends early at stop (the abort rejects the wait, which is all it is for).
        await sleep(wait, undefined, { signal: this.#stopping.signal }).catch(() => {});
        continue;
      }
      failures = 0;
      cursor = events.at(-1)?.id as string;
      await this.#outbox.setCursor(cursorName, cursor);
      if (events.length < batchSize) return;
    }
  }

  async #deliver(h: EachRegistered, event: ChangeEvent): Promise<void> {
    const attempts = h.options.retries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        await h.handler(event);
        return;
      } catch (error) {
        this.#onError(error, { handler: h.name, eventId: event.id });
        if (attempt >= attempts) {
          await this.#outbox.deadLetter(
            h.name,
            event.id,
            attempt,
            error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, h.options.backoffMs * 2 ** (attempt - 1)).unref());
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    await this.idle();
  }
}
