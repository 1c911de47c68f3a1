// Every operator on every kind of field the demo filters, the combinators and search: each GraphQL
// `where` must select exactly the rows an equivalent Prisma query selects, and must actually filter
// (some rows in, some out).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../../demo/generated/client.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { searchIds } from "../support/search.ts";
import { type GraphQLTestClient, graphqlClient } from "./client.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
// Values picked from the seeded rows, so each condition matches some rows but not all.
let title: string;
let otherTitle: string;
let views: number;
let publishedAt: Date;
let createdAt: Date;
let authorId: number;
let commentId: string;
let otherCommentId: string;
let email: string;

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t, { actor: ADMIN });
  const posts = await t.db.prisma.post.findMany({ orderBy: { id: "asc" }, where: { status: "published" } });
  const sorted = [...posts].sort((a, b) => a.views - b.views);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (!middle?.publishedAt) throw new Error("seed has no published post");
  ({ title, views, createdAt, authorId } = middle);
  publishedAt = middle.publishedAt;
  otherTitle = (posts.find((p) => p.title !== title) ?? middle).title;
  const comments = await t.db.prisma.comment.findMany({ orderBy: { id: "asc" }, take: 2 });
  commentId = comments[0]?.id ?? "";
  otherCommentId = comments[1]?.id ?? "";
  email = (await t.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } })).email;
});
afterAll(() => t?.close());

async function postIds(where: unknown): Promise<number[]> {
  const data = await gql.data<{ posts: { id: string }[] }>(
    `query($where: PostWhereInput) { posts(where: $where, take: 1000) { id } }`,
    { where },
  );
  // Sorted here: a search ranks by relevance, and these tests compare sets.
  return data.posts.map((p) => Number(p.id)).sort((a, b) => a - b);
}

async function expectPosts(where: unknown, prismaWhere: Prisma.PostWhereInput) {
  const expected = (
    await t.db.prisma.post.findMany({ where: prismaWhere, select: { id: true }, orderBy: { id: "asc" } })
  ).map((p) => p.id);
  const total = await t.db.prisma.post.count();
  // A condition that keeps every row or none proves nothing.
  expect(expected.length, "the case must match some posts").toBeGreaterThan(0);
  expect(expected.length, "the case must leave some posts out").toBeLessThan(total);
  expect(await postIds(where)).toEqual(expected);
  const { postsCount } = await gql.data<{ postsCount: number }>(
    `query($where: PostWhereInput) { postsCount(where: $where) }`,
    { where },
  );
  expect(postsCount).toBe(expected.length);
}

describe("String (post.title)", () => {
  it("eq, ne", async () => {
    await expectPosts({ title: { eq: title } }, { title });
    await expectPosts({ title: { ne: title } }, { title: { not: title } });
  });
  it("gt, gte, lt, lte (collation order of the database)", async () => {
    await expectPosts({ title: { gt: title } }, { title: { gt: title } });
    await expectPosts({ title: { gte: title } }, { title: { gte: title } });
    await expectPosts({ title: { lt: title } }, { title: { lt: title } });
    await expectPosts({ title: { lte: title } }, { title: { lte: title } });
  });
  it("in, notIn", async () => {
    await expectPosts({ title: { in: [title, otherTitle] } }, { title: { in: [title, otherTitle] } });
    await expectPosts({ title: { notIn: [title, otherTitle] } }, { title: { notIn: [title, otherTitle] } });
  });
  it("contains, startsWith, endsWith, case-insensitively", async () => {
    await expectPosts(
      { title: { contains: "PAGINATION" } },
      { title: { contains: "pagination", mode: "insensitive" } },
    );
    await expectPosts(
      { title: { startsWith: "notes on" } },
      { title: { startsWith: "Notes on", mode: "insensitive" } },
    );
    await expectPosts(
      { title: { endsWith: "STEP BY STEP" } },
      { title: { endsWith: "step by step", mode: "insensitive" } },
    );
  });
  it("treats LIKE wildcards as text", async () => {
    expect(await postIds({ title: { contains: "%" } })).toEqual([]);
    expect(await postIds({ title: { startsWith: "_" } })).toEqual([]);
  });
  it("several operators on one field must all hold", async () => {
    await expectPosts(
      { title: { startsWith: "Notes", contains: "index" } },
      {
        AND: [
          { title: { startsWith: "Notes", mode: "insensitive" } },
          { title: { contains: "index", mode: "insensitive" } },
        ],
      },
    );
  });
});

describe("String (user.email, comment.body)", () => {
  it("eq, in, contains, startsWith, endsWith on users", async () => {
    const ids = async (where: unknown) =>
      (
        await gql.data<{ users: { id: string }[] }>(
          `query($where: UserWhereInput) { users(where: $where, take: 200) { id } }`,
          { where },
        )
      ).users.map((u) => Number(u.id));
    const expected = async (where: Prisma.UserWhereInput) =>
      (await t.db.prisma.user.findMany({ where, select: { id: true }, orderBy: { id: "asc" } })).map((u) => u.id);
    expect(await ids({ email: { eq: email } })).toEqual(await expected({ email }));
    expect(await ids({ email: { in: [email] } })).toHaveLength(1);
    expect(await ids({ email: { endsWith: "@EXAMPLE.com" } })).toHaveLength(40);
    const prefix = email.slice(0, 3);
    expect(await ids({ email: { startsWith: prefix } })).toEqual(
      await expected({ email: { startsWith: prefix, mode: "insensitive" } }),
    );
    expect(await ids({ email: { contains: "lovelace" } })).toEqual(
      await expected({ email: { contains: "lovelace", mode: "insensitive" } }),
    );
  });
  it("contains on comments", async () => {
    const { comments } = await gql.data<{ comments: { body: string }[] }>(
      `{ comments(where: { body: { contains: "typo" } }, take: 100) { body } }`,
    );
    expect(comments.length).toBe(
      await t.db.prisma.comment.count({ where: { body: { contains: "typo", mode: "insensitive" } } }),
    );
    expect(comments.length).toBeGreaterThan(0);
    expect(comments.every((c) => /typo/i.test(c.body))).toBe(true);
  });
});

describe("Int (post.views, post.authorId)", () => {
  it("eq, ne, gt, gte, lt, lte", async () => {
    await expectPosts({ views: { eq: views } }, { views });
    await expectPosts({ views: { ne: views } }, { views: { not: views } });
    await expectPosts({ views: { gt: views } }, { views: { gt: views } });
    await expectPosts({ views: { gte: views } }, { views: { gte: views } });
    await expectPosts({ views: { lt: views } }, { views: { lt: views } });
    await expectPosts({ views: { lte: views } }, { views: { lte: views } });
  });
  it("in, notIn; a range from two operators", async () => {
    await expectPosts({ authorId: { in: [authorId, authorId + 1] } }, { authorId: { in: [authorId, authorId + 1] } });
    await expectPosts({ authorId: { notIn: [authorId] } }, { authorId: { notIn: [authorId] } });
    await expectPosts({ views: { gte: 100, lte: views } }, { views: { gte: 100, lte: views } });
  });
});

describe("DateTime (post.publishedAt, nullable; post.createdAt)", () => {
  const at = () => publishedAt.toISOString();
  it("eq, ne (ne keeps the nulls), gt, gte, lt, lte", async () => {
    await expectPosts({ publishedAt: { eq: at() } }, { publishedAt });
    await expectPosts(
      { publishedAt: { ne: at() } },
      { OR: [{ publishedAt: { not: publishedAt } }, { publishedAt: null }] },
    );
    await expectPosts({ publishedAt: { gt: at() } }, { publishedAt: { gt: publishedAt } });
    await expectPosts({ publishedAt: { gte: at() } }, { publishedAt: { gte: publishedAt } });
    await expectPosts({ publishedAt: { lt: at() } }, { publishedAt: { lt: publishedAt } });
    await expectPosts({ publishedAt: { lte: at() } }, { publishedAt: { lte: publishedAt } });
    await expectPosts({ createdAt: { lt: createdAt.toISOString() } }, { createdAt: { lt: createdAt } });
  });
  it("in, notIn", async () => {
    await expectPosts({ publishedAt: { in: [at()] } }, { publishedAt: { in: [publishedAt] } });
    await expectPosts({ publishedAt: { notIn: [at()] } }, { publishedAt: { notIn: [publishedAt] } });
  });
  it("isNull true and false; eq null means is null", async () => {
    await expectPosts({ publishedAt: { isNull: true } }, { publishedAt: null });
    await expectPosts({ publishedAt: { isNull: false } }, { publishedAt: { not: null } });
    await expectPosts({ publishedAt: { eq: null } }, { publishedAt: null });
  });
});

describe("Enum (post.status, user.role)", () => {
  it("eq, ne, in, notIn", async () => {
    await expectPosts({ status: { eq: "draft" } }, { status: "draft" });
    await expectPosts({ status: { ne: "draft" } }, { status: { not: "draft" } });
    await expectPosts({ status: { in: ["draft", "archived"] } }, { status: { in: ["draft", "archived"] } });
    await expectPosts({ status: { notIn: ["published"] } }, { status: { notIn: ["published"] } });
    const { usersCount } = await gql.data<{ usersCount: number }>(
      `{ usersCount(where: { role: { in: [admin, editor] } }) }`,
    );
    expect(usersCount).toBe(8);
  });
  it("rejects a value outside the enum at validation", async () => {
    const error = await gql.error(`{ posts(where: { status: { eq: deleted } }) { id } }`);
    expect(error.message).toMatch(/Value "deleted" does not exist in "PostStatus" enum/);
  });
});

describe("ids (Int post.id, UUID comment.id)", () => {
  it("eq and in, with ids as GraphQL IDs", async () => {
    await expectPosts({ id: { eq: "7" } }, { id: 7 });
    await expectPosts({ id: { in: ["7", 9, "11"] } }, { id: { in: [7, 9, 11] } });
    const { comments } = await gql.data<{ comments: { id: string }[] }>(
      `query($ids: [ID!]) { comments(where: { id: { in: $ids } }) { id } }`,
      { ids: [otherCommentId, commentId.toUpperCase()] },
    );
    expect(comments.map((c) => c.id).sort()).toEqual([commentId, otherCommentId].sort());
    const { comment } = await gql.data<{ comment: { id: string } }>(`query($id: ID!) { comment(id: $id) { id } }`, {
      id: commentId,
    });
    expect(comment.id).toBe(commentId);
  });
  it("rejects an id that cannot be one, with BAD_REQUEST", async () => {
    const error = await gql.error(`{ posts(where: { id: { in: ["7", "seven"] } }) { id } }`);
    expect(error.extensions?.code).toBe("BAD_REQUEST");
    expect(error.message).toBe('Invalid filter value for posts.id (in): expected an integer, got "seven".');
    const uuid = await gql.error(`{ comments(where: { id: { eq: "not-a-uuid" } }) { id } }`);
    expect(uuid.extensions?.code).toBe("BAD_REQUEST");
    expect(uuid.message).toMatch(/expected a UUID, got "not-a-uuid"/);
  });
});

describe("AND, OR, NOT, search", () => {
  it("AND: every condition holds", async () => {
    await expectPosts(
      { AND: [{ status: { eq: "published" } }, { views: { gt: views } }] },
      { AND: [{ status: "published" }, { views: { gt: views } }] },
    );
  });
  it("OR: some condition holds", async () => {
    await expectPosts(
      { OR: [{ status: { eq: "archived" } }, { authorId: { eq: authorId } }] },
      { OR: [{ status: "archived" }, { authorId }] },
    );
  });
  it("NOT: the condition does not hold", async () => {
    await expectPosts({ NOT: { status: { eq: "published" } } }, { NOT: { status: "published" } });
  });
  it("nest, and combine with field conditions of the same object", async () => {
    await expectPosts(
      {
        status: { ne: "archived" },
        OR: [
          { AND: [{ views: { gte: views } }, { authorId: { eq: authorId } }] },
          { NOT: { title: { contains: "guide" } } },
        ],
      },
      {
        status: { not: "archived" },
        OR: [
          { AND: [{ views: { gte: views } }, { authorId }] },
          { NOT: { title: { contains: "guide", mode: "insensitive" } } },
        ],
      },
    );
  });
  it("an empty OR matches nothing, an empty AND everything", async () => {
    expect(await postIds({ OR: [] })).toEqual([]);
    expect(await postIds({ AND: [] })).toHaveLength(320);
  });
  it("search is a full-text match over the searchable fields, in any case", async () => {
    await expectPosts(
      { search: "N+1 QUERIES" },
      { id: { in: (await searchIds(t.db, "post", "n+1 queries")) as number[] } },
    );
    await expectPosts(
      { search: "profiler", status: { eq: "draft" } },
      { status: "draft", id: { in: (await searchIds(t.db, "post", "profiler")) as number[] } },
    );
  });
});

describe("what the runtime rejects", () => {
  it("a null operand where a value is needed", async () => {
    const error = await gql.error(`{ posts(where: { views: { gt: null } }) { id } }`);
    expect(error.extensions?.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/^Invalid filter value for posts\.views \(gt\)/);
  });
  it("an operator the field does not declare, at validation", async () => {
    const error = await gql.error(`{ comments(where: { body: { eq: "x" } }) { id } }`);
    expect(error.message).toBe('Field "eq" is not defined by type "CommentBodyFilter".');
  });
  it("filtering on a hidden field, at validation, without naming it anywhere else", async () => {
    const error = await gql.error(`{ users(where: { passwordHash: { eq: "x" } }) { id } }`);
    expect(error.message).toBe('Field "passwordHash" is not defined by type "UserWhereInput".');
    const typo = await gql.error(`{ users(where: { password: { eq: "x" } }) { id } }`);
    expect(typo.text).not.toMatch(/passwordHash/);
  });
  it("too many conditions (the runtime's limit)", async () => {
    const where = { OR: Array.from({ length: 101 }, (_, i) => ({ views: { eq: i } })) };
    const { body } = await gql.post(`query($where: PostWhereInput) { posts(where: $where) { id } }`, { where });
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    expect(body.errors?.[0]?.message).toBe("Too many filter conditions: at most 100.");
  });
});
