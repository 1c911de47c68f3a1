/**
 * The outbox relay's NATS adapter: publishes change events to JetStream, subject
 * `<prefix>.<resource>.<action>`, each with `Nats-Msg-Id` = the event id (JetStream drops a message it
 * stored already within the stream's duplicate window, so a page published again adds nothing), and
 * resolves a page once JetStream acknowledged all of it (stored). The stream that captures the subjects
 * is created if missing; an existing one is used as it is.
 */
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import type { EventMessage, EventPublisher } from "./event-publisher.ts";

/** Options of {@link NatsPublisher}. */
export interface NatsPublisherOptions {
  /** `nats://host:4222` (several, comma-separated). */
  readonly url: string;
  /** The subjects' prefix: events go to `<subject>.<resource>.<action>`. */
  readonly subject: string;
  /** The JetStream stream, created over `<subject>.>` if it does not exist. */
  readonly stream: string;
  /** How long a page may wait for its acknowledgements (or a connection) before it counts as failed. @default 10000 ms */
  readonly ackTimeoutMs?: number;
}

interface Open {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
}

/** Publishes change events to NATS JetStream (see the module comment). */
export class NatsPublisher implements EventPublisher {
  readonly kind = "nats";
  readonly #options: Required<NatsPublisherOptions>;
  #open: Promise<Open> | undefined;
  #closed = false;

  constructor(options: NatsPublisherOptions) {
    this.#options = { ackTimeoutMs: 10_000, ...options };
  }

  /** The connection and its JetStream client; connects and makes sure of the stream first if there is none. */
  #connect(): Promise<Open> {
    if (this.#open) return this.#open;
    const { url, subject, stream, ackTimeoutMs } = this.#options;
    // Declared first: the attempt checks whether it is still the current one.
    let opening: Promise<Open> | undefined;
    opening = (async () => {
      const connection = await connect({
        servers: url.split(",").map((s) => s.trim()),
        timeout: ackTimeoutMs,
        // Reconnects on its own once it was connected; a page published meanwhile times out and is published again.
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      });
      if (this.#open !== opening || this.#closed) {
        await connection.close().catch(() => {});
        throw new Error("The NATS connection was given up while it opened");
      }
      connection.closed().then(() => {
        if (this.#open === opening) this.#open = undefined;
      });
      const manager = await jetstreamManager(connection, { timeout: ackTimeoutMs });
      try {
        await manager.streams.info(stream);
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
        await manager.streams.add({ name: stream, subjects: [`${subject}.>`] });
      }
      return { connection, js: jetstream(connection, { timeout: ackTimeoutMs }) };
    })();
    this.#open = opening;
    opening.catch(() => {
      if (this.#open === opening) this.#open = undefined;
    });
    return opening;
  }

  async publish(messages: readonly EventMessage[]): Promise<void> {
    if (this.#closed) throw new Error("The NATS publisher is closed");
    if (messages.length === 0) return;
    const { subject, ackTimeoutMs } = this.#options;
    const { js } = await this.#connect();
    // Sent in order on one connection (JetStream stores them in that order); acknowledged together.
    await Promise.all(
      messages.map((message) => {
        const h = headers();
        for (const [name, value] of Object.entries(message.headers)) h.set(name, value);
        return js.publish(`${subject}.${message.topic}`, message.body, {
          msgID: message.id,
          headers: h,
          timeout: ackTimeoutMs,
        });
      }),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    const open = this.#open;
    this.#open = undefined;
    const connection = await open?.then((o) => o.connection).catch(() => undefined);
    await connection?.close().catch(() => {});
  }
}
