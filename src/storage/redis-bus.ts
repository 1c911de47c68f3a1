/**
 * The Redis bus: PUBLISH on a channel, SUBSCRIBE on a connection of its own. For several instances at
 * scale (`REDIS_URL`). ioredis reconnects and resubscribes by itself; every reconnect is reported as a
 * resync (messages published meanwhile are lost; receivers refill from the outbox).
 */
import { Redis } from "ioredis";
import { type BusReceiver, chunkMessages, type EventBus, parseMessage } from "./event-bus.ts";
import type { ChangeEvent } from "./outbox.ts";

/** Options of {@link RedisBus}. */
export interface RedisBusOptions {
  url: string;
  /** @default "autograph:events" */
  channel?: string;
  onError?: (error: unknown) => void;
}

export class RedisBus implements EventBus {
  readonly kind = "redis";
  readonly #channel: string;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #receivers = new Set<BusReceiver>();
  #subscribed: Promise<void> | undefined;
  #ready = false;

  constructor(options: RedisBusOptions) {
    this.#channel = options.channel ?? "autograph:events";
    const onError = options.onError ?? (() => {});
    const settings = {
      maxRetriesPerRequest: 3,
      retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2000),
      lazyConnect: true,
    };
    this.#publisher = new Redis(options.url, settings);
    this.#subscriber = new Redis(options.url, settings);
    this.#publisher.on("error", onError);
    this.#subscriber.on("error", onError);
    this.#subscriber.on("message", (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const events = parseMessage(message);
      if (events) for (const r of this.#receivers) r.onEvents(events);
    });
    this.#subscriber.on("ready", () => {
      // The first ready is the initial connection; later ones follow a lost connection.
      if (this.#ready) for (const r of this.#receivers) r.onResync();
      this.#ready = true;
    });
  }

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    if (this.#publisher.status === "wait") await this.#publisher.connect();
    for (const message of chunkMessages(events, 512 * 1024)) await this.#publisher.publish(this.#channel, message);
  }

  async subscribe(receiver: BusReceiver): Promise<void> {
    this.#receivers.add(receiver);
    this.#subscribed ??= (async () => {
      await this.#subscriber.connect();
      await this.#subscriber.subscribe(this.#channel);
    })();
    await this.#subscribed;
  }

  async close(): Promise<void> {
    this.#receivers.clear();
    this.#subscriber.disconnect();
    this.#publisher.disconnect();
  }
}
