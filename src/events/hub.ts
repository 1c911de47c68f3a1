/**
 * The event hub of one instance: receives committed events from the bus, puts them in id order with
 * no gap and no duplicate (a gap, or a bus reconnect, is filled from the outbox), and hands them to
 * the streams of this instance's subscribers. A stream may start after a given event id: it replays
 * the outbox from there, then continues live, again with no gap and no duplicate.
 */
import type { BusReceiver, EventBus } from "../storage/event-bus.ts";
import { type Instrumentation, NO_INSTRUMENTATION } from "../storage/instrumentation.ts";
import { type ChangeEvent, type EventFilter, isEventId, type Outbox } from "../storage/outbox.ts";
import { AppError, show } from "../runtime/errors.ts";

/** Options of {@link EventHub.stream}. */
export interface StreamOptions extends EventFilter {
  /** Start after this event id (replaying what was missed); default: from now on. */
  readonly after?: string | undefined;
  /** Ends the stream. */
  readonly signal?: AbortSignal | undefined;
}

interface Listener {
  readonly filter: EventFilter;
  push(event: ChangeEvent): void;
  /** Ends the stream (the hub is shutting down). */
  end(): void;
}

const PAGE = 500;
/** Most events a slow stream may have waiting; beyond, it ends with an error (its client resumes). */
const MAX_BUFFER = 10_000;

export class EventHub implements BusReceiver {
  readonly #outbox: Outbox;
  readonly #bus: EventBus;
  readonly #onError: (error: unknown) => void;
  readonly #instrumentation: Instrumentation;
  readonly #listeners = new Set<Listener>();
  /** The id of the last event handed to the streams. */
  #last: string | undefined;
  /** Ingestion runs one batch at a time, in arrival order. */
  #chain: Promise<void> = Promise.resolve();
  #started: Promise<void> | undefined;
  #ended = false;

  constructor(options: {
    outbox: Outbox;
    bus: EventBus;
    onError: (error: unknown) => void;
    /** Told how many streams each event was handed to. @default observes nothing */
    instrumentation?: Instrumentation;
  }) {
    this.#outbox = options.outbox;
    this.#bus = options.bus;
    this.#onError = options.onError;
    this.#instrumentation = options.instrumentation ?? NO_INSTRUMENTATION;
  }

  /** Subscribes to the bus; live events count from the newest committed one. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      this.#last = await this.#outbox.latestId();
      await this.#bus.subscribe(this);
    })();
    return this.#started;
  }

  /**
   * The id of the last event handed to the streams now (undefined before the hub started): a stream
   * opened now, without `after`, starts after it.
   */
  get position(): string | undefined {
    return this.#last;
  }

  /** The id of the newest event this instance has handed out (a resume point for a fresh client). */
  async latestId(): Promise<string> {
    await this.start();
    await this.#chain;
    return this.#last ?? "0";
  }

  onEvents(events: readonly ChangeEvent[]): void {
    this.#enqueue(async () => {
      for (const event of events) {
        const last = BigInt(this.#last ?? "0");
        const id = BigInt(event.id);
        if (id <= last) continue; // already handed out (a republish, or filled from the outbox)
        // Ids are handed out in commit order: a jump means the bus lost something. Fill it from the outbox.
        if (id > last + 1n) await this.#catchUp(event.id);
        if (BigInt(event.id) > BigInt(this.#last ?? "0")) this.#emit(event);
      }
    });
  }

  onResync(): void {
    this.#enqueue(() => this.#catchUp(undefined));
  }

  #enqueue(work: () => Promise<void>): void {
    this.#chain = this.#chain.then(work).catch((error) => this.#onError(error));
  }

  /** Hands out every committed event after the last one handed out (up to `before`, exclusive). */
  async #catchUp(before: string | undefined): Promise<void> {
    for (;;) {
      const upTo = before === undefined ? undefined : (BigInt(before) - 1n).toString();
      const events = await this.#outbox.after(this.#last ?? "0", PAGE, {}, upTo);
      for (const event of events) this.#emit(event);
      if (events.length < PAGE) return;
    }
  }

  #emit(event: ChangeEvent): void {
    this.#last = event.id;
    let delivered = 0;
    for (const listener of this.#listeners)
      if (matches(listener.filter, event)) {
        listener.push(event);
        delivered++;
      }
    if (delivered > 0) this.#instrumentation.events("delivered", delivered);
  }

  /**
   * The committed events matching `options`, in id order, until the signal aborts. With `after`, the
   * ones since that id come first (400 when the id is malformed, or older than the outbox keeps).
   */
  stream(
    options: StreamOptions = {},
  ): AsyncIterableIterator<ChangeEvent> & { return(): Promise<IteratorResult<ChangeEvent>> } {
    // `return()` on a generator waits for its next `yield`, which an idle stream may never reach: abort
    // the wait first, so a consumer that stops (an unsubscribe, a closed SSE response) frees it at once.
    const internal = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
    // "From now on" means from the call, not from the first `next()`.
    const implicit = options.after === undefined && this.#last !== undefined;
    const inner = this.#stream({ ...options, ...(implicit ? { after: this.#last } : {}), signal }, !implicit);
    const iterator = {
      next: () => inner.next(),
      return: async (): Promise<IteratorResult<ChangeEvent>> => {
        internal.abort();
        return inner.return(undefined);
      },
      throw: async (error: unknown): Promise<IteratorResult<ChangeEvent>> => {
        internal.abort();
        return inner.throw(error);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async *#stream(options: StreamOptions, check: boolean): AsyncGenerator<ChangeEvent, void, undefined> {
    await this.start();
    const filter: EventFilter = { resources: options.resources, actions: options.actions };
    if (options.after !== undefined && check) await this.checkResumable(options.after);
    if (this.#ended) return;
    const queue: ChangeEvent[] = [];
    let wake: (() => void) | undefined;
    let overflow = false;
    let ended = false;
    const listener: Listener = {
      filter,
      push: (event) => {
        if (queue.length >= MAX_BUFFER) overflow = true;
        else queue.push(event);
        wake?.();
      },
      end: () => {
        ended = true;
        wake?.();
      },
    };
    // The abort wakes the wait below. Not a Promise.race with one long-lived "aborted" promise: each
    // race leaves a reaction on it until it settles, one per wait, which grew the heap by tens of MB a
    // minute under steady events (the soak ran out of a 384 MB heap in under 5 minutes).
    const onAbort = () => wake?.();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    // Listen first, then replay up to what the hub has handed out: nothing falls between the two.
    this.#listeners.add(listener);
    try {
      let delivered = options.after;
      if (delivered !== undefined) {
        await this.#chain;
        const until = this.#last ?? "0";
        while (BigInt(delivered) < BigInt(until) && !options.signal?.aborted) {
          const page = await this.#outbox.after(delivered, PAGE, filter, until);
          for (const event of page) yield event;
          if (page.length < PAGE) break;
          delivered = page.at(-1)?.id as string;
        }
        delivered = until;
      }
      while (!options.signal?.aborted && !ended) {
        if (overflow)
          throw new AppError("UNAVAILABLE", "This subscriber fell too far behind; resume from its last event id.");
        const event = queue.shift();
        if (event) {
          if (delivered !== undefined && BigInt(event.id) <= BigInt(delivered)) continue;
          delivered = event.id;
          yield event;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.#listeners.delete(listener);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Throws the 400 a stream starting after `after` would: a malformed id, or one older than the outbox keeps. */
  async checkResumable(after: string): Promise<void> {
    if (!isEventId(after)) throw new AppError("BAD_REQUEST", `An event id is a whole number, got ${show(after)}.`);
    const oldest = await this.#outbox.oldestId();
    if (oldest !== undefined && BigInt(after) < BigInt(oldest) - 1n) {
      throw new AppError(
        "BAD_REQUEST",
        `Event ${after} is older than the outbox keeps (the oldest is ${oldest}): reload, then subscribe from now.`,
      );
    }
  }

  /** Ends every open stream (shutdown: their connections can then close); new streams end at once. */
  end(): void {
    this.#ended = true;
    for (const listener of this.#listeners) listener.end();
  }

  /** Streams open on this instance. */
  get size(): number {
    return this.#listeners.size;
  }
}

function matches(filter: EventFilter, event: ChangeEvent): boolean {
  return (
    (!filter.resources || filter.resources.includes(event.resource)) &&
    (!filter.actions || filter.actions.includes(event.action))
  );
}
