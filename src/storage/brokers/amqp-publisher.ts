/**
 * The outbox relay's RabbitMQ adapter: publishes change events to a durable topic exchange, routing key
 * `<resource>.<action>`, as persistent messages on a confirm channel, and resolves a page once RabbitMQ
 * confirmed all of it. A confirm means every queue the message was routed to has it (persisted, for
 * durable queues); a message no queue is bound for is confirmed and dropped, as a topic exchange does.
 */
import { type ChannelModel, type ConfirmChannel, connect } from "amqplib";
import type { EventMessage, EventPublisher } from "./event-publisher.ts";

/** Options of {@link AmqpPublisher}. */
export interface AmqpPublisherOptions {
  /** `amqp://user:pass@host:5672/vhost`. */
  readonly url: string;
  /** The topic exchange, declared durable if it does not exist. */
  readonly exchange: string;
  /**
   * How long a page may wait for its confirms (or a connection) before it counts as failed and the
   * connection is dropped, so that a broker that went silent is noticed. @default 10000 ms
   */
  readonly confirmTimeoutMs?: number;
}

/** Publishes change events to a RabbitMQ topic exchange (see the module comment). */
export class AmqpPublisher implements EventPublisher {
  readonly kind = "amqp";
  readonly #options: Required<AmqpPublisherOptions>;
  #connection: ChannelModel | undefined;
  #channel: Promise<ConfirmChannel> | undefined;
  #closed = false;

  constructor(options: AmqpPublisherOptions) {
    this.#options = { confirmTimeoutMs: 10_000, ...options };
  }

  /** The confirm channel, connecting and declaring the exchange first if there is none. */
  #open(): Promise<ConfirmChannel> {
    if (this.#channel) return this.#channel;
    // Declared first: the attempt checks whether it is still the current one.
    let opening: Promise<ConfirmChannel> | undefined;
    opening = (async () => {
      const connection = await connect(this.#options.url, { timeout: this.#options.confirmTimeoutMs });
      // Given up on meanwhile (a timeout, close): this connection is nobody's.
      if (this.#channel !== opening || this.#closed) {
        await connection.close().catch(() => {});
        throw new Error("The AMQP connection was given up while it opened");
      }
      this.#connection = connection;
      // Without listeners a dropped connection would be an uncaught error; either way the next page reconnects.
      connection.on("error", () => this.#drop(connection));
      connection.on("close", () => this.#drop(connection));
      const channel = await connection.createConfirmChannel();
      channel.on("error", () => this.#drop(connection));
      channel.on("close", () => this.#drop(connection));
      await channel.assertExchange(this.#options.exchange, "topic", { durable: true });
      return channel;
    })();
    this.#channel = opening;
    opening.catch(() => {
      if (this.#channel === opening) this.#drop(this.#connection);
    });
    return opening;
  }

  /** Forgets a connection that failed (and closes it if it is still half open). */
  #drop(connection: ChannelModel | undefined): void {
    if (connection !== undefined && connection !== this.#connection) return;
    this.#connection = undefined;
    this.#channel = undefined;
    connection?.close().catch(() => {});
  }

  async publish(messages: readonly EventMessage[]): Promise<void> {
    if (this.#closed) throw new Error("The AMQP publisher is closed");
    if (messages.length === 0) return;
    const { exchange, confirmTimeoutMs } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`RabbitMQ did not confirm ${messages.length} message(s) within ${confirmTimeoutMs} ms`)),
        confirmTimeoutMs,
      );
    });
    const connection = this.#connection;
    try {
      await Promise.race([
        timeout,
        (async () => {
          const channel = await this.#open();
          for (const message of messages)
            channel.publish(exchange, message.topic, Buffer.from(message.body), {
              persistent: true,
              contentType: "application/json",
              messageId: message.id,
              type: message.topic,
              timestamp: Math.floor(message.timestamp / 1000),
              headers: message.headers,
            });
          await channel.waitForConfirms();
        })(),
      ]);
    } catch (error) {
      // Whatever was not confirmed is published again on a fresh connection.
      this.#drop(this.#connection ?? connection);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#channel = undefined;
    await connection?.close().catch(() => {});
  }
}
