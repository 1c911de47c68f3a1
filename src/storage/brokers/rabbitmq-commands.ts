/**
 * Commands over RabbitMQ (amqplib): a durable quorum queue, consumed with manual acks and a prefetch.
 *
 * A quorum queue counts the deliveries of each message (`x-delivery-count`), which gives a delivery its
 * attempt number; its `x-delivery-limit` is a backstop should a consumer die on a message again and again
 * before settling it. Dead letters go through the exchange `<queue>.dlx` to the durable queue
 * `<queue>.dlq`. The connection recovers on its own after the broker restarts (amqplib's recovery):
 * the topology and the consumer are set up again, and the messages that were in hand unacked are
 * delivered again by the broker, where the command receipts make them harmless.
 */
import amqp from "amqplib";
import { type CommandDelivery, type CommandTransport, DEAD_LETTER_REASON_HEADER } from "./command-transport.ts";

/** Options of {@link rabbitMqCommands}. */
export interface RabbitMqCommandsOptions {
  /** The broker, an amqp:// or amqps:// URL. */
  url: string;
  /** The command queue. @default "autograph.commands" */
  queue?: string;
  /** Deliveries handled at once. @default 16 */
  prefetch?: number;
  /** The quorum queue's delivery limit, after which the broker dead-letters a message itself. @default 10 */
  deliveryLimit?: number;
  /** Told of connection losses and failed reconnects (the transport keeps reconnecting). */
  onError?: (error: Error) => void;
}

/** The RabbitMQ command transport. */
export function rabbitMqCommands(options: RabbitMqCommandsOptions): CommandTransport {
  const queue = options.queue ?? "autograph.commands";
  const prefetch = options.prefetch ?? 16;
  const dlx = `${queue}.dlx`;
  const dlq = `${queue}.dlq`;
  let connection: amqp.RecoveringChannelModel | undefined;
  const inHand = new Set<Promise<void>>();
  let closing = false;
  return {
    name: `rabbitmq ${options.url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@")} queue ${queue}`,
    async start(handle) {
      connection = await amqp.connect(options.url, {
        recovery: {
          initialDelay: 100,
          maxDelay: 2_000,
          initialMaxRetries: 3,
          setup: async (model: amqp.ChannelModel) => {
            // Each connection's own errors (a broker closing it, 541 at its shutdown) are the recovery's to handle.
            model.on("error", (error: Error) => options.onError?.(error));
            const channel = await model.createConfirmChannel();
            channel.on("error", (error: Error) => options.onError?.(error));
            // The recovery reconnects when the connection closes, not when only the channel does, nor when
            // the broker cancels the consumer (a queue recovering after a broker restart): then this
            // connection would stay open and receive nothing. Closing it hands over to the recovery,
            // which sets everything up again on a new one.
            const restart = () => {
              if (!closing) model.close().catch(() => {});
            };
            channel.on("close", restart);
            await channel.assertExchange(dlx, "fanout", { durable: true });
            await channel.assertQueue(dlq, { durable: true });
            await channel.bindQueue(dlq, dlx, "");
            await channel.assertQueue(queue, {
              durable: true,
              arguments: {
                "x-queue-type": "quorum",
                "x-dead-letter-exchange": dlx,
                "x-delivery-limit": options.deliveryLimit ?? 10,
              },
            });
            await channel.prefetch(prefetch);
            await channel.consume(
              queue,
              (message) => {
                if (!message) return restart(); // the broker cancelled the consumer
                if (closing) return;
                const work = handle(delivery(channel, message, dlx));
                inHand.add(work);
                void work.finally(() => inHand.delete(work));
              },
              { noAck: false },
            );
          },
        },
      });
      connection.on("disconnect", (error: Error) => options.onError?.(error));
      connection.on("reconnect-failed", (error: Error) => options.onError?.(error));
      connection.on("error", (error: Error) => options.onError?.(error));
    },
    async close() {
      closing = true;
      await Promise.allSettled([...inHand]);
      await connection?.close().catch(() => {});
    },
  };
}

/** One AMQP message as a {@link CommandDelivery}. */
function delivery(channel: amqp.ConfirmChannel, message: amqp.ConsumeMessage, dlx: string): CommandDelivery {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(message.properties.headers ?? {}))
    if (value !== undefined && value !== null)
      headers.set(name.toLowerCase(), Buffer.isBuffer(value) ? value.toString() : String(value));
  const { replyTo, correlationId } = message.properties;
  const count = Number(headers.get("x-delivery-count") ?? 0);
  let settled = false;
  const settle = async (work: () => unknown): Promise<void> => {
    if (settled) return;
    settled = true;
    await work();
  };
  return {
    body: message.content,
    headers,
    attempt: (Number.isSafeInteger(count) ? count : 0) + 1,
    answerable: typeof replyTo === "string" && replyTo !== "",
    async reply(body) {
      if (!replyTo) return;
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(
          replyTo,
          Buffer.from(body),
          { correlationId, contentType: "application/json", persistent: false },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    },
    ack: () => settle(() => channel.ack(message)),
    retry: (delayMs) =>
      settle(
        () =>
          new Promise<void>((resolve) => {
            // Held unacked meanwhile: a quorum queue puts a nacked message back at once, and counts it.
            const timer = setTimeout(() => {
              try {
                channel.nack(message, false, true);
              } catch {
                // The channel closed: the broker redelivers the message anyway.
              }
              resolve();
            }, delayMs);
            timer.unref();
          }),
      ),
    deadLetter: (reason) =>
      settle(async () => {
        // Published with the reason, then acked: a crash between the two leaves a copy, never a loss.
        await new Promise<void>((resolve, reject) =>
          channel.publish(
            dlx,
            "",
            message.content,
            {
              headers: { ...message.properties.headers, [DEAD_LETTER_REASON_HEADER]: reason },
              correlationId,
              replyTo,
              persistent: true,
            },
            (error) => (error ? reject(error) : resolve()),
          ),
        );
        channel.ack(message);
      }),
  };
}
