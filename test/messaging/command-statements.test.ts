/**
 * What a command's write costs, as PostgreSQL itself counts it (pg_stat_statements). A first delivery:
 * one read of the receipt (a redelivery would end there), then BEGIN, the receipt's claim, the write as
 * the transactional pipeline makes it (the row, its revision, its outbox event: three statements where
 * REST's create is one), the receipt's reply, COMMIT (docs/guides/messaging.md#idempotency).
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
  it("a create: the receipt's read, BEGIN, its claim, the row, revision and event, its reply, COMMIT", async (context) => {
    if (!stats.available) return context.skip();
    const key = randomUUID();
    const found = await stats.counted(async () => {
      expect(await create("counted-command", key)).toMatchObject({ answered: true, replayed: false });
    });
    const texts = found.texts.join("\n");
    const count = (pattern: RegExp) => found.texts.filter((q) => pattern.test(q)).length;
    expect(count(/^select .* from "CommandReceipt"/), texts).toBe(1);
    expect(count(/^insert into "CommandReceipt"/), texts).toBe(1);
    expect(count(/^INSERT INTO "public"."Tag"/), texts).toBe(1);
    expect(count(/^INSERT INTO "public"."Revision"/), texts).toBe(1);
    expect(count(/insert into "Event"/), texts).toBe(1);
    expect(count(/^update "CommandReceipt" set "reply"/), texts).toBe(1);
    expect(count(/^(BEGIN|COMMIT)$/), texts).toBe(2);
    expect(found.count, texts).toBe(8);
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
});
