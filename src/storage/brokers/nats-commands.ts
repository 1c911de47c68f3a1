/**
 * Commands over NATS JetStream (@nats-io/jetstream): a stream of the subjects `<subject>.>` and a durable
 * pull consumer with explicit acks, at most `prefetch` messages unacked at once.
 *
 * JetStream counts each message's deliveries, which gives a delivery its attempt number; `max_deliver`
 * is a backstop should a consumer die on a message again and again. Dead letters are published to the
 * subject `<subject>-dlq`, kept by the stream `<stream>_DLQ`. A JetStream publish answers the publisher
 * with the stream's acknowledgement, so a command names where its reply goes in a `reply-to` header (an
 * inbox the sender subscribes to), not in the message's own reply subject. The client reconnects on its
 * own after the server restarts; the stream and the consumer are durable on the server.
 */
import { AckPolicy, type ConsumerMessages, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import { connect, headers as natsHeaders, nanos, type NatsConnection } from "@nats-io/transport-node";
import { type CommandDelivery, type CommandTransport, DEAD_LETTER_REASON_HEADER } from "./command-transport.ts";

/** Options of {@link natsCommands}. */
export interface NatsCommandsOptions {
  /** The server, a nats:// URL (several comma-separated). */
  url: string;
  /** The stream. @default "AUTOGRAPH_COMMANDS" */
  stream?: string;
  /** The subject prefix: commands are published to `<subject>.<anything>`. @default "autograph.commands" */
  subject?: string;
  /** The durable consumer. @default "autograph" */
  durable?: string;
  /** Messages unacked at once. @default 16 */
  prefetch?: number;
  /** The consumer's `max_deliver`: beyond it the server delivers a message no more. @default 10 */
  maxDeliver?: number;
  /** Told of connection trouble (the client keeps reconnecting). */
  onError?: (error: Error) => void;
}

/** Header naming where a NATS command's reply goes (the sender's inbox). */
export const NATS_REPLY_TO_HEADER = "reply-to";

/** The NATS JetStream command transport. */
export function natsCommands(options: NatsCommandsOptions): CommandTransport {
  const stream = options.stream ?? "AUTOGRAPH_COMMANDS";
  const subject = options.subject ?? "autograph.commands";
  const durable = options.durable ?? "autograph";
  const prefetch = options.prefetch ?? 16;
  const dlqSubject = `${subject}-dlq`;
  let nc: NatsConnection | undefined;
  let messages: ConsumerMessages | undefined;
  let loop: Promise<void> | undefined;
  const inHand = new Set<Promise<void>>();
  return {
    name: `nats ${options.url} stream ${stream} subject ${subject}.>`,
    async start(handle) {
      nc = await connect({
        servers: options.url.split(","),
        maxReconnectAttempts: -1,
        reconnectTimeWait: 200,
        name: `autograph commands ${durable}`,
      });
      const connection = nc;
      void (async () => {
        for await (const status of connection.status())
          if (status.type === "error" || status.type === "disconnect")
            options.onError?.(
              new Error(`NATS ${status.type}: ${"error" in status ? String(status.error) : options.url}`),
            );
      })();
      const jsm = await jetstreamManager(nc);
      await ensureStream(jsm, { name: stream, subjects: [`${subject}.>`] });
      await ensureStream(jsm, { name: `${stream}_DLQ`, subjects: [dlqSubject] });
      const limits = { max_ack_pending: prefetch, max_deliver: options.maxDeliver ?? 10, ack_wait: nanos(30_000) };
      // A consumer that exists keeps its place in the stream; a changed prefetch or limit updates it.
      await jsm.consumers
        .add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, ...limits })
        .catch(() => jsm.consumers.update(stream, durable, limits));
      const js = jetstream(nc);
      const consumer = await js.consumers.get(stream, durable);
      messages = await consumer.consume({ max_messages: prefetch });
      const source = messages;
      loop = (async () => {
        for await (const message of source) {
          const work = handle(delivery(connection, js, message, dlqSubject));
          inHand.add(work);
          void work.finally(() => inHand.delete(work));
        }
      })();
    },
    async close() {
      await messages?.close();
      await loop?.catch(() => {});
      await Promise.allSettled([...inHand]);
      await nc?.drain().catch(() => {});
    },
  };
}

/** Creates the stream, or leaves it as it is when it exists (its subjects updated to these). */
async function ensureStream(
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  config: { name: string; subjects: string[] },
): Promise<void> {
  try {
    const info = await jsm.streams.info(config.name);
    if (config.subjects.some((s) => !info.config.subjects?.includes(s)))
      await jsm.streams.update(config.name, { ...info.config, subjects: config.subjects });
  } catch {
    await jsm.streams.add(config);
  }
}

/** One JetStream message as a {@link CommandDelivery}. */
function delivery(
  nc: NatsConnection,
  js: ReturnType<typeof jetstream>,
  message: JsMsg,
  dlqSubject: string,
): CommandDelivery {
  const headers = new Map<string, string>();
  for (const name of message.headers?.keys() ?? []) headers.set(name.toLowerCase(), message.headers?.get(name) ?? "");
  const replyTo = headers.get(NATS_REPLY_TO_HEADER);
  const correlationId = headers.get("correlation-id");
  let settled = false;
  const settle = async (work: () => unknown) => {
    if (settled) return;
    settled = true;
    await work();
  };
  return {
    body: message.data,
    headers,
    attempt: message.info.deliveryCount,
    answerable: replyTo !== undefined && replyTo !== "",
    async reply(body) {
      if (!replyTo) return;
      const h = natsHeaders();
      if (correlationId) h.set("correlation-id", correlationId);
      nc.publish(replyTo, body, { headers: h });
    },
    // Acked and confirmed: an ack lost to a restart would only bring the command back to its receipt.
    ack: () => settle(() => message.ackAck()),
    retry: (delayMs) => settle(() => message.nak(delayMs)),
    deadLetter: (reason) =>
      settle(async () => {
        const h = natsHeaders();
        for (const [name, value] of headers) h.set(name, value);
        h.set(DEAD_LETTER_REASON_HEADER, reason);
        h.set("x-autograph-subject", message.subject);
        await js.publish(dlqSubject, message.data, { headers: h });
        message.term(reason);
      }),
  };
}
