/**
 * A broker restart mid-stream (docs/guides/messaging.md#commands): a private broker, killed (SIGKILL)
 * while commands are in flight and started again on the same port and data. The sender does what the
 * guide asks of one: it resends each unanswered command with the same idempotencyKey. Every command is
 * then answered, and applied exactly once: no command is lost, none applied twice.
 *
 * The broker first restarts cleanly (SIGTERM) once the consumer has declared its queue or stream, as a
 * broker that has run for a while would have: RabbitMQ 3.10 saves a new quorum queue's Raft member to
 * its directory lazily (DETS, every few minutes, or at a clean shutdown), and a node SIGKILLed before
 * then starts with "0 registered servers": the queue has no leader ever again and `basic.consume`
 * times out (541). That is the broker's, not the consumer's, and docs/guides/messaging.md says so.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CommandConsumer, startCommandConsumer } from "../../src/messaging/command-consumer.ts";
import { createCommandHandler } from "../../src/messaging/command-handler.ts";
import { createActorResolver } from "../../src/server/auth.ts";
import type { CommandTransport } from "../../src/storage/brokers/command-transport.ts";
import { natsCommands } from "../../src/storage/brokers/nats-commands.ts";
import { rabbitMqCommands } from "../../src/storage/brokers/rabbitmq-commands.ts";
import { EDITOR } from "../support/actors.ts";
import { type CommandClient, natsClient, rabbitMqClient } from "../support/command-clients.ts";
import { type PrivateBroker, startPrivateNats, startPrivateRabbitMq } from "../support/private-brokers.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { until } from "../support/until.ts";

const KEY = "editor-key-for-restarts";
const COMMANDS = 40;

interface Setup {
  name: string;
  broker: () => Promise<PrivateBroker>;
  transport: (url: string) => CommandTransport;
  client: (url: string) => Promise<CommandClient>;
}

const setups: Setup[] = [
  {
    name: "NATS JetStream",
    broker: startPrivateNats,
    transport: (url) => natsCommands({ url, stream: "RESTART", subject: "restart.commands", prefetch: 4 }),
    client: (url) => natsClient(url, "restart.commands", "RESTART"),
  },
  {
    name: "RabbitMQ",
    broker: startPrivateRabbitMq,
    transport: (url) => rabbitMqCommands({ url, queue: "restart.commands", prefetch: 4 }),
    client: (url) => rabbitMqClient(url, "restart.commands"),
  },
];

describe.each(setups)("a $name restart mid-stream", (setup) => {
  let t: TestRuntime;
  let broker: PrivateBroker;
  let consumer: CommandConsumer;
  const clients: CommandClient[] = [];
  const prefix = `restart-${setup.name.split(" ")[0]?.toLowerCase()}-`;

  beforeAll(async () => {
    t = await createTestRuntime();
    broker = await setup.broker();
    consumer = await startCommandConsumer({
      transport: setup.transport(broker.url),
      handler: createCommandHandler({
        runtime: t.runtime,
        resolveActor: await createActorResolver({ apiKeys: { [KEY]: EDITOR } }),
        retentionSeconds: 3600,
      }),
      maxAttempts: 5,
    });
    await broker.stop();
    await broker.start();
  }, 180_000);
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    // Bounded, so the private broker is stopped even when a consumer cannot close.
    await Promise.race([consumer?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await broker?.close();
    await t?.close();
  }, 60_000);

  it("loses no command and applies none twice", async () => {
    const commands = Array.from({ length: COMMANDS }, (_, i) => ({
      body: { resource: "tag", action: "create", data: { name: `${prefix}${i}` } },
      headers: { "x-api-key": KEY, idempotencyKey: randomUUID() },
    }));
    // Each command's replies, whichever client (before or after the restart) received them.
    const replies = (i: number) =>
      clients.flatMap(
        (c) =>
          sent
            .get(c)
            ?.get(i)
            ?.flatMap((id) => c.replies(id)) ?? [],
      );
    const sent = new Map<CommandClient, Map<number, string[]>>();
    const send = async (client: CommandClient, i: number) => {
      const { body, headers } = commands[i] as (typeof commands)[number];
      const ids = sent.get(client) ?? new Map<number, string[]>();
      sent.set(client, ids);
      // A send the dying broker refuses is resent later, like any unanswered one.
      // A publish whose confirmation the dead broker never sends is given up after 5 s, as a sender would.
      const id = await Promise.race([
        client.send(body, headers).catch(() => undefined),
        new Promise<undefined>((resolve) => setTimeout(resolve, 5_000)),
      ]);
      if (id) ids.set(i, [...(ids.get(i) ?? []), id]);
    };

    const before = await setup.client(broker.url);
    clients.push(before);
    for (let i = 0; i < COMMANDS / 2; i++) await send(before, i);
    await until(() => replies(4).length > 0, 30_000, "the first replies");
    await broker.kill();
    await broker.start();

    const after = await setup.client(broker.url);
    clients.push(after);
    for (let i = COMMANDS / 2; i < COMMANDS; i++) await send(after, i);
    // The sender resends what is still unanswered, each time the answers stop coming for a while.
    let answered = 0;
    let quietSince = Date.now();
    await until(
      async () => {
        const now = commands.filter((_, i) => replies(i).length > 0).length;
        if (now !== answered) [answered, quietSince] = [now, Date.now()];
        if (answered === COMMANDS) return true;
        if (Date.now() - quietSince > 3_000) {
          quietSince = Date.now();
          for (let i = 0; i < COMMANDS; i++) if (replies(i).length === 0) await send(after, i);
        }
        return false;
      },
      90_000,
      () => `a reply to each of ${COMMANDS} commands (${answered} answered)`,
    );

    // Every reply says the create succeeded: a second application would have been a CONFLICT (unique name).
    for (let i = 0; i < COMMANDS; i++)
      for (const reply of replies(i)) expect(reply).toMatchObject({ ok: true, result: { name: `${prefix}${i}` } });
    const rows = await t.db.prisma.tag.findMany({ where: { name: { startsWith: prefix } } });
    expect(rows.length).toBe(COMMANDS);
    // One revision and one outbox event each: each applied exactly once.
    const ids = rows.map((r) => String(r.id));
    expect(await t.db.prisma.revision.count({ where: { resource: "tag", recordId: { in: ids } } })).toBe(COMMANDS);
    expect(await t.db.prisma.event.count({ where: { resource: "tag", recordId: { in: ids } } })).toBe(COMMANDS);
    expect(await t.db.prisma.commandReceipt.count()).toBe(COMMANDS);
  }, 300_000);
});
