/**
 * The dispatcher: one instance at a time (the holder of the outbox's leader lock) reads committed
 * events from the outbox in id order and publishes them to the bus, remembering how far it got in the
 * `bus` cursor. It wakes when this instance commits a write and polls for the others' writes. Another
 * instance takes over within a poll interval when the leader goes away; republished events are
 * dropped by the receivers (they deduplicate by id).
 */
import type { EventBus } from "../storage/event-bus.ts";
import type { Leadership, Outbox } from "../storage/outbox.ts";

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  outbox: Outbox;
  bus: EventBus;
  /** How often a leader looks for other instances' writes, and a follower for the leader's lock. @default 50 ms */
  pollMs?: number;
  /** Events per outbox read. @default 500 */
  batchSize?: number;
  /** Runs after each batch is published (the event handlers' turn), on the leader only. */
  afterPublish?: () => void;
  /** Housekeeping on the leader, at most once a minute (retention). */
  housekeeping?: () => Promise<void>;
  onError: (error: unknown) => void;
}

/** Cursor name of the bus in EventCursor. */
export const BUS_CURSOR = "bus";

export class Dispatcher {
  readonly #o: Required<Omit<DispatcherOptions, "afterPublish" | "housekeeping">> & Pick<DispatcherOptions, "afterPublish" | "housekeeping">;
  #leadership: Leadership | undefined;
  #cursor: string | undefined;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #pending = false;
  #stopped = false;
  #lastHousekeeping = 0;

  constructor(options: DispatcherOptions) {
    this.#o = { pollMs: 50, batchSize: 500, ...options };
  }

  /** Whether this instance currently publishes. */
  get leading(): boolean {
    return this.#leadership?.held === true;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Look at the outbox now (this instance just committed events). */
  wake(): void {
    this.#pending = true;
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        if (!this.leading) {
          await this.#leadership?.release();
          this.#leadership = await this.#o.outbox.lead();
          this.#cursor = undefined;
        }
        if (this.leading) await this.#drain();
      } catch (error) {
        this.#o.onError(error);
      }
      if (this.#stopped) break;
      if (this.#pending) {
        this.#pending = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.leading ? this.#o.pollMs : this.#o.pollMs * 4);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Publishes every event after the cursor, batch by batch. */
  async #drain(): Promise<void> {
    const { outbox, bus, batchSize } = this.#o;
    // A new leader starts where the last one stopped; the very first one at the newest event.
    this.#cursor ??= (await outbox.cursor(BUS_CURSOR)) ?? (await outbox.latestId());
    for (;;) {
      const events = await outbox.after(this.#cursor, batchSize);
      if (events.length === 0) break;
      await bus.publish(events);
      this.#cursor = events.at(-1)?.id as string;
      await outbox.setCursor(BUS_CURSOR, this.#cursor);
      this.#o.afterPublish?.();
      if (events.length < batchSize || this.#stopped) break;
    }
    if (this.#o.housekeeping && Date.now() - this.#lastHousekeeping > 60_000) {
      this.#lastHousekeeping = Date.now();
      await this.#o.housekeeping();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    await this.#leadership?.release();
    this.#leadership = undefined;
  }
}
