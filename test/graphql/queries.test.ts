// Reads through GraphQL: sorting (with the id as tie-breaker), paging and its limits, single records,
// relations with their views and depth limit, and the SQL statement count of a nested list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLTestClient, graphqlClient } from "./client.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t);
});
afterAll(() => t?.close());

type Ids = { posts: { id: string }[] };
const ids = (data: Ids) => data.posts.map((p) => Number(p.id));

describe("orderBy", () => {
  it("sorts by a field, then by id to break ties", async () => {
    const data = await gql.data<Ids>(`{ posts(orderBy: [{ status: asc }], take: 1000) { id } }`);
    const expected = await t.db.prisma.post.findMany({
      orderBy: [{ status: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    expect(ids(data)).toEqual(expected.map((p) => p.id));
    // Ties are real here: 320 posts, 3 statuses. Within each status, ids ascend.
    expect(new Set(expected.map((p) => p.id)).size).toBe(320);
  });

  it("sorts by several keys in order, descending too", async () => {
    const data = await gql.data<Ids>(`{ posts(orderBy: [{ authorId: desc }, { views: asc }], take: 1000) { id } }`);
    const expected = await t.db.prisma.post.findMany({
      orderBy: [{ authorId: "desc" }, { views: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    expect(ids(data)).toEqual(expected.map((p) => p.id));
  });

  it("puts nulls first ascending and last descending", async () => {
    const asc = await gql.data<{ posts: { publishedAt: string | null }[] }>(
      `{ posts(orderBy: [{ publishedAt: asc }], take: 1000) { publishedAt } }`,
    );
    const desc = await gql.data<{ posts: { publishedAt: string | null }[] }>(
      `{ posts(orderBy: [{ publishedAt: desc }], take: 1000) { publishedAt } }`,
    );
    expect(asc.posts[0]?.publishedAt).toBeNull();
    expect(desc.posts.at(-1)?.publishedAt).toBeNull();
    expect(desc.posts[0]?.publishedAt).not.toBeNull();
  });

  it("pages of a sort with ties add up to the whole list, no row twice or missing", async () => {
    const whole = ids(await gql.data<Ids>(`{ posts(orderBy: [{ status: desc }], take: 1000) { id } }`));
    const paged: number[] = [];
    for (let skip = 0; skip < 320; skip += 37) {
      paged.push(
        ...ids(
          await gql.data<Ids>(
            `query($skip: Int) { posts(orderBy: [{ status: desc }], skip: $skip, take: 37) { id } }`,
            { skip },
          ),
        ),
      );
    }
    expect(paged).toEqual(whole);
  });

  it("rejects an element that sets no field or two, with BAD_REQUEST", async () => {
    const two = await gql.error(`{ posts(orderBy: [{ views: desc }, { title: asc, views: desc }]) { id } }`);
    expect(two.extensions?.code).toBe("BAD_REQUEST");
    expect(two.message).toBe("Each PostOrderByInput must set exactly one field; orderBy[1] sets title, views.");
    const none = await gql.error(`{ posts(orderBy: [{ views: null }]) { id } }`);
    expect(none.message).toBe("Each PostOrderByInput must set exactly one field; orderBy[0] sets none.");
  });

  it("offers no sort on a field that is not sortable", async () => {
    const error = await gql.error(`{ posts(orderBy: [{ body: asc }]) { id } }`);
    expect(error.message).toBe('Field "body" is not defined by type "PostOrderByInput".');
  });
});

describe("skip and take", () => {
  it("defaults to the resource's page size, sorted by id", async () => {
    const data = await gql.data<Ids>(`{ posts { id } }`);
    expect(ids(data)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it("skips and takes", async () => {
    expect(ids(await gql.data<Ids>(`{ posts(skip: 10, take: 3) { id } }`))).toEqual([11, 12, 13]);
    expect(ids(await gql.data<Ids>(`{ posts(take: 0) { id } }`))).toEqual([]);
    expect(ids(await gql.data<Ids>(`{ posts(skip: 400) { id } }`))).toEqual([]);
  });

  it("refuses a page larger than the resource allows", async () => {
    const posts = await gql.error(`{ posts(take: 1001) { id } }`);
    expect(posts.extensions?.code).toBe("BAD_REQUEST");
    expect(posts.message).toBe("Page size 1001 is too large for posts: at most 1000.");
    const users = await gql.error(`{ users(take: 201) { id } }`);
    expect(users.message).toBe("Page size 201 is too large for users: at most 200.");
    expect(ids(await gql.data<Ids>(`{ posts(take: 1000) { id } }`))).toHaveLength(320);
  });

  it("refuses negative numbers", async () => {
    expect((await gql.error(`{ posts(skip: -1) { id } }`)).message).toBe("Offset must be a whole number ≥ 0, got -1.");
    expect((await gql.error(`{ posts(take: -5) { id } }`)).extensions?.code).toBe("BAD_REQUEST");
  });
});

describe("one record and counts", () => {
  it("returns the record with its fields as stored", async () => {
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 42 } });
    const { post } = await gql.data<{ post: Record<string, unknown> }>(
      `{ post(id: 42) { id title body status views publishedAt authorId createdAt updatedAt } }`,
    );
    expect(post).toEqual({
      id: "42",
      title: row.title,
      body: row.body,
      status: row.status,
      views: row.views,
      publishedAt: row.publishedAt?.toISOString() ?? null,
      authorId: String(row.authorId),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    });
  });

  it("returns null, without an error, for an id that has no record", async () => {
    const { status, body } = await gql.post(
      `{ post(id: 999999) { id } comment(id: "00000000-0000-4000-8000-000000000000") { id } }`,
    );
    expect(status).toBe(200);
    expect(body).toEqual({ data: { post: null, comment: null } });
  });

  it("errors for an id that cannot be one", async () => {
    const error = await gql.error(`{ post(id: "forty-two") { id } }`);
    expect(error.extensions?.code).toBe("BAD_REQUEST");
    expect(error.message).toBe('Invalid post id: expected an integer, got "forty-two".');
  });

  it("counts", async () => {
    const data = await gql.data<{ postsCount: number; commentsCount: number; tagsCount: number; usersCount: number }>(
      `{ postsCount commentsCount tagsCount usersCount }`,
    );
    expect(data).toEqual({ postsCount: 320, commentsCount: 600, tagsCount: 25, usersCount: 40 });
  });
});

describe("relations", () => {
  it("loads belongsTo, hasMany and many-to-many as stored", async () => {
    const { post } = await gql.data<{
      post: { author: { id: string }; comments: { id: string }[]; tags: { name: string }[] };
    }>(`{ post(id: 2) { author { id } comments { id } tags { name } } }`);
    const row = await t.db.prisma.post.findUniqueOrThrow({
      where: { id: 2 },
      include: { comments: { orderBy: { id: "asc" } }, tags: { include: { tag: true }, orderBy: { tagId: "asc" } } },
    });
    expect(post.author.id).toBe(String(row.authorId));
    expect(post.comments.map((c) => c.id)).toEqual(row.comments.map((c) => c.id));
    expect(post.tags.map((tag) => tag.name)).toEqual(row.tags.map((pt) => pt.tag.name));
    expect(post.tags.length).toBeGreaterThan(0);
  });

  it("serves a relation limited to `one` on a single record", async () => {
    const { user } = await gql.data<{ user: { posts: { id: string }[] } }>(`{ user(id: 24) { posts { id } } }`);
    expect(user.posts.map((p) => Number(p.id))).toEqual(
      (await t.db.prisma.post.findMany({ where: { authorId: 24 }, orderBy: { id: "asc" } })).map((p) => p.id),
    );
  });

  it("refuses that relation on list items, with BAD_REQUEST", async () => {
    const error = await gql.error(`{ users(take: 1) { id posts { id } } }`);
    expect(error.extensions?.code).toBe("BAD_REQUEST");
    expect(error.message).toBe('Relation "posts" of user is only available on a single record.');
    expect(error.path).toEqual(["users", 0, "posts"]);
  });

  it("refuses nesting deeper than the resource's maxDepth", async () => {
    // post → comments (1) → post (2) → author (3) is allowed; one more level is not.
    const ok = await gql.data<{ post: { comments: { post: { author: { id: string } } }[] } }>(
      `{ post(id: 2) { comments { post { author { id } } } } }`,
    );
    expect(ok.post.comments[0]?.post.author.id).toBeDefined();
    // comment.post is nullable (a trashed post reads as absent), so each comment's post fails on its own: one error per comment.
    const { body } = await gql.post(`{ post(id: 2) { comments { post { comments { author { id } } } } } }`);
    expect(body.errors?.length).toBe(ok.post.comments.length);
    for (const error of body.errors ?? []) {
      expect(error.extensions?.code).toBe("BAD_REQUEST");
      expect(error.message).toBe(
        'Relations nest too deeply: "author" of comment would be level 4; at most 3 levels below the top-level record.',
      );
    }
    expect(body.data).toEqual({ post: { comments: ok.post.comments.map(() => ({ post: null })) } });
  });
});

describe("SQL statements", () => {
  const query = `query($take: Int) { posts(take: $take) { id title author { id name } comments { id body author { id name } } } }`;

  it("a list with nested relations costs one statement per level, whatever the number of rows", async () => {
    t.db.statements.reset();
    const fifty = await gql.data<{ posts: { comments: unknown[] }[] }>(query, { take: 50 });
    const forFifty = t.db.statements.count;
    expect(fifty.posts).toHaveLength(50);
    expect(fifty.posts.some((p) => p.comments.length > 0)).toBe(true);
    // posts; their authors; their comments; the comments' authors not already loaded.
    expect(forFifty, t.db.statements.log.join("\n")).toBeLessThanOrEqual(4);

    t.db.statements.reset();
    await gql.data(query, { take: 10 });
    expect(t.db.statements.count).toBe(forFifty);
  });
});
