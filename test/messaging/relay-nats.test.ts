// The outbox relay to NATS JetStream, on a private nats-server (killed and started again for the outage).
import { randomBytes } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { RelayedEvent } from "../../src/messaging/relay-message.ts";
import { startPrivateNats } from "../support/private-brokers.ts";
import { type Received, relayContract } from "../support/relay-contract.ts";

relayContract(async () => {
  const nats = await startPrivateNats();
  const suffix = randomBytes(4).toString("hex");
  const subject = `autograph.test.${suffix}`;
  const stream = `RELAY_TEST_${suffix}`;
  let connection: NatsConnection | undefined;
  const connected = async () => {
    if (!connection || connection.isClosed())
      connection = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    return connection;
  };
  /** The whole stream, read from its first message by an ordered consumer. */
  const read = async (): Promise<Received[]> => {
    const nc = await connected();
    const manager = await jetstreamManager(nc, { timeout: 2000 });
    const count = await manager.streams
      .info(stream)
      .then((info) => info.state.messages)
      .catch(() => 0);
    if (count === 0) return [];
    const consumer = await jetstream(nc, { timeout: 2000 }).consumers.get(stream);
    const out: Received[] = [];
    const messages = await consumer.fetch({ max_messages: count, expires: 5000 });
    for await (const m of messages) {
      const headers: Record<string, string> = {};
      for (const key of m.headers?.keys() ?? []) headers[key] = m.headers?.get(key) ?? "";
      out.push({ topic: m.subject, headers, body: m.json<RelayedEvent>(), messageId: headers["Nats-Msg-Id"] });
      if (out.length === count) break;
    }
    return out;
  };
  return {
    kind: "nats",
    env: { NATS_URL: nats.url, NATS_RELAY_SUBJECT: subject, NATS_RELAY_STREAM: stream },
    topic: (resource, action) => `${subject}.${resource}.${action}`,
    // The probe's own connection may be reconnecting after an outage: then nothing is read yet, and asked again.
    received: () => read().catch(() => []),
    cut: () => nats.kill(),
    restore: () => nats.start(),
    async close() {
      await connection?.close();
      await nats.close();
    },
  };
});
