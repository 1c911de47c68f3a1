// Writes through GraphQL, checked in the database: create, update (a patch), delete (to the trash); conflicts,
// validation failures and missing records as GraphQL errors with extensions.code; the write-only
// password hash; read-only fields.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

type PostOut = {
  id: string;
  title: string;
  body: string;
  status: string;
  views: number;
  authorId: number;
  createdAt: string;
  updatedAt: string;
  author: { id: string };
};
const POST_FIELDS = "id title body status views authorId createdAt updatedAt author { id }";

describe("createPost", () => {
  it("creates the row, fills defaults and onCreate values, and returns it with relations", async () => {
    const before = Date.now();
    const { createPost } = await gql.data<{ createPost: PostOut }>(
      `mutation($data: PostCreateInput!) { createPost(data: $data) { ${POST_FIELDS} } }`,
      {
        data: { title: "Hello GraphQL", authorId: 3 },
      },
    );
    expect(createPost).toMatchObject({
      title: "Hello GraphQL",
      body: "",
      status: "draft",
      views: 0,
      authorId: "3",
      author: { id: "3" },
    });
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: Number(createPost.id) } });
    expect(row).toMatchObject({
      title: "Hello GraphQL",
      body: "",
      status: "draft",
      views: 0,
      authorId: 3,
      publishedAt: null,
    });
    expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(createPost.createdAt).toBe(row.createdAt.toISOString());
  });

  it("stores every writable field given, dates included", async () => {
    const { createPost } = await gql.data<{ createPost: PostOut }>(
      `mutation($data: PostCreateInput!) { createPost(data: $data) { id } }`,
      {
        data: {
          title: "Full",
          body: "Text",
          status: "published",
          views: 12,
          publishedAt: "2025-06-01T12:00:00Z",
          authorId: 5,
        },
      },
    );
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: Number(createPost.id) } });
    expect(row).toMatchObject({
      title: "Full",
      body: "Text",
      status: "published",
      views: 12,
      publishedAt: new Date("2025-06-01T12:00:00Z"),
      authorId: 5,
    });
  });

  it("requires the required fields (at validation)", async () => {
    const error = await gql.error(`mutation { createPost(data: { authorId: 3 }) { id } }`);
    expect(error.message).toBe('Field "PostCreateInput.title" of required type "String!" was not provided.');
  });

  it("fails with VALIDATION_FAILED and the field when a reference points nowhere; nothing is written", async () => {
    const count = await t.db.prisma.post.count();
    const error = await gql.error(`mutation { createPost(data: { title: "Orphan", authorId: 999999 }) { id } }`);
    expect(error.extensions).toEqual({ code: "VALIDATION_FAILED", fields: { authorId: "no user with this id" } });
    expect(error.message).toBe("Invalid post: authorId refers to a user that does not exist.");
    expect(await t.db.prisma.post.count()).toBe(count);
  });

  it("offers no read-only field and no id", async () => {
    const error = await gql.error(
      `mutation { createPost(data: { title: "x", authorId: 3, createdAt: "2020-01-01T00:00:00Z" }) { id } }`,
    );
    expect(error.message).toBe('Field "createdAt" is not defined by type "PostCreateInput".');
    const id = await gql.error(`mutation { createPost(data: { id: 5000, title: "x", authorId: 3 }) { id } }`);
    expect(id.message).toBe('Field "id" is not defined by type "PostCreateInput".');
    expect(await t.db.prisma.post.count({ where: { title: "x" } })).toBe(0);
  });
});

describe("updatePost: a patch", () => {
  it("changes only the fields given and stamps updatedAt", async () => {
    const before = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 10 } });
    const { updatePost } = await gql.data<{ updatePost: PostOut }>(
      `mutation { updatePost(id: 10, data: { title: "Renamed" }) { ${POST_FIELDS} } }`,
    );
    const after = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 10 } });
    // Audit: no one is signed in, so the change is recorded as the default actor's.
    expect(after).toMatchObject({
      ...before,
      title: "Renamed",
      updatedAt: after.updatedAt,
      updatedBy: "1",
      version: before.version + 1,
    });
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    expect(updatePost).toMatchObject({
      id: "10",
      title: "Renamed",
      body: before.body,
      status: before.status,
      updatedAt: after.updatedAt.toISOString(),
    });
  });

  it("sets a nullable field to null when given null", async () => {
    const published = await t.db.prisma.post.findFirstOrThrow({ where: { publishedAt: { not: null } } });
    await gql.data(`mutation($id: ID!) { updatePost(id: $id, data: { publishedAt: null, status: draft }) { id } }`, {
      id: published.id,
    });
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: published.id } })).toMatchObject({
      publishedAt: null,
      status: "draft",
    });
  });

  it("refuses null for a required field with VALIDATION_FAILED naming it", async () => {
    const error = await gql.error(`mutation { updatePost(id: 11, data: { title: null }) { id } }`);
    expect(error.extensions?.code).toBe("VALIDATION_FAILED");
    expect(error.extensions?.fields).toEqual({ title: "expected a String (the field is required), got null" });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: 11 } })).title).not.toBeNull();
  });

  it("is NOT_FOUND for an id with no record", async () => {
    const error = await gql.error(`mutation { updatePost(id: 999999, data: { title: "x" }) { id } }`);
    expect(error.extensions).toEqual({ code: "NOT_FOUND" });
    expect(error.message).toBe("No post with id 999999.");
  });
});

describe("deletePost: posts are soft-deleted", () => {
  it("moves the post and its comments to the trash and returns the post; `post` no longer finds it", async () => {
    const comments = await t.db.prisma.comment.count({ where: { postId: 20 } });
    expect(comments).toBeGreaterThan(0);
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 20 } });
    const { deletePost } = await gql.data<{ deletePost: PostOut & { deletedAt: string } }>(
      `mutation { deletePost(id: 20) { id title authorId deletedAt } }`,
    );
    const trashed = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 20 } });
    expect(trashed.deletedAt).toBeInstanceOf(Date);
    expect(trashed).toMatchObject({ title: row.title, deletedBy: "1" });
    expect(deletePost).toEqual({
      id: "20",
      title: row.title,
      authorId: String(row.authorId),
      deletedAt: trashed.deletedAt?.toISOString(),
    });
    // The post's comments cascade to the trash with it (post.comments onDelete: cascade).
    expect(await t.db.prisma.comment.count({ where: { postId: 20, deletedAt: trashed.deletedAt } })).toBe(comments);
    expect(await gql.data(`{ post(id: 20) { id } }`)).toEqual({ post: null });
  });

  it("is NOT_FOUND the second time", async () => {
    const error = await gql.error(`mutation { deletePost(id: 20) { id } }`);
    expect(error.extensions?.code).toBe("NOT_FOUND");
  });

  it("is CONFLICT when other records still refer to it (user.posts is restrict), and nothing changes", async () => {
    const posts = await t.db.prisma.post.count({ where: { authorId: 24, deletedAt: null } });
    expect(posts).toBeGreaterThan(0);
    const error = await gql.error(`mutation { deleteUser(id: 24) { id } }`);
    expect(error.extensions).toEqual({ code: "CONFLICT", details: { relation: "posts", count: posts } });
    expect(error.message).toMatch(new RegExp(`^Cannot \\w+ this user: ${posts} posts still refer to it \\(posts\\)`));
    expect(await t.db.prisma.user.findUnique({ where: { id: 24 } })).not.toBeNull();
    expect(await t.db.prisma.post.count({ where: { authorId: 24, deletedAt: null } })).toBe(posts);
  });
});

describe("users: unique email, write-only password hash", () => {
  const HASH = "scrypt$16384$8$1$c2FsdA==$a2V5LXZhbHVlLW5vdC1yZWFs";

  it("createUser stores the password hash, which no query can read", async () => {
    const { createUser } = await gql.data<{ createUser: { id: string; email: string; role: string } }>(
      `mutation($data: UserCreateInput!) { createUser(data: $data) { id email role } }`,
      { data: { email: "grace@example.org", name: "Grace", passwordHash: HASH } },
    );
    expect(createUser).toMatchObject({ email: "grace@example.org", role: "reader" });
    const row = await t.db.prisma.user.findUniqueOrThrow({ where: { id: Number(createUser.id) } });
    expect(row.passwordHash).toBe(HASH);
    const read = await gql.error(`{ user(id: ${createUser.id}) { passwordHash } }`);
    expect(read.message).toBe('Cannot query field "passwordHash" on type "User".');
    const { text } = await gql.post(
      `{ user(id: ${createUser.id}) { id email name role createdAt updatedAt } users(take: 200) { id email name } }`,
    );
    expect(text).not.toContain(HASH);
    expect(text).not.toContain("passwordHash");
  });

  it("a duplicate email is CONFLICT with the field, and nothing is written", async () => {
    const existing = await t.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } });
    const count = await t.db.prisma.user.count();
    const { status, body, text } = await gql.post(
      `mutation($data: UserCreateInput!) { createUser(data: $data) { id } }`,
      {
        data: { email: existing.email, name: "Copy", passwordHash: HASH },
      },
    );
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      {
        message: "A user with this email already exists.",
        locations: [{ line: 1, column: 37 }],
        path: ["createUser"],
        extensions: { code: "CONFLICT", fields: { email: "must be unique" } },
      },
    ]);
    expect(text).not.toContain(HASH);
    expect(text).not.toMatch(/passwordHash|prisma|P2002|stack/i);
    expect(await t.db.prisma.user.count()).toBe(count);
  });

  it("updateUser cannot change the password hash", async () => {
    const error = await gql.error(`mutation { updateUser(id: 1, data: { passwordHash: "x" }) { id } }`);
    expect(error.message).toBe('Field "passwordHash" is not defined by type "UserUpdateInput".');
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: 1 } })).passwordHash).not.toBe("x");
  });

  it("updateUser to a taken email is CONFLICT", async () => {
    const [a, b] = await t.db.prisma.user.findMany({ orderBy: { id: "asc" }, take: 2 });
    const error = await gql.error(
      `mutation($id: ID!, $email: String!) { updateUser(id: $id, data: { email: $email }) { id } }`,
      { id: a?.id, email: b?.email },
    );
    expect(error.extensions).toEqual({ code: "CONFLICT", fields: { email: "must be unique" } });
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: a?.id ?? 0 } })).email).toBe(a?.email);
  });
});

describe("comments and tags", () => {
  it("createComment gets a generated UUID id; updateComment and deleteComment use it", async () => {
    const { createComment } = await gql.data<{ createComment: { id: string; post: { id: string } } }>(
      `mutation { createComment(data: { body: "First!", postId: 1, authorId: 2 }) { id post { id } } }`,
    );
    expect(createComment.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createComment.post.id).toBe("1");
    await gql.data(`mutation($id: ID!) { updateComment(id: $id, data: { body: "Edited" }) { id } }`, {
      id: createComment.id,
    });
    expect((await t.db.prisma.comment.findUniqueOrThrow({ where: { id: createComment.id } })).body).toBe("Edited");
    await gql.data(`mutation($id: ID!) { deleteComment(id: $id) { id } }`, { id: createComment.id });
    // Comments are soft-deleted: the row stays, in the trash.
    expect((await t.db.prisma.comment.findUniqueOrThrow({ where: { id: createComment.id } })).deletedAt).toBeInstanceOf(
      Date,
    );
    expect(await gql.data(`query($id: ID!) { comment(id: $id) { id } }`, { id: createComment.id })).toEqual({
      comment: null,
    });
  });

  it("createTag with a taken name is CONFLICT", async () => {
    const error = await gql.error(`mutation { createTag(data: { name: "graphql" }) { id } }`);
    expect(error.extensions).toEqual({ code: "CONFLICT", fields: { name: "must be unique" } });
    expect(await t.db.prisma.tag.count({ where: { name: "graphql" } })).toBe(1);
  });
});
