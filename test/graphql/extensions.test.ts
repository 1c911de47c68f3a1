// Schema-first extensions: the demo's topAuthors report (schema/reports.graphql + schema/extensions.ts)
// and the merge of hand-written SDL and resolvers with the generated schema.
import { printSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGraphQLSchema, type GraphQLExtension } from "../../src/graphql/handler.ts";
import type { RequestContext } from "../../src/runtime/context.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLTestClient, graphqlClient } from "./client.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t, { actor: ADMIN });
});
afterAll(() => t?.close());

type Stats = { author: { id: string; name: string; email: string; role: string }; posts: number; totalViews: number };

async function expectedRanking() {
  const groups = await t.db.prisma.post.groupBy({ by: ["authorId"], _count: { _all: true }, _sum: { views: true } });
  return groups
    .map((g) => ({ id: g.authorId, posts: g._count._all, totalViews: g._sum.views ?? 0 }))
    .sort((a, b) => b.totalViews - a.totalViews || b.posts - a.posts || a.id - b.id);
}

describe("topAuthors", () => {
  it("ranks authors by total views, with post counts, as the database sums them", async () => {
    const { topAuthors } = await gql.data<{ topAuthors: Stats[] }>(`{ topAuthors { author { id } posts totalViews } }`);
    const expected = (await expectedRanking()).slice(0, 5);
    expect(topAuthors.map((s) => ({ id: Number(s.author.id), posts: s.posts, totalViews: s.totalViews }))).toEqual(
      expected,
    );
  });

  it("takes a limit, and returns authors as User records (relations resolve through the User type)", async () => {
    const { topAuthors } = await gql.data<{ topAuthors: (Stats & { author: { comments?: unknown } })[] }>(
      `{ topAuthors(limit: 12) { author { id name email role } posts } }`,
    );
    expect(topAuthors).toHaveLength(12);
    const users = await t.db.prisma.user.findMany({
      where: { id: { in: topAuthors.map((s) => Number(s.author.id)) } },
    });
    for (const { author } of topAuthors) {
      const user = users.find((u) => u.id === Number(author.id));
      expect(author).toEqual({ id: String(user?.id), name: user?.name, email: user?.email, role: user?.role });
    }
    // Users come as list items, so relations limited to single records are refused, as on `users`.
    const error = await gql.error(`{ topAuthors(limit: 1) { author { posts { id } } } }`);
    expect(error.message).toBe('Relation "posts" of user is only available on a single record.');
  });

  it("refuses a limit out of range with BAD_REQUEST", async () => {
    for (const limit of [0, 101]) {
      const error = await gql.error(`query($limit: Int) { topAuthors(limit: $limit) { posts } }`, { limit });
      expect(error.extensions?.code).toBe("BAD_REQUEST");
      expect(error.message).toBe(`topAuthors(limit) must be between 1 and 100, got ${limit}.`);
    }
  });

  it("costs a count, one page of posts and one batch of users", async () => {
    t.db.statements.reset();
    await gql.data(`{ topAuthors(limit: 10) { author { id name } totalViews } }`);
    expect(t.db.statements.count, t.db.statements.log.join("\n")).toBe(3);
  });
});

describe("merging extensions", () => {
  it("adds types and fields that use generated types and get the request's context", async () => {
    const seen: RequestContext[] = [];
    const publish: GraphQLExtension = {
      typeDefs: "extend type Mutation { publishPost(id: ID!): Post! }",
      resolvers: {
        Mutation: {
          publishPost: (_root, args: { id: string }, { runtime, context }) => {
            seen.push(context);
            return runtime
              .service("post")
              .patch(context, args.id, { status: "published", publishedAt: new Date("2025-07-01T00:00:00Z") });
          },
        },
      },
    };
    const mine = t.runtime.context({ actor: ADMIN });
    const client = graphqlClient(t, { extensions: [publish], contextFor: () => mine });
    const draft = await t.db.prisma.post.findFirstOrThrow({ where: { status: "draft" }, orderBy: { id: "asc" } });
    const { publishPost } = await client.data<{ publishPost: { status: string; author: { id: string } } }>(
      `mutation($id: ID!) { publishPost(id: $id) { status author { id } } }`,
      { id: draft.id },
    );
    expect(publishPost).toEqual({ status: "published", author: { id: String(draft.authorId) } });
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: draft.id } })).toMatchObject({
      status: "published",
      publishedAt: new Date("2025-07-01T00:00:00Z"),
    });
    expect(seen).toEqual([mine]);
  });

  it("fails at build time when a resolver has no field in the SDL", () => {
    const stray: GraphQLExtension = {
      typeDefs: "extend type Query { a: Int }",
      resolvers: { Query: { a: () => 1, b: () => 2 } },
    };
    expect(() => buildGraphQLSchema(t.runtime, [stray])).toThrow(/Query\.b defined in resolvers, but not in schema/);
  });

  it("keeps the generated schema as it is when there are none", () => {
    expect(printSchema(buildGraphQLSchema(t.runtime))).not.toContain("topAuthors");
    expect(printSchema(buildGraphQLSchema(t.runtime))).toContain("createPost(data: PostCreateInput!): Post!");
  });
});
