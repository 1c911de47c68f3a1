// AutoQuery's declarative attributes and delete by filter (rest-dialect.md §29), through GraphQL and
// REST of the composed app, checked in the database. Posts here are the demo's with: `ensure` (archived
// posts do not exist for the API), `ignoreUnknown`, a computed `default` of `body`, and `createdBy`
// filled from the JWT-style `name` claim.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources as demoResources } from "../../demo/schema/index.ts";
import type { FieldOptions, ResourceDefinition, ValueContext } from "../../src/metadata/definition.ts";
import type { Actor } from "../../src/runtime/context.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

const ACTORS: Record<string, Actor> = {
  admin: { id: "1", roles: ["admin"], claims: { name: "Ada Admin" } },
  editor: { id: "3", roles: ["editor"], claims: { name: "Edith Editor" } },
  anonymous: { id: undefined, roles: [] },
};

const demoPost = demoResources.find((r) => r.model === "Post") as ResourceDefinition;
const post: ResourceDefinition = {
  ...demoPost,
  audit: { createdAt: "createdAt", updatedAt: "updatedAt", updatedBy: "updatedBy", createdBy: false },
  ensure: { status: { not: "archived" } },
  ignoreUnknown: true,
  fields: {
    ...demoPost.fields,
    body: {
      ...(demoPost.fields?.body as FieldOptions),
      default: ({ actor, now, claims }: ValueContext) =>
        `By ${String(claims.name)} (${actor}) in ${now.getUTCFullYear()}`,
    },
    createdBy: { onCreate: { claim: "name" } },
  },
};

let t: TestRuntime;
let app: App;
beforeAll(async () => {
  t = await createTestRuntime({
    seed: true,
    resources: demoResources.map((r) => (r.model === "Post" ? post : r)),
  });
  app = createApp({
    runtime: t.runtime,
    logger: pino({ level: "silent" }),
    resolveActor: async (request) => ACTORS[request.headers.get("x-actor") ?? "anonymous"] as Actor,
  });
});
afterAll(() => t?.close());

async function rest(
  method: string,
  path: string,
  body?: unknown,
  actor = "editor",
): Promise<{ status: number; body: Record<string, unknown> & { message?: string }; headers: Headers }> {
  const response = await app.fetch(
    new Request(`http://test/api/${path}`, {
      method,
      headers: { "content-type": "application/json", "x-actor": actor },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  return { status: response.status, body: (await response.json()) as never, headers: response.headers };
}

async function graphql(
  query: string,
  variables: Record<string, unknown> = {},
  actor = "editor",
): Promise<{ data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const response = await app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-actor": actor },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return (await response.json()) as never;
}

const live = { deletedAt: null };

describe("§29.2 computed defaults and values from the actor's claims", () => {
  it("REST and GraphQL creates get the computed body and createdBy from the name claim", async () => {
    const year = new Date().getUTCFullYear();
    const viaRest = await rest("POST", "posts", { title: "Defaults over REST", authorId: 3 });
    expect(viaRest.status).toBe(201);
    const viaGraphql = await graphql(
      `mutation { createPost(data: { title: "Defaults over GraphQL", authorId: 3 }) { id } }`,
    );
    expect(viaGraphql.errors).toBeUndefined();
    const ids = [Number(viaRest.body.id), Number((viaGraphql.data as { createPost: { id: string } }).createPost.id)];
    for (const row of await t.db.prisma.post.findMany({ where: { id: { in: ids } } })) {
      expect(row.body).toBe(`By Edith Editor (3) in ${year}`);
      expect(row.createdBy).toBe("Edith Editor");
    }
  });

  it("never overrides what the client sent (an empty body included), and a claim the credentials lack is null", async () => {
    const sent = await rest("POST", "posts", { title: "Body sent", authorId: 3, body: "" });
    expect(sent.status).toBe(201);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: Number(sent.body.id) } })).body).toBe("");
    const created = await graphql(
      `mutation { createPost(data: { title: "No name claim", authorId: 3, body: "mine" }) { id body } }`,
      {},
      "admin",
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.createPost).toMatchObject({ body: "mine" });
    const row = await t.db.prisma.post.findUniqueOrThrow({
      where: { id: Number((created.data as { createPost: { id: string } }).createPost.id) },
    });
    expect(row.createdBy).toBe("Ada Admin");
    // createdBy is the runtime's to fill in: a client may not send it.
    expect((await rest("POST", "posts", { title: "Forged", authorId: 3, createdBy: "Someone" })).status).toBe(400);
  });
});

describe("§29.3 ignoreUnknown", () => {
  it("REST drops body properties that name no field; the record is written without them", async () => {
    const created = await rest("POST", "posts", { title: "Extra keys", authorId: 3, shoeSize: 44, tags: ["x"] });
    expect(created.status).toBe(201);
    const patched = await rest("PATCH", `posts/${created.body.id}`, { title: "Extra keys, patched", colour: "blue" });
    expect(patched.status).toBe(200);
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: Number(created.body.id) } });
    expect(row.title).toBe("Extra keys, patched");
    // A wrong value of a known field is refused all the same.
    expect((await rest("PATCH", `posts/${created.body.id}`, { views: "many" })).status).toBe(422);
  });

  it("GraphQL inputs are typed: an unknown input field is a validation error there (no ignoreUnknown)", async () => {
    const body = await graphql(`mutation { createPost(data: { title: "x y z", authorId: 3, shoeSize: 44 }) { id } }`);
    expect(body.errors?.[0]?.message).toContain("shoeSize");
  });
});

describe("§29.4 ensure: archived posts do not exist for the API, for every actor", () => {
  it("lists, counts and one-record reads leave them out for admins too, on both transports", async () => {
    const want = await t.db.prisma.post.count({ where: { ...live, status: { not: "archived" } } });
    const archived = await t.db.prisma.post.findFirstOrThrow({ where: { ...live, status: "archived" } });
    for (const actor of ["admin", "anonymous"]) {
      const list = await rest("GET", "posts?range=[0,0]", undefined, actor);
      expect(list.headers.get("content-range")).toBe(`posts 0-0/${want}`);
      const count = await graphql(
        "{ postsCount archived: posts(where: { status: { eq: archived } }) { id } }",
        {},
        actor,
      );
      expect(count.data).toEqual({ postsCount: want, archived: [] });
      expect((await rest("GET", `posts/${archived.id}`, undefined, actor)).status).toBe(404);
      const one = await graphql(`{ post(id: ${archived.id}) { id } }`, {}, actor);
      expect(one.data?.post ?? null).toBeNull();
    }
    // Through a relation into posts: the archived post's comments do not embed it.
    const comment = await t.db.prisma.comment.findFirst({ where: { ...live, post: { status: "archived" } } });
    if (comment) {
      const embedded = await rest("GET", `comments/${comment.id}?embed=post`, undefined, "admin");
      expect(embedded.body.post ?? null).toBeNull();
    }
    const byAuthor = await graphql(`{ user(id: ${archived.authorId}) { posts { status } } }`, {}, "admin");
    const statuses = (byAuthor.data as { user: { posts: { status: string }[] } }).user.posts.map((p) => p.status);
    expect(statuses).not.toContain("archived");
  });

  it("a create or update that would leave a post outside ensure is a 422, and nothing is written", async () => {
    const made = await rest("POST", "posts", { title: "Born archived", authorId: 3, status: "archived" }, "admin");
    expect(made.status).toBe(422);
    expect(made.body.message).toContain("ensure");
    expect(await t.db.prisma.post.count({ where: { title: "Born archived" } })).toBe(0);
    const target = await t.db.prisma.post.findFirstOrThrow({ where: { ...live, status: "draft" } });
    const updated = await graphql(
      `mutation { updatePost(id: ${target.id}, data: { status: archived }) { id } }`,
      {},
      "admin",
    );
    expect(updated.errors?.[0]?.extensions?.code).toBe("VALIDATION_FAILED");
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: target.id } })).status).toBe("draft");
  });
});

describe("§29.1 delete by filter", () => {
  /** The authors with the most live drafts, most first. */
  const draftAuthors = async () =>
    (
      await t.db.prisma.post.groupBy({
        by: ["authorId"],
        where: { ...live, status: "draft" },
        _count: { _all: true },
        orderBy: [{ _count: { authorId: "desc" } }, { authorId: "asc" }],
      })
    ).map((g) => g.authorId);
  it("REST DELETE /api/posts with a filter and a limit deletes that many through the pipeline and answers count and ids", async () => {
    const author = (await draftAuthors())[0];
    const drafts = await t.db.prisma.post.findMany({
      where: { ...live, status: "draft", authorId: author },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    expect(drafts.length).toBeGreaterThan(2);
    const answer = await rest("DELETE", `posts?status=draft&authorId=${author}&limit=2`);
    expect(answer.status).toBe(200);
    const ids = drafts.slice(0, 2).map((p) => p.id);
    expect(answer.body).toEqual({ count: 2, ids, hasMore: true });
    // Soft delete: moved to the trash, by the actor, with a revision each.
    const rows = await t.db.prisma.post.findMany({ where: { id: { in: ids } } });
    expect(rows.every((r) => r.deletedAt !== null && r.deletedBy === "3")).toBe(true);
    const revisions = await t.db.prisma.revision.count({
      where: { resource: "post", action: "delete", recordId: { in: ids.map(String) } },
    });
    expect(revisions).toBe(2);
    // The filter JSON form, and the rest of them.
    const rest2 = await rest(
      "DELETE",
      `posts?filter=${encodeURIComponent(JSON.stringify({ status: "draft", authorId: author }))}`,
    );
    expect(rest2.body).toMatchObject({ count: drafts.length - 2, hasMore: false });
    expect(await t.db.prisma.post.count({ where: { ...live, status: "draft", authorId: author } })).toBe(0);
  });

  it("GraphQL deletePostsWhere deletes by a where, with a limit, answering DeleteWhereResult", async () => {
    const author = (await draftAuthors())[0];
    const drafts = await t.db.prisma.post.findMany({
      where: { ...live, status: "draft", authorId: author },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    expect(drafts.length).toBeGreaterThan(1);
    const body = await graphql(
      "mutation ($author: ID) { deletePostsWhere(where: { status: { eq: draft }, authorId: { eq: $author } }, limit: 1) { count ids hasMore } }",
      { author },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.deletePostsWhere).toEqual({ count: 1, ids: [String(drafts[0]?.id)], hasMore: true });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: drafts[0]?.id } })).deletedAt).not.toBeNull();
  });

  it("refuses a missing filter, a bad limit, list-only parameters and anonymous callers; ensure holds", async () => {
    const before = await t.db.prisma.post.count({ where: live });
    const none = await rest("DELETE", "posts");
    expect(none.status).toBe(400);
    expect(none.body.message).toContain("needs a filter");
    expect((await rest("DELETE", "posts?limit=5")).status).toBe(400);
    expect((await rest("DELETE", "posts?status=draft&limit=0")).status).toBe(400);
    expect((await rest("DELETE", "posts?status=draft&limit=101")).status).toBe(400);
    expect((await rest("DELETE", "posts?status=draft&sort=id")).status).toBe(400);
    expect((await rest("DELETE", "posts?status=draft", undefined, "anonymous")).status).toBe(401);
    const empty = await graphql("mutation { deletePostsWhere(where: {}) { count } }");
    expect(empty.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    // Archived posts are outside ensure: nothing to delete, even for the admin.
    const archived = await rest("DELETE", "posts?status=archived", undefined, "admin");
    expect(archived.body).toEqual({ count: 0, ids: [], hasMore: false });
    expect(await t.db.prisma.post.count({ where: live })).toBe(before);
  });
});
