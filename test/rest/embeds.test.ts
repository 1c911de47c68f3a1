// Embeds: related records attached to each record, loaded through the request's DataLoaders so the SQL
// statement count depends on the embed paths, never on the number of rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestFixture, query, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

interface User {
  id: number;
  email: string;
}
interface Comment {
  id: string;
  postId: number;
  authorId: number;
  author?: User;
}
interface Post {
  id: number;
  authorId: number;
  author?: User;
  comments?: Comment[];
  tags?: { id: number; name: string }[];
}

/** Statements a request runs, after a warm-up of the same request (so nothing one-off is counted). */
async function statementsOf(path: string): Promise<{ count: number; log: readonly string[]; body: unknown }> {
  await t.get(path);
  t.db.statements.reset();
  const response = await t.get(path);
  expect(response.status).toBe(200);
  const body = await response.json();
  return { count: t.db.statements.count, log: [...t.db.statements.log], body };
}

describe("§5 embeds", () => {
  it("attaches author, comments and comments.author to every post, matching the database", async () => {
    const response = await t.get(
      `/api/posts?${query({ range: [0, 19], sort: ["id", "ASC"] })}&embed=author,comments,comments.author`,
    );
    const posts = (await response.json()) as Post[];
    expect(posts).toHaveLength(20);
    const rows = await t.db.prisma.post.findMany({
      take: 20,
      orderBy: { id: "asc" },
      include: {
        author: { select: { id: true, email: true } },
        comments: { orderBy: { id: "asc" }, include: { author: { select: { id: true } } } },
      },
    });
    for (const [index, post] of posts.entries()) {
      const row = rows[index]!;
      expect(post.author).toMatchObject({ id: row.authorId, email: row.author.email });
      expect(post.comments?.map((c) => c.id)).toEqual(row.comments.map((c) => c.id));
      for (const [j, comment] of (post.comments ?? []).entries())
        expect(comment.author?.id).toBe(row.comments[j]!.author.id);
    }
    expect(posts.some((p) => (p.comments?.length ?? 0) > 0)).toBe(true);
  });

  it("costs one statement for rows, embeds at every depth and the Content-Range count, for 10 and 50 rows alike", async () => {
    const embed = "embed=author,comments,comments.author";
    const ten = await statementsOf(`/api/posts?${query({ range: [0, 9] })}&${embed}`);
    const fifty = await statementsOf(`/api/posts?${query({ range: [0, 49] })}&${embed}`);
    expect((fifty.body as Post[]).length).toBe(50);
    expect(fifty.count).toBe(1);
    expect(fifty.log[0]).toContain("(SELECT count(*) FROM");
    expect(fifty.log[0]).toContain("LATERAL");
    expect(ten.count).toBe(fifty.count);
  });

  it("a list with its count is 1 statement; getMany is 1", async () => {
    expect((await statementsOf(`/api/posts?${query({ range: [0, 49] })}`)).count).toBe(1);
    expect((await statementsOf(`/api/posts?${query({ filter: { id: [1, 2, 3, 4, 5] } })}`)).count).toBe(1);
  });

  it("embeds a many-to-many relation (tags through PostTag) and embeds on a single record", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({
      where: { tags: { some: {} } },
      include: { tags: { include: { tag: true } } },
    });
    const response = await t.get(`/api/posts/${post.id}?embed=tags,author`);
    const body = (await response.json()) as Post;
    expect(body.tags?.map((x) => x.name).sort()).toEqual(post.tags.map((x) => x.tag.name).sort());
    expect(body.author?.id).toBe(post.authorId);
  });

  it("embed as a JSON array works like the comma list", async () => {
    const a = await (await t.get(`/api/posts/3?embed=${encodeURIComponent('["comments.author"]')}`)).json();
    const b = await (await t.get("/api/posts/3?embed=comments.author")).json();
    expect(a).toEqual(b);
    expect((a as Post).comments).toBeDefined();
  });

  it("embedded users never carry passwordHash", async () => {
    const response = await t.get(`/api/comments?${query({ range: [0, 49] })}&embed=author,post.author`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toMatch(/"author"\s*:\s*\{/);
    expect(text).not.toContain("passwordHash");
    expect(text).not.toMatch(/scrypt/i);
  });

  it("a relation only available on single records is a 400 on lists, and fine on one record", async () => {
    const list = await t.get("/api/users?embed=posts");
    expect(list.status).toBe(400);
    expect(((await list.json()) as { message: string }).message).toContain("posts");
    const one = await t.get("/api/users/1?embed=posts");
    expect(one.status).toBe(200);
    const user = (await one.json()) as { posts: { id: number }[] };
    expect(user.posts.map((p) => p.id).sort((a, b) => a - b)).toEqual(
      (await t.db.prisma.post.findMany({ where: { authorId: 1 }, select: { id: true } }))
        .map((p) => p.id)
        .sort((a, b) => a - b),
    );
  });

  it("an unknown relation is a 400 naming it, even on an empty page", async () => {
    const nested = await t.get("/api/posts?embed=comments.editor");
    expect(nested.status).toBe(400);
    expect(((await nested.json()) as { message: string }).message).toContain('"comments.editor"');
    const empty = await t.get(`/api/posts?${query({ filter: { title: "no such title" } })}&embed=reviewers`);
    expect(empty.status).toBe(400);
  });

  it("paths deeper than the resource's maxDepth are a 400", async () => {
    const response = await t.get("/api/posts/1?embed=comments.post.comments.post");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/too deeply/);
  });

  it("a malformed embed path is a 400", async () => {
    for (const embed of ["author..name", "author,", "1author", encodeURIComponent('{"a":1}')]) {
      expect((await t.get(`/api/posts?embed=${embed}`)).status, embed).toBe(400);
    }
  });
});
