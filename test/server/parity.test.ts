// Parity: the same question asked through GraphQL and through REST (both of its dialects: suffix
// params and react-admin's filter JSON) gets the same answer, and that answer is the database's.
// Both transports run through the composed app, as a client reaches them.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extensions } from "../../demo/schema/extensions.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { searchIds } from "../support/search.ts";

let t: TestRuntime;
let app: App;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), graphqlExtensions: extensions });
});
afterAll(() => t?.close());

type Ids = (string | number)[];
const sortIds = (ids: Ids) => ids.map(String).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));

/** Each resource's largest page, so one page holds every match. */
const PAGE: Record<string, number> = { posts: 1000, users: 200, comments: 100, tags: 100 };

async function viaGraphQL(list: string, type: string, where: unknown): Promise<Ids> {
  const response = await app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `query ($where: ${type}WhereInput) { ${list}(where: $where, take: ${PAGE[list]}) { id } }`,
        variables: { where },
      }),
    }),
  );
  const body = (await response.json()) as { data?: Record<string, { id: string }[]>; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return (body.data?.[list] ?? []).map((r) => r.id);
}

async function viaRest(path: string, params: string): Promise<{ ids: Ids; total: string | null }> {
  const response = await app.fetch(
    new Request(`http://test/api/${path}?${params}&range=${encodeURIComponent(`[0,${(PAGE[path] ?? 100) - 1}]`)}`),
  );
  expect(response.status, await response.clone().text()).toBe(200);
  return {
    ids: ((await response.json()) as { id: string | number }[]).map((r) => r.id),
    total: response.headers.get("content-range"),
  };
}

const published = new Date("2025-06-01T00:00:00.000Z");
/** One question in every dialect, and the database's own answer. */
const cases: {
  name: string;
  list: "posts" | "users" | "comments" | "tags";
  type: string;
  where: unknown;
  suffix: string;
  filter: Record<string, unknown>;
  expected: () => Promise<Ids>;
}[] = [
  {
    name: "eq (enum)",
    list: "posts",
    type: "Post",
    where: { status: { eq: "published" } },
    suffix: "status=published",
    filter: { status: "published" },
    expected: () => postIds({ status: "published" }),
  },
  {
    name: "ne",
    list: "posts",
    type: "Post",
    where: { status: { ne: "draft" } },
    suffix: "status_ne=draft",
    filter: { status_ne: "draft" },
    expected: () => postIds({ status: { not: "draft" } }),
  },
  {
    name: "neq (CRUDCrate's spelling of ne, §3.1)",
    list: "posts",
    type: "Post",
    where: { status: { ne: "draft" } },
    suffix: "status_neq=draft",
    filter: { status_neq: "draft" },
    expected: () => postIds({ status: { not: "draft" } }),
  },
  {
    name: "gt",
    list: "posts",
    type: "Post",
    where: { views: { gt: 5000 } },
    suffix: "views_gt=5000",
    filter: { views_gt: 5000 },
    expected: () => postIds({ views: { gt: 5000 } }),
  },
  {
    name: "gte",
    list: "posts",
    type: "Post",
    where: { views: { gte: 5000 } },
    suffix: "views_gte=5000",
    filter: { views_gte: 5000 },
    expected: () => postIds({ views: { gte: 5000 } }),
  },
  {
    name: "lt",
    list: "posts",
    type: "Post",
    where: { views: { lt: 50 } },
    suffix: "views_lt=50",
    filter: { views_lt: 50 },
    expected: () => postIds({ views: { lt: 50 } }),
  },
  {
    name: "lte",
    list: "posts",
    type: "Post",
    where: { views: { lte: 50 } },
    suffix: "views_lte=50",
    filter: { views_lte: 50 },
    expected: () => postIds({ views: { lte: 50 } }),
  },
  {
    name: "in",
    list: "posts",
    type: "Post",
    where: { status: { in: ["draft", "archived"] } },
    suffix: "status_in=draft,archived",
    filter: { status: ["draft", "archived"] },
    expected: () => postIds({ status: { in: ["draft", "archived"] } }),
  },
  {
    name: "notIn",
    list: "posts",
    type: "Post",
    where: { status: { notIn: ["draft", "archived"] } },
    suffix: "status_nin=draft,archived",
    filter: { status_nin: ["draft", "archived"] },
    expected: () => postIds({ status: { notIn: ["draft", "archived"] } }),
  },
  {
    name: "contains (case-insensitive)",
    list: "posts",
    type: "Post",
    where: { title: { contains: "PRODUCTION" } },
    suffix: "title_like=PRODUCTION",
    filter: { title_like: "PRODUCTION" },
    expected: () => postIds({ title: { contains: "production", mode: "insensitive" } }),
  },
  {
    name: "startsWith",
    list: "posts",
    type: "Post",
    where: { title: { startsWith: "notes" } },
    suffix: "title_startswith=notes",
    filter: { title_startswith: "notes" },
    expected: () => postIds({ title: { startsWith: "notes", mode: "insensitive" } }),
  },
  {
    name: "endsWith",
    list: "posts",
    type: "Post",
    where: { title: { endsWith: "production" } },
    suffix: "title_endswith=production",
    filter: { title_endswith: "production" },
    expected: () => postIds({ title: { endsWith: "production", mode: "insensitive" } }),
  },
  {
    name: "isNull true",
    list: "posts",
    type: "Post",
    where: { publishedAt: { isNull: true } },
    suffix: "publishedAt_isnull=true",
    filter: { publishedAt_isnull: true },
    expected: () => postIds({ publishedAt: null }),
  },
  {
    name: "isNull false",
    list: "posts",
    type: "Post",
    where: { publishedAt: { isNull: false } },
    suffix: "publishedAt_isnull=false",
    filter: { publishedAt_isnull: false },
    expected: () => postIds({ publishedAt: { not: null } }),
  },
  {
    name: "date gt",
    list: "posts",
    type: "Post",
    where: { publishedAt: { gt: published.toISOString() } },
    suffix: `publishedAt_gt=${published.toISOString()}`,
    filter: { publishedAt_gt: published.toISOString() },
    expected: () => postIds({ publishedAt: { gt: published } }),
  },
  {
    name: "ne on a nullable field keeps NULLs",
    list: "posts",
    type: "Post",
    where: { publishedAt: { ne: published.toISOString() } },
    suffix: `publishedAt_ne=${published.toISOString()}`,
    filter: { publishedAt_ne: published.toISOString() },
    expected: () => postIds({ OR: [{ publishedAt: { not: published } }, { publishedAt: null }] }),
  },
  {
    name: "several fields (AND)",
    list: "posts",
    type: "Post",
    where: { status: { eq: "published" }, views: { gte: 1000 } },
    suffix: "status=published&views_gte=1000",
    filter: { status: "published", views_gte: 1000 },
    expected: () => postIds({ status: "published", views: { gte: 1000 } }),
  },
  {
    name: "search (q)",
    list: "posts",
    type: "Post",
    where: { search: "dataloader" },
    suffix: "q=dataloader",
    filter: { q: "dataloader" },
    expected: () => searchIds(t.db, "post", "dataloader"),
  },
  {
    name: "foreign key eq (getManyReference)",
    list: "posts",
    type: "Post",
    where: { authorId: { eq: 3 } },
    suffix: "authorId=3",
    filter: { authorId: 3 },
    expected: () => postIds({ authorId: 3 }),
  },
  {
    name: "users: role in",
    list: "users",
    type: "User",
    where: { role: { in: ["admin", "editor"] } },
    suffix: "role_in=admin,editor",
    filter: { role: ["admin", "editor"] },
    expected: async () =>
      (await t.db.prisma.user.findMany({ where: { role: { in: ["admin", "editor"] } }, select: { id: true } })).map(
        (r) => r.id,
      ),
  },
  {
    name: "tags: name startsWith",
    list: "tags",
    type: "Tag",
    where: { name: { startsWith: "p" } },
    suffix: "name_startswith=p",
    filter: { name_startswith: "p" },
    expected: async () =>
      (
        await t.db.prisma.tag.findMany({
          where: { name: { startsWith: "p", mode: "insensitive" } },
          select: { id: true },
        })
      ).map((r) => r.id),
  },
  {
    name: "comments: uuid ids in",
    list: "comments",
    type: "Comment",
    where: { postId: { in: [1, 2, 3] } },
    suffix: "postId_in=1,2,3",
    filter: { postId: [1, 2, 3] },
    expected: async () =>
      (await t.db.prisma.comment.findMany({ where: { postId: { in: [1, 2, 3] } }, select: { id: true } })).map(
        (r) => r.id,
      ),
  },
];

async function postIds(where: object): Promise<Ids> {
  return (await t.db.prisma.post.findMany({ where, select: { id: true } })).map((r) => r.id);
}

describe("parity: GraphQL where, REST suffix params and REST filter JSON agree with the database", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const expected = sortIds(await c.expected());
      expect(expected.length, "the case must select some rows").toBeGreaterThan(0);
      const graphql = sortIds(await viaGraphQL(c.list, c.type, c.where));
      const suffix = await viaRest(c.list, c.suffix);
      const filter = await viaRest(c.list, `filter=${encodeURIComponent(JSON.stringify(c.filter))}`);
      expect(graphql).toEqual(expected);
      expect(sortIds(suffix.ids)).toEqual(expected);
      expect(sortIds(filter.ids)).toEqual(expected);
      expect(suffix.total).toBe(`${c.list} 0-${expected.length - 1}/${expected.length}`);
    });
  }

  it("AND / OR / NOT in GraphQL match the database", async () => {
    const where = {
      OR: [{ views: { gte: 7000 } }, { AND: [{ status: { eq: "archived" } }, { NOT: { views: { gt: 100 } } }] }],
    };
    const expected = sortIds(
      await postIds({
        OR: [{ views: { gte: 7000 } }, { AND: [{ status: "archived" }, { NOT: { views: { gt: 100 } } }] }],
      }),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(sortIds(await viaGraphQL("posts", "Post", where))).toEqual(expected);
  });

  it("sorting and paging agree: the same page in the same order", async () => {
    const gql = await app.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: "{ posts(orderBy: [{ status: asc }, { views: desc }], skip: 20, take: 10) { id } }",
        }),
      }),
    );
    const graphql = ((await gql.json()) as { data: { posts: { id: string }[] } }).data.posts.map((p) => Number(p.id));
    const rest = await app.fetch(new Request("http://test/api/posts?sort=status,-views&page=3&per_page=10"));
    const restIds = ((await rest.json()) as { id: number }[]).map((p) => p.id);
    const db = (
      await t.db.prisma.post.findMany({
        orderBy: [{ status: "asc" }, { views: "desc" }, { id: "desc" }],
        skip: 20,
        take: 10,
        select: { id: true },
      })
    ).map((p) => p.id);
    expect(graphql).toEqual(db);
    expect(restIds).toEqual(db);
  });

  it("the same bad filter is refused by both, naming the field, without leaking the hidden one", async () => {
    const gql = await app.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: '{ users(where: { passwordHash: { eq: "x" } }) { id } }' }),
      }),
    );
    const gqlBody = await gql.text();
    expect(gqlBody).toContain("passwordHash");
    expect(gqlBody).toMatch(/not defined|Unknown/i);
    const rest = await app.fetch(
      new Request(`http://test/api/users?filter=${encodeURIComponent('{"passwordHash":"x"}')}`),
    );
    expect(rest.status).toBe(400);
    const restBody = await rest.text();
    expect(restBody).toContain("passwordHash");
    const hashes = (await t.db.prisma.user.findMany({ select: { passwordHash: true }, take: 3 })).map(
      (u) => u.passwordHash,
    );
    for (const hash of hashes) {
      expect(gqlBody).not.toContain(hash);
      expect(restBody).not.toContain(hash);
    }
  });
});
