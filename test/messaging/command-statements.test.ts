/**
 * What a command's write costs, as PostgreSQL itself counts it (pg_stat_statements). A first delivery:
 * one read of the receipt (a redelivery ends there), then REST's write (BEGIN, the one statement
 * writing the row, its revision and its event, COMMIT) with the receipt's claim before the statement
 * and its reply after it, in the same transaction (docs/guides/messaging.md#idempotency). A create
 * whose write needs a transaction of the runtime's (a hook inside it) claims its receipt there.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CommandHandler, createCommandHandler } from "../../src/messaging/command-handler.ts";
import { createActorResolver } from "../../src/server/auth.ts";
import { EDITOR } from "../support/actors.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type StatementStats, statementStats } from "../support/statement-stats.ts";

const KEY = "editor-key-for-statements";
let t: TestRuntime;
let stats: StatementStats;
let handle: CommandHandler;

beforeAll(async () => {
  t = await createTestRuntime();
  stats = await statementStats(t.testDb.url, ['%"Event"%"id" >%', '%"EventCursor"%']);
  handle = createCommandHandler({
    runtime: t.runtime,
    resolveActor: await createActorResolver({ apiKeys: { [KEY]: EDITOR } }),
    retentionSeconds: 3600,
  });
});

afterAll(async () => {
  await stats?.close();
  await t?.close();
});

const create = (name: string, idempotencyKey: string) =>
  handle(
    Buffer.from(JSON.stringify({ resource: "tag", action: "create", data: { name } })),
    new Map([
      ["x-api-key", KEY],
      ["idempotencykey", idempotencyKey],
    ]),
  );

describe("a command's statements, counted by PostgreSQL", () => {
  it("a create: the receipt's read, BEGIN, its claim, the one write statement, its reply, COMMIT", async (context) => {
    if (!stats.available) return context.skip();
    const key = randomUUID();
    const found = await stats.counted(async () => {
      expect(await create("counted-command", key)).toMatchObject({ answered: true, replayed: false });
    });
    const texts = found.texts.join("\n");
    const count = (pattern: RegExp) => found.texts.filter((q) => pattern.test(q)).length;
    expect(count(/^select .* from "CommandReceipt"/), texts).toBe(1);
    expect(count(/^insert into "CommandReceipt"/), texts).toBe(1);
    const write = found.texts.filter((q) => q.startsWith('WITH "written" AS (INSERT INTO "Tag"'));
    expect(write, texts).toHaveLength(1);
    expect(write[0]).toContain('INSERT INTO "Revision"');
    expect(write[0]).toContain('INSERT INTO "Event"');
    expect(count(/^update "CommandReceipt" set "reply"/), texts).toBe(1);
    expect(count(/^(BEGIN|COMMIT)$/), texts).toBe(2);
    expect(found.count, texts).toBe(6);
    // The receipt holds the reply the command got, committed with the row.
    const tag = await t.db.prisma.tag.findFirstOrThrow({ where: { name: "counted-command" } });
    const receipt = await t.db.prisma.commandReceipt.findUniqueOrThrow({ where: { key } });
    expect(receipt.reply).toMatchObject({ ok: true, result: { id: tag.id, name: "counted-command" } });
  });

  it("a redelivery: one read of the receipt, nothing written", async (context) => {
    if (!stats.available) return context.skip();
    const key = randomUUID();
    await create("counted-twice", key);
    const found = await stats.counted(async () => {
      expect(await create("counted-twice", key)).toMatchObject({ answered: true, replayed: true });
    });
    expect(found.count, found.texts.join("\n")).toBe(1);
    expect(await t.db.prisma.tag.count({ where: { name: "counted-twice" } })).toBe(1);
  });

  it("an onSuccess hook writing with the operation's context writes on its own: the receipt is the command's alone", async () => {
    // It stays registered (hooks cannot be removed); it acts on "parent" alone.
    t.runtime.on("tag").onSuccess("create", async (op) => {
      if (op.input.name === "parent") await t.runtime.service("tag").create(op.context, { name: "child" });
    });
    const key = randomUUID();
    expect(await create("parent", key)).toMatchObject({ answered: true, replayed: false, reply: { ok: true } });
    expect(await t.db.prisma.tag.count({ where: { name: { in: ["parent", "child"] } } })).toBe(2);
    expect(await create("parent", key)).toMatchObject({ answered: true, replayed: true });
    expect(await t.db.prisma.tag.count({ where: { name: "parent" } })).toBe(1);
    expect(await t.db.prisma.commandReceipt.count({ where: { key } })).toBe(1);
  });

  it("a create with a hook inside its transaction: the receipt is claimed and completed in the runtime's transaction", async (context) => {
    if (!stats.available) return context.skip();
    // Last in the file: the hook stays registered.
    t.runtime.on("tag").before("create", (op) => {
      op.input.name = `${String(op.input.name)}-hooked`;
    });
    const key = randomUUID();
    const found = await stats.counted(async () => {
      expect(await create("counted", key)).toMatchObject({
        answered: true,
        replayed: false,
        reply: { ok: true, result: { name: "counted-hooked" } },
      });
    });
    const texts = found.texts.join("\n");
    const count = (pattern: RegExp) => found.texts.filter((q) => pattern.test(q)).length;
    // Nothing began on the one-statement path: the write through the models, in one transaction.
    expect(count(/^WITH "written"/), texts).toBe(0);
    expect(count(/^INSERT INTO "public"."Tag"/), texts).toBe(1);
    expect(count(/^INSERT INTO "public"."Revision"/), texts).toBe(1);
    expect(count(/insert into "Event"/), texts).toBe(1);
    expect(count(/^insert into "CommandReceipt"/), texts).toBe(1);
    expect(count(/^update "CommandReceipt" set "reply"/), texts).toBe(1);
    expect(count(/^(BEGIN|COMMIT)$/), texts).toBe(2);
    expect(found.count, texts).toBe(8);
    expect(await create("counted", key)).toMatchObject({ answered: true, replayed: true });
    expect(await t.db.prisma.tag.count({ where: { name: "counted-hooked" } })).toBe(1);
  });
});
