// Soft delete in the runtime: delete moves a record to the trash, every read leaves
// the trash out unless asked, restore and purge, and the relations' delete rules (restrict, cascade,
// set null) behave the same way for soft and hard deletes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
});
afterAll(() => t?.close());

const ctx = () => t.runtime.context({ actor: ADMIN });
const posts = () => t.runtime.service("post");
const comments = () => t.runtime.service("comment");

/** A post with comments, made for one test. */
async function postWithComments(title: string, count = 2) {
  const post = await posts().create(ctx(), { title, authorId: 1 });
  const made = [];
  for (let i = 0; i < count; i++)
    made.push(await comments().create(ctx(), { body: `${title} ${i}`, postId: post.id, authorId: 2 }));
  return { post, comments: made };
}

describe("delete moves to the trash", () => {
  it("keeps the row, sets deletedAt, and hides it from get, list, count and getMany", async () => {
    const { post } = await postWithComments("Trash basics", 0);
    const before = await posts().count(ctx());
    const deleted = await posts().delete(ctx(), post.id);
    expect(deleted.deletedAt).toBeInstanceOf(Date);
    expect(await t.db.prisma.post.count({ where: { id: post.id as number } })).toBe(1);
    expect((await failure(posts().get(ctx(), post.id))).code).toBe("NOT_FOUND");
    expect(await posts().count(ctx())).toBe(before - 1);
    expect(await posts().getMany(ctx(), [post.id, 1])).toHaveLength(1);
    const { records } = await posts().list(ctx(), { filter: { field: "title", op: "eq", value: "Trash basics" } });
    expect(records).toEqual([]);
  });

  it("lists the trash alone (only) or with the live records (include); get finds a trashed record when asked", async () => {
    const { post } = await postWithComments("Trash listing", 0);
    await posts().delete(ctx(), post.id);
    const only = await posts().list(ctx(), { deleted: "only", withTotal: true, limit: 1000 });
    expect(only.records.map((r) => r.id)).toContain(post.id);
    expect(only.records.every((r) => r.deletedAt instanceof Date)).toBe(true);
    expect(only.total).toBe(await t.db.prisma.post.count({ where: { deletedAt: { not: null } } }));
    const include = await posts().count(ctx(), undefined, "include");
    expect(include).toBe(await t.db.prisma.post.count());
    expect((await posts().get(ctx(), post.id, { deleted: "include" })).id).toBe(post.id);
    expect((await posts().get(ctx(), post.id, { deleted: "only" })).id).toBe(post.id);
    expect((await failure(posts().get(ctx(), 1, { deleted: "only" }))).code).toBe("NOT_FOUND");
  });

  it("a trashed record cannot be changed or deleted again (404 saying so)", async () => {
    const { post } = await postWithComments("Trash frozen", 0);
    await posts().delete(ctx(), post.id);
    const error = await failure(posts().patch(ctx(), post.id, { views: 1 }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("in the trash");
    expect((await failure(posts().delete(ctx(), post.id))).code).toBe("NOT_FOUND");
  });

  it("asking for the trash of a resource without soft delete, or a bogus mode, is a 400", async () => {
    expect((await failure(t.runtime.service("tag").list(ctx(), { deleted: "only" }))).message).toBe(
      "tags have no trash: they are not soft-deleted.",
    );
    expect((await failure(posts().list(ctx(), { deleted: "bogus" as never }))).code).toBe("BAD_REQUEST");
    expect((await failure(t.runtime.service("tag").restore(ctx(), 1))).code).toBe("BAD_REQUEST");
  });
});

describe("restore and purge", () => {
  it("restore brings the record back, and only a trashed one", async () => {
    const { post } = await postWithComments("Restore me", 0);
    expect((await failure(posts().restore(ctx(), post.id))).code).toBe("CONFLICT");
    await posts().delete(ctx(), post.id);
    const restored = await posts().restore(ctx(), post.id);
    expect(restored.deletedAt).toBeNull();
    expect((await posts().get(ctx(), post.id)).title).toBe("Restore me");
  });

  it("purge removes a live or trashed record for good", async () => {
    const live = await postWithComments("Purge live", 0);
    const trashed = await postWithComments("Purge trashed", 0);
    await posts().delete(ctx(), trashed.post.id);
    await posts().purge(ctx(), live.post.id);
    await posts().purge(ctx(), trashed.post.id);
    expect(
      await t.db.prisma.post.count({ where: { id: { in: [live.post.id as number, trashed.post.id as number] } } }),
    ).toBe(0);
    expect((await failure(posts().purge(ctx(), live.post.id))).code).toBe("NOT_FOUND");
  });

  it("restore and purge honour the expected version", async () => {
    const { post } = await postWithComments("Versioned trash", 0);
    const deleted = await posts().delete(ctx(), post.id);
    const stale = await failure(
      posts().restore(ctx(), post.id, { expectedVersion: post.version as number, mismatch: "PRECONDITION_FAILED" }),
    );
    expect(stale).toMatchObject({ code: "PRECONDITION_FAILED", details: { currentVersion: deleted.version } });
    await posts().restore(ctx(), post.id, { expectedVersion: deleted.version as number });
  });
});

describe("relation delete rules", () => {
  it("cascade: trashing a post trashes its live comments at the same instant; restoring brings exactly those back", async () => {
    const { post, comments: made } = await postWithComments("Cascade", 3);
    const [first, second, third] = made.map((c) => c.id as string);
    await comments().delete(ctx(), first); // trashed on its own, earlier
    await posts().delete(ctx(), post.id);
    const rows = await t.db.prisma.comment.findMany({
      where: { postId: post.id as number },
      orderBy: { createdAt: "asc" },
    });
    expect(rows.every((r) => r.deletedAt !== null)).toBe(true);
    const parent = await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id as number } });
    expect(
      rows
        .filter((r) => r.deletedAt?.getTime() === parent.deletedAt?.getTime())
        .map((r) => r.id)
        .sort(),
    ).toEqual([second, third].sort());

    await posts().restore(ctx(), post.id);
    const after = await t.db.prisma.comment.findMany({ where: { postId: post.id as number } });
    expect(
      after
        .filter((r) => r.deletedAt === null)
        .map((r) => r.id)
        .sort(),
    ).toEqual([second, third].sort());
    expect(after.find((r) => r.id === first)?.deletedAt).not.toBeNull();
  });

  it("a comment cannot be restored while its post is in the trash", async () => {
    const { post, comments: made } = await postWithComments("Parent trashed", 1);
    await posts().delete(ctx(), post.id);
    const error = await failure(comments().restore(ctx(), made[0]?.id));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain("is in the trash");
  });

  it("purge cascades to every comment, trashed ones included", async () => {
    const { post, comments: made } = await postWithComments("Purge cascade", 2);
    await comments().delete(ctx(), made[0]?.id);
    await posts().purge(ctx(), post.id);
    expect(await t.db.prisma.comment.count({ where: { postId: post.id as number } })).toBe(0);
  });

  it("restrict: a user with live posts cannot be deleted; the message counts them", async () => {
    const user = await t.runtime
      .service("user")
      .create(ctx(), { email: "restrict@example.com", name: "Restricted", passwordHash: "x" });
    const post = await posts().create(ctx(), { title: "Blocking", authorId: user.id });
    const error = await failure(t.runtime.service("user").delete(ctx(), user.id));
    expect(error).toMatchObject({ code: "CONFLICT", details: { relation: "posts", count: 1 } });
    expect(await t.db.prisma.user.count({ where: { id: user.id as number } })).toBe(1);
    await posts().purge(ctx(), post.id);
    await t.runtime.service("user").delete(ctx(), user.id);
    expect(await t.db.prisma.user.count({ where: { id: user.id as number } })).toBe(0);
  });

  it("restrict on purge counts trashed children too", async () => {
    const user = await t.runtime
      .service("user")
      .create(ctx(), { email: "restrict2@example.com", name: "Restricted", passwordHash: "x" });
    const post = await posts().create(ctx(), { title: "Trashed blocker", authorId: user.id });
    await posts().delete(ctx(), post.id);
    expect((await failure(t.runtime.service("user").purge(ctx(), user.id))).details).toMatchObject({
      relation: "posts",
      count: 1,
    });
  });
});

describe("set null", () => {
  it("replies keep their parent while it is in the trash (it reads as absent) and lose it when it is purged", async () => {
    const { post, comments: made } = await postWithComments("Threads", 1);
    const parent = made[0]?.id as string;
    const reply = await comments().create(ctx(), { body: "a reply", postId: post.id, authorId: 1, parentId: parent });
    await comments().delete(ctx(), parent);
    expect((await t.db.prisma.comment.findUniqueOrThrow({ where: { id: reply.id as string } })).parentId).toBe(parent);
    const c = ctx();
    expect(await comments().related(c, await comments().get(c, reply.id), "parent")).toBeNull();
    // The parent is optional: the reply can be trashed and restored while its parent stays in the trash.
    await comments().delete(ctx(), reply.id);
    await comments().restore(ctx(), reply.id);
    await comments().purge(ctx(), parent);
    expect((await t.db.prisma.comment.findUniqueOrThrow({ where: { id: reply.id as string } })).parentId).toBeNull();
    expect(await t.db.prisma.comment.count({ where: { id: parent } })).toBe(0);
  });
});

describe("reads through relations leave the trash out", () => {
  it("relation filters, nested relations and aggregates", async () => {
    const { post, comments: made } = await postWithComments("Relations and trash", 2);
    await comments().delete(ctx(), made[0]?.id);
    const c = ctx();
    const record = await posts().get(c, post.id);
    const nested = (await posts().related(c, record, "comments")) as { id: unknown }[];
    expect(nested.map((x) => x.id)).toEqual([made[1]?.id]);
    const withTrashedOnly = await posts().list(ctx(), {
      filter: {
        relation: "comments",
        quantifier: "some",
        filter: { field: "body", op: "contains", value: "Relations and trash 0" },
      },
    });
    expect(withTrashedOnly.records).toEqual([]);
    const every = await posts().list(ctx(), {
      filter: {
        and: [
          { field: "title", op: "eq", value: "Relations and trash" },
          { relation: "comments", quantifier: "every", filter: { field: "body", op: "contains", value: "trash 1" } },
        ],
      },
    });
    expect(every.records.map((r) => r.id)).toEqual([post.id]);
    const [group] = await comments().aggregate(ctx(), { field: "postId", op: "eq", value: post.id }, {});
    expect(group?.count).toBe(1);
    const found = await comments().list(ctx(), { filter: { search: "Relations" }, withTotal: true });
    expect(found.records.map((r) => r.id)).not.toContain(made[0]?.id);
  });

  it("a trashed post's comments do not reach it through the post relation", async () => {
    const { post, comments: made } = await postWithComments("Orphaned view", 1);
    await posts().delete(ctx(), post.id);
    await comments()
      .restore(ctx(), made[0]?.id)
      .catch(() => undefined);
    const c = ctx();
    const comment = await comments().get(c, made[0]?.id, { deleted: "include" });
    expect(await comments().related(c, comment, "post")).toBeNull();
  });
});
