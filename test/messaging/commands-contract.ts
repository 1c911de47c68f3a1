/**
 * The contract of broker commands (docs/guides/messaging.md#commands), run against every transport
 * over a real broker: rabbitmq-commands.test.ts and nats-commands.test.ts call it. A command acts as
 * the REST call of the same operation (same rules, same codes), a redelivery applies once, a refusal is
 * answered and never retried, a poison message is dead-lettered after N attempts.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CommandConsumer, startCommandConsumer } from "../../src/messaging/command-consumer.ts";
import { createCommandHandler } from "../../src/messaging/command-handler.ts";
import { isAppError } from "../../src/runtime/errors.ts";
import { createActorResolver } from "../../src/server/auth.ts";
import type { CommandTransport } from "../../src/storage/brokers/command-transport.ts";
import { EDITOR } from "../support/actors.ts";
import type { CommandClient } from "../support/command-clients.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { until } from "../support/until.ts";

/** What the contract needs of one broker: a consumer-side transport and a sender. */
export interface BrokerUnderTest {
  transport(): CommandTransport;
  client(): Promise<CommandClient>;
  /** Deletes what the transport declared on the shared broker (queues, streams). */
  cleanup(): Promise<void>;
}

/** Deliveries of a failing message before it is dead-lettered, in these tests. */
const MAX_ATTEMPTS = 3;
const EDITOR_KEY = "editor-key-for-commands";

/** Runs the command contract against the broker `make` gives. */
export function commandContract(name: string, make: () => BrokerUnderTest): void {
  describe(`commands over ${name}`, () => {
    let t: TestRuntime;
    let consumer: CommandConsumer;
    let client: CommandClient;
    let poisonAttempts = 0;
    let broker: BrokerUnderTest | undefined;
    const editor = () => ({ "x-api-key": EDITOR_KEY, idempotencyKey: randomUUID() });
    const tagCount = (name: string) => t.db.prisma.tag.count({ where: { name } });

    beforeAll(async () => {
      t = await createTestRuntime();
      // A bug of the server's side, for the poison message: a plain Error, not a refusal.
      t.runtime.on("tag").before("create", (op) => {
        if (String(op.input.name).startsWith("poison")) {
          poisonAttempts++;
          throw new Error("a bug in a hook");
        }
      });
      broker = make();
      const handler = createCommandHandler({
        runtime: t.runtime,
        resolveActor: await createActorResolver({ apiKeys: { [EDITOR_KEY]: EDITOR } }),
        retentionSeconds: 3600,
      });
      consumer = await startCommandConsumer({
        transport: broker.transport(),
        handler,
        maxAttempts: MAX_ATTEMPTS,
        onUnexpectedError: () => {},
      });
      client = await broker.client();
    });
    afterAll(async () => {
      await client?.close();
      await consumer?.close();
      await broker?.cleanup();
      await t?.close();
    });

    it("creates, changes, reads and deletes a record, as REST would", async () => {
      const created = await client.call({ resource: "tag", action: "create", data: { name: "mq-one" } }, editor());
      expect(created).toMatchObject({ ok: true, result: { name: "mq-one", version: 1 } });
      const id = created.result.id;
      expect(await t.db.prisma.tag.findUnique({ where: { id } })).toMatchObject({ name: "mq-one" });

      const patched = await client.call(
        { resource: "tags", action: "patch", id, data: { name: "mq-two" }, expectedVersion: 1 },
        editor(),
      );
      expect(patched).toMatchObject({ ok: true, result: { id, name: "mq-two", version: 2 } });
      const read = await client.call({ resource: "tag", action: "get", id }, editor());
      expect(read).toMatchObject({ ok: true, result: { id, name: "mq-two" } });
      // The runtime's revisions and outbox saw both writes, as for a REST write.
      expect(await t.db.prisma.revision.count({ where: { resource: "tag", recordId: String(id) } })).toBe(2);
      expect(await t.db.prisma.event.count({ where: { resource: "tag", recordId: String(id) } })).toBe(2);

      const deleted = await client.call({ resource: "tag", action: "delete", id }, editor());
      expect(deleted).toMatchObject({ ok: true, result: { id } });
      expect(await t.db.prisma.tag.findUnique({ where: { id } })).toBeNull();
    });

    it("answers a stale expectedVersion with CONFLICT (409) and changes nothing", async () => {
      const { result } = await client.call({ resource: "tag", action: "create", data: { name: "mq-stale" } }, editor());
      await client.call({ resource: "tag", action: "patch", id: result.id, data: { name: "mq-fresh" } }, editor());
      const stale = await client.call(
        { resource: "tag", action: "patch", id: result.id, data: { name: "mq-lost" }, expectedVersion: 1 },
        editor(),
      );
      expect(stale).toMatchObject({ ok: false, error: { code: "CONFLICT", status: 409 } });
      expect(await t.db.prisma.tag.findUnique({ where: { id: result.id } })).toMatchObject({
        name: "mq-fresh",
        version: 2,
      });
    });

    it("refuses the anonymous with the runtime's own code, as REST does", async () => {
      const direct = await t.runtime
        .service("tag")
        .create(t.runtime.context(), { name: "mq-anon-direct" })
        .then(
          () => undefined,
          (e: unknown) => (isAppError(e) ? e.code : e),
        );
      const reply = await client.call(
        { resource: "tag", action: "create", data: { name: "mq-anon" } },
        { idempotencyKey: randomUUID() },
      );
      expect(reply).toMatchObject({ ok: false, error: { code: direct } });
      expect(["UNAUTHENTICATED", "FORBIDDEN"]).toContain(reply.error.code);
      expect(await tagCount("mq-anon")).toBe(0);
    });

    it("answers a validation failure with REST's code and the field's message", async () => {
      const reply = await client.call({ resource: "tag", action: "create", data: { name: "Not A Slug" } }, editor());
      expect(reply).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", status: 422 } });
      expect(reply.error.errors).toHaveProperty("name");
      expect(await tagCount("Not A Slug")).toBe(0);
    });

    it("applies a command redelivered 5 times once, and answers each delivery the same", async () => {
      const headers = editor();
      const command = { resource: "tag", action: "create", data: { name: "mq-once" } };
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await client.send(command, headers));
      await until(() => ids.every((id) => client.replies(id).length > 0), 20_000, "5 replies");
      const replies = ids.map((id) => client.replies(id)[0]);
      expect(replies[0]).toMatchObject({ ok: true, result: { name: "mq-once" } });
      for (const reply of replies) expect(reply).toEqual(replies[0]);
      expect(await tagCount("mq-once")).toBe(1);
      expect(
        await t.db.prisma.event.count({
          where: { resource: "tag", action: "create", record: { path: ["name"], equals: "mq-once" } },
        }),
      ).toBe(1);
    });

    it("answers a message without an idempotencyKey, or that is not JSON or not a command, with BAD_REQUEST", async () => {
      const noKey = await client.call(
        { resource: "tag", action: "create", data: { name: "mq-nokey" } },
        { "x-api-key": EDITOR_KEY },
      );
      expect(noKey).toMatchObject({ ok: false, error: { code: "BAD_REQUEST", status: 400 } });
      expect(noKey.error.message).toMatch(/idempotencyKey/);
      const notJson = await client.call(Buffer.from("{not json"), editor());
      expect(notJson).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
      const notCommand = await client.call({ resource: "tag", action: "explode" }, editor());
      expect(notCommand).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
      expect(notCommand.error.message).toMatch(/action/);
      const unknown = await client.call({ resource: "nothing", action: "get", id: 1 }, editor());
      expect(unknown).toMatchObject({ ok: false, error: { code: "NOT_FOUND", status: 404 } });
      // Refusals are answered once, never retried nor dead-lettered.
      expect((await client.deadLetters()).count).toBe(0);
      expect(await tagCount("mq-nokey")).toBe(0);
    });

    it(`dead-letters a message failing on the server's side after ${MAX_ATTEMPTS} attempts, and goes on`, async () => {
      const reply = await client.call({ resource: "tag", action: "create", data: { name: "poison-pill" } }, editor());
      expect(reply).toMatchObject({ ok: false, error: { code: "INTERNAL", status: 500 } });
      expect(poisonAttempts).toBe(MAX_ATTEMPTS);
      await until(async () => (await client.deadLetters()).count === 1, 10_000, "the dead letter");
      expect((await client.deadLetters()).reasons).toEqual([`gave up after ${MAX_ATTEMPTS} attempts`]);
      expect(await tagCount("poison-pill")).toBe(0);
      // The queue is not blocked.
      const next = await client.call(
        { resource: "tag", action: "create", data: { name: "mq-after-poison" } },
        editor(),
      );
      expect(next).toMatchObject({ ok: true });
    });

    it("forgets a key once its receipt expired: the sweep deletes it, and the key runs afresh", async () => {
      const headers = editor();
      const command = { resource: "tag", action: "create", data: { name: "mq-expiring" } };
      expect(await client.call(command, headers)).toMatchObject({ ok: true });
      expect(await client.call(command, headers)).toMatchObject({ ok: true });
      await t.db.prisma.commandReceipt.update({
        where: { key: headers.idempotencyKey },
        data: { expiresAt: new Date(Date.now() - 60_000) },
      });
      expect(await t.runtime.store.receipts?.sweep()).toBeGreaterThanOrEqual(1);
      expect(await t.db.prisma.commandReceipt.count({ where: { key: headers.idempotencyKey } })).toBe(0);
      // Run again, not replayed: the name is taken now.
      expect(await client.call(command, headers)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
      expect(await tagCount("mq-expiring")).toBe(1);
    });

    it("lists records with list parameters", async () => {
      const reply = await client.call(
        {
          resource: "tag",
          action: "list",
          data: {
            filter: { field: "name", op: "startsWith", value: "mq-" },
            sort: [{ field: "name", direction: "asc" }],
            limit: 2,
          },
        },
        editor(),
      );
      expect(reply.ok).toBe(true);
      expect(reply.result.length).toBe(2);
      expect(reply.result.map((r: { name: string }) => r.name)).toEqual(
        [...reply.result.map((r: { name: string }) => r.name)].sort(),
      );
    });
  });
}
