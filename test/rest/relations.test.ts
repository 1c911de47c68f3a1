// Relation filters as dot paths (§12) and relation / multi-key sorting (§13), each checked against the
// same query run by Prisma on the seeded database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../../demo/generated/client.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

const i = "insensitive" as const;

/** Ids (sorted) and the Content-Range total of every post a list request selects. */
async function postIds(params: string): Promise<{ status: number; ids: number[]; total: number; body: unknown }> {
  const response = await t.get(`/api/posts?${params}&range=${encodeURIComponent("[0,999]")}`);
  const body = (await response.json()) as { id: number }[];
  const total = Number(response.headers.get("content-range")?.split("/").pop());
  return {
    status: response.status,
    ids: Array.isArray(body) ? body.map((p) => p.id).sort((a, b) => a - b) : [],
    total,
    body,
  };
}

async function expectedPosts(where: Prisma.PostWhereInput): Promise<number[]> {
  return (await t.db.prisma.post.findMany({ where, select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
}

async function message(path: string): Promise<{ status: number; message: string }> {
  const response = await t.get(path);
  return { status: response.status, message: ((await response.json()) as { message: string }).message };
}

/** [query parameter, filter JSON, Prisma where]: the same condition three ways. */
const cases = (): [string, Record<string, unknown>, Prisma.PostWhereInput][] => [
  ["author.role=admin", { "author.role": "admin" }, { author: { role: "admin" } }],
  [
    "author.role_in=admin,editor",
    { "author.role_in": ["admin", "editor"] },
    { author: { role: { in: ["admin", "editor"] } } },
  ],
  [
    "author.name_startswith=ada",
    { "author.name_startswith": "ada" },
    { author: { name: { startsWith: "ada", mode: i } } },
  ],
  [
    "comments.body_like=agree",
    { "comments.body_like": "agree" },
    { comments: { some: { body: { contains: "agree", mode: i } } } },
  ],
  [
    "comments.some.body_like=agree",
    { "comments.some.body_like": "agree" },
    { comments: { some: { body: { contains: "agree", mode: i } } } },
  ],
  [
    "comments.every.body_like=thanks",
    { "comments.every.body_like": "thanks" },
    { comments: { every: { body: { contains: "thanks", mode: i } } } },
  ],
  [
    "comments.none.body_like=typo",
    { "comments.none.body_like": "typo" },
    { comments: { none: { body: { contains: "typo", mode: i } } } },
  ],
  [
    "comments.author.role=admin",
    { "comments.author.role": "admin" },
    { comments: { some: { author: { role: "admin" } } } },
  ],
  [
    "comments.none.author.role_in=admin,editor",
    { "comments.none.author.role_in": "admin,editor" },
    { comments: { none: { author: { role: { in: ["admin", "editor"] } } } } },
  ],
  ["tags.name=postgres", { "tags.name": "postgres" }, { tags: { some: { tag: { name: "postgres" } } } }],
  [
    "tags.every.name_in=postgres,graphql",
    { "tags.every.name_in": ["postgres", "graphql"] },
    { tags: { every: { tag: { name: { in: ["postgres", "graphql"] } } } } },
  ],
  [
    "author.q=lovelace",
    { "author.q": "lovelace" },
    { author: { OR: [{ email: { contains: "lovelace", mode: i } }, { name: { contains: "lovelace", mode: i } }] } },
  ],
];

describe("§12 relation filters (dot paths)", () => {
  it("every path as a query parameter matches the database", async () => {
    const all = await t.db.prisma.post.count();
    for (const [param, , where] of cases()) {
      const want = await expectedPosts(where);
      expect(want.length, `${param} should select some posts, not all`).toBeGreaterThan(0);
      expect(want.length, param).toBeLessThan(all);
      const got = await postIds(param);
      expect({ param, status: got.status, ids: got.ids, total: got.total }).toEqual({
        param,
        status: 200,
        ids: want,
        total: want.length,
      });
    }
  });

  it("every path as a react-admin filter key matches the database", async () => {
    for (const [param, filter, where] of cases()) {
      const got = await postIds(query({ filter }));
      expect({ param, status: got.status, ids: got.ids }).toEqual({
        param,
        status: 200,
        ids: await expectedPosts(where),
      });
    }
  });

  it("combines with field conditions, q and other paths (AND)", async () => {
    const got = await postIds(
      `status=published&author.role_in=author,editor&${query({ filter: { "comments.body_like": "benchmark", views_gte: 10 } })}`,
    );
    const want = await expectedPosts({
      status: "published",
      author: { role: { in: ["author", "editor"] } },
      comments: { some: { body: { contains: "benchmark", mode: i } } },
      views: { gte: 10 },
    });
    expect(want.length).toBeGreaterThan(0);
    expect(got.ids).toEqual(want);
  });

  it("works from other resources: comments by the post's status and title", async () => {
    const response = await t.get(
      `/api/comments?post.title_like=guide&post.author.role=admin&${query({ range: [0, 99] })}`,
    );
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("content-range")?.split("/").pop())).toBeLessThan(100);
    const got = ((await response.json()) as { id: string }[]).map((c) => c.id).sort();
    const want = (
      await t.db.prisma.comment.findMany({
        where: { post: { title: { contains: "guide", mode: i }, author: { role: "admin" } } },
        select: { id: true },
      })
    )
      .map((c) => c.id)
      .sort();
    expect(want.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
  });

  it("a malformed path is a 400 naming it", async () => {
    for (const key of ["author..name", ".title", "author.", "some.title", "comments.some.every.body_like"]) {
      const { status, message: text } = await message(`/api/posts?${encodeURIComponent(key)}=x`);
      expect({ key, status }).toEqual({ key, status: 400 });
      expect(text, key).toContain("Invalid filter path");
    }
    expect((await message(`/api/posts?${query({ filter: { "author..name": "x" } })}`)).status).toBe(400);
  });

  it("a quantifier on a to-one relation is the runtime's 400", async () => {
    const got = await message("/api/posts?author.some.name=Ada");
    expect(got).toMatchObject({
      status: 400,
      message: expect.stringContaining('"author" of posts is a single record'),
    });
  });

  it("unknown and undeclared relations, hidden and non-filterable fields, unknown operators are 400s", async () => {
    const expectations: [string, string][] = [
      ["/api/posts?editor.name=x", 'Cannot filter posts through "editor"'],
      ["/api/posts?title.length=3", 'Cannot filter posts through "title"'],
      ["/api/tags?posts.title=x", 'Cannot filter tags through "posts"'],
      ["/api/posts?author.passwordHash=x", 'Unknown filter field "passwordHash" on users'],
      [
        `/api/posts?${query({ filter: { "author.passwordHash": "x" } })}`,
        'Unknown filter field "passwordHash" on users',
      ],
      ["/api/posts?author.updatedAt_gt=2025-01-01", 'Field "updatedAt" of users is not filterable'],
      [
        "/api/posts?author.name_between=a",
        'Unknown filter operator "_between" in query parameter "author.name_between"',
      ],
      ["/api/posts?author.name_endswith=a", 'Operator "endsWith" is not allowed on users.name'],
      ["/api/posts?author.role=boss", "Invalid filter value for users.role"],
      ["/api/posts?comments.post.comments.post.title=x", "nest too deeply"],
    ];
    for (const [path, text] of expectations) {
      const got = await message(path);
      expect({ path, status: got.status }).toEqual({ path, status: 400 });
      expect(got.message, path).toContain(text);
    }
  });
});

describe("§13 relation and multi-key sorting", () => {
  const ids = async (path: string) => {
    const response = await t.get(path);
    expect(response.status, path).toBe(200);
    return ((await response.json()) as { id: number }[]).map((p) => p.id);
  };

  it('sort=["author.name","ASC"] (react-admin) sorts by the author\'s name, the id breaking ties', async () => {
    const want = await t.db.prisma.post.findMany({
      orderBy: [{ author: { name: "asc" } }, { id: "asc" }],
      take: 100,
      select: { id: true },
    });
    expect(await ids(`/api/posts?${query({ sort: ["author.name", "ASC"], range: [0, 99] })}`)).toEqual(
      want.map((p) => p.id),
    );
  });

  it("sort=author.name,-createdAt (CRUDCrate) and the JSON list of pairs give the same order as Prisma", async () => {
    const want = (
      await t.db.prisma.post.findMany({
        orderBy: [{ author: { name: "asc" } }, { createdAt: "desc" }],
        take: 150,
        select: { id: true },
      })
    ).map((p) => p.id);
    expect(await ids("/api/posts?sort=author.name,-createdAt&per_page=150")).toEqual(want);
    expect(
      await ids(
        `/api/posts?${query({
          sort: [
            ["author.name", "ASC"],
            ["createdAt", "DESC"],
          ],
          range: [0, 149],
        })}`,
      ),
    ).toEqual(want);
  });

  it("sorts comments through two relations (post.author.email), descending with order=DESC", async () => {
    const response = await t.get("/api/comments?sort=post.author.email,createdAt&order=DESC&per_page=80");
    expect(response.status).toBe(200);
    const got = ((await response.json()) as { id: string }[]).map((c) => c.id);
    const want = await t.db.prisma.comment.findMany({
      orderBy: [{ post: { author: { email: "desc" } } }, { createdAt: "desc" }],
      take: 80,
      select: { id: true },
    });
    expect(got).toEqual(want.map((c) => c.id));
  });

  it("malformed sorts, to-many, undeclared and hidden sort paths are 400s", async () => {
    const expectations: [string, string][] = [
      // A to-many relation sorts by its least or greatest value (§3.3), of a field declared sortable only.
      [`/api/posts?${query({ sort: ["comments.body", "ASC"] })}`, 'Cannot sort comments by "body"'],
      ["/api/posts?sort=author.passwordHash", "Cannot sort users"],
      ["/api/tags?sort=posts.title", "Cannot sort tags"],
      [
        `/api/posts?${query({
          sort: [
            ["title", "ASC"],
            ["views", "ASC", "DESC"],
          ],
        })}`,
        "list of such pairs",
      ],
      [`/api/posts?${query({ sort: [] })}`, 'Query parameter "sort" must be'],
      [`/api/posts?${query({ sort: [["title", "UP"]] })}`, "must be ASC or DESC"],
    ];
    for (const [path, text] of expectations) {
      const got = await message(path);
      expect({ path, status: got.status }).toEqual({ path, status: 400 });
      expect(got.message, path).toContain(text);
    }
  });
});
