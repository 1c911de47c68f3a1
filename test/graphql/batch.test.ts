// Batch writes through GraphQL, checked in the database: createPosts, updatePosts,
// deletePosts, restorePosts and purgePosts; all-or-nothing by default (a failing item fails the mutation
// with its code and index, and nothing is written), `partial: true` with per-item results; each item
// with its own revision and audit; over the limit PAYLOAD_TOO_LARGE; bad items as clear 4xx codes.
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

type Result = {
  succeeded: { index: number; record: { id: string; title?: string; version?: number; deletedAt?: string | null } }[];
  failed: { index: number; code: string; message: string; fields: Record<string, string> | null }[];
};
const RESULT = "succeeded { index record { id title version deletedAt } } failed { index code message fields details }";

/** Posts created straight in the database, so each test has its own. */
async function seedPosts(prefix: string, n: number): Promise<number[]> {
  const rows = await t.db.prisma.post.createManyAndReturn({
    data: Array.from({ length: n }, (_, i) => ({ title: `${prefix} ${i}`, authorId: 3 })),
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

describe("createPosts", () => {
  it("creates every item in order, each with its own revision and audit stamps", async () => {
    const { createPosts } = await gql.data<{ createPosts: Result }>(
      `mutation($data: [PostCreateInput!]!) { createPosts(data: $data) { ${RESULT} } }`,
      {
        data: [
          { title: "Batch one", authorId: 3 },
          { title: "Batch two", authorId: 4, views: 7 },
          { title: "Batch three", authorId: 3 },
        ],
      },
    );
    expect(createPosts.failed).toEqual([]);
    expect(createPosts.succeeded.map((s) => [s.index, s.record.title])).toEqual([
      [0, "Batch one"],
      [1, "Batch two"],
      [2, "Batch three"],
    ]);
    const ids = createPosts.succeeded.map((s) => Number(s.record.id));
    const rows = await t.db.prisma.post.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.title, r.authorId, r.views, r.createdBy])).toEqual([
      ["Batch one", 3, 0, "1"],
      ["Batch two", 4, 7, "1"],
      ["Batch three", 3, 0, "1"],
    ]);
    const revisions = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: { in: ids.map(String) } },
    });
    expect(revisions.map((r) => [r.recordId, r.number, r.action]).sort()).toEqual(
      ids.map((id) => [String(id), 1, "create"]).sort(),
    );
  });

  it("is all-or-nothing: a failing item fails the mutation with its code, index and fields, and nothing is written", async () => {
    const before = await t.db.prisma.post.count();
    const { status, body } = await gql.post(
      `mutation($data: [PostCreateInput!]!) { createPosts(data: $data) { ${RESULT} } }`,
      {
        data: [
          { title: "Would be fine", authorId: 3 },
          { title: "No", authorId: 3 },
          { title: "Also fine", authorId: 3 },
        ],
      },
    );
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    const error = body.errors?.[0];
    expect(error?.extensions).toMatchObject({
      code: "VALIDATION_FAILED",
      index: 1,
      fields: { title: expect.stringMatching(/3/) },
      details: { index: 1 },
    });
    expect(error?.message).toMatch(/^Item 2 of 3 \(index 1\): .+ Nothing was written/);
    expect(await t.db.prisma.post.count()).toBe(before);
    expect(await t.db.prisma.post.count({ where: { title: { in: ["Would be fine", "Also fine"] } } })).toBe(0);
  });

  it("with partial: true writes the good items and reports each failure", async () => {
    const { createPosts } = await gql.data<{ createPosts: Result }>(
      `mutation($data: [PostCreateInput!]!) { createPosts(data: $data, partial: true) { ${RESULT} } }`,
      {
        data: [
          { title: "Partial good", authorId: 3 },
          { title: "No", authorId: 3 },
          { title: "Partial orphan", authorId: 999999 },
          { title: "Partial also good", authorId: 4 },
        ],
      },
    );
    expect(createPosts.succeeded.map((s) => [s.index, s.record.title])).toEqual([
      [0, "Partial good"],
      [3, "Partial also good"],
    ]);
    expect(createPosts.failed).toEqual([
      {
        index: 1,
        code: "VALIDATION_FAILED",
        message: expect.stringContaining("title"),
        fields: { title: expect.any(String) },
        details: null,
      },
      {
        index: 2,
        code: "VALIDATION_FAILED",
        message: "Invalid post: authorId refers to a user that does not exist.",
        fields: { authorId: "no user with this id" },
        details: null,
      },
    ]);
    expect(await t.db.prisma.post.count({ where: { title: { in: ["Partial good", "Partial also good"] } } })).toBe(2);
    expect(await t.db.prisma.post.count({ where: { title: { in: ["No", "Partial orphan"] } } })).toBe(0);
  });

  it("accepts an empty batch", async () => {
    expect(await gql.data(`mutation { createPosts(data: []) { ${RESULT} } }`)).toEqual({
      createPosts: { succeeded: [], failed: [] },
    });
  });

  it("refuses more than the resource's batch limit with PAYLOAD_TOO_LARGE, writing nothing", async () => {
    const before = await t.db.prisma.post.count();
    const data = Array.from({ length: 101 }, (_, i) => ({ title: `Too many ${i}`, authorId: 3 }));
    const error = await gql.error(
      `mutation($data: [PostCreateInput!]!) { createPosts(data: $data, partial: true) { ${RESULT} } }`,
      { data },
    );
    expect(error.extensions).toEqual({ code: "PAYLOAD_TOO_LARGE", details: { maxBatchSize: 100 } });
    expect(error.message).toBe("Too many items: 101, at most 100 in one batch of posts.");
    expect(await t.db.prisma.post.count()).toBe(before);
  });
});

describe("updatePosts", () => {
  it("patches each item (fields left out keep their value) and checks each expected version", async () => {
    const [a, b] = (await seedPosts("Update", 2)) as [number, number];
    const { updatePosts } = await gql.data<{ updatePosts: Result }>(
      `mutation($data: [PostBatchUpdateInput!]!) { updatePosts(data: $data) { ${RESULT} } }`,
      {
        data: [
          { id: a, title: "Update a, renamed", expectedVersion: 1 },
          { id: b, views: 42 },
        ],
      },
    );
    expect(updatePosts.succeeded.map((s) => [s.index, s.record.id, s.record.version])).toEqual([
      [0, String(a), 2],
      [1, String(b), 2],
    ]);
    const rows = await t.db.prisma.post.findMany({ where: { id: { in: [a, b] } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.title, r.views, r.version, r.updatedBy])).toEqual([
      ["Update a, renamed", 0, 2, "1"],
      ["Update 1", 42, 2, "1"],
    ]);
    expect(
      await t.db.prisma.revision.count({
        where: { resource: "post", recordId: { in: [String(a), String(b)] }, action: "patch" },
      }),
    ).toBe(2);
  });

  it("is all-or-nothing on a stale version: CONFLICT with the item's index and the current version; nothing changes", async () => {
    const [a, b] = (await seedPosts("Stale", 2)) as [number, number];
    const error = await gql.error(
      `mutation($data: [PostBatchUpdateInput!]!) { updatePosts(data: $data) { ${RESULT} } }`,
      {
        data: [
          { id: a, title: "Stale a, changed" },
          { id: b, title: "Stale b, changed", expectedVersion: 5 },
        ],
      },
    );
    expect(error.extensions).toMatchObject({ code: "CONFLICT", index: 1, details: { index: 1, currentVersion: 1 } });
    expect(error.message).toMatch(
      /^Item 2 of 2 \(index 1\): This post was changed by someone else: you sent version 5, it is now at 1\./,
    );
    const rows = await t.db.prisma.post.findMany({ where: { id: { in: [a, b] } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.title, r.version])).toEqual([
      ["Stale 0", 1],
      ["Stale 1", 1],
    ]);
  });

  it("with partial: true applies the good items and reports conflicts and missing records", async () => {
    const [a, b] = (await seedPosts("Mixed", 2)) as [number, number];
    const { updatePosts } = await gql.data<{ updatePosts: Result }>(
      `mutation($data: [PostBatchUpdateInput!]!) { updatePosts(data: $data, partial: true) { ${RESULT} } }`,
      {
        data: [
          { id: a, title: "Mixed a, changed" },
          { id: b, title: "Mixed b, changed", expectedVersion: 9 },
          { id: 999999, title: "Nobody" },
          { id: "abc", title: "Not an id" },
        ],
      },
    );
    expect(updatePosts.succeeded.map((s) => [s.index, s.record.title])).toEqual([[0, "Mixed a, changed"]]);
    expect(updatePosts.failed).toEqual([
      {
        index: 1,
        code: "CONFLICT",
        message: "This post was changed by someone else: you sent version 9, it is now at 1. Reload it and try again.",
        fields: null,
        details: { currentVersion: 1 },
      },
      { index: 2, code: "NOT_FOUND", message: "No post with id 999999.", fields: null, details: null },
      {
        index: 3,
        code: "BAD_REQUEST",
        message: expect.stringMatching(/^Invalid post id: /),
        fields: null,
        details: null,
      },
    ]);
    const rows = await t.db.prisma.post.findMany({ where: { id: { in: [a, b] } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.title)).toEqual(["Mixed a, changed", "Mixed 1"]);
  });
});

describe("deletePosts, restorePosts, purgePosts", () => {
  it("trashes, restores and purges many posts, each with its revision", async () => {
    const ids = await seedPosts("Lifecycle", 3);
    const trash = await gql.data<{ deletePosts: Result }>(
      `mutation($ids: [ID!]!) { deletePosts(ids: $ids) { ${RESULT} } }`,
      { ids },
    );
    expect(trash.deletePosts.succeeded.map((s) => [s.index, Number(s.record.id)])).toEqual(ids.map((id, i) => [i, id]));
    expect(trash.deletePosts.succeeded.every((s) => typeof s.record.deletedAt === "string")).toBe(true);
    expect(await t.db.prisma.post.count({ where: { id: { in: ids }, deletedAt: { not: null } } })).toBe(3);
    expect(await gql.data(`query($ids: [ID!]) { postsCount(where: { id: { in: $ids } }) }`, { ids })).toEqual({
      postsCount: 0,
    });

    const back = await gql.data<{ restorePosts: Result }>(
      `mutation($ids: [ID!]!) { restorePosts(ids: $ids) { ${RESULT} } }`,
      { ids: ids.slice(0, 2) },
    );
    expect(back.restorePosts.succeeded.map((s) => s.record.deletedAt)).toEqual([null, null]);
    expect(await t.db.prisma.post.count({ where: { id: { in: ids }, deletedAt: null } })).toBe(2);

    const gone = await gql.data<{ purgePosts: Result }>(
      `mutation($ids: [ID!]!) { purgePosts(ids: $ids) { ${RESULT} } }`,
      { ids },
    );
    expect(gone.purgePosts.succeeded).toHaveLength(3);
    expect(await t.db.prisma.post.count({ where: { id: { in: ids } } })).toBe(0);
    const actions = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(ids[0]) },
      orderBy: { number: "asc" },
      select: { action: true },
    });
    expect(actions.map((r) => r.action)).toEqual(["delete", "restore", "purge"]);
  });

  it("is all-or-nothing: restoring a live post among trashed ones restores none", async () => {
    const [trashed, live] = (await seedPosts("Restore mix", 2)) as [number, number];
    await gql.data(`mutation($id: ID!) { deletePost(id: $id) { id } }`, { id: trashed });
    const error = await gql.error(`mutation($ids: [ID!]!) { restorePosts(ids: $ids) { ${RESULT} } }`, {
      ids: [trashed, live],
    });
    expect(error.extensions).toMatchObject({ code: "CONFLICT", index: 1 });
    expect(error.message).toMatch(/^Item 2 of 2 \(index 1\): This post is not in the trash/);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: trashed } })).deletedAt).not.toBeNull();
  });

  it("with partial: true deletes what it can and reports missing ids and bad ids", async () => {
    const [a] = (await seedPosts("Partial delete", 1)) as [number];
    const { deletePosts } = await gql.data<{ deletePosts: Result }>(
      `mutation($ids: [ID!]!) { deletePosts(ids: $ids, partial: true) { ${RESULT} } }`,
      { ids: [999999, a, "x1"] },
    );
    expect(deletePosts.succeeded.map((s) => [s.index, Number(s.record.id)])).toEqual([[1, a]]);
    expect(deletePosts.failed.map((f) => [f.index, f.code])).toEqual([
      [0, "NOT_FOUND"],
      [2, "BAD_REQUEST"],
    ]);
    expect(deletePosts.failed[1]?.message).toMatch(/^Invalid post id: /);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: a } })).deletedAt).not.toBeNull();
  });

  it("reports users that posts still refer to (restrict) as CONFLICT items, deleting the others", async () => {
    const free = await t.db.prisma.user.create({
      data: { email: "no-posts@example.org", name: "No Posts", passwordHash: "x" },
    });
    const { deleteUsers } = await gql.data<{
      deleteUsers: { succeeded: { index: number; record: { id: string } }[]; failed: Result["failed"] };
    }>(
      `mutation($ids: [ID!]!) { deleteUsers(ids: $ids, partial: true) { succeeded { index record { id } } failed { index code message fields details } } }`,
      { ids: [24, free.id] },
    );
    expect(deleteUsers.succeeded).toEqual([{ index: 1, record: { id: String(free.id) } }]);
    expect(deleteUsers.failed).toEqual([
      {
        index: 0,
        code: "CONFLICT",
        message: expect.stringMatching(/^Cannot delete this user: (1 post still refers|\d+ posts still refer) to it/),
        fields: null,
        details: { relation: "posts", count: expect.any(Number) },
      },
    ]);
    expect(await t.db.prisma.user.findUnique({ where: { id: 24 } })).not.toBeNull();
    expect(await t.db.prisma.user.findUnique({ where: { id: free.id } })).toBeNull();
  });

  it("refuses more ids than the batch limit with PAYLOAD_TOO_LARGE, trashing none", async () => {
    const ids = (await t.db.prisma.post.findMany({ where: { deletedAt: null }, take: 101, select: { id: true } })).map(
      (p) => p.id,
    );
    expect(ids).toHaveLength(101);
    const error = await gql.error(`mutation($ids: [ID!]!) { deletePosts(ids: $ids) { ${RESULT} } }`, { ids });
    expect(error.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toBe("Too many items: 101, at most 100 in one batch of posts.");
    expect(await t.db.prisma.post.count({ where: { id: { in: ids }, deletedAt: { not: null } } })).toBe(0);
  });
});
