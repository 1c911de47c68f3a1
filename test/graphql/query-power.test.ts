// Query power through GraphQL: relation filters in where inputs, relation sorts in orderBy, Relay
// connections over keyset pages, and aggregates with groupBy / having. Every answer is checked against
// the database's own, through Prisma; undeclared relations, sorts and aggregates are absent from the
// schema, so GraphQL refuses them at validation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../../demo/generated/client.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLTestClient, graphqlClient } from "./client.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
let total: number;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t);
  total = await t.db.prisma.post.count();
});
afterAll(() => t?.close());

async function postIds(where: unknown): Promise<number[]> {
  const data = await gql.data<{ posts: { id: string }[] }>(
    `query($where: PostWhereInput) { posts(where: $where, take: 1000) { id } }`,
    { where },
  );
  return data.posts.map((p) => Number(p.id));
}

/** The posts `where` selects are those `prismaWhere` selects: some, not all, and counted alike. */
async function expectPosts(where: unknown, prismaWhere: Prisma.PostWhereInput) {
  const expected = (
    await t.db.prisma.post.findMany({ where: prismaWhere, select: { id: true }, orderBy: { id: "asc" } })
  ).map((p) => p.id);
  expect(expected.length, "the case must match some posts").toBeGreaterThan(0);
  expect(expected.length, "the case must leave some posts out").toBeLessThan(total);
  expect(await postIds(where)).toEqual(expected);
  const { postsCount } = await gql.data<{ postsCount: number }>(
    `query($where: PostWhereInput) { postsCount(where: $where) }`,
    { where },
  );
  expect(postsCount).toBe(expected.length);
}

describe("relation filters", () => {
  it("to-one: a condition on the post's author", async () => {
    await expectPosts(
      { author: { role: { in: ["admin", "editor"] } } },
      { author: { role: { in: ["admin", "editor"] } } },
    );
    await expectPosts(
      { author: { name: { startsWith: "ada" } } },
      { author: { name: { startsWith: "ada", mode: "insensitive" } } },
    );
  });

  it("to-many: some, every and none of the post's comments", async () => {
    const body = { contains: "agree" };
    const prismaBody = { contains: "agree", mode: "insensitive" as const };
    await expectPosts({ comments: { some: { body } } }, { comments: { some: { body: prismaBody } } });
    await expectPosts({ comments: { every: { body } } }, { comments: { every: { body: prismaBody } } });
    await expectPosts({ comments: { none: { body } } }, { comments: { none: { body: prismaBody } } });
  });

  it("many-to-many: some, every and none of the post's tags, through the join model", async () => {
    await expectPosts(
      { tags: { some: { name: { eq: "postgres" } } } },
      { tags: { some: { tag: { name: "postgres" } } } },
    );
    await expectPosts(
      { tags: { every: { name: { in: ["postgres", "graphql", "rest", "node"] } } } },
      { tags: { every: { tag: { name: { in: ["postgres", "graphql", "rest", "node"] } } } } },
    );
    await expectPosts(
      { tags: { none: { name: { startsWith: "p" } } } },
      { tags: { none: { tag: { name: { startsWith: "p", mode: "insensitive" } } } } },
    );
  });

  it("nests through relations, combines with AND / OR / NOT, and ANDs quantifiers given together", async () => {
    await expectPosts(
      { comments: { some: { author: { role: { eq: "admin" } } } } },
      { comments: { some: { author: { role: "admin" } } } },
    );
    await expectPosts(
      {
        OR: [{ author: { role: { eq: "admin" } } }, { NOT: { tags: { some: { name: { eq: "graphql" } } } } }],
        status: { eq: "published" },
      },
      {
        OR: [{ author: { role: "admin" } }, { NOT: { tags: { some: { tag: { name: "graphql" } } } } }],
        status: "published",
      },
    );
    await expectPosts(
      { comments: { some: { body: { contains: "typo" } }, none: { body: { contains: "great" } } } },
      {
        comments: {
          some: { body: { contains: "typo", mode: "insensitive" } },
          none: { body: { contains: "great", mode: "insensitive" } },
        },
      },
    );
  });

  it("an empty condition on a relation matches any related record; a null one is ignored", async () => {
    await expectPosts({ comments: { none: {} } }, { comments: { none: {} } });
    await expectPosts({ comments: { some: {} } }, { comments: { some: {} } });
    expect(await postIds({ author: {}, comments: { some: null } })).toHaveLength(total);
  });

  it("filters other resources' lists and connections alike", async () => {
    const where = { post: { status: { eq: "published" } }, author: { role: { in: ["author", "reader"] } } };
    const prismaWhere = {
      post: { status: "published" as const },
      author: { role: { in: ["author" as const, "reader" as const] } },
    };
    const { comments, commentsConnection } = await gql.data<{
      comments: { id: string }[];
      commentsConnection: { totalCount: number; nodes: { id: string }[] };
    }>(
      `query($where: CommentWhereInput) { comments(where: $where, take: 100) { id } commentsConnection(where: $where, first: 100) { totalCount nodes { id } } }`,
      { where },
    );
    const expected = await t.db.prisma.comment.findMany({
      where: prismaWhere,
      orderBy: { id: "asc" },
      take: 100,
      select: { id: true },
    });
    expect(comments.map((c) => c.id)).toEqual(expected.map((c) => c.id));
    expect(commentsConnection.nodes).toEqual(comments);
    expect(commentsConnection.totalCount).toBe(await t.db.prisma.comment.count({ where: prismaWhere }));
    expect(expected.length).toBeGreaterThan(0);
    expect(commentsConnection.totalCount).toBeLessThan(await t.db.prisma.comment.count());
  });

  it("offers no filter through an undeclared relation, nor on the related resource's hidden fields", async () => {
    expect((await gql.error(`{ users(where: { comments: { some: {} } }) { id } }`)).message).toBe(
      'Field "comments" is not defined by type "UserWhereInput".',
    );
    expect((await gql.error(`{ tags(where: { posts: { some: {} } }) { id } }`)).message).toMatch(
      /^Field "posts" is not defined by type "TagWhereInput"\./,
    );
    expect((await gql.error(`{ posts(where: { author: { passwordHash: { eq: "x" } } }) { id } }`)).message).toBe(
      'Field "passwordHash" is not defined by type "UserWhereInput".',
    );
    expect(
      (await gql.error(`{ posts(where: { author: { updatedAt: { gt: "2025-01-01" } } }) { id } }`)).message,
    ).toMatch(/^Field "updatedAt" is not defined by type "UserWhereInput"\./);
  });

  it("refuses relation filters nested deeper than the resource's maxDepth, with BAD_REQUEST", async () => {
    const error = await gql.error(
      `{ posts(where: { comments: { some: { post: { comments: { some: { post: { id: { eq: 1 } } } } } } } }) { id } }`,
    );
    expect(error.extensions?.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("Relation filters nest too deeply: at most 3 relations from posts.");
  });
});

describe("relation and multi-field sorting", () => {
  it("sorts by the author's name, then by views", async () => {
    const { posts } = await gql.data<{ posts: { id: string }[] }>(
      `{ posts(orderBy: [{ author: { name: desc } }, { views: asc }], take: 1000) { id } }`,
    );
    const expected = await t.db.prisma.post.findMany({
      orderBy: [{ author: { name: "desc" } }, { views: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    expect(posts.map((p) => Number(p.id))).toEqual(expected.map((p) => p.id));
  });

  it("follows several relations: comments by their post's author's name, then by creation time", async () => {
    const { comments } = await gql.data<{ comments: { id: string }[] }>(
      `{ comments(orderBy: [{ post: { author: { name: asc } } }, { createdAt: asc }], take: 100) { id } }`,
    );
    const expected = await t.db.prisma.comment.findMany({
      orderBy: [{ post: { author: { name: "asc" } } }, { createdAt: "asc" }, { id: "asc" }],
      take: 100,
      select: { id: true },
    });
    expect(comments.map((c) => c.id)).toEqual(expected.map((c) => c.id));
  });

  it("rejects a relation element that sets no field or two, naming where", async () => {
    const two = await gql.error(`{ posts(orderBy: [{ views: asc }, { author: { name: asc, email: desc } }]) { id } }`);
    expect(two.extensions?.code).toBe("BAD_REQUEST");
    expect(two.message).toBe("Each UserOrderByInput must set exactly one field; orderBy[1].author sets email, name.");
    const none = await gql.error(`{ comments(orderBy: [{ post: { author: {} } }]) { id } }`);
    expect(none.message).toBe("Each UserOrderByInput must set exactly one field; orderBy[0].post.author sets none.");
  });

  it("offers no sort by a to-many or undeclared relation, nor by the related resource's unsortable fields", async () => {
    expect((await gql.error(`{ posts(orderBy: [{ comments: { body: asc } }]) { id } }`)).message).toBe(
      'Field "comments" is not defined by type "PostOrderByInput".',
    );
    expect((await gql.error(`{ users(orderBy: [{ posts: { title: asc } }]) { id } }`)).message).toBe(
      'Field "posts" is not defined by type "UserOrderByInput".',
    );
    expect((await gql.error(`{ posts(orderBy: [{ author: { passwordHash: asc } }]) { id } }`)).message).toBe(
      'Field "passwordHash" is not defined by type "UserOrderByInput".',
    );
  });
});

type Connection = {
  edges: { cursor: string; node: { id: string; publishedAt: string | null } }[];
  nodes: { id: string }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
};
const CONNECTION = `query($first: Int, $after: String, $last: Int, $before: String, $where: PostWhereInput, $orderBy: [PostOrderByInput!]) {
  postsConnection(first: $first, after: $after, last: $last, before: $before, where: $where, orderBy: $orderBy) {
    edges { cursor node { id publishedAt } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function connection(variables: Record<string, unknown>): Promise<Connection> {
  return (await gql.data<{ postsConnection: Connection }>(CONNECTION, variables)).postsConnection;
}

describe("postsConnection", () => {
  const size = 37;

  it("walks every page forward, then backward, for a sort on a nullable field", async () => {
    for (const orderBy of [[{ publishedAt: "desc" }], [{ publishedAt: "asc" }, { title: "desc" }]]) {
      const { posts: list } = await gql.data<{ posts: { id: string }[] }>(
        `query($orderBy: [PostOrderByInput!]) { posts(orderBy: $orderBy, take: 1000) { id } }`,
        { orderBy },
      );
      const whole = list.map((p) => p.id);

      const forward: string[] = [];
      const dates: (string | null)[] = [];
      let page: Connection | undefined;
      do {
        page = await connection({ orderBy, first: size, after: page?.pageInfo.endCursor });
        expect(page.nodes.map((n) => n.id)).toEqual(page.edges.map((e) => e.node.id));
        expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor);
        expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
        expect(page.pageInfo.hasPreviousPage).toBe(forward.length > 0);
        forward.push(...page.edges.map((e) => e.node.id));
        dates.push(...page.edges.map((e) => e.node.publishedAt));
      } while (page.pageInfo.hasNextPage);
      // Pages add up to the offset list: every post once, in the same order.
      expect(forward, JSON.stringify(orderBy)).toEqual(whole);
      expect(forward).toHaveLength(total);
      // And that order is the database's: nulls first ascending, last descending.
      const direction = orderBy[0]?.publishedAt as "asc" | "desc";
      const expected = await t.db.prisma.post.findMany({
        orderBy: { publishedAt: { sort: direction, nulls: direction === "asc" ? "first" : "last" } },
        select: { publishedAt: true },
      });
      expect(dates).toEqual(expected.map((p) => p.publishedAt?.toISOString() ?? null));

      const backward: string[] = [];
      page = undefined;
      do {
        page = await connection({ orderBy, last: size, before: page?.pageInfo.startCursor });
        expect(page.pageInfo.hasNextPage).toBe(backward.length > 0);
        backward.unshift(...page.edges.map((e) => e.node.id));
      } while (page.pageInfo.hasPreviousPage);
      expect(backward).toEqual(whole);
    }
  });

  it("pages a filtered list and counts it when totalCount is selected (aliased or in a fragment too)", async () => {
    const where = { author: { role: { in: ["author", "editor"] } }, status: { ne: "archived" } };
    const expected = await t.db.prisma.post.count({
      where: { author: { role: { in: ["author", "editor"] } }, status: { not: "archived" } },
    });
    expect(expected).toBeGreaterThan(50);
    const query = `query($where: PostWhereInput, $after: String) {
      postsConnection(where: $where, first: 50, after: $after) { all: totalCount ...Rest }
    }
    fragment Rest on PostConnection { totalCount nodes { id } pageInfo { endCursor hasNextPage } }`;
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { postsConnection: page } = await gql.data<{
        postsConnection: {
          all: number;
          totalCount: number;
          nodes: { id: string }[];
          pageInfo: { endCursor: string; hasNextPage: boolean };
        };
      }>(query, { where, after });
      expect(page.all).toBe(expected);
      expect(page.totalCount).toBe(expected);
      seen.push(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(expected);
  });

  it("defaults to the resource's page size, and an empty page has no cursors", async () => {
    const first = await connection({});
    expect(first.edges).toHaveLength(25);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const empty = await connection({ where: { id: { eq: "0" } } });
    expect(empty).toEqual({
      edges: [],
      nodes: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it("rejects a tampered cursor, a cursor of another sort, and garbage, with BAD_REQUEST", async () => {
    const page = await connection({ orderBy: [{ views: "desc" }], first: 5 });
    const cursor = page.pageInfo.endCursor as string;
    const [payload, mac] = cursor.split(".") as [string, string];
    const json = Buffer.from(payload, "base64url").toString();
    const edited = json.replace(/("v":\[)(\d+)/, (_, head: string, views: string) => `${head}${Number(views) + 1}`);
    expect(edited).not.toBe(json);
    const tampered = await gql.error(CONNECTION, {
      orderBy: [{ views: "desc" }],
      first: 5,
      after: `${Buffer.from(edited).toString("base64url")}.${mac}`,
    });
    expect(tampered.extensions?.code).toBe("BAD_REQUEST");
    expect(tampered.message).toBe("Invalid cursor: use a cursor exactly as a previous page returned it.");
    expect(tampered.path).toEqual(["postsConnection"]);
    const otherSort = await gql.error(CONNECTION, { orderBy: [{ title: "asc" }], first: 5, after: cursor });
    expect(otherSort.extensions?.code).toBe("BAD_REQUEST");
    expect(otherSort.message).toMatch(/another sort/);
    expect((await gql.error(CONNECTION, { last: 5, before: "garbage" })).extensions?.code).toBe("BAD_REQUEST");
  });

  it("pages by a relation sort (author name), and refuses first with last and oversized pages", async () => {
    const byAuthor = await t.runtime
      .service("post")
      .list(t.runtime.context(), { sort: [{ field: "author.name", direction: "asc" }], limit: 5 });
    const data = await gql.data<{ postsConnection: { nodes: { id: string }[] } }>(CONNECTION, {
      orderBy: [{ author: { name: "asc" } }],
      first: 5,
    });
    expect(data.postsConnection.nodes.map((n) => Number(n.id))).toEqual(byAuthor.records.map((r) => r.id));
    expect((await gql.error(CONNECTION, { first: 5, last: 5 })).message).toBe("Ask for `first` or `last`, not both.");
    expect((await gql.error(CONNECTION, { first: 1001 })).message).toBe(
      "Page size 1001 is too large for posts: at most 1000.",
    );
    expect((await gql.error(CONNECTION, { first: -1 })).extensions?.code).toBe("BAD_REQUEST");
  });
});

describe("postsAggregate", () => {
  it("without groupBy: one group over the matching posts; dates stay DateTimes, sums and averages are Floats", async () => {
    const { postsAggregate } = await gql.data<{ postsAggregate: Record<string, unknown>[] }>(`{
      postsAggregate(where: { status: { eq: published } }) {
        key { status }
        count
        sum { views }
        avg { views }
        min { views publishedAt }
        max { views publishedAt createdAt }
      }
    }`);
    const e = await t.db.prisma.post.aggregate({
      where: { status: "published" },
      _count: { _all: true },
      _sum: { views: true },
      _avg: { views: true },
      _min: { views: true, publishedAt: true },
      _max: { views: true, publishedAt: true, createdAt: true },
    });
    expect(postsAggregate).toHaveLength(1);
    const [group] = postsAggregate as [Record<string, Record<string, unknown> | number | null>];
    expect(group).toMatchObject({
      key: null,
      count: e._count._all,
      sum: { views: e._sum.views },
      min: { views: e._min.views, publishedAt: e._min.publishedAt?.toISOString() },
      max: {
        views: e._max.views,
        publishedAt: e._max.publishedAt?.toISOString(),
        createdAt: e._max.createdAt?.toISOString(),
      },
    });
    expect((group.avg as { views: number }).views).toBeCloseTo(e._avg.views ?? Number.NaN, 6);
    expect(e._count._all).toBeGreaterThan(0);
  });

  it("groups by author with having on the count, sorted by the sum of views", async () => {
    const { postsAggregate } = await gql.data<{
      postsAggregate: { key: { authorId: string; status: null }; count: number; sum: { views: number } }[];
    }>(`{
      postsAggregate(groupBy: [authorId], having: [{ fn: count, op: gte, value: 10 }], orderBy: [{ sum: { views: desc } }]) {
        key { authorId status } count sum { views }
      }
    }`);
    const expected = await t.db.prisma.post.groupBy({
      by: ["authorId"],
      _count: { _all: true },
      _sum: { views: true },
      having: { id: { _count: { gte: 10 } } },
      orderBy: [{ _sum: { views: "desc" } }, { authorId: "asc" }],
    });
    expect(postsAggregate).toEqual(
      expected.map((g) => ({
        key: { authorId: String(g.authorId), status: null },
        count: g._count._all,
        sum: { views: g._sum.views },
      })),
    );
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.length).toBeLessThan(await t.db.prisma.user.count({ where: { posts: { some: {} } } }));
  });

  it("groups by two fields with having on a sum and a DateTime max, sorted and paged", async () => {
    const query = `query($having: [PostHavingInput!], $skip: Int) {
      postsAggregate(where: { views: { gt: 10 } }, groupBy: [status, authorId], having: $having, orderBy: [{ key: { status: desc } }, { count: desc }, { max: { views: asc } }], take: 5, skip: $skip) {
        key { status authorId } count max { publishedAt }
      }
    }`;
    const having = [
      { fn: "sum", field: "views", op: "gt", value: 500 },
      { fn: "max", field: "publishedAt", op: "gte", value: "2025-01-20T00:00:00Z" },
    ];
    const expected = await t.db.prisma.post.groupBy({
      by: ["status", "authorId"],
      where: { views: { gt: 10 } },
      _count: { _all: true },
      _max: { publishedAt: true, views: true },
      having: {
        AND: [{ views: { _sum: { gt: 500 } } }, { publishedAt: { _max: { gte: new Date("2025-01-20T00:00:00Z") } } }],
      },
      orderBy: [{ status: "desc" }, { _count: { id: "desc" } }, { _max: { views: "asc" } }, { authorId: "asc" }],
      skip: 2,
      take: 5,
    });
    const { postsAggregate } = await gql.data<{ postsAggregate: unknown[] }>(query, { having, skip: 2 });
    expect(postsAggregate).toEqual(
      expected.map((g) => ({
        key: { status: g.status, authorId: String(g.authorId) },
        count: g._count._all,
        max: { publishedAt: g._max.publishedAt?.toISOString() ?? null },
      })),
    );
    expect(expected).toHaveLength(5);
  });

  it("computes what fragments select, and users group by role", async () => {
    const { postsAggregate } = await gql.data<{
      postsAggregate: { sum: { views: number }; total: { views: number } }[];
    }>(`{
      postsAggregate { sum { ...Views } total: sum { views } }
    }
    fragment Views on PostSumAggregates { views }`);
    const all = await t.db.prisma.post.aggregate({ _sum: { views: true } });
    expect(postsAggregate).toEqual([{ sum: { views: all._sum.views }, total: { views: all._sum.views } }]);

    const { usersAggregate } = await gql.data<{ usersAggregate: { key: { role: string }; count: number }[] }>(
      `{ usersAggregate(groupBy: [role], orderBy: [{ count: desc }]) { key { role } count } }`,
    );
    const roles = await t.db.prisma.user.groupBy({
      by: ["role"],
      _count: { _all: true },
      orderBy: [{ _count: { id: "desc" } }, { role: "asc" }],
    });
    expect(usersAggregate).toEqual(roles.map((r) => ({ key: { role: r.role }, count: r._count._all })));
  });

  it("offers only declared group-by fields, functions and fields, and no aggregate query where nothing is declared", async () => {
    expect((await gql.error(`{ postsAggregate(groupBy: [title]) { count } }`)).message).toMatch(
      /^Value "title" does not exist in "PostGroupByField" enum\./,
    );
    expect((await gql.error(`{ postsAggregate { sum { publishedAt } } }`)).message).toBe(
      'Cannot query field "publishedAt" on type "PostSumAggregates".',
    );
    expect((await gql.error(`{ postsAggregate { avg { title } } }`)).message).toBe(
      'Cannot query field "title" on type "PostAvgAggregates".',
    );
    expect((await gql.error(`{ usersAggregate { sum { id } } }`)).message).toBe(
      'Cannot query field "sum" on type "UserAggregateGroup".',
    );
    expect((await gql.error(`{ commentsAggregate { count } }`)).message).toMatch(
      /^Cannot query field "commentsAggregate" on type "Query"\./,
    );
    expect((await gql.error(`{ postsAggregate(orderBy: [{ sum: { publishedAt: asc } }]) { count } }`)).message).toBe(
      'Field "publishedAt" is not defined by type "PostSumAggregatesOrderByInput".',
    );
  });

  it("refuses what the runtime refuses, with BAD_REQUEST", async () => {
    const cases: [string, string][] = [
      [
        `{ postsAggregate(having: [{ fn: count, op: gt, value: 1 }]) { count } }`,
        "`having` needs `groupBy`: without groups, filter the rows instead.",
      ],
      [
        `{ postsAggregate(groupBy: [status], having: [{ fn: sum, field: publishedAt, op: gt, value: 1 }]) { count } }`,
        'Cannot use "sum" of "publishedAt" in having on posts.',
      ],
      [
        `{ postsAggregate(groupBy: [status], having: [{ fn: count, op: gt, value: "many" }]) { count } }`,
        'having count gt: expected a number, got "many".',
      ],
      [
        `{ postsAggregate(groupBy: [status], orderBy: [{ key: { authorId: asc } }]) { count } }`,
        'Cannot sort groups by "authorId": use count, a group-by field, or <fn>.<field> of an aggregate you asked for.',
      ],
      [
        `{ postsAggregate(groupBy: [status], orderBy: [{ count: asc, sum: { views: asc } }]) { count } }`,
        "Each PostAggregateOrderByInput must set exactly one field; orderBy[0] sets count, sum.",
      ],
      [`{ postsAggregate(groupBy: [status], take: 1001) { count } }`, "Group limit must be 1 to 1000, got 1001."],
      [`{ postsAggregate(take: 5) { count } }`, "`sort`, `limit` and `offset` of aggregates need `groupBy`."],
    ];
    for (const [query, message] of cases) {
      const error = await gql.error(query);
      expect(error.extensions?.code, query).toBe("BAD_REQUEST");
      expect(error.message, query).toBe(message);
    }
  });
});

describe("SQL statements", () => {
  const page = (total: string) => `{ postsConnection(first: 50) { ${total} edges { node { id author { name } } } } }`;

  it("a connection page with each post's author is 1 statement, with or without totalCount", async () => {
    t.db.statements.reset();
    const without = await gql.data<{ postsConnection: { edges: unknown[] } }>(page(""));
    expect(without.postsConnection.edges).toHaveLength(50);
    expect(t.db.statements.count, t.db.statements.log.join("\n")).toBe(1);
    expect(t.db.statements.log[0]).not.toContain("(SELECT count(*) FROM");

    t.db.statements.reset();
    const counted = await gql.data<{ postsConnection: { totalCount: number } }>(page("totalCount"));
    expect(counted.postsConnection.totalCount).toBe(total);
    expect(t.db.statements.count, t.db.statements.log.join("\n")).toBe(1);
    expect(t.db.statements.log[0]).toContain("(SELECT count(*) FROM");

    // A skipped totalCount is not counted.
    t.db.statements.reset();
    await gql.data(page("totalCount @skip(if: true)"));
    expect(t.db.statements.log.join("\n")).not.toContain("(SELECT count(*) FROM");
  });

  it("an aggregate query is one statement", async () => {
    t.db.statements.reset();
    await gql.data(
      `{ postsAggregate(groupBy: [authorId], having: [{ fn: count, op: gt, value: 3 }]) { key { authorId } count sum { views } min { publishedAt } } }`,
    );
    expect(t.db.statements.count, t.db.statements.log.join("\n")).toBe(1);
  });
});
