/**
 * The PostgreSQL bus: NOTIFY on a channel, LISTEN on a connection of its own per instance. Several
 * instances on one database, no extra infrastructure. A dropped listener connection reconnects with
 * backoff and reports a resync (NOTIFYs sent meanwhile are lost; receivers refill from the outbox).
 */
import pg from "pg";
import { type BusReceiver, chunkMessages, type EventBus, parseMessage } from "./event-bus.ts";
import type { ChangeEvent } from "./outbox.ts";

/** Options of {@link PostgresBus}. */
export interface PostgresBusOptions {
  url: string;
  /** @default "autograph_events" */
  channel?: string;
  /** Reports connection trouble (never thrown). */
  onError?: (error: unknown) => void;
}

export class PostgresBus implements EventBus {
  readonly kind = "postgres";
  readonly #url: string;
  readonly #channel: string;
  readonly #onError: (error: unknown) => void;
  readonly #publisher: pg.Pool;
  #listener: pg.Client | undefined;
  #receivers = new Set<BusReceiver>();
  #closed = false;
  #reconnect: NodeJS.Timeout | undefined;

  constructor(options: PostgresBusOptions) {
    this.#url = options.url;
    this.#channel = options.channel ?? "autograph_events";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.#channel))
      throw new Error(`PostgresBus: channel "${this.#channel}" must be a lowercase identifier`);
    this.#onError = options.onError ?? (() => {});
    this.#publisher = new pg.Pool({ connectionString: this.#url, max: 2, allowExitOnIdle: true });
    this.#publisher.on("error", this.#onError);
  }

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    for (const message of chunkMessages(events, 7900))
      await this.#publisher.query("select pg_notify($1, $2)", [this.#channel, message]);
  }

  async subscribe(receiver: BusReceiver): Promise<void> {
    this.#receivers.add(receiver);
    if (!this.#listener) await this.#listen(false);
  }

  /** The listening connection (tests drop it to prove receivers recover). */
  get listenerPid(): number | undefined {
    return (this.#listener as unknown as { processID?: number } | undefined)?.processID;
  }

  async #listen(resync: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    const lost = (error?: unknown) => {
      if (error) this.#onError(error);
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.end().catch(() => {});
      this.#retry(100);
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      if (message.channel !== this.#channel || message.payload === undefined) return;
      const events = parseMessage(message.payload);
      if (events) for (const r of this.#receivers) r.onEvents(events);
    });
    await client.connect();
    await client.query(`listen ${this.#channel}`);
    this.#listener = client;
    if (resync) for (const r of this.#receivers) r.onResync();
  }

  #retry(delay: number): void {
    if (this.#closed || this.#reconnect) return;
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined;
      if (this.#closed) return;
      this.#listen(true).catch((error) => {
        this.#onError(error);
        this.#retry(Math.min(delay * 2, 2000));
      });
    }, delay);
    this.#reconnect.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnect);
    const listener = this.#listener;
    this.#listener = undefined;
    this.#receivers.clear();
    await listener?.end().catch(() => {});
    await this.#publisher.end().catch(() => {});
  }
}
