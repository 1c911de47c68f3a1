/**
 * In-process event handlers (AutoCRUD's event handlers): code that runs for each committed event of
 * the resources and actions it names, after the commit, never inside or in front of the write. Each
 * handler keeps its own cursor in the outbox, so it sees every event once it is running (at least
 * once across a crash), retries a failing event with backoff, and after its last retry records a dead
 * letter and moves on. Handlers run on the instance that dispatches (one at a time across instances).
 */
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

interface Registered {
  readonly name: string;
  readonly handler: EventHandler;
  readonly options: Required<Pick<HandlerOptions, "retries" | "backoffMs">> & EventFilter;
}

const PAGE = 100;

export class EventHandlers {
  readonly #outbox: Outbox;
  readonly #onError: (error: unknown, where: { handler: string; eventId?: string }) => void;
  readonly #handlers = new Map<string, Registered>();
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(outbox: Outbox, onError: (error: unknown, where: { handler: string; eventId?: string }) => void) {
    this.#outbox = outbox;
    this.#onError = onError;
  }

  /** Registers a handler under a stable name (its cursor and dead letters are kept under it). */
  add(name: string, handler: EventHandler, options: HandlerOptions = {}): () => void {
    if (!/^[\w.:-]{1,100}$/.test(name)) throw new Error(`Event handler name "${name}": use letters, digits, _ . : - (at most 100)`);
    if (this.#handlers.has(name)) throw new Error(`An event handler named "${name}" is registered already`);
    this.#handlers.set(name, { name, handler, options: { retries: options.retries ?? 4, backoffMs: options.backoffMs ?? 100, resources: options.resources, actions: options.actions } });
    return () => void this.#handlers.delete(name);
  }

  /** Processes what is new, now or right after the run in progress. */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        for (const h of [...this.#handlers.values()]) {
          if (this.#stopped) return;
          await this.#process(h).catch((error) => this.#onError(error, { handler: h.name }));
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves once no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #process(h: Registered): Promise<void> {
    const cursorName = `handler:${h.name}`;
    let cursor = await this.#outbox.cursor(cursorName);
    if (cursor === undefined) {
      // A new handler starts with the events committed from now on.
      cursor = await this.#outbox.latestId();
      await this.#outbox.setCursor(cursorName, cursor);
      return;
    }
    for (;;) {
      const events = await this.#outbox.after(cursor, PAGE);
      for (const event of events) {
        if (this.#stopped) return;
        const wanted = (!h.options.resources || h.options.resources.includes(event.resource)) && (!h.options.actions || h.options.actions.includes(event.action));
        if (wanted) await this.#deliver(h, event);
        cursor = event.id;
        await this.#outbox.setCursor(cursorName, cursor);
      }
      if (events.length < PAGE) return;
    }
  }

  async #deliver(h: Registered, event: ChangeEvent): Promise<void> {
    const attempts = h.options.retries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        await h.handler(event);
        return;
      } catch (error) {
        this.#onError(error, { handler: h.name, eventId: event.id });
        if (attempt >= attempts) {
          await this.#outbox.deadLetter(h.name, event.id, attempt, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, h.options.backoffMs * 2 ** (attempt - 1)).unref());
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.idle();
  }
}
