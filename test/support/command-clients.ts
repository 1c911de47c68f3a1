/**
 * Senders of broker commands, as an application would write them: a RabbitMQ client (reply queue +
 * correlation id) and a NATS client (JetStream publish + an inbox in the `reply-to` header). Each sends
 * raw bodies with headers, collects replies by correlation id, and reads the dead-letter queue.
 */
import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, createInbox, headers as natsHeaders } from "@nats-io/transport-node";
import amqp from "amqplib";
import { until } from "./until.ts";

/** A command sender over one broker. */
export interface CommandClient {
  /** Sends a body (an object is sent as JSON) with headers; answers the correlation id of its reply. */
  send(body: unknown, headers?: Record<string, string>, correlationId?: string): Promise<string>;
  /** The replies received for a correlation id, in order. */
  replies(correlationId: string): unknown[];
  /** Sends and waits for the first reply. */
  call(body: unknown, headers?: Record<string, string>): Promise<{ ok: boolean; result?: any; error?: any }>;
  /** How many messages the dead-letter queue holds, and their reasons. */
  deadLetters(): Promise<{ count: number; reasons: string[] }>;
  close(): Promise<void>;
}

const encode = (body: unknown) => Buffer.from(body instanceof Uint8Array ? body : JSON.stringify(body));

function replyBook() {
  const book = new Map<string, unknown[]>();
  return {
    add(id: string | undefined, data: Uint8Array | Buffer) {
      if (!id) return;
      const list = book.get(id) ?? [];
      list.push(JSON.parse(Buffer.from(data).toString("utf8")));
      book.set(id, list);
    },
    get: (id: string) => book.get(id) ?? [],
  };
}

async function callWith(
  client: Pick<CommandClient, "send" | "replies">,
  body: unknown,
  headers?: Record<string, string>,
) {
  const id = await client.send(body, headers);
  await until(() => client.replies(id).length > 0, 20_000, `a reply to ${JSON.stringify(body).slice(0, 100)}`);
  return client.replies(id)[0] as { ok: boolean; result?: any; error?: any };
}

/** A RabbitMQ sender to `queue` (declared by the consumer, which must start first). */
export async function rabbitMqClient(url: string, queue: string): Promise<CommandClient> {
  const connection = await amqp.connect(url);
  // A broker that goes away emits errors: the test sees them as failed sends and missing replies.
  connection.on("error", () => {});
  const channel = await connection.createConfirmChannel();
  channel.on("error", () => {});
  const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  const book = replyBook();
  await channel.consume(replyQueue, (m) => m && book.add(m.properties.correlationId, m.content), { noAck: true });
  const client: CommandClient = {
    async send(body, headers = {}, correlationId = randomUUID()) {
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(
          queue,
          encode(body),
          { headers, replyTo: replyQueue, correlationId, persistent: true },
          (e) => (e ? reject(e) : resolve()),
        ),
      );
      return correlationId;
    },
    replies: (id) => book.get(id),
    call: (body, headers) => callWith(client, body, headers),
    async deadLetters() {
      const reasons: string[] = [];
      const peek = await connection.createChannel();
      for (;;) {
        const m = await peek.get(`${queue}.dlq`, { noAck: false });
        if (!m) break;
        reasons.push(String(m.properties.headers?.["x-autograph-dead-letter-reason"] ?? ""));
      }
      await peek.close(); // unacked: back on the queue
      return { count: reasons.length, reasons };
    },
    async close() {
      await connection.close().catch(() => {});
    },
  };
  return client;
}

/** A NATS sender to `<subject>.<resource>` on the stream the consumer declares (it must start first). */
export async function natsClient(url: string, subject: string, stream: string): Promise<CommandClient> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const js = jetstream(nc);
  const inbox = createInbox();
  const book = replyBook();
  const sub = nc.subscribe(inbox, { callback: (_e, m) => book.add(m.headers?.get("correlation-id"), m.data) });
  const client: CommandClient = {
    async send(body, headers = {}, correlationId = randomUUID()) {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, v);
      h.set("reply-to", inbox);
      h.set("correlation-id", correlationId);
      const resource = typeof body === "object" && body && "resource" in body ? String(body.resource) : "raw";
      await js.publish(`${subject}.${resource}`, encode(body), { headers: h });
      return correlationId;
    },
    replies: (id) => book.get(id),
    call: (body, headers) => callWith(client, body, headers),
    async deadLetters() {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(`${stream}_DLQ`);
      const reasons: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(`${stream}_DLQ`, { seq }).catch(() => null);
        if (m) reasons.push(m.header.get("x-autograph-dead-letter-reason"));
      }
      return { count: info.state.messages, reasons };
    },
    async close() {
      sub.unsubscribe();
      await nc.close();
    },
  };
  return client;
}

/** Deletes `queue` and its dead-letter queue and exchange from a RabbitMQ broker. */
export async function deleteRabbitMqQueue(url: string, queue: string): Promise<void> {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await channel.deleteQueue(`${queue}.dlq`);
  await channel.deleteExchange(`${queue}.dlx`);
  await connection.close();
}

/** Deletes `stream` and its dead-letter stream from a NATS server. */
export async function deleteNatsStreams(url: string, stream: string): Promise<void> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  for (const name of [stream, `${stream}_DLQ`]) await jsm.streams.delete(name).catch(() => false);
  await nc.close();
}
