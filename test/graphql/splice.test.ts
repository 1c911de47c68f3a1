// Spliced queries (src/graphql/splice.ts): PostgreSQL's JSON goes out as it is, and must equal what
// graphql-js's own execution of the same selection answers. Each query runs twice: alone (spliced, which
// the response text shows: PostgreSQL's json_agg writes a newline between the objects of an array, which
// JSON.stringify never does) and beside a root field that cannot be spliced (a connection selected
// through a fragment on its type), which sends the whole operation through ordinary execution.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLTestClient, graphqlClient } from "./client.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t, { actor: ADMIN });
  // Something in the trash, so the deleted modes differ.
  const [a, b] = await t.db.prisma.post.findMany({ take: 2, orderBy: { id: "asc" }, select: { id: true } });
  await t.runtime.service("post").delete(t.runtime.context({ actor: ADMIN }), a?.id);
  await t.runtime
    .service("comment")
    .delete(
      t.runtime.context({ actor: ADMIN }),
      (await t.db.prisma.comment.findFirstOrThrow({ where: { postId: b?.id } })).id,
    );
});
afterAll(() => t?.close());

const queries: [string, string, Record<string, unknown>?][] = [
  ["a list with a nested to-one", "{ posts(take: 50, orderBy: [{ id: asc }]) { id title author { name } } }"],
  [
    "every scalar kind, to-many and many-to-many, two levels",
    "{ posts(take: 10, orderBy: [{ views: desc }]) { id title body status views version publishedAt createdAt updatedAt createdBy authorId comments { id body createdAt parentId author { id name role } } tags { id name } } }",
  ],
  [
    "aliases, __typename, fragments and directives",
    "query Q($s: Boolean!) { a: posts(take: 3) { __typename key: id ...F ... on Post { t2: title } author @skip(if: $s) { name } } n: postsCount __typename } fragment F on Post { title writer: author { email } }",
    { s: true },
  ],
  [
    "filters, sorts through relations, skip and take",
    `{ posts(where: { status: { in: [published, draft] }, author: { role: { eq: admin } } }, orderBy: [{ author: { name: asc } }, { views: desc }], skip: 2, take: 7) { id views author { name } } }`,
  ],
  ["full-text search ranks", `{ posts(where: { search: "pagination" }, take: 5) { id title } }`],
  [
    "the trash",
    "{ posts(deleted: ONLY) { id deletedAt comments { id } } comments(deleted: INCLUDE, take: 100) { id deletedAt } }",
  ],
  [
    "one record, found and missing",
    "{ post(id: 2) { id title comments { body parent { id } } author { posts { id } } } none: post(id: 999999) { id } }",
  ],
  [
    "users with relations only on single records",
    "{ user(id: 1) { id email posts { id } comments { id } } users(take: 5) { id name } }",
  ],
  [
    "a connection: nodes, edges, pageInfo, totalCount, aliases",
    "{ c: postsConnection(first: 3, orderBy: [{ views: desc }]) { __typename total: totalCount nodes { id title author { name } } edges { __typename cursor n: node { id title author { name } } } pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor } } }",
  ],
  [
    "a connection sorted through a relation, edges only",
    '{ commentsConnection(first: 4, orderBy: [{ post: { title: asc } }], where: { body: { contains: "a" } }) { edges { cursor node { id body post { title } } } pageInfo { endCursor hasNextPage } } }',
  ],
  [
    "a backward connection page, the trash, an empty page",
    "{ a: postsConnection(last: 3, deleted: INCLUDE) { nodes { id deletedAt } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } b: postsConnection(first: 0) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }",
  ],
];

describe("a spliced query answers what execution answers", () => {
  for (const [name, query, variables] of queries) {
    it(name, async () => {
      const spliced = await gql.post(query, variables);
      expect(spliced.body.errors).toBeUndefined();
      expect(spliced.text).toContain("\n");
      // The same selection beside a connection: graphql-js executes every field.
      const executed = await gql.post(
        query.replace(
          /\}\s*(fragment|$)/,
          " zz: postsConnection(first: 1) { ... on PostConnection { totalCount } } }$1",
        ),
        variables,
      );
      expect(executed.body.errors).toBeUndefined();
      expect(executed.text).not.toContain("\n");
      const { zz: _, ...data } = executed.body.data as Record<string, unknown>;
      expect(spliced.body.data).toEqual(data);
    });
  }

  it("pages on through a connection's cursors, forward and back, as execution does", async () => {
    const page =
      "query P($first: Int, $after: String, $last: Int, $before: String) { postsConnection(first: $first, after: $after, last: $last, before: $before, orderBy: [{ status: asc }]) { edges { cursor node { id status } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    const executedPage = page.replace(
      /\} \}$/,
      "} zz: postsConnection(first: 1) { ... on PostConnection { totalCount } } }",
    );
    type Connection = {
      edges: { cursor: string; node: { id: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null; startCursor: string | null };
    };
    const seen: string[] = [];
    let variables: Record<string, unknown> = { first: 60 };
    for (let i = 0; i < 10; i++) {
      const spliced = await gql.post(page, variables);
      const executed = await gql.post(executedPage, variables);
      expect(spliced.text).toContain("\n");
      expect(spliced.body.data?.postsConnection).toEqual(executed.body.data?.postsConnection);
      const connection = spliced.body.data?.postsConnection as Connection;
      seen.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      variables = { first: 60, after: connection.pageInfo.endCursor };
    }
    const live = await t.db.prisma.post.count({ where: { deletedAt: null } });
    expect(new Set(seen).size).toBe(live);
    expect(seen).toHaveLength(live);
    // Back from the end: the page before the last one's start.
    const last = (await gql.post(page, { last: 5 })).body.data?.postsConnection as Connection;
    const before = await gql.post(page, { last: 5, before: last.pageInfo.startCursor });
    const beforeExecuted = await gql.post(executedPage, { last: 5, before: last.pageInfo.startCursor });
    expect(before.body.data?.postsConnection).toEqual(beforeExecuted.body.data?.postsConnection);
    expect((before.body.data!.postsConnection as Connection).edges.map((e) => e.node.id)).toEqual(seen.slice(-10, -5));
    // Without its rows, a connection still has their cursors.
    const bare =
      "{ postsConnection(first: 5, orderBy: [{ status: asc }]) { totalCount pageInfo { hasNextPage endCursor } } }";
    const splicedBare = (await gql.post(bare)).body.data as { postsConnection: Connection };
    const { zz: _, ...executedBare } = (
      await gql.post(
        bare.replace(/\} \}$/, "} zz: postsConnection(first: 1) { ... on PostConnection { totalCount } } }"),
      )
    ).body.data as Record<string, unknown>;
    expect(splicedBare).toEqual(executedBare);
    const firstFive = (await gql.post(page, { first: 5 })).body.data?.postsConnection as Connection;
    expect(splicedBare.postsConnection.pageInfo.endCursor).toBe(firstFive.pageInfo.endCursor);
  });

  it("is one statement per root field", async () => {
    t.db.statements.reset();
    await gql.data("{ posts(take: 50) { id title author { name } comments { author { name } } tags { name } } }");
    expect(t.db.statements.count).toBe(1);
  });

  it("leaves errors to execution, with their paths", async () => {
    const error = await gql.error("{ posts(take: 1001) { id } }");
    expect(error.path).toEqual(["posts"]);
    expect(error.extensions?.code).toBe("BAD_REQUEST");
  });

  it("leaves records to execution when a hook or transform needs them", async () => {
    const off = t.runtime
      .on("post")
      .transform("list", (record) => ({ ...record, title: String(record.title).toUpperCase() }));
    try {
      const { text, body } = await gql.post("{ posts(take: 2, orderBy: [{ id: asc }]) { title } }");
      expect(text).not.toContain("\n");
      const titles = (body.data!.posts as { title: string }[]).map((p) => p.title);
      expect(titles.every((title) => title === title.toUpperCase())).toBe(true);
    } finally {
      off.off();
    }
  });
});
