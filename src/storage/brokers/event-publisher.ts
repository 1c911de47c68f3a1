/**
 * The port the outbox relay (src/messaging/relay.ts) publishes change events through: one adapter per
 * broker (`amqp-publisher.ts`, `nats-publisher.ts`). An adapter knows its broker's addressing and
 * acknowledgements; the relay knows the outbox, the order and the retries.
 */

/** One change event, ready for a broker. */
export interface EventMessage {
  /** The outbox event id: the broker's message id (dedup key). */
  readonly id: string;
  /** `<resource>.<action>`: the routing key (RabbitMQ) or the subject's tail (NATS). */
  readonly topic: string;
  /** The JSON body. */
  readonly body: Uint8Array;
  /** Headers every message carries (event id, resource, action). */
  readonly headers: Readonly<Record<string, string>>;
  /** The commit time, in milliseconds since the epoch. */
  readonly timestamp: number;
}

/** A broker the relay publishes to. */
export interface EventPublisher {
  /** Names the broker in logs and cursors: `amqp`, `nats`. */
  readonly kind: string;
  /**
   * Publishes `messages` in their order and resolves once the broker confirmed every one of them
   * (persisted, or routed where it keeps them); rejects if any was refused or the broker could not be
   * reached in time. Connects (again) as needed: a rejection leaves the publisher usable.
   */
  publish(messages: readonly EventMessage[]): Promise<void>;
  /** Closes the connection (waits for nothing unconfirmed: the relay publishes those again). */
  close(): Promise<void>;
}
