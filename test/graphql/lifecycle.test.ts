// The record lifecycle through GraphQL, checked in the database: the trash
// (`deleted` on lists, counts, connections and single reads; restore with its cascade; purge; restrict),
// nested fields that never show trashed records, revisions (history, asOf by number and by time, diff,
// revert, draft mode and publish), version conflicts, and bad inputs as BAD_REQUEST with clear messages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
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

type Id = { id: string };

/** A fresh post by user 3 with `comments` live comments, written through GraphQL. */
async function postWithComments(title: string, comments: number): Promise<{ id: number; comments: string[] }> {
  const { createPost } = await gql.data<{ createPost: Id }>(
    `mutation($title: String!) { createPost(data: { title: $title, authorId: 3 }) { id } }`,
    { title },
  );
  const ids: string[] = [];
  for (let i = 0; i < comments; i++) {
    const { createComment } = await gql.data<{ createComment: Id }>(
      `mutation($post: ID!) { createComment(data: { body: "Nice", postId: $post, authorId: 4 }) { id } }`,
      { post: Number(createPost.id) },
    );
    ids.push(createComment.id);
  }
  return { id: Number(createPost.id), comments: ids };
}

describe("the trash: deleted: EXCLUDE | INCLUDE | ONLY", () => {
  let trashed: { id: number; comments: string[] };
  beforeAll(async () => {
    trashed = await postWithComments("Bound for the trash", 2);
    await gql.data(`mutation($id: ID!) { deletePost(id: $id) { id } }`, { id: trashed.id });
  });

  it("lists live posts by default, the trash with ONLY, both with INCLUDE; counts and totals agree with the database", async () => {
    const live = await t.db.prisma.post.count({ where: { deletedAt: null } });
    const bin = await t.db.prisma.post.count({ where: { deletedAt: { not: null } } });
    expect(bin).toBeGreaterThan(0);
    const data = await gql.data<{
      live: Id[];
      only: Id[];
      all: Id[];
      liveCount: number;
      onlyCount: number;
      allCount: number;
      page: { totalCount: number; nodes: Id[] };
      defaultPage: { totalCount: number };
    }>(`{
      live: posts(take: 1000) { id }
      only: posts(deleted: ONLY, take: 1000) { id }
      all: posts(deleted: INCLUDE, take: 1000) { id }
      liveCount: postsCount
      onlyCount: postsCount(deleted: ONLY)
      allCount: postsCount(deleted: INCLUDE)
      page: postsConnection(deleted: ONLY, first: 1000) { totalCount nodes { id } }
      defaultPage: postsConnection(first: 1) { totalCount }
    }`);
    const ids = (list: Id[]) => list.map((p) => Number(p.id));
    expect(ids(data.live)).not.toContain(trashed.id);
    expect(ids(data.only)).toContain(trashed.id);
    expect(ids(data.all)).toContain(trashed.id);
    expect([data.live.length, data.only.length, data.all.length]).toEqual([live, bin, live + bin]);
    expect([data.liveCount, data.onlyCount, data.allCount]).toEqual([live, bin, live + bin]);
    expect(data.page.totalCount).toBe(bin);
    expect(ids(data.page.nodes)).toEqual(ids(data.only));
    expect(data.defaultPage.totalCount).toBe(live);
  });

  it("finds a trashed post by id only when asked to", async () => {
    const data = await gql.data<{
      plain: Id | null;
      include: { id: string; deletedAt: string } | null;
      only: Id | null;
    }>(
      `query($id: ID!) { plain: post(id: $id) { id } include: post(id: $id, deleted: INCLUDE) { id deletedAt } only: post(id: $id, deleted: ONLY) { id } }`,
      { id: trashed.id },
    );
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: trashed.id } });
    expect(data).toEqual({
      plain: null,
      include: { id: String(trashed.id), deletedAt: row.deletedAt?.toISOString() },
      only: { id: String(trashed.id) },
    });
    // A live post is not in the trash.
    expect(await gql.data(`{ post(id: 1, deleted: ONLY) { id } }`)).toEqual({ post: null });
  });

  it("took the post's comments to the trash with it (cascade), where a trashed comment's trashed post reads as null", async () => {
    expect(await t.db.prisma.comment.count({ where: { postId: trashed.id, deletedAt: null } })).toBe(0);
    const data = await gql.data<{ comments: { id: string; post: Id | null }[]; commentsCount: number }>(
      `query($post: ID!) { comments(deleted: ONLY, where: { postId: { eq: $post } }) { id post { id } } commentsCount(deleted: ONLY, where: { postId: { eq: $post } }) }`,
      { post: trashed.id },
    );
    expect(data.comments.map((c) => c.id).sort()).toEqual([...trashed.comments].sort());
    expect(data.comments.map((c) => c.post)).toEqual([null, null]);
    expect(data.commentsCount).toBe(2);
  });

  it("offers no `deleted` on resources without a trash", async () => {
    const error = await gql.error(`{ tags(deleted: ONLY) { id } }`);
    expect(error.message).toBe('Unknown argument "deleted" on field "Query.tags".');
  });

  it("refuses a value that is not one of EXCLUDE, INCLUDE, ONLY", async () => {
    const error = await gql.error(`{ posts(deleted: ALL) { id } }`);
    expect(error.message).toMatch(/Value "ALL" does not exist in "DeletedRecords" enum/);
  });
});

describe("nested fields never show trashed records", () => {
  it("leaves a trashed comment out of post { comments } and of user { comments }, everywhere in one query", async () => {
    const post = await postWithComments("Half the comments go", 2);
    const [gone, kept] = post.comments as [string, string];
    await gql.data(`mutation($id: ID!) { deleteComment(id: $id) { id } }`, { id: gone });
    expect((await t.db.prisma.comment.findUniqueOrThrow({ where: { id: gone } })).deletedAt).not.toBeNull();
    const data = await gql.data<{ post: { comments: Id[] }; posts: { comments: Id[] }[]; user: { comments: Id[] } }>(
      `query($id: ID!, $ids: [ID!]) { post(id: $id) { comments { id } } posts(where: { id: { in: $ids } }) { comments { id } } user(id: 4) { comments { id } } }`,
      { id: post.id, ids: [post.id] },
    );
    expect(data.post.comments).toEqual([{ id: kept }]);
    expect(data.posts).toEqual([{ comments: [{ id: kept }] }]);
    const userComments = data.user.comments.map((c) => c.id);
    expect(userComments).toContain(kept);
    expect(userComments).not.toContain(gone);
    // Trashed posts are not among a user's posts either.
    const { user } = await gql.data<{ user: { posts: Id[] } }>(`{ user(id: 3) { posts { id } } }`);
    const trashedIds = (
      await t.db.prisma.post.findMany({ where: { authorId: 3, deletedAt: { not: null } }, select: { id: true } })
    ).map((p) => String(p.id));
    expect(trashedIds.length).toBeGreaterThan(0);
    expect(user.posts.map((p) => p.id).filter((id) => trashedIds.includes(id))).toEqual([]);
    expect(user.posts).toHaveLength(await t.db.prisma.post.count({ where: { authorId: 3, deletedAt: null } }));
  });
});

describe("restorePost", () => {
  it("brings the post back with the comments its delete cascaded to, not those trashed before", async () => {
    const post = await postWithComments("Round trip", 3);
    const [early, ...rest] = post.comments as [string, ...string[]];
    await gql.data(`mutation($id: ID!) { deleteComment(id: $id) { id } }`, { id: early });
    await gql.data(`mutation($id: ID!) { deletePost(id: $id) { id } }`, { id: post.id });
    expect(await t.db.prisma.comment.count({ where: { postId: post.id, deletedAt: null } })).toBe(0);
    const { restorePost } = await gql.data<{ restorePost: { id: string; deletedAt: string | null; comments: Id[] } }>(
      `mutation($id: ID!) { restorePost(id: $id) { id deletedAt comments { id } } }`,
      { id: post.id },
    );
    expect(restorePost.deletedAt).toBeNull();
    expect(restorePost.comments.map((c) => c.id).sort()).toEqual([...rest].sort());
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).toMatchObject({
      deletedAt: null,
      deletedBy: null,
    });
    const comments = await t.db.prisma.comment.findMany({
      where: { postId: post.id },
      select: { id: true, deletedAt: true },
    });
    expect(
      comments
        .filter((c) => c.deletedAt === null)
        .map((c) => c.id)
        .sort(),
    ).toEqual([...rest].sort());
    expect(comments.find((c) => c.id === early)?.deletedAt).not.toBeNull();
    expect(await gql.data(`query($id: ID!) { post(id: $id) { id } }`, { id: post.id })).toEqual({
      post: { id: String(post.id) },
    });
  });

  it("is CONFLICT for a post that is not in the trash, and NOT_FOUND for one that does not exist", async () => {
    const live = await gql.error(`mutation { restorePost(id: 2) { id } }`);
    expect(live.extensions).toEqual({ code: "CONFLICT" });
    expect(live.message).toBe("This post is not in the trash: there is nothing to restore.");
    const missing = await gql.error(`mutation { restorePost(id: 999999) { id } }`);
    expect(missing.extensions).toEqual({ code: "NOT_FOUND" });
    expect(missing.message).toBe("No post with id 999999.");
  });

  it("is CONFLICT for a comment whose post is still in the trash; the comment stays there", async () => {
    const post = await postWithComments("Parent first", 1);
    await gql.data(`mutation($id: ID!) { deletePost(id: $id) { id } }`, { id: post.id });
    const error = await gql.error(`mutation($id: ID!) { restoreComment(id: $id) { id } }`, { id: post.comments[0] });
    expect(error.extensions?.code).toBe("CONFLICT");
    expect(error.message).toMatch(
      /^Cannot restore this comment: its post \(post \d+\) is in the trash\. Restore that first\.$/,
    );
    expect((await t.db.prisma.comment.findUniqueOrThrow({ where: { id: post.comments[0] } })).deletedAt).not.toBeNull();
  });

  it("checks the expected version: stale is CONFLICT with the current version, current restores", async () => {
    const post = await postWithComments("Versioned restore", 0);
    await gql.data(`mutation($id: ID!) { deletePost(id: $id) { id } }`, { id: post.id });
    const { version } = await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } });
    const stale = await gql.error(`mutation($id: ID!, $v: Int) { restorePost(id: $id, expectedVersion: $v) { id } }`, {
      id: post.id,
      v: version - 1,
    });
    expect(stale.extensions).toEqual({ code: "CONFLICT", details: { currentVersion: version } });
    expect(stale.message).toBe(
      `This post was changed by someone else: you sent version ${version - 1}, it is now at ${version}. Reload it and try again.`,
    );
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).deletedAt).not.toBeNull();
    const { restorePost } = await gql.data<{ restorePost: { version: number } }>(
      `mutation($id: ID!, $v: Int) { restorePost(id: $id, expectedVersion: $v) { version } }`,
      { id: post.id, v: version },
    );
    expect(restorePost.version).toBe(version + 1);
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).toMatchObject({
      deletedAt: null,
      version: version + 1,
    });
  });
});

describe("deletePost with an expected version", () => {
  it("is CONFLICT with the current version when stale, and leaves the post live", async () => {
    const post = await postWithComments("Stale delete", 0);
    const error = await gql.error(`mutation($id: ID!) { deletePost(id: $id, expectedVersion: 99) { id } }`, {
      id: post.id,
    });
    expect(error.extensions).toEqual({ code: "CONFLICT", details: { currentVersion: 1 } });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).deletedAt).toBeNull();
  });
});

describe("purgePost", () => {
  it("deletes a trashed post and its comments for good and returns the post as it was", async () => {
    const post = await postWithComments("Gone for good", 2);
    await gql.data(`mutation($id: ID!) { deletePost(id: $id) { id } }`, { id: post.id });
    const { purgePost } = await gql.data<{ purgePost: { id: string; title: string; deletedAt: string | null } }>(
      `mutation($id: ID!) { purgePost(id: $id) { id title deletedAt } }`,
      { id: post.id },
    );
    expect(purgePost).toMatchObject({ id: String(post.id), title: "Gone for good" });
    expect(purgePost.deletedAt).not.toBeNull();
    expect(await t.db.prisma.post.findUnique({ where: { id: post.id } })).toBeNull();
    expect(await t.db.prisma.comment.count({ where: { postId: post.id } })).toBe(0);
    expect(await gql.data(`query($id: ID!) { post(id: $id, deleted: INCLUDE) { id } }`, { id: post.id })).toEqual({
      post: null,
    });
  });

  it("purges a live post too", async () => {
    const post = await postWithComments("Straight out", 0);
    await gql.data(`mutation($id: ID!) { purgePost(id: $id) { id } }`, { id: post.id });
    expect(await t.db.prisma.post.findUnique({ where: { id: post.id } })).toBeNull();
  });

  it("is CONFLICT when records still refer to it (user.posts is restrict, trashed posts count too); nothing is deleted", async () => {
    const user = await t.db.prisma.user.create({
      data: { email: "only-trash@example.org", name: "Trash Only", passwordHash: "x" },
    });
    const { createPost } = await gql.data<{ createPost: Id }>(
      `mutation($a: ID!) { createPost(data: { title: "Lonely", authorId: $a }) { id } }`,
      { a: user.id },
    );
    await gql.data(`mutation($id: ID!) { deletePost(id: $id) { id } }`, { id: createPost.id });
    const error = await gql.error(`mutation($id: ID!) { purgeUser(id: $id) { id } }`, { id: user.id });
    expect(error.extensions).toEqual({ code: "CONFLICT", details: { relation: "posts", count: 1 } });
    expect(error.message).toMatch(
      /^Cannot purge this user: 1 post still refers? to it \(posts\)\. Delete or move them first\.$/,
    );
    expect(await t.db.prisma.user.findUnique({ where: { id: user.id } })).not.toBeNull();
    expect(await t.db.prisma.post.findUnique({ where: { id: Number(createPost.id) } })).not.toBeNull();
  });

  it("deletes a record of a resource without a trash, like its delete", async () => {
    const { createTag } = await gql.data<{ createTag: Id }>(
      `mutation { createTag(data: { name: "purge-me" }) { id } }`,
    );
    await gql.data(`mutation($id: ID!) { purgeTag(id: $id) { id } }`, { id: createTag.id });
    expect(await t.db.prisma.tag.findUnique({ where: { id: Number(createTag.id) } })).toBeNull();
  });
});

type Revision = {
  number: number;
  parentNumber: number | null;
  action: string;
  status: string;
  actorId: string | null;
  createdAt: string;
  schemaVersion: number;
  data: { title: string; version: number };
};
const REVISION = "id number parentNumber action status actorId createdAt schemaVersion data { title version }";

describe("revisions", () => {
  let id: number;
  let times: Date[];
  beforeAll(async () => {
    // Revision 1 (create) by user 7, an editor, then 2 and 3 (patches) by the admin, user 1.
    const signedIn = graphqlClient(t, { actor: { id: 7, roles: ["editor"] } });
    const { createPost } = await signedIn.data<{ createPost: Id }>(
      `mutation { createPost(data: { title: "First title", authorId: 3 }) { id } }`,
    );
    id = Number(createPost.id);
    await gql.data(`mutation($id: ID!) { updatePost(id: $id, data: { title: "Second title" }) { id } }`, { id });
    await gql.data(`mutation($id: ID!) { updatePost(id: $id, data: { title: "Third title", views: 5 }) { id } }`, {
      id,
    });
    const rows = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(id) },
      orderBy: { number: "asc" },
    });
    times = rows.map((r) => r.createdAt);
  });

  it("lists every revision, oldest first, with its parent, action, actor and snapshot", async () => {
    const { postRevisions } = await gql.data<{ postRevisions: Revision[] }>(
      `query($id: ID!) { postRevisions(id: $id) { ${REVISION} } }`,
      { id },
    );
    expect(
      postRevisions.map(({ number, parentNumber, action, status, actorId, schemaVersion, data }) => ({
        number,
        parentNumber,
        action,
        status,
        actorId,
        schemaVersion,
        data,
      })),
    ).toEqual([
      {
        number: 1,
        parentNumber: null,
        action: "create",
        status: "stable",
        actorId: "7",
        schemaVersion: 1,
        data: { title: "First title", version: 1 },
      },
      {
        number: 2,
        parentNumber: 1,
        action: "patch",
        status: "stable",
        actorId: "1",
        schemaVersion: 1,
        data: { title: "Second title", version: 2 },
      },
      {
        number: 3,
        parentNumber: 2,
        action: "patch",
        status: "stable",
        actorId: "1",
        schemaVersion: 1,
        data: { title: "Third title", version: 3 },
      },
    ]);
    expect(postRevisions.map((r) => r.createdAt)).toEqual(times.map((d) => d.toISOString()));
  });

  it("gives one revision by number, and NOT_FOUND naming a revision that does not exist", async () => {
    const { postRevision } = await gql.data<{ postRevision: Revision }>(
      `query($id: ID!) { postRevision(id: $id, revision: 2) { ${REVISION} } }`,
      { id },
    );
    expect(postRevision).toMatchObject({ number: 2, action: "patch", data: { title: "Second title" } });
    const missing = await gql.error(`query($id: ID!) { postRevision(id: $id, revision: 99) { number } }`, { id });
    expect(missing.extensions).toEqual({ code: "NOT_FOUND" });
    expect(missing.message).toBe(`post ${id} has no revision 99.`);
  });

  it("refuses revision numbers below 1 with BAD_REQUEST", async () => {
    for (const query of [
      `postRevision(id: ${id}, revision: 0) { number }`,
      `postRevisionDiff(id: ${id}, revision: -1) { from }`,
      `postAsOf(id: ${id}, asOf: { revision: 0 }) { recordId }`,
    ]) {
      const error = await gql.error(`{ ${query} }`);
      expect(error.extensions, query).toEqual({ code: "BAD_REQUEST" });
      expect(error.message).toMatch(/^A revision number is a whole number from 1, got -?\d+\.$/);
    }
  });

  it("reads the post as of a revision number or a time", async () => {
    const at = (ms: number) => new Date(ms).toISOString();
    const data = await gql.data<Record<string, { title: string; views: number } | null>>(
      `query($id: ID!, $t1: DateTime!, $t2: DateTime!, $before: DateTime!, $later: DateTime!) {
        r1: postAsOf(id: $id, asOf: { revision: 1 }) { title views }
        r2: postAsOf(id: $id, asOf: { revision: 2 }) { title views }
        t1: postAsOf(id: $id, asOf: { time: $t1 }) { title views }
        t2: postAsOf(id: $id, asOf: { time: $t2 }) { title views }
        later: postAsOf(id: $id, asOf: { time: $later }) { title views }
        before: postAsOf(id: $id, asOf: { time: $before }) { title }
        missing: postAsOf(id: $id, asOf: { revision: 99 }) { title }
        now: post(id: $id) { title views }
      }`,
      {
        id,
        t1: at(times[0]!.getTime()),
        t2: at(times[1]!.getTime()),
        before: at(times[0]!.getTime() - 60_000),
        later: at(times[2]!.getTime() + 60_000),
      },
    );
    expect(data).toEqual({
      r1: { title: "First title", views: 0 },
      r2: { title: "Second title", views: 0 },
      t1: { title: "First title", views: 0 },
      t2: { title: "Second title", views: 0 },
      later: { title: "Third title", views: 5 },
      before: null,
      missing: null,
      now: { title: "Third title", views: 5 },
    });
  });

  it("refuses an asOf that sets neither or both of revision and time", async () => {
    const neither = await gql.error(`query($id: ID!) { postAsOf(id: $id, asOf: {}) { recordId } }`, { id });
    expect(neither.extensions).toEqual({ code: "BAD_REQUEST" });
    expect(neither.message).toBe("asOf must set exactly one of revision and time; it sets neither.");
    const both = await gql.error(
      `query($id: ID!) { postAsOf(id: $id, asOf: { revision: 1, time: "2025-01-01T00:00:00Z" }) { recordId } }`,
      { id },
    );
    expect(both.extensions).toEqual({ code: "BAD_REQUEST" });
    expect(both.message).toBe("asOf must set exactly one of revision and time; it sets both.");
    const notATime = await gql.error(
      `query($id: ID!) { postAsOf(id: $id, asOf: { time: "last tuesday" }) { recordId } }`,
      {
        id,
      },
    );
    expect(notATime.message).toMatch(/DateTime/);
  });

  it("diffs a revision against its parent, or against a revision given", async () => {
    type Diff = { from: number; to: number; changes: { field: string; from: unknown; to: unknown }[] };
    const data = await gql.data<{ parent: Diff; against: Diff; first: Diff }>(
      `query($id: ID!) {
        parent: postRevisionDiff(id: $id, revision: 3) { from to changes { field from to } }
        against: postRevisionDiff(id: $id, revision: 3, against: 1) { from to changes { field from to } }
        first: postRevisionDiff(id: $id, revision: 1) { from to changes { field from to } }
      }`,
      { id },
    );
    const byField = (diff: Diff) => Object.fromEntries(diff.changes.map((c) => [c.field, [c.from, c.to]]));
    expect(data.parent).toMatchObject({ from: 2, to: 3 });
    expect(byField(data.parent)).toMatchObject({
      title: ["Second title", "Third title"],
      views: [0, 5],
      version: [2, 3],
    });
    expect(byField(data.parent).body).toBeUndefined();
    expect(data.against).toMatchObject({ from: 1, to: 3 });
    expect(byField(data.against)).toMatchObject({
      title: ["First title", "Third title"],
      views: [0, 5],
      version: [1, 3],
    });
    // The first revision against nothing: every field it has "changed" from null.
    expect(data.first).toMatchObject({ from: 0, to: 1 });
    expect(byField(data.first)).toMatchObject({ title: [null, "First title"], id: [null, id] });
  });

  it("reverts to an old revision as a new revision; a stale expected version is CONFLICT and writes nothing", async () => {
    const { version } = await t.db.prisma.post.findUniqueOrThrow({ where: { id } });
    const stale = await gql.error(
      `mutation($id: ID!) { revertPost(id: $id, toRevision: 1, expectedVersion: 1) { id } }`,
      { id },
    );
    expect(stale.extensions).toEqual({ code: "CONFLICT", details: { currentVersion: version } });
    expect(await t.db.prisma.revision.count({ where: { resource: "post", recordId: String(id) } })).toBe(3);
    const { revertPost } = await gql.data<{ revertPost: { title: string; views: number; version: number } }>(
      `mutation($id: ID!, $v: Int) { revertPost(id: $id, toRevision: 1, expectedVersion: $v) { title views version } }`,
      { id, v: version },
    );
    expect(revertPost).toEqual({ title: "First title", views: 0, version: version + 1 });
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).toMatchObject({
      title: "First title",
      views: 0,
      version: version + 1,
    });
    const { postRevisions } = await gql.data<{ postRevisions: Revision[] }>(
      `query($id: ID!) { postRevisions(id: $id) { ${REVISION} } }`,
      { id },
    );
    expect(postRevisions.at(-1)).toMatchObject({
      number: 4,
      parentNumber: 3,
      action: "revert",
      data: { title: "First title" },
    });
    const missing = await gql.error(`mutation($id: ID!) { revertPost(id: $id, toRevision: 42) { id } }`, { id });
    expect(missing.extensions).toEqual({ code: "NOT_FOUND" });
    expect(missing.message).toBe(`post ${id} has no revision 42.`);
  });

  it("records delete and restore, and still lists the history of a trashed post", async () => {
    await gql.data(`mutation($id: ID!) { deletePost(id: $id) { id } }`, { id });
    const { postRevisions } = await gql.data<{ postRevisions: Revision[] }>(
      `query($id: ID!) { postRevisions(id: $id) { number action } }`,
      { id },
    );
    expect(postRevisions.at(-1)).toEqual({ number: 5, action: "delete" });
    await gql.data(`mutation($id: ID!) { restorePost(id: $id) { id } }`, { id });
    const after = await gql.data<{ postRevisions: Revision[] }>(
      `query($id: ID!) { postRevisions(id: $id) { number action } }`,
      { id },
    );
    expect(after.postRevisions.at(-1)).toEqual({ number: 6, action: "restore" });
  });

  it("is NOT_FOUND for the history of a record that does not exist", async () => {
    const error = await gql.error(`{ postRevisions(id: 999999) { number } }`);
    expect(error.extensions).toEqual({ code: "NOT_FOUND" });
    expect(error.message).toBe("No post with id 999999.");
  });

  it("serves tags' history too (revisions without a trash)", async () => {
    const { createTag } = await gql.data<{ createTag: Id }>(`mutation { createTag(data: { name: "history" }) { id } }`);
    await gql.data(`mutation($id: ID!) { updateTag(id: $id, data: { name: "history-two" }) { id } }`, {
      id: createTag.id,
    });
    const data = await gql.data<{ tagRevisions: { number: number; data: { name: string } }[]; tag: { name: string } }>(
      `query($id: ID!) { tagRevisions(id: $id) { number data { name } } tag: tagAsOf(id: $id, asOf: { revision: 1 }) { name } }`,
      { id: createTag.id },
    );
    expect(data).toEqual({
      tagRevisions: [
        { number: 1, data: { name: "history" } },
        { number: 2, data: { name: "history-two" } },
      ],
      tag: { name: "history" },
    });
  });
});

describe("draft mode: publishPost", () => {
  let drafts: TestRuntime;
  let client: GraphQLTestClient;
  beforeAll(async () => {
    const definitions = resources.map((r) => (r.model === "Post" ? { ...r, revisions: { draft: true } } : r));
    drafts = await createTestRuntime({ seed: true, resources: definitions });
    client = graphqlClient(drafts, { actor: ADMIN });
  });
  afterAll(() => drafts?.close());

  it("changes a draft in place until it is published as a stable revision", async () => {
    const { createPost } = await client.data<{ createPost: Id }>(
      `mutation { createPost(data: { title: "Draft one", authorId: 3 }) { id } }`,
    );
    const id = createPost.id;
    await client.data(`mutation($id: ID!) { updatePost(id: $id, data: { title: "Draft two" }) { id } }`, { id });
    const before = await client.data<{ postRevisions: { number: number; status: string; data: { title: string } }[] }>(
      `query($id: ID!) { postRevisions(id: $id) { number status data { title } } }`,
      { id },
    );
    expect(before.postRevisions).toEqual([{ number: 1, status: "draft", data: { title: "Draft two" } }]);
    const { publishPost } = await client.data<{ publishPost: { id: string; title: string } }>(
      `mutation($id: ID!) { publishPost(id: $id) { id title } }`,
      { id },
    );
    expect(publishPost).toEqual({ id, title: "Draft two" });
    const rows = await drafts.db.prisma.revision.findMany({ where: { resource: "post", recordId: id } });
    expect(rows.map((r) => [r.number, r.status])).toEqual([[1, "stable"]]);
    const again = await client.error(`mutation($id: ID!) { publishPost(id: $id) { id } }`, { id });
    expect(again.extensions).toEqual({ code: "CONFLICT" });
    expect(again.message).toBe("This post has no draft to publish.");
  });
});
