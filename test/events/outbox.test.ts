// The transactional outbox: every committed write appends one event in its own
// transaction — with the revision, the actor and the changed fields — and a rolled-back write none;
// ids increase in commit order, also under concurrent writers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/runtime/errors.ts";
import { Outbox } from "../../src/storage/outbox.ts";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
let outbox: Outbox;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  outbox = new Outbox(t.db.prisma, t.testDb.url);
});
afterAll(() => t?.close());

const ada = { id: "ada", roles: ["admin"] };
const ctx = () => t.runtime.context({ actor: ada });
const events = (after: string) => outbox.after(after, 1000);

describe("every committed write appends an event", () => {
  it("create, patch, delete, restore, revert and purge: one event each, with revision, actor and changed fields", async () => {
    const start = await outbox.latestId();
    const posts = t.runtime.service("post");
    const post = await posts.create(ctx(), { title: "Evented", authorId: 1 });
    await posts.patch(ctx(), post.id, { title: "Evented again", views: 3 });
    await posts.delete(ctx(), post.id);
    await posts.restore(ctx(), post.id);
    await posts.revert(ctx(), post.id, 1);
    await posts.purge(ctx(), post.id);
    const found = await events(start);
    expect(found.map((e) => [e.resource, e.recordId, e.action, e.revisionNumber, e.actorId])).toEqual([
      ["post", String(post.id), "create", 1, "ada"],
      ["post", String(post.id), "patch", 2, "ada"],
      ["post", String(post.id), "delete", 3, "ada"],
      ["post", String(post.id), "restore", 4, "ada"],
      ["post", String(post.id), "revert", 5, "ada"],
      ["post", String(post.id), "purge", 6, "ada"],
    ]);
    const revisions = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(post.id) },
      orderBy: { number: "asc" },
    });
    expect(found.map((e) => e.revisionId)).toEqual(revisions.map((r) => r.id));
    // updatedBy stays "ada": not a change.
    expect([...(found[1]?.changed ?? [])].sort()).toEqual(["title", "updatedAt", "version", "views"]);
    expect(found[2]?.changed).toEqual(expect.arrayContaining(["deletedAt", "deletedBy"]));
    expect(found[0]?.changed).toEqual(expect.arrayContaining(["id", "title", "authorId"]));
    // Ids increase with every event.
    const ids = found.map((e) => BigInt(e.id));
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as bigint))).toBe(true);
  });

  it("cascades, hook writes and batch items each append their own event, in the same commit", async () => {
    const start = await outbox.latestId();
    const post = await t.runtime.service("post").create(ctx(), { title: "With comments", authorId: 1 });
    await t.runtime.service("comment").batch(ctx(), "create", [
      { body: "one", postId: post.id, authorId: 1 },
      { body: "two", postId: post.id, authorId: 1 },
    ]);
    await t.runtime.service("post").delete(ctx(), post.id);
    const found = await events(start);
    expect(found.map((e) => `${e.resource}:${e.action}`)).toEqual([
      "post:create",
      "comment:create",
      "comment:create",
      "comment:delete",
      "comment:delete",
      "post:delete",
    ]);
    // Resources without revisions still get events, without a revision.
    expect(found[1]?.revisionId).toBeNull();
  });

  it("a rolled-back write appends nothing: failed validation, a throwing hook, a failed batch", async () => {
    const start = await outbox.latestId();
    await failure(t.runtime.service("post").create(ctx(), { title: "x", authorId: 1 }));
    const hooks = t.runtime.on("tag").after("create", () => {
      throw new AppError("CONFLICT", "rolled back");
    });
    try {
      await failure(t.runtime.service("tag").create(ctx(), { name: "never-evented" }));
    } finally {
      hooks.off();
    }
    await failure(t.runtime.service("tag").batch(ctx(), "create", [{ name: "batch-ok" }, { name: "Bad Name" }]));
    expect(await events(start)).toEqual([]);
  });

  it("ids are handed out in commit order under concurrent writers: no reader can see a later id before an earlier one", async () => {
    const start = await outbox.latestId();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.runtime.service("tag").create(ctx(), { name: `concurrent-${i}` })),
    );
    const found = await events(start);
    expect(found).toHaveLength(30);
    // Consecutive: nothing drew an id and then committed after a later one.
    const ids = found.map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => (ids[0] as number) + i));
  });
});

describe("retention", () => {
  it("prune deletes old events every consumer has passed, and keeps the rest", async () => {
    const start = await outbox.latestId();
    for (let i = 0; i < 4; i++) await t.runtime.service("tag").create(ctx(), { name: `retained-${i}` });
    const made = await events(start);
    // Age them all; the consumers have passed the first two only.
    await t.db.prisma.event.updateMany({
      where: { id: { in: made.map((e) => BigInt(e.id)) } },
      data: { createdAt: new Date("2020-01-01T00:00:00Z") },
    });
    await t.db.prisma.eventCursor.deleteMany();
    await outbox.setCursor("bus", made[1]?.id as string);
    await outbox.setCursor("handler:slow", made[3]?.id as string);
    const pruned = await outbox.prune(new Date("2021-01-01T00:00:00Z"));
    expect(pruned).toBeGreaterThanOrEqual(2);
    const left = await t.db.prisma.event.findMany({
      where: { id: { in: made.map((e) => BigInt(e.id)) } },
      orderBy: { id: "asc" },
    });
    expect(left.map((e) => e.id.toString())).toEqual([made[2]?.id, made[3]?.id]);
  });
});
