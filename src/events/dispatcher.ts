/**
 * The dispatcher: one instance at a time (the holder of the outbox's leader lock) reads committed
 * events from the outbox in id order and publishes them to the bus, remembering how far it got in the
 * `bus` cursor. It sleeps until there is something to publish: its own instance's commits wake it in
 * process, other instances' commits through a NOTIFY on the outbox channel (each instance that commits
 * while another leads sends one), and a slow poll is only the safety net for a NOTIFY that never came
 * (an instance that died between its commit and its NOTIFY). The other instances wait on the lock
 * itself, so one of them takes over as soon as the leader's session ends; republished events are
 * dropped by the receivers (they deduplicate by id).
 */
import { SpanKind } from "@opentelemetry/api";
import type { EventBus } from "../storage/event-bus.ts";
import { type Instrumentation, NO_INSTRUMENTATION } from "../storage/instrumentation.ts";
import type { Leadership, Outbox } from "../storage/outbox.ts";

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  outbox: Outbox;
  bus: EventBus;
  /**
   * How often the leader looks at the outbox unasked: the safety net. Commits wake it at once, on any
   * instance. @default 5000 ms
   */
  pollMs?: number;
  /** Events per outbox read. @default 500 */
  batchSize?: number;
  /** Runs after each batch is published and on taking the lead (the event handlers' turn), on the leader only. */
  afterPublish?: () => void;
  /** Housekeeping on the leader, at most once a minute (retention). */
  housekeeping?: () => Promise<void>;
  onError: (error: unknown) => void;
  /** Told of each published batch (and a span around its publish when tracing is on). @default observes nothing */
  instrumentation?: Instrumentation;
}

/** Cursor name of the bus in EventCursor. */
export const BUS_CURSOR = "bus";

export class Dispatcher {
  readonly #o: Required<Omit<DispatcherOptions, "afterPublish" | "housekeeping">> &
    Pick<DispatcherOptions, "afterPublish" | "housekeeping">;
  readonly #stop = new AbortController();
  #leadership: Leadership | undefined;
  #cursor: string | undefined;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #pending = false;
  /** A NOTIFY to the leader in flight, and whether another is due after it. */
  #notifying: Promise<void> | undefined;
  #notifyAgain = false;
  #lastHousekeeping = 0;
  /** Where the bus cursor stood when this instance started: a first leader begins there. */
  #startedAt = "0";

  constructor(options: DispatcherOptions) {
    this.#o = { pollMs: 5000, batchSize: 500, instrumentation: NO_INSTRUMENTATION, ...options };
  }

  /** Whether this instance currently publishes. */
  get leading(): boolean {
    return this.#leadership?.held === true;
  }

  /**
   * Starts publishing. The first start on a database places the bus cursor at the newest event before
   * it resolves, so what commits from then on is published even if this instance waits a while for the
   * lock (the cursor used to be placed by the first leader's first read, which skipped what committed
   * before it).
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#startedAt = await this.#o.outbox.startCursor(BUS_CURSOR);
    this.#running ??= this.#loop();
  }

  /**
   * Events were committed (by this instance, or a handler was added): the leader looks at the outbox
   * now. That is this dispatcher when it leads; otherwise the leader hears of it by NOTIFY.
   */
  wake(): void {
    this.#pending = true;
    this.#wake?.();
    if (!this.leading && !this.#stop.signal.aborted) this.#notifyLeader();
  }

  /** One NOTIFY at a time; commits during it are told by one more. */
  #notifyLeader(): void {
    if (this.#notifying) {
      this.#notifyAgain = true;
      return;
    }
    this.#notifying = (async () => {
      do {
        this.#notifyAgain = false;
        // A lost NOTIFY costs latency, not events: the leader's safety poll finds them.
        await this.#o.outbox.notify().catch(this.#o.onError);
      } while (this.#notifyAgain && !this.#stop.signal.aborted);
      this.#notifying = undefined;
    })();
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      let delay = this.#o.pollMs;
      try {
        if (!this.leading) {
          await this.#leadership?.release();
          this.#leadership = undefined;
          // Waits until this instance leads (or stops).
          this.#leadership = await this.#o.outbox.lead({
            signal: this.#stop.signal,
            onNotify: () => this.#nudge(),
            onLost: () => this.#nudge(),
          });
          this.#cursor = undefined;
          // Whatever was committed before the lock (and its LISTEN) was taken is drained now.
          this.#pending = false;
        }
        if (this.leading) await this.#drain();
        failures = 0;
      } catch (error) {
        this.#o.onError(error);
        // A database that is away is not hammered: back off, up to the poll interval.
        delay = Math.min(100 * 2 ** failures++, this.#o.pollMs);
        this.#pending = false;
      }
      if (this.#stop.signal.aborted) break;
      if (this.#pending) {
        this.#pending = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** A NOTIFY arrived or the lock was lost: look again now. */
  #nudge(): void {
    this.#pending = true;
    this.#wake?.();
  }

  /** Publishes every event after the cursor, batch by batch. */
  async #drain(): Promise<void> {
    const { outbox, batchSize } = this.#o;
    // A new leader starts where the last one stopped, or where this instance started; and its handlers
    // resume theirs (a handler's backlog from before a restart must not wait for the next commit).
    if (this.#cursor === undefined) {
      this.#cursor = (await outbox.cursor(BUS_CURSOR)) ?? this.#startedAt;
      this.#o.afterPublish?.();
    }
    for (;;) {
      const events = await outbox.after(this.#cursor, batchSize);
      if (events.length === 0) break;
      await this.#publish(events);
      this.#cursor = events.at(-1)?.id as string;
      await outbox.setCursor(BUS_CURSOR, this.#cursor);
      this.#o.afterPublish?.();
      if (events.length < batchSize || this.#stop.signal.aborted) break;
    }
    if (this.#o.housekeeping && Date.now() - this.#lastHousekeeping > 60_000) {
      this.#lastHousekeeping = Date.now();
      await this.#o.housekeeping();
    }
  }

  /** Publishes one batch, in a producer span when tracing is on. */
  async #publish(events: Parameters<EventBus["publish"]>[0]): Promise<void> {
    const { bus, instrumentation } = this.#o;
    const span = instrumentation.tracer?.startSpan("events publish", {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.operation.type": "send",
        "messaging.batch.message_count": events.length,
        "autograph.event.first_id": events[0]?.id ?? "",
        "autograph.event.last_id": events.at(-1)?.id ?? "",
      },
    });
    try {
      await bus.publish(events);
      instrumentation.events("published", events.length);
    } finally {
      span?.end();
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#running;
    await this.#notifying;
    await this.#leadership?.release();
    this.#leadership = undefined;
  }
}
