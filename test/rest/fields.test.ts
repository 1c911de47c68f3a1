// Partial responses (§16): `fields` keeps the fields named and the id; a path through a relation embeds
// it (batched, like embed) and narrows it; hidden and unknown fields are a 400 naming them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestFixture, query, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

type Row = Record<string, unknown>;

async function json<T>(path: string): Promise<T> {
  const response = await t.get(path);
  const body = (await response.json()) as T & { message?: string };
  expect(response.status, (body as { message?: string }).message).toBe(200);
  return body;
}

async function failure(path: string): Promise<{ status: number; message: string }> {
  const response = await t.get(path);
  return { status: response.status, message: ((await response.json()) as { message: string }).message };
}

const postFields = [
  "id",
  "title",
  "body",
  "status",
  "views",
  "version",
  "publishedAt",
  "cover",
  "authorId",
  "createdAt",
  "updatedAt",
  "createdBy",
  "updatedBy",
  "deletedAt",
  "deletedBy",
];
const commentFields = [
  "id",
  "body",
  "postId",
  "authorId",
  "parentId",
  "createdAt",
  "updatedAt",
  "createdBy",
  "updatedBy",
  "deletedAt",
  "deletedBy",
];

describe("§16 partial responses", () => {
  it("fields=title,author.name on a list: the id, the title, and the author's id and name, as stored", async () => {
    const posts = await json<Row[]>(
      `/api/posts?fields=title,author.name&${query({ sort: ["id", "ASC"], range: [0, 29] })}`,
    );
    const want = await t.db.prisma.post.findMany({
      take: 30,
      orderBy: { id: "asc" },
      select: { id: true, title: true, author: { select: { id: true, name: true } } },
    });
    expect(posts).toEqual(want);
    expect(posts.every((p) => Object.keys(p).join() === "id,title,author")).toBe(true);
  });

  it("on a single record, and as a JSON array of paths", async () => {
    const want = await t.db.prisma.post.findUniqueOrThrow({
      where: { id: 7 },
      select: { id: true, status: true, views: true },
    });
    expect(await json<Row>("/api/posts/7?fields=status,views")).toEqual(want);
    expect(await json<Row>(`/api/posts/7?fields=${encodeURIComponent('["status","views"]')}`)).toEqual(want);
    expect(await json<Row>("/api/posts/7?fields=id")).toEqual({ id: 7 });
  });

  it("embeds given with embed stay whole unless fields names a path inside them", async () => {
    const whole = await json<Row[]>(
      `/api/posts?fields=title&embed=comments&${query({ filter: { "comments.body_like": "" }, sort: ["id", "ASC"], range: [0, 9] })}`,
    );
    expect(Object.keys(whole[0] as Row)).toEqual(["id", "title", "comments"]);
    const comments = whole.flatMap((p) => p.comments as Row[]);
    expect(comments.length).toBeGreaterThan(0);
    expect(comments.every((c) => Object.keys(c).join() === commentFields.join())).toBe(true);

    const narrowed = await json<Row[]>(
      `/api/posts?fields=title,comments.body&embed=comments&${query({ sort: ["id", "ASC"], range: [0, 9] })}`,
    );
    const want = await t.db.prisma.post.findMany({
      take: 10,
      orderBy: { id: "asc" },
      select: { id: true, title: true, comments: { select: { id: true, body: true }, orderBy: { id: "asc" } } },
    });
    expect(narrowed).toEqual(want);
  });

  it("a relation named alone is embedded whole; naming it and a path inside it also keeps it whole", async () => {
    for (const fields of ["author", "author,author.name", "author.name,author"]) {
      const [post] = await json<Row[]>(`/api/posts?fields=${fields}&${query({ sort: ["id", "ASC"], range: [0, 0] })}`);
      expect(Object.keys(post as Row), fields).toEqual(["id", "author"]);
      expect(Object.keys((post as Row).author as Row), fields).toEqual([
        "id",
        "email",
        "name",
        "role",
        "createdAt",
        "updatedAt",
      ]);
    }
  });

  it("nested paths narrow every level: fields=comments.author.role", async () => {
    const posts = await json<Row[]>(
      `/api/posts?fields=comments.author.role&${query({ sort: ["id", "ASC"], range: [0, 49] })}`,
    );
    const want = await t.db.prisma.post.findMany({
      take: 50,
      orderBy: { id: "asc" },
      select: {
        id: true,
        comments: { orderBy: { id: "asc" }, select: { id: true, author: { select: { id: true, role: true } } } },
      },
    });
    expect(posts).toEqual(want);
    expect(want.some((p) => p.comments.length > 0)).toBe(true);
  });

  it("keeps every other list feature: getMany, cursor pages, and embedded single records", async () => {
    const many = await t.get(`/api/posts?fields=title&${query({ filter: { id: [3, 1, 2] } })}`);
    expect(many.headers.get("content-range")).toBe("posts 0-2/3");
    expect(((await many.json()) as Row[]).map((p) => Object.keys(p).join())).toEqual([
      "id,title",
      "id,title",
      "id,title",
    ]);
    const page = await json<Row[]>("/api/posts?fields=views&cursor=&per_page=5&sort=-views");
    expect(page).toEqual(
      await t.db.prisma.post.findMany({
        take: 5,
        orderBy: [{ views: "desc" }, { id: "asc" }],
        select: { id: true, views: true },
      }),
    );
    const user = await json<Row>("/api/users/1?fields=name,posts.title");
    expect(user).toEqual(
      await t.db.prisma.user.findUniqueOrThrow({
        where: { id: 1 },
        select: { id: true, name: true, posts: { select: { id: true, title: true }, orderBy: { id: "asc" } } },
      }),
    );
  });

  it("hidden and unknown fields are a 400 naming every one", async () => {
    const hidden = await failure("/api/users?fields=email,passwordHash");
    expect(hidden.status).toBe(400);
    expect(hidden.message).toContain('Unknown or hidden field in "fields": "passwordHash"');
    expect(hidden.message.split("Fields of users:")[1]).not.toContain("passwordHash");
    expect(await failure("/api/posts/1?fields=author.passwordHash")).toMatchObject({
      status: 400,
      message: expect.stringContaining('"author.passwordHash"'),
    });
    const unknown = await failure("/api/posts?fields=title,nosuch,author.nosuch,editor.name,title.length");
    expect(unknown.status).toBe(400);
    expect(unknown.message).toContain(
      'Unknown or hidden fields in "fields": "nosuch", "author.nosuch", "editor.name", "title.length"',
    );
  });

  it("malformed lists, too many paths, and relations not available in the view are 400s", async () => {
    for (const [path, text] of [
      ["/api/posts?fields=", 'Invalid path "" in "fields"'],
      ["/api/posts?fields=title,,views", 'Invalid path "" in "fields"'],
      ["/api/posts?fields=author..name", 'Invalid path "author..name"'],
      [`/api/posts?fields=${encodeURIComponent('{"a":1}')}`, 'Invalid path "{\\"a\\":1}"'],
      [`/api/posts?fields=${encodeURIComponent('["title"')}`, '"fields" must be a comma list'],
      [`/api/posts?fields=${encodeURIComponent("[1]")}`, 'Invalid path 1 in "fields"'],
      [`/api/posts?fields=${encodeURIComponent("[]")}`, "at least one field"],
      [`/api/posts?fields=${Array.from({ length: 101 }, (_, n) => `f${n}`).join(",")}`, "at most 100"],
      ["/api/users?fields=posts.title", 'Relation "posts" of user is only available on a single record'],
      ["/api/posts/1?fields=comments.post.comments.post.title", "too deeply"],
      ["/api/posts?fields=title&fields=views", "more than once"],
    ] as const) {
      const got = await failure(path);
      expect({ path, status: got.status }).toEqual({ path, status: 400 });
      expect(got.message, path).toContain(text);
    }
  });

  it("counts relations in fields toward the embed limit", async () => {
    const { createRestHandler } = await import("../../src/rest/handler.ts");
    const rest = createRestHandler({
      runtime: t.runtime,
      contextFor: () => t.runtime.context({ actor: ADMIN }),
      maxEmbeds: 2,
    });
    expect((await rest.fetch(new Request("http://test/api/posts/1?fields=author.name,comments.body"))).status).toBe(
      200,
    );
    const over = await rest.fetch(new Request("http://test/api/posts/1?fields=author.name,comments.body&embed=tags"));
    expect(over.status).toBe(400);
    expect(((await over.json()) as { message: string }).message).toContain("Too many embed paths: 3");
  });

  it("a relation path costs what embed costs: 50 posts with fields=title,author.name and the total are 1 statement", async () => {
    const path = `/api/posts?fields=title,author.name&${query({ range: [0, 49] })}`;
    await t.get(path);
    t.db.statements.reset();
    expect((await t.get(path)).status).toBe(200);
    expect(t.db.statements.count).toBe(1);
    // The SELECT is trimmed: the post's body is never read.
    expect(t.db.statements.log[0]).not.toContain("'body'");
  });

  it("post fields stay whole without fields", async () => {
    const [post] = await json<Row[]>(`/api/posts?${query({ range: [0, 0] })}`);
    expect(Object.keys(post as Row)).toEqual(postFields);
  });
});
