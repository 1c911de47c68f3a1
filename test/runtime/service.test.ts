// The resource service on a real database: reads present only visible fields, relations batch through
// the request's loaders, writes run the hook pipeline in one transaction, storage errors are translated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
});
afterAll(() => t?.close());

describe("reads", () => {
  it("lists with filter, sort, page and total, matching the database", async () => {
    const posts = t.runtime.service("post");
    const { records, total } = await posts.list(t.runtime.context({ actor: ADMIN }), {
      filter: {
        and: [
          { field: "status", op: "eq", value: "published" },
          { field: "views", op: "gte", value: "100" },
        ],
      },
      sort: [{ field: "views", direction: "desc" }],
      offset: 5,
      limit: 10,
      withTotal: true,
    });
    const expected = await t.db.prisma.post.findMany({
      where: { status: "published", views: { gte: 100 } },
      orderBy: [{ views: "desc" }, { id: "asc" }],
      skip: 5,
      take: 10,
      select: { id: true },
    });
    expect(records.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    expect(total).toBe(await t.db.prisma.post.count({ where: { status: "published", views: { gte: 100 } } }));
  });

  it("never selects or returns a field hidden from output", async () => {
    t.db.statements.reset();
    const users = await t.runtime.service("user").list(t.runtime.context({ actor: ADMIN }), { limit: 3 });
    expect(users.records[0]).not.toHaveProperty("passwordHash");
    expect(JSON.stringify(users.records)).not.toContain("scrypt");
    expect(t.db.statements.log.join("\n")).not.toContain("passwordHash");
  });

  it("batches relations of many records into one query per relation", async () => {
    const ctx = t.runtime.context({ actor: ADMIN });
    const posts = t.runtime.service("post");
    const comments = t.runtime.service("comment");
    const { records } = await posts.list(ctx, { limit: 50 });
    t.db.statements.reset();
    const loaded = await Promise.all(
      records.map(async (p) => {
        const [author, cs] = await Promise.all([posts.related(ctx, p, "author"), posts.related(ctx, p, "comments")]);
        const authors = await Promise.all(
          (cs as Record<string, unknown>[]).map((c) => comments.related(ctx, c, "author")),
        );
        return { author, cs, authors };
      }),
    );
    expect(loaded.filter((l) => l.author !== null).length).toBe(50);
    expect(t.db.statements.count).toBe(3); // post authors, comments, comment authors (cached users reused)
  });

  it("loads many-to-many through the join model", async () => {
    const ctx = t.runtime.context({ actor: ADMIN });
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { tags: { some: {} } }, include: { tags: true } });
    const record = await t.runtime.service("post").get(ctx, post.id);
    const tags = (await t.runtime.service("post").related(ctx, record, "tags")) as { id: number }[];
    expect(tags.map((x) => x.id).sort()).toEqual(post.tags.map((x) => x.tagId).sort());
  });

  it("enforces relation views and depth", async () => {
    const ctx = t.runtime.context({ actor: ADMIN });
    const users = t.runtime.service("user");
    const { records } = await users.list(ctx, { limit: 1 });
    const error = await failure(users.related(ctx, records[0] as Record<string, unknown>, "posts"));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain("only available on a single record");
  });

  it("getMany skips missing ids and rejects malformed ones", async () => {
    const ctx = t.runtime.context({ actor: ADMIN });
    const found = await t.runtime.service("post").getMany(ctx, ["1", 2, 999999]);
    expect(found.map((r) => r.id).sort()).toEqual([1, 2]);
    expect((await failure(t.runtime.service("post").getMany(ctx, ["x"]))).code).toBe("BAD_REQUEST");
  });

  it("get of a missing id is NOT_FOUND; a malformed id is BAD_REQUEST", async () => {
    expect((await failure(t.runtime.service("post").get(t.runtime.context({ actor: ADMIN }), 999999))).code).toBe(
      "NOT_FOUND",
    );
    expect(
      (await failure(t.runtime.service("comment").get(t.runtime.context({ actor: ADMIN }), "not-a-uuid"))).code,
    ).toBe("BAD_REQUEST");
  });

  it("rejects undeclared filters, sorts and oversized pages with a message naming them", async () => {
    const posts = t.runtime.service("post");
    const ctx = t.runtime.context({ actor: ADMIN });
    expect((await failure(posts.list(ctx, { filter: { field: "body", op: "eq", value: "x" } }))).message).toContain(
      'Operator "eq" is not allowed on posts.body',
    );
    expect((await failure(posts.list(ctx, { sort: [{ field: "body", direction: "asc" }] }))).message).toContain(
      'Cannot sort posts by "body"',
    );
    expect((await failure(posts.list(ctx, { limit: 1001 }))).message).toContain("at most 1000");
    expect((await failure(posts.list(ctx, { offset: 2_000_000 }))).message).toContain("too large");
    const tooMany = { and: Array.from({ length: 101 }, () => ({ field: "views", op: "gt" as const, value: 1 })) };
    expect((await failure(posts.list(ctx, { filter: tooMany }))).message).toContain("at most 100");
  });
});

describe("writes", () => {
  it("creates with computed values and returns the visible record; the hidden field is stored", async () => {
    const ctx = t.runtime.context({ actor: ADMIN });
    const user = await t.runtime
      .service("user")
      .create(ctx, { email: "ada@example.com", name: "Ada", passwordHash: "hash!" });
    expect(user).not.toHaveProperty("passwordHash");
    const row = await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id as number } });
    expect(row.passwordHash).toBe("hash!");
    expect(row.role).toBe("reader");
    expect(row.createdAt.getTime()).toBe((user.createdAt as Date).getTime());
  });

  it("generates uuid ids", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow();
    const comment = await t.runtime
      .service("comment")
      .create(t.runtime.context({ actor: ADMIN }), { body: "hi", postId: post.id, authorId: post.authorId });
    expect(comment.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await t.db.prisma.comment.count({ where: { id: comment.id as string } })).toBe(1);
  });

  it("rejects read-only and unknown fields, and collects every bad value", async () => {
    const users = t.runtime.service("user");
    const ctx = t.runtime.context({ actor: ADMIN });
    expect(
      (await failure(users.create(ctx, { email: "a@b.c", name: "A", passwordHash: "x", createdAt: "2020-01-01" })))
        .message,
    ).toContain("read-only");
    expect(
      (await failure(users.create(ctx, { email: "a@b.c", name: "A", passwordHash: "x", nickname: "z" }))).message,
    ).toContain('Unknown field "nickname"');
    const invalid = await failure(users.create(ctx, { email: 5, role: "king" }));
    expect(invalid.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(invalid.fields ?? {}).sort()).toEqual(["email", "name", "passwordHash", "role"]);
  });

  it("update replaces: a missing required field is an error, a missing optional one becomes null", async () => {
    const posts = t.runtime.service("post");
    const ctx = t.runtime.context({ actor: ADMIN });
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { publishedAt: { not: null } } });
    expect((await failure(posts.update(ctx, post.id, { title: "Only title" }))).fields).toHaveProperty("authorId");
    await posts.update(ctx, post.id, {
      title: "Replaced",
      body: "b",
      status: "draft",
      views: 0,
      authorId: post.authorId,
    });
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } });
    expect(row).toMatchObject({ title: "Replaced", publishedAt: null, status: "draft" });
    expect(row.updatedAt.getTime()).toBeGreaterThan(post.updatedAt.getTime());
  });

  it("patch changes only the fields given", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { publishedAt: { not: null } } });
    await t.runtime.service("post").patch(t.runtime.context({ actor: ADMIN }), post.id, { views: 4242 });
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } });
    expect(row).toMatchObject({ views: 4242, title: post.title, publishedAt: post.publishedAt });
  });

  it("delete returns the record as it was; deleting again is NOT_FOUND", async () => {
    const tag = await t.db.prisma.tag.create({ data: { name: "to-delete" } });
    const deleted = await t.runtime.service("tag").delete(t.runtime.context({ actor: ADMIN }), tag.id);
    expect(deleted).toMatchObject({ id: tag.id, name: "to-delete" });
    expect(await t.db.prisma.tag.count({ where: { id: tag.id } })).toBe(0);
    expect((await failure(t.runtime.service("tag").delete(t.runtime.context({ actor: ADMIN }), tag.id))).code).toBe(
      "NOT_FOUND",
    );
  });

  it("translates unique and foreign-key violations", async () => {
    const ctx = t.runtime.context({ actor: ADMIN });
    const existing = await t.db.prisma.user.findFirstOrThrow();
    const conflict = await failure(
      t.runtime.service("user").create(ctx, { email: existing.email, name: "Dup", passwordHash: "x" }),
    );
    expect(conflict).toMatchObject({ code: "CONFLICT", fields: { email: "must be unique" } });
    const dangling = await failure(t.runtime.service("post").create(ctx, { title: "Dangling", authorId: 999999 }));
    expect(dangling).toMatchObject({ code: "VALIDATION_FAILED", fields: { authorId: "no user with this id" } });
    const author = await t.db.prisma.user.findFirstOrThrow({ where: { posts: { some: {} } } });
    expect((await failure(t.runtime.service("user").delete(ctx, author.id))).code).toBe("CONFLICT");
    expect(await t.db.prisma.user.count({ where: { id: author.id } })).toBe(1);
  });
});
