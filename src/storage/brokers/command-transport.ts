/**
 * The port between the messaging core (src/messaging/command-consumer.ts) and a message broker that
 * carries commands: a transport hands each delivery over with what it needs to settle it (ack, retry,
 * dead-letter) and to answer it. RabbitMQ (rabbitmq-commands.ts) and NATS JetStream (nats-commands.ts)
 * implement it; the same contract tests run against both (test/messaging/commands-contract.ts).
 */

/** One delivery of a command message. Settle it exactly once: {@link ack}, {@link retry} or {@link deadLetter}. */
export interface CommandDelivery {
  /** The message body, as sent. */
  readonly body: Uint8Array;
  /** The message headers, names lowercased, values as text. */
  readonly headers: ReadonlyMap<string, string>;
  /** Which delivery of this message this is, from 1: the broker counts redeliveries. */
  readonly attempt: number;
  /** Whether the message names a reply address (AMQP `replyTo`, a NATS `reply-to` header). */
  readonly answerable: boolean;
  /** Sends `body` to the message's reply address, with its correlation id; does nothing without one. */
  reply(body: Uint8Array): Promise<void>;
  /** Done with it: the broker forgets the message. */
  ack(): Promise<void>;
  /** Not done: the broker delivers it again (to this or another consumer) after about `delayMs`. */
  retry(delayMs: number): Promise<void>;
  /** Given up: the message goes to the dead-letter queue or subject, with `reason`, and leaves this one. */
  deadLetter(reason: string): Promise<void>;
}

/** A broker's command queue, consumed. */
export interface CommandTransport {
  /** What it is, for logs: `rabbitmq amqp://host:5672 queue autograph.commands`. */
  readonly name: string;
  /**
   * Declares what it consumes from (queue or stream, and the dead-letter one) and starts handing
   * deliveries to `handle`, several at a time (the prefetch). `handle` settles each delivery itself and
   * never throws.
   */
  start(handle: (delivery: CommandDelivery) => Promise<void>): Promise<void>;
  /** Stops taking deliveries, waits for those being handled, and disconnects. */
  close(): Promise<void>;
}

/** Header of the reason a message was dead-lettered, on the dead-letter queue or subject. */
export const DEAD_LETTER_REASON_HEADER = "x-autograph-dead-letter-reason";
