// Nested lists take arguments (issue 17 item 9): a to-many relation field takes its target's `where`, `orderBy`,
// `skip` and `take`, with the target's own rules, compiled into the read's one statement, on both read paths (the
// spliced one, and the ordinary execution); and where a relation could not be read with its parent (a mutation's
// result, aliases asking for different pages) one batched statement per page asked for.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN } from "../support/actors.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLTestClient, graphqlClient } from "./client.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
let authorId: number;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t, { actor: ADMIN });
  // The author with the most posts, so that pages, skips and filters have something to choose from.
  const [top] = await t.db.prisma.post.groupBy({
    by: ["authorId"],
    _count: { id: true },
    orderBy: [{ _count: { id: "desc" } }, { authorId: "asc" }],
    take: 1,
  });
  authorId = top?.authorId as number;
});
afterAll(() => t?.close());

type Post = { id: string; views: number; status: string };
const numbers = (records: { id: string }[]) => records.map((r) => Number(r.id));

// Ordinary execution: a root fragment is not spliced, so the resolvers run (and read through projections).
const paths = {
  spliced: (query: string) => `{ ${query} }`,
  executed: (query: string) => `{ ... on Query { ${query} } }`,
};

describe.each(Object.entries(paths))("a nested list's arguments (%s)", (_path, wrap) => {
  it("filter, sort, skip and take the related records as a top-level list would, in one statement", async () => {
    t.db.statements.reset();
    const data = await gql.data<{ user: { posts: Post[] } }>(
      wrap(
        `user(id: ${authorId}) { posts(where: { status: { eq: published } }, orderBy: [{ views: desc }], skip: 1, take: 3) { id views status } }`,
      ),
    );
    expect(t.db.statements.count, t.db.statements.log.join("\n")).toBe(1);
    const expected = await t.db.prisma.post.findMany({
      where: { authorId, status: "published", deletedAt: null },
      orderBy: [{ views: "desc" }, { id: "desc" }],
      skip: 1,
      take: 3,
    });
    expect(expected).toHaveLength(3);
    expect(numbers(data.user.posts)).toEqual(expected.map((p) => p.id));
    expect(data.user.posts.every((p) => p.status === "published")).toBe(true);
  });

  it("page each parent's related records in a list, many-to-many and nested ones too, in one statement", async () => {
    t.db.statements.reset();
    const data = await gql.data<{
      posts: { id: string; tags: { name: string }[]; comments: { id: string; author: { name: string } }[] }[];
    }>(
      wrap(
        `posts(take: 20, orderBy: [{ id: asc }]) { id tags(orderBy: [{ name: desc }], take: 2) { name } comments(orderBy: [{ author: { name: asc } }], take: 2) { id author { name } } }`,
      ),
    );
    expect(t.db.statements.count, t.db.statements.log.join("\n")).toBe(1);
    const expected = await t.db.prisma.post.findMany({
      where: { deletedAt: null },
      orderBy: { id: "asc" },
      take: 20,
      include: {
        tags: { include: { tag: true } },
        comments: {
          where: { deletedAt: null },
          include: { author: true },
          orderBy: [{ author: { name: "asc" } }, { id: "asc" }],
          take: 2,
        },
      },
    });
    expect(data.posts.map((p) => p.tags.map((tag) => tag.name))).toEqual(
      expected.map((p) =>
        p.tags
          .map((x) => x.tag.name)
          .sort()
          .reverse()
          .slice(0, 2),
      ),
    );
    expect(data.posts.map((p) => p.comments.map((c) => c.id))).toEqual(
      expected.map((p) => p.comments.map((c) => c.id)),
    );
    expect(data.posts.some((p) => p.tags.length === 2)).toBe(true);
    expect(data.posts.some((p) => p.comments.length === 2)).toBe(true);
  });

  it("keep the target's rules: its page size limit, its filterable fields", async () => {
    const tooMany = await gql.error(wrap(`user(id: ${authorId}) { posts(take: 1001) { id } }`));
    expect(tooMany.extensions?.code).toBe("BAD_REQUEST");
    expect(tooMany.message).toBe("Page size 1001 is too large for posts: at most 1000.");
    // `body` of posts is filterable with `contains` only: the input has no other operator.
    const body = await gql.post(wrap(`user(id: ${authorId}) { posts(where: { body: { eq: "x" } }) { id } }`));
    expect(body.body.errors?.[0]?.message).toBe('Field "eq" is not defined by type "PostBodyFilter".');
  });
});

describe("a nested list read apart from its parent", () => {
  // Spliced, each alias is a LATERAL subquery of the one statement; executed, the posts' read cannot load two
  // pages of one relation, so each alias reads its page of every post's comments in one batch.
  it.each([
    ["spliced", paths.spliced, 1],
    ["executed", paths.executed, 3],
  ] as const)("aliases asking for different pages get each theirs (%s)", async (_path, wrap, statements) => {
    t.db.statements.reset();
    const data = await gql.data<{ posts: { id: string; first: { id: string }[]; latest: { id: string }[] }[] }>(
      wrap(
        `posts(take: 10, orderBy: [{ id: asc }]) { id first: comments(take: 1) { id } latest: comments(orderBy: [{ createdAt: desc }], take: 2) { id } }`,
      ),
    );
    expect(t.db.statements.count, t.db.statements.log.join("\n")).toBe(statements);
    const expected = await t.db.prisma.post.findMany({
      where: { deletedAt: null },
      orderBy: { id: "asc" },
      take: 10,
      include: { comments: { where: { deletedAt: null }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 2 } },
    });
    const firsts = await Promise.all(
      expected.map((p) =>
        t.db.prisma.comment.findMany({ where: { postId: p.id, deletedAt: null }, orderBy: { id: "asc" }, take: 1 }),
      ),
    );
    expect(data.posts.map((p) => p.latest.map((c) => c.id))).toEqual(expected.map((p) => p.comments.map((c) => c.id)));
    expect(data.posts.map((p) => p.first.map((c) => c.id))).toEqual(firsts.map((cs) => cs.map((c) => c.id)));
  });

  it("a mutation's result pages its relations too", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({
      where: { deletedAt: null, comments: { some: {} } },
      orderBy: { id: "asc" },
    });
    const data = await gql.data<{ updatePost: { comments: { id: string }[] } }>(
      `mutation($id: ID!) { updatePost(id: $id, data: { views: 7 }, expectedVersion: ${post.version}) { comments(take: 1, orderBy: [{ createdAt: desc }]) { id } } }`,
      { id: String(post.id) },
    );
    const [latest] = await t.db.prisma.comment.findMany({
      where: { postId: post.id, deletedAt: null },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 1,
    });
    expect(data.updatePost.comments.map((c) => c.id)).toEqual([latest?.id]);
  });

  it("a trashed related record is not in the list, whatever the arguments", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({
      where: { deletedAt: null, comments: { some: {} } },
      orderBy: { id: "desc" },
      include: { comments: { where: { deletedAt: null }, orderBy: { id: "asc" } } },
    });
    const gone = post.comments[0]?.id as string;
    await gql.data(`mutation($id: ID!) { deleteComment(id: $id) { id } }`, { id: gone });
    const data = await gql.data<{ post: { comments: { id: string }[] } }>(
      `query($id: ID!) { post(id: $id) { comments(orderBy: [{ createdAt: asc }], take: 100) { id } } }`,
      { id: String(post.id) },
    );
    expect(data.post.comments.map((c) => c.id)).not.toContain(gone);
    expect(data.post.comments).toHaveLength(post.comments.length - 1);
  });
});
