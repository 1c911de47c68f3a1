// The record lifecycle over REST: the trash (§18: soft delete, deleted=, restore, purge, relation rules)
// and revisions (§19: list, one, diff, asOf, revert, publish). Each scenario acts through HTTP and
// checks the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRestHandler } from "../../src/rest/handler.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { createStore } from "../../src/storage/store.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

type Row = Record<string, unknown>;
interface Revision {
  number: number;
  parentNumber: number | null;
  action: string;
  status: string;
  actorId: string | null;
  createdAt: string;
  data: Row;
}

async function json<T>(response: Response, status = 200): Promise<T> {
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** The message of an error answer, after checking its status. */
async function failure(response: Response, status: number): Promise<string> {
  return (await json<{ message: string }>(response, status)).message;
}

let serial = 0;
/** A post with `comments` comments, created over HTTP; the title is unique to the test. */
async function postWithComments(comments: number): Promise<{ id: number; title: string; commentIds: string[] }> {
  const title = `Lifecycle ${++serial} ${Date.now()}`;
  const post = await json<{ id: number }>(await t.send("POST", "/api/posts", { title, authorId: 2 }), 201);
  const commentIds: string[] = [];
  for (let i = 0; i < comments; i++) {
    commentIds.push(
      (
        await json<{ id: string }>(
          await t.send("POST", "/api/comments", { body: `Comment ${i}`, postId: post.id, authorId: 3 }),
          201,
        )
      ).id,
    );
  }
  return { id: post.id, title, commentIds };
}

const version = async (id: number) => (await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).version;

describe("§18 trash", () => {
  it("DELETE moves a post and its comments to the trash: 200 with deletedAt, then 404 and absent from lists", async () => {
    const { id, title, commentIds } = await postWithComments(2);
    const deleted = await json<Row>(
      await t.send("DELETE", `/api/posts/${id}`, undefined, { "Content-Type": "text/plain" }),
    );
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id } });
    expect(row.deletedAt).not.toBeNull();
    expect(deleted).toMatchObject({ id, title, deletedAt: row.deletedAt?.toISOString(), deletedBy: "1" });
    const comments = await t.db.prisma.comment.findMany({ where: { id: { in: commentIds } } });
    expect(comments.map((c) => c.deletedAt?.toISOString())).toEqual([
      row.deletedAt?.toISOString(),
      row.deletedAt?.toISOString(),
    ]);

    expect((await t.get(`/api/posts/${id}`)).status).toBe(404);
    const live = await t.get(`/api/posts?${query({ filter: { title } })}`);
    expect(await json<Row[]>(live)).toEqual([]);
    expect(live.headers.get("content-range")).toBe("posts */0");
    expect(await json<Row[]>(await t.get(`/api/comments?${query({ filter: { postId: id } })}`))).toEqual([]);
  });

  it("deleted=only|include|exclude lists the trash, both, or the live records, and Content-Range counts the same set", async () => {
    const trashed = await postWithComments(0);
    await json(await t.send("DELETE", `/api/posts/${trashed.id}`));
    const counts = {
      exclude: await t.db.prisma.post.count({ where: { deletedAt: null } }),
      only: await t.db.prisma.post.count({ where: { deletedAt: { not: null } } }),
      include: await t.db.prisma.post.count(),
    };
    expect(counts.only).toBeGreaterThan(0);
    for (const [mode, total] of Object.entries(counts)) {
      const response = await t.get(`/api/posts?deleted=${mode}&${query({ sort: ["id", "ASC"], range: [0, 999] })}`);
      const records = await json<{ id: number; deletedAt: string | null }[]>(response);
      expect(response.headers.get("x-total-count"), mode).toBe(String(total));
      expect(response.headers.get("content-range"), mode).toBe(`posts 0-${total - 1}/${total}`);
      expect(records.length, mode).toBe(total);
      if (mode === "only") expect(records.every((r) => r.deletedAt !== null)).toBe(true);
      if (mode === "exclude") expect(records.every((r) => r.deletedAt === null)).toBe(true);
    }
    // Combined with a filter, pages and cursors, the total is still the trash that matches.
    const drafts = await t.db.prisma.post.count({ where: { deletedAt: { not: null }, status: "draft" } });
    const filtered = await t.get(`/api/posts?deleted=only&status=draft&page=1&per_page=1`);
    expect(filtered.headers.get("x-total-count")).toBe(String(drafts));
    const cursor = await t.get(`/api/posts?deleted=only&cursor=&per_page=5`);
    expect(cursor.headers.get("content-range")).toBe(`posts */${counts.only}`);
    expect((await json<{ deletedAt: string | null }[]>(cursor)).every((r) => r.deletedAt !== null)).toBe(true);
    const qb = await t.get(`/api/posts?deleted=only&qb=${encodeURIComponent(`QB['id'] == ${trashed.id}`)}`);
    expect((await json<{ id: number }[]>(qb)).map((r) => r.id)).toEqual([trashed.id]);
  });

  it("GET one with deleted=include or only finds a trashed record; only leaves out a live one", async () => {
    const trashed = await postWithComments(0);
    const live = await postWithComments(0);
    await json(await t.send("DELETE", `/api/posts/${trashed.id}`));
    for (const mode of ["include", "only"]) {
      const response = await t.get(`/api/posts/${trashed.id}?deleted=${mode}`);
      expect(await json<Row>(response)).toMatchObject({
        id: trashed.id,
        title: trashed.title,
        deletedAt: expect.any(String),
      });
      expect(response.headers.get("etag")).toBe(`"${await version(trashed.id)}"`);
    }
    expect(await json<Row>(await t.get(`/api/posts/${live.id}?deleted=include`))).toMatchObject({ id: live.id });
    expect((await t.get(`/api/posts/${live.id}?deleted=only`)).status).toBe(404);
    expect(await json<Row>(await t.get(`/api/posts/${trashed.id}?deleted=include&fields=title`))).toEqual({
      id: trashed.id,
      title: trashed.title,
    });
  });

  it("restore brings the post back with the comments its delete trashed, not one trashed before", async () => {
    const { id, commentIds } = await postWithComments(3);
    const [alone, ...cascaded] = commentIds as [string, ...string[]];
    await json(await t.send("DELETE", `/api/comments/${alone}`));
    await json(await t.send("DELETE", `/api/posts/${id}`));
    const response = await t.send("POST", `/api/posts/${id}/restore`);
    const restored = await json<Row>(response);
    expect(restored).toMatchObject({ id, deletedAt: null, deletedBy: null });
    expect(response.headers.get("etag")).toBe(`"${await version(id)}"`);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).deletedAt).toBeNull();
    const comments = await t.db.prisma.comment.findMany({ where: { postId: id } });
    expect(
      comments
        .filter((c) => c.deletedAt === null)
        .map((c) => c.id)
        .sort(),
    ).toEqual([...cascaded].sort());
    expect(comments.find((c) => c.id === alone)?.deletedAt).not.toBeNull();
    expect(await json<Row>(await t.get(`/api/posts/${id}`))).toMatchObject({ id });
    // Restoring a live record is a conflict; a resource without a trash has nothing to restore.
    expect(await failure(await t.send("POST", `/api/posts/${id}/restore`), 409)).toContain("not in the trash");
    expect(await failure(await t.send("POST", "/api/users/1/restore"), 400)).toContain("not soft-deleted");
  });

  it("purge removes a trashed or a live post for good, with every comment (trashed ones too)", async () => {
    const trashed = await postWithComments(2);
    await json(await t.send("DELETE", `/api/comments/${trashed.commentIds[0]}`));
    await json(await t.send("DELETE", `/api/posts/${trashed.id}`));
    expect(await json<Row>(await t.send("POST", `/api/posts/${trashed.id}/purge`))).toMatchObject({
      id: trashed.id,
      title: trashed.title,
    });
    expect(await t.db.prisma.post.findUnique({ where: { id: trashed.id } })).toBeNull();
    expect(await t.db.prisma.comment.count({ where: { id: { in: trashed.commentIds } } })).toBe(0);

    const live = await postWithComments(1);
    expect(await json<Row>(await t.send("POST", `/api/posts/${live.id}/purge`))).toMatchObject({
      id: live.id,
      deletedAt: null,
    });
    expect(await t.db.prisma.post.findUnique({ where: { id: live.id } })).toBeNull();
    expect(await t.db.prisma.comment.count({ where: { postId: live.id } })).toBe(0);
    expect((await t.send("POST", `/api/posts/${live.id}/purge`)).status).toBe(404);
    // Without a trash, purge is a plain delete.
    const tag = await json<{ id: number }>(await t.send("POST", "/api/tags", { name: `purged-${Date.now()}` }), 201);
    expect(await json<Row>(await t.send("POST", `/api/tags/${tag.id}/purge`))).toMatchObject({ id: tag.id });
    expect(await t.db.prisma.tag.findUnique({ where: { id: tag.id } })).toBeNull();
  });

  it("a comment whose post is in the trash cannot be restored alone (409); a user with posts cannot be deleted (409)", async () => {
    const { id, commentIds } = await postWithComments(1);
    await json(await t.send("DELETE", `/api/posts/${id}`));
    expect(await failure(await t.send("POST", `/api/comments/${commentIds[0]}/restore`), 409)).toMatch(
      /post .* is in the trash/,
    );
    expect(
      (await t.db.prisma.comment.findUniqueOrThrow({ where: { id: commentIds[0] as string } })).deletedAt,
    ).not.toBeNull();

    const posts = await t.db.prisma.post.count({ where: { authorId: 2, deletedAt: null } });
    expect(posts).toBeGreaterThan(0);
    expect(await failure(await t.send("DELETE", "/api/users/2"), 409)).toMatch(
      /^Cannot delete this user: \d+ (posts|comments) still refer to it/,
    );
    expect(await t.db.prisma.user.findUnique({ where: { id: 2 } })).not.toBeNull();
    expect(await t.db.prisma.post.count({ where: { authorId: 2, deletedAt: null } })).toBe(posts);
  });

  it("restore and purge honour If-Match (412) and a body version (409), changing nothing when stale", async () => {
    const { id } = await postWithComments(0);
    await json(await t.send("DELETE", `/api/posts/${id}`));
    const current = await version(id);
    const stale = await json<{ code: string; details: Row }>(
      await t.send("POST", `/api/posts/${id}/restore`, undefined, { "If-Match": `"${current - 1}"` }),
      412,
    );
    expect(stale).toMatchObject({ code: "PRECONDITION_FAILED", details: { currentVersion: current } });
    expect(await failure(await t.send("POST", `/api/posts/${id}/purge`, { version: current - 1 }), 409)).toContain(
      "changed by someone else",
    );
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).deletedAt).not.toBeNull();
    expect(await json<Row>(await t.send("POST", `/api/posts/${id}/restore`, { version: current }))).toMatchObject({
      id,
      deletedAt: null,
      version: current + 1,
    });
    expect(await failure(await t.send("POST", `/api/posts/${id}/restore`, { title: "x" }), 400)).toContain(
      'unexpected "title"',
    );
    expect(await failure(await t.send("POST", `/api/posts/${id}/purge`, "[1]"), 400)).toContain("may only be");
  });

  it("bad trash parameters are 400s naming the parameter", async () => {
    expect(await failure(await t.get("/api/posts?deleted=bogus"), 400)).toContain(
      '"deleted" must be exclude, include, only',
    );
    expect(await failure(await t.get("/api/posts/1?deleted=all"), 400)).toContain('"deleted"');
    expect(await failure(await t.get("/api/posts?deleted=only&deleted=include"), 400)).toContain("more than once");
    expect(await failure(await t.get("/api/users?deleted=only"), 400)).toContain("no trash");
    expect(await failure(await t.send("POST", "/api/posts/1/restore?force=true"), 400)).toContain('"force"');
    expect(await failure(await t.get("/api/posts/aggregate?deleted=only"), 400)).toContain("deleted");
  });
});

describe("§19 revisions", () => {
  /** A post written three times over HTTP: created, then two patches. */
  async function history(): Promise<{ id: number; titles: string[] }> {
    const titles = [`Revised ${++serial} one`, `Revised ${serial} two`, `Revised ${serial} three`];
    const { id } = await json<{ id: number }>(
      await t.send("POST", "/api/posts", { title: titles[0], authorId: 1, views: 1 }),
      201,
    );
    await json(await t.send("PATCH", `/api/posts/${id}`, { title: titles[1] }));
    await json(await t.send("PATCH", `/api/posts/${id}`, { title: titles[2], views: 3 }));
    return { id, titles };
  }

  it("GET …/revisions lists every revision oldest first with Content-Range; …/revisions/:rev gives one", async () => {
    const { id, titles } = await history();
    const response = await t.get(`/api/posts/${id}/revisions`);
    const revisions = await json<Revision[]>(response);
    expect(response.headers.get("content-range")).toBe("revisions 0-2/3");
    expect(response.headers.get("x-total-count")).toBe("3");
    expect(revisions.map((r) => [r.number, r.parentNumber, r.action, r.status, r.actorId, r.data.title])).toEqual([
      [1, null, "create", "stable", "1", titles[0]],
      [2, 1, "patch", "stable", "1", titles[1]],
      [3, 2, "patch", "stable", "1", titles[2]],
    ]);
    const stored = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(id) },
      orderBy: { number: "asc" },
    });
    expect(revisions.map((r) => r.createdAt)).toEqual(stored.map((r) => r.createdAt.toISOString()));
    expect(await json<Revision>(await t.get(`/api/posts/${id}/revisions/2`))).toEqual(revisions[1]);
    // A post written before revisions were kept (straight into the table) has none: an empty list.
    const legacy = await t.db.prisma.post.create({ data: { title: "Written before revisions", authorId: 1 } });
    const none = await t.get(`/api/posts/${legacy.id}/revisions`);
    expect(await json<Revision[]>(none)).toEqual([]);
    expect(none.headers.get("content-range")).toBe("revisions */0");
  });

  it("…/revisions/:rev/diff compares with the parent, or with ?against=", async () => {
    const { id, titles } = await history();
    expect(await json<Row>(await t.get(`/api/posts/${id}/revisions/3/diff`))).toMatchObject({
      from: 2,
      to: 3,
      changes: expect.arrayContaining([
        { field: "title", from: titles[1], to: titles[2] },
        { field: "views", from: 1, to: 3 },
      ]),
    });
    const against = await json<{ from: number; to: number; changes: { field: string }[] }>(
      await t.get(`/api/posts/${id}/revisions/3/diff?against=1`),
    );
    expect(against).toMatchObject({ from: 1, to: 3 });
    expect(against.changes.map((c) => c.field)).toEqual(expect.arrayContaining(["title", "views", "version"]));
    const first = await json<{ from: number; changes: { field: string; from: unknown }[] }>(
      await t.get(`/api/posts/${id}/revisions/1/diff`),
    );
    expect(first.from).toBe(0);
    expect(first.changes.find((c) => c.field === "title")).toEqual({ field: "title", from: null, to: titles[0] });
  });

  it("GET one ?asOf= a revision number or an ISO time gives that snapshot, without an ETag", async () => {
    const { id, titles } = await history();
    const byNumber = await t.get(`/api/posts/${id}?asOf=2`);
    expect(await json<Row>(byNumber)).toMatchObject({ id, title: titles[1], views: 1 });
    expect(byNumber.headers.get("etag")).toBeNull();
    // Spread the revisions' instants apart so a time falls clearly between them.
    const stored = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(id) },
      orderBy: { number: "asc" },
    });
    const base = Date.now() - 60_000;
    for (const [i, r] of stored.entries())
      await t.db.prisma.revision.update({ where: { id: r.id }, data: { createdAt: new Date(base + i * 10_000) } });
    const between = new Date(base + 15_000).toISOString();
    expect(await json<Row>(await t.get(`/api/posts/${id}?asOf=${encodeURIComponent(between)}`))).toMatchObject({
      id,
      title: titles[1],
    });
    expect(await json<Row>(await t.get(`/api/posts/${id}?asOf=${encodeURIComponent(between)}&fields=title`))).toEqual({
      id,
      title: titles[1],
    });
    expect(
      await failure(
        await t.get(`/api/posts/${id}?asOf=${encodeURIComponent(new Date(base - 1000).toISOString())}`),
        404,
      ),
    ).toContain("no revision at or before");
    // A trashed record's past is there with deleted=include.
    await json(await t.send("DELETE", `/api/posts/${id}`));
    expect((await t.get(`/api/posts/${id}?asOf=1`)).status).toBe(404);
    expect(await json<Row>(await t.get(`/api/posts/${id}?asOf=1&deleted=include`))).toMatchObject({
      title: titles[0],
      deletedAt: null,
    });
  });

  it("POST …/revert/:rev writes a new revision equal to the old one and answers the record", async () => {
    const { id, titles } = await history();
    const response = await t.send("POST", `/api/posts/${id}/revert/1`);
    const reverted = await json<Row>(response);
    expect(reverted).toMatchObject({ id, title: titles[0], views: 1 });
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ title: titles[0], views: 1 });
    expect(response.headers.get("etag")).toBe(`"${row.version}"`);
    const stored = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(id) },
      orderBy: { number: "asc" },
    });
    expect(stored.map((r) => r.action)).toEqual(["create", "patch", "patch", "revert"]);
    const [first, , , last] = stored as [(typeof stored)[number], unknown, unknown, (typeof stored)[number]];
    const writable = ["title", "body", "status", "views", "publishedAt", "authorId"];
    const pick = (data: unknown) => Object.fromEntries(writable.map((f) => [f, (data as Row)[f]]));
    expect(pick(last.data)).toEqual(pick(first.data));
    expect(last.parentNumber).toBe(3);
  });

  it("revert honours If-Match (412) and a body version (409); a stale one writes nothing", async () => {
    const { id, titles } = await history();
    const current = await version(id);
    expect(
      await json<{ code: string }>(
        await t.send("POST", `/api/posts/${id}/revert/1`, undefined, { "If-Match": `"${current - 1}"` }),
        412,
      ),
    ).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect((await t.send("POST", `/api/posts/${id}/revert/1`, { version: current - 1 })).status).toBe(409);
    expect(await t.db.prisma.revision.count({ where: { resource: "post", recordId: String(id) } })).toBe(3);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).title).toBe(titles[2]);
    expect(
      await json<Row>(await t.send("POST", `/api/posts/${id}/revert/2`, undefined, { "If-Match": `"${current}"` })),
    ).toMatchObject({ title: titles[1] });
  });

  it("bad revision numbers, times and resources without revisions are 400s with messages; a missing revision is 404", async () => {
    const { id } = await history();
    expect(await failure(await t.get(`/api/posts/${id}/revisions/abc`), 400)).toContain(
      "revision number is a whole number",
    );
    expect(await failure(await t.get(`/api/posts/${id}/revisions/0`), 400)).toContain("from 1");
    expect(await failure(await t.get(`/api/posts/${id}/revisions/99`), 404)).toContain("has no revision 99");
    expect(await failure(await t.get(`/api/posts/${id}/revisions/2/diff?against=first`), 400)).toContain('"first"');
    expect(await failure(await t.get(`/api/posts/${id}/revisions/2/diff?against=1&against=2`), 400)).toContain(
      "more than once",
    );
    expect(await failure(await t.send("POST", `/api/posts/${id}/revert/1.5`), 400)).toContain("whole number");
    expect(await failure(await t.get(`/api/posts/${id}?asOf=yesterday`), 400)).toContain(
      "asOf must be a revision number or an ISO 8601 time",
    );
    expect(await failure(await t.get(`/api/posts/${id}?asOf=0`), 400)).toContain("from 1");
    expect(await failure(await t.get(`/api/posts/${id}?asOf=1&embed=author`), 400)).toContain(
      '"asOf" cannot be combined with "embed"',
    );
    expect(await failure(await t.get(`/api/posts/${id}?asOf=1&fields=author.name`), 400)).toContain("relation paths");
    expect(await failure(await t.get(`/api/posts/${id}/revisions?page=2`), 400)).toContain('"page"');
    expect(await failure(await t.get("/api/users/1/revisions"), 400)).toContain("users keep no revisions");
    expect(await failure(await t.get("/api/users/1?asOf=1"), 400)).toContain("users keep no revisions");
    expect(
      await failure(await t.send("POST", "/api/comments/00000000-0000-4000-8000-000000000000/revert/1"), 400),
    ).toContain("keep no revisions");
    expect((await t.get("/api/posts/999999/revisions")).status).toBe(404);
  });

  it("publish is a 400 without draft mode, and makes the draft stable with it", async () => {
    expect(await failure(await t.send("POST", "/api/posts/1/publish"), 400)).toContain("no draft mode");
    const defs = resources.map((r) =>
      r.model === "Post" ? { ...r, revisions: { draft: true } } : r,
    ) as ResourceDefinition[];
    const runtime = createRuntime({ schema: resolveResources(defs, datamodel), store: createStore(t.db) });
    const rest = createRestHandler({
      runtime,
      contextFor: () => runtime.context({ actor: { id: "ada", roles: ["admin"] } }),
    });
    const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      rest.fetch(
        new Request(`http://test${path}`, {
          method,
          headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );

    const { id } = await json<{ id: number }>(
      await send("POST", "/api/posts", { title: "Draft one", authorId: 1 }),
      201,
    );
    await json(await send("PATCH", `/api/posts/${id}`, { title: "Draft two" }));
    const drafts = await t.db.prisma.revision.findMany({ where: { resource: "post", recordId: String(id) } });
    expect(drafts.map((r) => [r.number, r.status])).toEqual([[1, "draft"]]);
    const published = await send("POST", `/api/posts/${id}/publish`, undefined, { "Content-Type": "application/json" });
    expect(await json<Row>(published)).toMatchObject({ id, title: "Draft two" });
    const after = await t.db.prisma.revision.findMany({ where: { resource: "post", recordId: String(id) } });
    expect(after.map((r) => [r.number, r.status, r.actorId])).toEqual([[1, "stable", "ada"]]);
    expect(await failure(await send("POST", `/api/posts/${id}/publish`), 409)).toContain("no draft to publish");
    expect(await failure(await send("POST", `/api/posts/${id}/publish`, { version: 1 }), 400)).toContain(
      "publish takes no body",
    );
    expect(
      await failure(await send("POST", `/api/posts/${id}/publish`, undefined, { "If-Match": '"1"' }), 400),
    ).toContain("publish takes no If-Match");
  });
});

describe("§18-§19 routes", () => {
  it("wrong methods are 405s naming the allowed ones; preflights are answered", async () => {
    const wrong = await t.send("PUT", "/api/posts/1/revisions", { a: 1 });
    expect(await failure(wrong, 405)).toContain("Allowed: GET, HEAD, OPTIONS");
    expect(wrong.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect((await t.get("/api/posts/1/restore")).headers.get("allow")).toBe("POST, OPTIONS");
    expect((await t.send("DELETE", "/api/posts/1/revert/1")).headers.get("allow")).toBe("POST, OPTIONS");
    for (const path of [
      "/api/posts/1/restore",
      "/api/posts/1/purge",
      "/api/posts/1/revert/2",
      "/api/posts/1/revisions",
    ]) {
      const preflight = await t.rest.fetch(
        new Request(`http://test${path}`, {
          method: "OPTIONS",
          headers: {
            Origin: "http://admin.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "if-match,content-type",
          },
        }),
      );
      expect(preflight.status, path).toBe(204);
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("if-match");
    }
    // The seed gives every post its first revision.
    const head = await t.rest.fetch(new Request("http://test/api/posts/1/revisions", { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(head.headers.get("content-range")).toBe("revisions 0-0/1");
  });
});
