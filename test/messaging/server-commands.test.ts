/**
 * Broker commands as the server runs them (MQ_URL, NATS_URL): the actor comes from a JWT in the
 * message's headers exactly as over HTTP, and what a command wrote is what REST then reads. Also the
 * boot error of a schema without the CommandReceipt model.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandHandler } from "../../src/messaging/command-handler.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import {
  type CommandClient,
  deleteNatsStreams,
  deleteRabbitMqQueue,
  natsClient,
  rabbitMqClient,
} from "../support/command-clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const secret = "a-secret-of-at-least-thirty-two-characters";
const token = (sub: string, roles: string[], expiresIn = "5m") =>
  new SignJWT({ sub, roles })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));

const amqpUrl = process.env.MQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const id = randomBytes(4).toString("hex");
const queue = `autograph.test.server.${id}`;
const stream = `AUTOGRAPH_TEST_SERVER_${id}`;
const subject = `autograph.test.server.${id}`;

describe("broker commands in the server", () => {
  let server: TestServer;
  const clients: Record<string, CommandClient> = {};

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        JWT_SECRET: secret,
        MQ_URL: amqpUrl,
        NATS_URL: natsUrl,
        COMMANDS_QUEUE: queue,
        COMMANDS_STREAM: stream,
        COMMANDS_SUBJECT: subject,
        COMMANDS_DURABLE: `server_${id}`,
      },
    });
    clients.RabbitMQ = await rabbitMqClient(amqpUrl, queue);
    clients.NATS = await natsClient(natsUrl, subject, stream);
  });
  afterAll(async () => {
    for (const client of Object.values(clients)) await client.close();
    await server?.close();
    await deleteRabbitMqQueue(amqpUrl, queue).catch(() => {});
    await deleteNatsStreams(natsUrl, stream).catch(() => {});
  });

  for (const broker of ["RabbitMQ", "NATS"])
    it(`acts as the JWT's subject over ${broker}, and REST reads what the command wrote`, async () => {
      const client = clients[broker] as CommandClient;
      const name = `server-${broker.toLowerCase()}`;
      const reply = await client.call(
        { resource: "tags", action: "create", data: { name } },
        { authorization: `Bearer ${await token("3", ["editor"])}`, idempotencyKey: randomUUID() },
      );
      expect(reply).toMatchObject({ ok: true, result: { name, version: 1 } });
      const response = await fetch(`${server.running.url}/api/tags/${reply.result.id}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(JSON.parse(JSON.stringify(reply.result)));
      // The revision records the JWT's subject as the author of the write.
      const revision = await server.db.prisma.revision.findFirst({
        where: { resource: "tag", recordId: String(reply.result.id) },
      });
      expect(revision?.actorId).toBe("3");

      const expired = await client.call(
        { resource: "tags", action: "create", data: { name: `${name}-expired` } },
        { authorization: `Bearer ${await token("3", ["editor"], "-2m")}`, idempotencyKey: randomUUID() },
      );
      expect(expired).toMatchObject({ ok: false, error: { code: "UNAUTHENTICATED", status: 401 } });
      expect(await server.db.prisma.tag.count({ where: { name: `${name}-expired` } })).toBe(0);
    });

  it("refuses to start without the CommandReceipt model, saying how to add it", async () => {
    const runtime = server.running.runtime;
    const withoutReceipts = createRuntime({ schema: runtime.schema, store: { ...runtime.store, receipts: undefined } });
    expect(() =>
      createCommandHandler({
        runtime: withoutReceipts,
        resolveActor: async () => ({ id: undefined, roles: [] }),
        retentionSeconds: 60,
      }),
    ).toThrow(/CommandReceipt model .* templates\/init\/prisma\/schema.prisma/);
  });
});
