// Nested writes over REST (rest-dialect.md §28): a post written with its author, tags and comments in
// one request, each related write through its own pipeline, in one transaction; checked in the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/runtime/context.ts";
import { ADMIN, EDITOR } from "../support/actors.ts";
import { type StatementStats, statementStats } from "../support/statement-stats.ts";
import { createRestFixture, type RestFixture } from "./harness.ts";

/** User 9, an author: writes their own posts, tags, and comments of their own. */
const AUTHOR: Actor = Object.freeze({ id: "9", roles: Object.freeze(["author"]) });
const ACTORS: Record<string, Actor> = { admin: ADMIN, editor: EDITOR, author: AUTHOR };

let t: RestFixture;
let stats: StatementStats;
beforeAll(async () => {
  t = await createRestFixture({
    rest: {
      contextFor: (request) => t.runtime.context({ actor: ACTORS[request.headers.get("x-actor") ?? "admin"] ?? ADMIN }),
    },
  });
  stats = await statementStats(t.testDb.url);
});
afterAll(async () => {
  await stats?.close();
  await t?.close();
});

async function send(
  method: string,
  path: string,
  body: unknown,
  actor = "admin",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await t.send(method, path, body, { "x-actor": actor });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function tagIdsOf(postId: number): Promise<number[]> {
  const links = await t.db.prisma.postTag.findMany({ where: { postId }, orderBy: { tagId: "asc" } });
  return links.map((l) => l.tagId);
}

/** Rows of every table a nested write of a post touches, to show a failed one left them all alone. */
async function snapshot(): Promise<number[]> {
  const p = t.db.prisma;
  return Promise.all([
    p.post.count(),
    p.tag.count(),
    p.postTag.count(),
    p.comment.count(),
    p.user.count(),
    p.revision.count(),
    p.event.count(),
  ]);
}

describe("§28 nested create", () => {
  it("creates a post with its author connected, tags connected and created, comments created: one transaction, each record its own revision and event", async () => {
    const created = await send("POST", "/api/posts", {
      title: "Nested one",
      author: { connect: { id: 3 } },
      tags: { connect: [{ id: 1 }, { id: 2 }], create: [{ name: "nested-new" }] },
      comments: { create: [{ body: "First!", authorId: 4 }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as number;
    expect(created.body.authorId).toBe(3);
    const post = await t.db.prisma.post.findUniqueOrThrow({ where: { id } });
    expect(post.authorId).toBe(3);
    const tag = await t.db.prisma.tag.findUniqueOrThrow({ where: { name: "nested-new" } });
    expect(await tagIdsOf(id)).toEqual([1, 2, tag.id].sort((a, b) => a - b));
    const comments = await t.db.prisma.comment.findMany({ where: { postId: id } });
    expect(comments.map((c) => [c.body, c.authorId, c.createdBy])).toEqual([["First!", 4, "1"]]);
    // The tag's own revision and event; the post's event names the links it made.
    expect(await t.db.prisma.revision.count({ where: { resource: "tag", recordId: String(tag.id) } })).toBe(1);
    const events = await t.db.prisma.event.findMany({
      where: {
        OR: [
          { resource: "post", recordId: String(id) },
          { resource: "tag", recordId: String(tag.id) },
          { resource: "comment", recordId: comments[0]?.id as string },
        ],
      },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => [e.resource, e.action])).toEqual([
      ["post", "create"],
      ["tag", "create"],
      ["comment", "create"],
    ]);
    expect(events[0]?.changed).toContain("tags");
    expect(events[0]?.changed).toContain("title");
  });

  it("creates the author too: the user is written first and the post points at it", async () => {
    const created = await send("POST", "/api/posts", {
      title: "By a new author",
      author: { create: { email: "nested-author@example.com", name: "Nested Author", passwordHash: "x".repeat(20) } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email: "nested-author@example.com" } });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.body.id as number } })).authorId).toBe(
      user.id,
    );
  });

  it("the flat foreign key still works, and sending both is refused", async () => {
    const flat = await send("POST", "/api/posts", { title: "Flat author", authorId: 4 });
    expect(flat.status).toBe(201);
    const both = await send("POST", "/api/posts", { title: "Both", authorId: 4, author: { connect: { id: 3 } } });
    expect(both.status).toBe(400);
    expect(both.body.errors).toHaveProperty("author");
  });
});

describe("§28 a nested write that fails leaves the database unchanged", () => {
  it("a bad tag after a good one: 422 naming tags.create[1].name, and no row of any table was written", async () => {
    const before = await snapshot();
    const failed = await send("POST", "/api/posts", {
      title: "Half way",
      author: { create: { email: "halfway@example.com", name: "Half Way", passwordHash: "x".repeat(20) } },
      tags: { create: [{ name: "halfway-ok" }, { name: "Not A Slug" }], connect: [{ id: 1 }] },
      comments: { create: [{ body: "never", authorId: 4 }] },
    });
    expect(failed.status).toBe(422);
    expect(failed.body.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(failed.body.errors as object)).toEqual(["tags.create[1].name"]);
    expect(failed.body.message).toContain("tags.create[1]");
    expect(await snapshot()).toEqual(before);
    expect(await t.db.prisma.tag.count({ where: { name: "halfway-ok" } })).toBe(0);
  });

  it("a link to a tag that does not exist, after the post and a new tag were written: 422 at tags.connect[1].id, nothing kept", async () => {
    const before = await snapshot();
    const failed = await send("POST", "/api/posts", {
      title: "Missing tag",
      authorId: 3,
      tags: { create: [{ name: "missing-tag-ok" }], connect: [{ id: 1 }, { id: 999999 }] },
    });
    expect(failed.status).toBe(422);
    expect(failed.body.errors).toEqual({ "tags.connect[1].id": "no tag with this id" });
    expect(await snapshot()).toEqual(before);
  });

  it("an update that fails in its to-many part leaves the post as it was (its version, its links)", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { deletedAt: null }, orderBy: { id: "asc" } });
    const links = await tagIdsOf(post.id);
    const before = await snapshot();
    const failed = await send("PATCH", `/api/posts/${post.id}`, {
      title: "Changed, then not",
      tags: { set: [{ id: 3 }], update: [{ id: 999999, data: { name: "x" } }] },
    });
    expect(failed.status).toBe(422);
    expect(failed.body.errors).toHaveProperty(["tags.update[0]"]);
    expect(await snapshot()).toEqual(before);
    const after = await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } });
    expect([after.title, after.version]).toEqual([post.title, post.version]);
    expect(await tagIdsOf(post.id)).toEqual(links);
  });
});

describe("§28 nested update and patch", () => {
  it("set replaces the links: a new revision and event of the post whose changed names tags; connect and disconnect add and remove", async () => {
    const created = await send("POST", "/api/posts", {
      title: "Relinked",
      authorId: 3,
      tags: { connect: [{ id: 1 }] },
    });
    const id = created.body.id as number;
    const set = await send("PATCH", `/api/posts/${id}`, { tags: { set: [{ id: 2 }, { id: 3 }] } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(await tagIdsOf(id)).toEqual([2, 3]);
    expect(set.body.version).toBe(2);
    const last = await t.db.prisma.event.findFirstOrThrow({
      where: { resource: "post", recordId: String(id) },
      orderBy: { id: "desc" },
    });
    expect([last.action, last.changed.includes("tags")]).toEqual(["patch", true]);
    expect(await t.db.prisma.revision.count({ where: { resource: "post", recordId: String(id) } })).toBe(2);

    const moved = await send("PATCH", `/api/posts/${id}`, { tags: { connect: [{ id: 4 }], disconnect: [{ id: 2 }] } });
    expect(moved.status).toBe(200);
    expect(await tagIdsOf(id)).toEqual([3, 4]);
  });

  it("update changes a linked tag through the tag's own pipeline (its version, its validation); an unlinked one is refused", async () => {
    const tag = await t.db.prisma.tag.create({ data: { name: "to-rename" } });
    const created = await send("POST", "/api/posts", {
      title: "Renames",
      authorId: 3,
      tags: { connect: [{ id: tag.id }] },
    });
    const id = created.body.id as number;
    const renamed = await send("PATCH", `/api/posts/${id}`, {
      tags: { update: [{ id: tag.id, version: 1, data: { name: "renamed" } }] },
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    const after = await t.db.prisma.tag.findUniqueOrThrow({ where: { id: tag.id } });
    expect([after.name, after.version]).toEqual(["renamed", 2]);
    const stale = await send("PATCH", `/api/posts/${id}`, {
      tags: { update: [{ id: tag.id, version: 1, data: { name: "stale" } }] },
    });
    expect(stale.status).toBe(409);
    const unlinked = await send("PATCH", `/api/posts/${id}`, { tags: { update: [{ id: 1, data: { name: "nope" } }] } });
    expect(unlinked.status).toBe(422);
    expect(unlinked.body.errors).toHaveProperty(["tags.update[0]"]);
    expect((await t.db.prisma.tag.findUniqueOrThrow({ where: { id: 1 } })).name).not.toBe("nope");
  });

  it("PUT takes nested writes too; a has-many connect moves a comment to the post through the comment's own patch", async () => {
    const [a, b] = await t.db.prisma.post.findMany({ where: { deletedAt: null }, orderBy: { id: "asc" }, take: 2 });
    const comment = await t.db.prisma.comment.findFirstOrThrow({ where: { postId: a?.id, deletedAt: null } });
    const put = await send("PUT", `/api/posts/${b?.id}`, {
      title: b?.title,
      authorId: b?.authorId,
      comments: { connect: [{ id: comment.id }] },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await t.db.prisma.comment.findUniqueOrThrow({ where: { id: comment.id } })).postId).toBe(b?.id);
  });
});

describe("§28 what a nested write may not do", () => {
  it("disconnect of a required to-one or of children whose key is required: 400 naming the path", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { deletedAt: null, comments: { some: {} } } });
    const author = await send("PATCH", `/api/posts/${post.id}`, { author: { disconnect: true } });
    expect(author.status).toBe(400);
    expect(author.body.errors).toHaveProperty(["author.disconnect"]);
    const comment = await t.db.prisma.comment.findFirstOrThrow({ where: { postId: post.id } });
    const child = await send("PATCH", `/api/posts/${post.id}`, { comments: { disconnect: [{ id: comment.id }] } });
    expect(child.status).toBe(400);
    expect(child.body.errors).toHaveProperty(["comments.disconnect"]);
  });

  it("a comment in the trash cannot be connected: as if it did not exist", async () => {
    const live = await t.db.prisma.comment.findFirstOrThrow({ where: { deletedAt: null } });
    expect((await send("DELETE", `/api/comments/${live.id}`, undefined)).status).toBe(200);
    const trashed = await t.db.prisma.comment.findUniqueOrThrow({ where: { id: live.id } });
    expect(trashed.deletedAt).not.toBeNull();
    const failed = await send("POST", "/api/posts", {
      title: "Trash link",
      authorId: 3,
      comments: { connect: [{ id: trashed.id }] },
    });
    expect(failed.status).toBe(422);
    expect(failed.body.errors).toHaveProperty(["comments.connect[0].id"]);
    expect(await t.db.prisma.post.count({ where: { title: "Trash link" } })).toBe(0);
  });

  it("each child gets its own access check: an author may not take another's comment into their post", async () => {
    const foreign = await t.db.prisma.comment.findFirstOrThrow({ where: { authorId: { not: 9 }, deletedAt: null } });
    const failed = await send(
      "POST",
      "/api/posts",
      { title: "Not mine", authorId: 9, comments: { connect: [{ id: foreign.id }] } },
      "author",
    );
    expect(failed.status).toBe(403);
    expect(Object.keys(failed.body.errors as object)[0]).toMatch(/^comments\.connect\[0\]/);
    expect(await t.db.prisma.post.count({ where: { title: "Not mine" } })).toBe(0);
  });

  it("a malformed nested write is a 400 naming its path", async () => {
    const failed = await send("POST", "/api/posts", {
      title: "Bad shape",
      authorId: 3,
      tags: { connect: [{ key: 1 }] },
    });
    expect(failed.status).toBe(400);
    expect(failed.body.errors).toHaveProperty(["tags.connect[0]"]);
    const id = await send("POST", "/api/posts", { title: "Bad id", authorId: 3, tags: { connect: [{ id: "x" }] } });
    expect(id.status).toBe(400);
    expect(id.body.errors).toHaveProperty(["tags.connect[0]"]);
  });

  it("a relation without nestedWrites refuses them", async () => {
    const failed = await send("POST", "/api/comments", {
      body: "hi",
      postId: 1,
      authorId: 3,
      replies: { create: [{ body: "nested reply", authorId: 3 }] },
    });
    expect(failed.status).toBe(400);
    expect(failed.body.errors).toHaveProperty(["replies"]);
  });

  it("the number of nested items is capped by maxBatchSize: 413, nothing written", async () => {
    const before = await snapshot();
    const failed = await send("POST", "/api/posts", {
      title: "Too many",
      authorId: 3,
      tags: { connect: Array.from({ length: 101 }, () => ({ id: 1 })) },
    });
    expect(failed.status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });
});

describe("§28 what a nested create costs", () => {
  it("linking 1 or 3 tags costs the same statements: links are read and written in one statement each", async (context) => {
    if (!stats.available) return context.skip();
    let n = 0;
    const create = (tags: number[]) =>
      stats.counted(async () => {
        n += 1;
        const r = await send("POST", "/api/posts", {
          title: `Counted ${n}`,
          author: { connect: { id: 3 } },
          tags: { connect: tags.map((id) => ({ id })) },
        });
        expect(r.status).toBe(201);
      });
    const one = await create([1]);
    const three = await create([1, 2, 3]);
    expect(three.count).toBe(one.count);
    // BEGIN; the author's read; the post's insert and its revision's; the tags' read; the links' insert;
    // the links read back for the event's snapshot (replay rebuilds the join table from it,
    // docs/guides/replay.md); the event (the outbox lock and the insert in one statement); COMMIT.
    expect(one.count, one.texts.join("\n")).toBe(9);
  });
});
