// The soft-delete sweep: with records in the trash, every read path of both
// transports — lists, one record, getMany, counts, Content-Range totals, cursor pages, aggregates,
// search, relation filters, GraphQL nested fields and REST embeds — is asked for them, and none
// shows a trashed record; the totals agree with the database's count of live rows.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extensions } from "../../demo/schema/extensions.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let app: App;
/** The marker every record of this test carries, so each question is about them alone. */
const MARK = "Sweepmarker";
let livePost: number;
let trashedPost: number;
let trashedComment: string;
let liveComment: string;
let authorId: number;

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  app = createApp({
    runtime: t.runtime,
    logger: pino({ level: "silent" }),
    graphqlExtensions: extensions,
    // The demo's back office: writes need a signed-in actor with a role.
    resolveActor: async () => ADMIN,
  });
  const ctx = () => t.runtime.context({ actor: ADMIN });
  const user = await t.runtime
    .service("user")
    .create(ctx(), { email: "sweep@example.com", name: `${MARK} Author`, passwordHash: "x" });
  authorId = user.id as number;
  const posts = t.runtime.service("post");
  const comments = t.runtime.service("comment");
  livePost = (await posts.create(ctx(), { title: `${MARK} live`, body: MARK, authorId, views: 10 })).id as number;
  trashedPost = (await posts.create(ctx(), { title: `${MARK} trashed`, body: MARK, authorId, views: 1000 }))
    .id as number;
  liveComment = (await comments.create(ctx(), { body: `${MARK} live comment`, postId: livePost, authorId }))
    .id as string;
  trashedComment = (await comments.create(ctx(), { body: `${MARK} trashed comment`, postId: livePost, authorId }))
    .id as string;
  await comments.create(ctx(), { body: `${MARK} comment of the trashed post`, postId: trashedPost, authorId });
  await comments.delete(ctx(), trashedComment);
  await posts.delete(ctx(), trashedPost); // cascades to its comment
});
afterAll(() => t?.close());

const trashedIds = () => new Set<unknown>([trashedPost, String(trashedPost), trashedComment]);

/** Every id anywhere in a JSON answer. */
function idsIn(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const v of value) idsIn(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "id" || k === "postId") out.push(v);
      idsIn(v, out);
    }
  }
  return out;
}

function expectNoTrash(answer: unknown, path: string) {
  const found = idsIn(answer).filter((id) => trashedIds().has(id) || trashedIds().has(Number(id)));
  expect(found, `${path} shows a trashed record`).toEqual([]);
  expect(JSON.stringify(answer), path).not.toContain(`${MARK} trashed`);
  expect(JSON.stringify(answer), path).not.toContain("of the trashed post");
}

async function rest(path: string): Promise<{ status: number; body: unknown; range: string | null }> {
  const response = await app.fetch(new Request(`http://test${path}`));
  return { status: response.status, body: await response.json(), range: response.headers.get("content-range") };
}

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  expect(body.errors, query).toBeUndefined();
  return body.data ?? {};
}

const byMark = encodeURIComponent(JSON.stringify({ q: MARK }));

describe("REST read paths", () => {
  it("lists, totals and search", async () => {
    const list = await rest(`/api/posts?filter=${encodeURIComponent(JSON.stringify({ authorId }))}&range=[0,99]`);
    expect(list.status).toBe(200);
    expectNoTrash(list.body, "GET /api/posts");
    expect(list.range).toBe("posts 0-0/1");
    const search = await rest(`/api/posts?q=${MARK}`);
    expectNoTrash(search.body, "GET /api/posts?q=");
    expect((search.body as unknown[]).length).toBe(1);
    const comments = await rest(`/api/comments?filter=${byMark}&range=[0,99]`);
    expectNoTrash(comments.body, "GET /api/comments?q=");
    expect(comments.range).toBe("comments 0-0/1");
  });

  it("one record and getMany", async () => {
    expect((await rest(`/api/posts/${trashedPost}`)).status).toBe(404);
    expect((await rest(`/api/comments/${trashedComment}`)).status).toBe(404);
    const many = await rest(`/api/posts?filter=${encodeURIComponent(JSON.stringify({ id: [livePost, trashedPost] }))}`);
    expectNoTrash(many.body, "getMany");
    expect(idsIn(many.body)).toEqual([livePost]);
  });

  it("cursor pages, aggregates, relation filters and embeds", async () => {
    const cursor = await rest(`/api/posts?authorId=${authorId}&cursor=&per_page=10`);
    expectNoTrash(cursor.body, "cursor page");
    expect(cursor.range).toMatch(/\/1$/);
    const aggregate = await rest(`/api/posts/aggregate?authorId=${authorId}&sum=views`);
    expect(aggregate.body).toMatchObject({ groups: [{ count: 1, sum: { views: 10 } }] });
    const throughComments = await rest(
      `/api/posts?filter=${encodeURIComponent(JSON.stringify({ "comments.body_contains": "trashed comment" }))}`,
    );
    expect(throughComments.status).toBe(200);
    expect(throughComments.body).toEqual([]);
    const embedded = await rest(`/api/posts/${livePost}?embed=comments,comments.author`);
    expectNoTrash(embedded.body, "embed=comments");
    expect(((embedded.body as { comments: { id: string }[] }).comments ?? []).map((c) => c.id)).toEqual([liveComment]);
    const userPosts = await rest(`/api/users/${authorId}?embed=posts,comments`);
    expectNoTrash(userPosts.body, "embed=posts,comments");
  });
});

describe("GraphQL read paths", () => {
  it("lists, counts, connections, aggregates and search", async () => {
    const data = await gql(
      `query ($author: ID!, $mark: String!) {
        posts(where: { authorId: { eq: $author } }, take: 100) { id title }
        postsCount(where: { authorId: { eq: $author } })
        postsConnection(where: { authorId: { eq: $author } }, first: 10) { totalCount edges { node { id } } }
        postsAggregate(where: { authorId: { eq: $author } }) { count sum { views } }
        searched: posts(where: { search: $mark }) { id }
        comments(where: { search: $mark }, take: 100) { id body }
        commentsCount(where: { search: $mark })
      }`,
      { author: authorId, mark: MARK },
    );
    expectNoTrash(data, "GraphQL lists");
    expect(data.postsCount).toBe(1);
    expect((data.postsConnection as { totalCount: number }).totalCount).toBe(1);
    expect(data.postsAggregate).toEqual([{ count: 1, sum: { views: 10 } }]);
    expect(data.commentsCount).toBe(1);
  });

  it("one record, relation filters and nested fields", async () => {
    const data = await gql(
      `query ($trashed: ID!, $live: ID!, $author: ID!, $comment: ID!) {
        trashed: post(id: $trashed) { id }
        trashedComment: comment(id: $comment) { id }
        live: post(id: $live) { id comments { id body author { id } } }
        user(id: $author) { posts { id comments { id } } comments { id post { id } } }
        withTrashedComment: posts(where: { comments: { some: { body: { contains: "trashed comment" } } } }) { id }
      }`,
      { trashed: trashedPost, live: livePost, author: authorId, comment: trashedComment },
    );
    expect(data.trashed).toBeNull();
    expect(data.trashedComment).toBeNull();
    expectNoTrash(data, "GraphQL nested");
    expect((data.live as { comments: { id: string }[] }).comments.map((c) => c.id)).toEqual([liveComment]);
    expect(data.withTrashedComment).toEqual([]);
  });
});

describe("the database agrees", () => {
  it("the trash holds exactly what was deleted", async () => {
    expect(await t.db.prisma.post.count({ where: { authorId, deletedAt: { not: null } } })).toBe(1);
    expect(await t.db.prisma.comment.count({ where: { authorId, deletedAt: { not: null } } })).toBe(2);
    expect(await t.db.prisma.comment.count({ where: { authorId, deletedAt: null } })).toBe(1);
  });
});
