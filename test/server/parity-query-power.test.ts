// Parity of query power: relation filters, relation sorts, full-text search, keyset pages and aggregates
// asked through GraphQL and through REST give the same answer, and it is the database's.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { searchIds } from "../support/search.ts";

let t: TestRuntime;
let app: App;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }) });
});
afterAll(() => t?.close());

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as { data: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

async function rest<T>(path: string): Promise<{ body: T; headers: Headers }> {
  const response = await app.fetch(new Request(`http://test${path}`));
  expect(response.status, path).toBe(200);
  return { body: (await response.json()) as T, headers: response.headers };
}

const postIds = async (where: unknown, orderBy: unknown = [{ id: "asc" }]) =>
  (
    await gql<{ posts: { id: string }[] }>(
      "query($w: PostWhereInput, $o: [PostOrderByInput!]) { posts(where: $w, orderBy: $o, take: 1000) { id } }",
      { w: where, o: orderBy },
    )
  ).posts.map((p) => Number(p.id));
const restIds = async (params: string) =>
  (await rest<{ id: number }[]>(`/api/posts?${params}&range=${encodeURIComponent("[0,999]")}`)).body.map((p) => p.id);

describe("parity of query power", () => {
  it("relation filters: to-one, to-many every, many-to-many", async () => {
    const cases: [unknown, string, object][] = [
      [
        { author: { role: { in: ["admin", "editor"] } } },
        "author.role_in=admin,editor&sort=id",
        { author: { role: { in: ["admin", "editor"] } } },
      ],
      [
        { comments: { every: { body: { contains: "thanks" } } } },
        "comments.every.body_like=thanks&sort=id",
        { comments: { every: { body: { contains: "thanks", mode: "insensitive" } } } },
      ],
      [
        { tags: { some: { name: { eq: "postgres" } } } },
        "tags.name=postgres&sort=id",
        { tags: { some: { tag: { name: "postgres" } } } },
      ],
    ];
    for (const [where, params, prismaWhere] of cases) {
      const expected = (
        await t.db.prisma.post.findMany({ where: prismaWhere, orderBy: { id: "asc" }, select: { id: true } })
      ).map((p) => p.id);
      expect(expected.length, params).toBeGreaterThan(0);
      expect(await postIds(where), params).toEqual(expected);
      expect(await restIds(params), params).toEqual(expected);
    }
  });

  it("relation sort: the same order, the database's", async () => {
    const expected = (
      await t.db.prisma.post.findMany({
        orderBy: [{ author: { name: "desc" } }, { views: "asc" }, { id: "asc" }],
        select: { id: true },
      })
    ).map((p) => p.id);
    expect(await postIds({}, [{ author: { name: "desc" } }, { views: "asc" }])).toEqual(expected);
    expect(await restIds("sort=-author.name,views")).toEqual(expected);
  });

  it("full-text search: the same ranked order through both, the database's set", async () => {
    const expected = await searchIds(t.db, "post", "pagination -cursor");
    expect(expected.length).toBeGreaterThan(0);
    const viaGraphQL = await postIds({ search: "pagination -cursor" }, []);
    const viaRest = await restIds(`q=${encodeURIComponent("pagination -cursor")}`);
    expect(viaRest).toEqual(viaGraphQL);
    expect([...viaGraphQL].sort((a, b) => a - b)).toEqual(expected);
  });

  it("keyset pages: a GraphQL connection and REST Link cursors walk the same sequence", async () => {
    const viaGraphQL: number[] = [];
    let after: string | null = null;
    do {
      const data: {
        postsConnection: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      } = await gql(
        "query($a: String) { postsConnection(first: 40, after: $a, orderBy: [{ publishedAt: desc }]) { nodes { id } pageInfo { hasNextPage endCursor } } }",
        { a: after },
      );
      viaGraphQL.push(...data.postsConnection.nodes.map((n) => Number(n.id)));
      after = data.postsConnection.pageInfo.hasNextPage ? data.postsConnection.pageInfo.endCursor : null;
    } while (after);
    const viaRest: number[] = [];
    let next: string | undefined = "/api/posts?sort=-publishedAt&per_page=40&cursor=";
    while (next) {
      const { body, headers }: { body: { id: number }[]; headers: Headers } = await rest<{ id: number }[]>(next);
      viaRest.push(...body.map((p) => p.id));
      next = /<([^>]+)>;\s*rel="next"/.exec(headers.get("link") ?? "")?.[1]?.replace(/^https?:\/\/[^/]+/, "");
    }
    const expected = (
      await t.db.prisma.post.findMany({
        orderBy: [{ publishedAt: { sort: "desc", nulls: "last" } }, { id: "desc" }],
        select: { id: true },
      })
    ).map((p) => p.id);
    expect(viaGraphQL).toEqual(expected);
    expect(viaRest).toEqual(expected);
  });

  it("aggregates: the same groups through both, the database's", async () => {
    const expected = await t.db.prisma.post.groupBy({
      by: ["status"],
      where: { views: { gte: 100 } },
      _count: { _all: true },
      _sum: { views: true },
      orderBy: { status: "asc" },
    });
    const viaGraphQL = (
      await gql<{ postsAggregate: { key: { status: string }; count: number; sum: { views: number } }[] }>(
        "{ postsAggregate(where: { views: { gte: 100 } }, groupBy: [status]) { key { status } count sum { views } } }",
      )
    ).postsAggregate.map((g) => [g.key.status, g.count, g.sum.views]);
    const viaRest = (
      await rest<{ groups: { key: { status: string }; count: number; sum: { views: number } }[] }>(
        "/api/posts/aggregate?groupBy=status&sum=views&views_gte=100",
      )
    ).body.groups.map((g) => [g.key.status, g.count, g.sum.views]);
    const want = expected.map((e) => [e.status, e._count._all, e._sum.views]);
    expect(viaGraphQL).toEqual(want);
    expect(viaRest).toEqual(want);
    const searched = (
      await gql<{ postsAggregate: { key: { status: string }; count: number }[] }>(
        '{ postsAggregate(where: { search: "guide" }, groupBy: [status]) { key { status } count } }',
      )
    ).postsAggregate;
    const searchedRest = (
      await rest<{ groups: { key: { status: string }; count: number }[] }>(
        "/api/posts/aggregate?groupBy=status&q=guide",
      )
    ).body.groups;
    expect(searched.map((g) => [g.key.status, g.count])).toEqual(searchedRest.map((g) => [g.key.status, g.count]));
    expect(searched.reduce((n, g) => n + g.count, 0)).toBe((await searchIds(t.db, "post", "guide")).length);
  });
});
