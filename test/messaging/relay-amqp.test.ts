// The outbox relay to RabbitMQ: the machine's broker behind a private TCP proxy (cut for the outage).
import { randomBytes } from "node:crypto";
import { connect } from "amqplib";
import type { RelayedEvent } from "../../src/messaging/relay-message.ts";
import { type Received, relayContract } from "../support/relay-contract.ts";
import { startTcpProxy } from "../support/tcp-proxy.ts";

const BROKER = { host: "127.0.0.1", port: 5672 };

relayContract(async () => {
  const proxy = await startTcpProxy(BROKER);
  const exchange = `autograph.test.relay.${randomBytes(4).toString("hex")}`;
  // The consumer talks to the broker directly: only the relay's connection goes through the proxy.
  const connection = await connect(`amqp://guest:guest@${BROKER.host}:${BROKER.port}`);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, "#");
  const received: Received[] = [];
  await channel.consume(
    queue,
    (message) => {
      if (!message) return;
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(message.properties.headers ?? {})) headers[key] = String(value);
      received.push({
        topic: message.fields.routingKey,
        headers,
        body: JSON.parse(message.content.toString()) as RelayedEvent,
        messageId: message.properties.messageId as string | undefined,
        persistent: message.properties.deliveryMode === 2,
      });
    },
    { noAck: true },
  );
  return {
    kind: "amqp",
    env: { MQ_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`, MQ_RELAY_EXCHANGE: exchange },
    topic: (resource, action) => `${resource}.${action}`,
    received: async () => [...received],
    cut: () => proxy.cut(),
    restore: () => proxy.restore(),
    async close() {
      await channel.deleteExchange(exchange);
      await connection.close();
      await proxy.close();
    },
  };
});
