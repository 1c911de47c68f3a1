// clients/ra-data-autograph over real HTTP: the app listens on a socket, react-admin's own
// fetchUtils.fetchJson carries every call, and each step checks the database afterwards. The
// contract tested is docs/guides/react-admin-lifecycle.md (ra-soft-delete and ra-history methods).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { fetchUtils, HttpError, type RaRecord } from "ra-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AutographDataProvider, autographDataProvider } from "../../clients/ra-data-autograph/index.ts";
import { createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let server: Server;
let apiUrl: string;
let dp: AutographDataProvider;
let authorId: number;

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  // A back office: its user is the demo's admin.
  const app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), resolveActor: async () => ADMIN });
  server = createServer(app.requestListener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  dp = autographDataProvider(apiUrl, fetchUtils.fetchJson, { softDeleteResources: ["posts", "comments"] });
  authorId = (await t.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
});
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await t?.close();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A post created through the provider (so it has a first revision). */
async function newPost(title: string): Promise<RaRecord> {
  return (await dp.create("posts", { data: { title, body: `${title} body`, authorId } })).data;
}

async function newComment(postId: number, body: string): Promise<RaRecord> {
  return (await dp.create("comments", { data: { body, postId, authorId } })).data;
}

/** The HttpError a call fails with. */
async function httpError(call: Promise<unknown>): Promise<HttpError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpError)) throw new Error(`Expected an HttpError, got ${String(error)}`);
  return error;
}

const postRow = (id: unknown) => t.db.prisma.post.findUnique({ where: { id: Number(id) } });
const revisionCount = (id: unknown) =>
  t.db.prisma.revision.count({ where: { resource: "post", recordId: String(id) } });

describe("softDelete and softDeleteMany", () => {
  it("softDelete moves the record to the trash and answers ra-soft-delete's deleted record", async () => {
    const post = await newPost("Soft one");
    const { data } = await dp.softDelete("posts", { id: post.id, previousData: post });
    const row = await postRow(post.id);
    expect(row?.deletedAt).toBeInstanceOf(Date);
    expect(data).toEqual({
      id: `posts:${post.id}`,
      resource: "posts",
      deleted_at: row?.deletedAt?.toISOString(),
      deleted_by: row?.deletedBy,
      data: expect.objectContaining({ id: post.id, title: "Soft one" }),
    });
    expect(data.deleted_by).toEqual(expect.any(String));
    expect((await httpError(dp.getOne("posts", { id: post.id }))).status).toBe(404);
  });

  it("softDelete refuses a resource without a trash, and deletes nothing", async () => {
    const tag = (await dp.create("tags", { data: { name: "kept-tag" } })).data;
    const error = await httpError(dp.softDelete("tags", { id: tag.id }));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/tags have no trash/);
    expect(await t.db.prisma.tag.findUnique({ where: { id: Number(tag.id) } })).not.toBeNull();
  });

  it("softDeleteMany trashes every record in one batch, in the order given, each with its revision", async () => {
    const posts = [await newPost("Soft many a"), await newPost("Soft many b"), await newPost("Soft many c")];
    const ids = posts.map((p) => p.id);
    const { data } = await dp.softDeleteMany("posts", { ids: [ids[2], ids[0], ids[1]] as number[] });
    expect(data.map((d) => d.id)).toEqual([`posts:${ids[2]}`, `posts:${ids[0]}`, `posts:${ids[1]}`]);
    expect(data.every((d) => ISO.test(d.deleted_at))).toBe(true);
    const rows = await t.db.prisma.post.findMany({ where: { id: { in: ids as number[] } } });
    expect(rows.map((r) => r.deletedAt)).toEqual([expect.any(Date), expect.any(Date), expect.any(Date)]);
    expect(
      await t.db.prisma.revision.count({
        where: { resource: "post", recordId: { in: ids.map(String) }, action: "delete" },
      }),
    ).toBe(3);
  });

  it("softDeleteMany is all or nothing: one missing id leaves every record live, the error names the item", async () => {
    const post = await newPost("Soft many atomic");
    const error = await httpError(dp.softDeleteMany("posts", { ids: [post.id, 99_999_999] }));
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/^Item \d of 2 \(index \d\): No post with id 99999999.*Nothing was written/);
    expect((await postRow(post.id))?.deletedAt).toBeNull();
  });
});

describe("getListDeleted and getOneDeleted", () => {
  it("lists one resource's trash with the total, sorted and paged like getList", async () => {
    for (const title of ["Trash list a", "Trash list b", "Trash list c"])
      await dp.softDelete("posts", { id: (await newPost(title)).id });
    const trashed = await t.db.prisma.post.findMany({
      where: { deletedAt: { not: null } },
      orderBy: [{ deletedAt: "desc" }, { id: "desc" }],
    });
    expect(trashed.length).toBeGreaterThanOrEqual(3);
    const { data, total } = await dp.getListDeleted({
      filter: { resource: "posts" },
      pagination: { page: 1, perPage: 2 },
      sort: { field: "deleted_at", order: "DESC" },
    });
    expect(total).toBe(trashed.length);
    expect(data).toHaveLength(2);
    expect(
      data.every((d) => d.resource === "posts" && d.id === `posts:${d.data.id}` && d.data.deletedAt === d.deleted_at),
    ).toBe(true);
    expect(data[0]?.deleted_at).toBe(trashed[0]?.deletedAt?.toISOString());
    expect(data[0]!.deleted_at >= data[1]!.deleted_at).toBe(true);
    const page2 = await dp.getListDeleted({
      filter: { resource: "posts" },
      pagination: { page: 2, perPage: 2 },
      sort: { field: "deleted_at", order: "DESC" },
    });
    expect(page2.total).toBe(trashed.length);
    expect(page2.data.map((d) => d.id)).not.toContain(data[0]?.id);
  });

  it("filters by the record's fields (data.<field>) and maps sort fields", async () => {
    const post = await newPost("Trash filter unique");
    await dp.softDelete("posts", { id: post.id });
    const { data, total } = await dp.getListDeleted({
      filter: { resource: "posts", "data.title": "Trash filter unique" },
      pagination: { page: 1, perPage: 10 },
      sort: { field: "data.title", order: "ASC" },
    });
    expect(total).toBe(1);
    expect(data.map((d) => d.data.id)).toEqual([post.id]);
  });

  it("lists the trash of several resources when no resource is named (softDeleteResources)", async () => {
    // A published seeded post has comments: trashing it cascades to them (post.comments onDelete cascade).
    const seeded = await t.db.prisma.post.findFirstOrThrow({ where: { deletedAt: null, comments: { some: {} } } });
    await dp.softDelete("posts", { id: seeded.id });
    const trashedPosts = await t.db.prisma.post.count({ where: { deletedAt: { not: null } } });
    const trashedComments = await t.db.prisma.comment.count({ where: { deletedAt: { not: null } } });
    expect(trashedComments).toBeGreaterThan(0);
    const { data, total } = await dp.getListDeleted({
      pagination: { page: 1, perPage: 5 },
      sort: { field: "deleted_at", order: "DESC" },
    });
    expect(total).toBe(trashedPosts + trashedComments);
    expect(data).toHaveLength(5);
    // The cascade stamped the post and its comments with one time: the newest page holds both kinds.
    expect(new Set(data.map((d) => d.resource))).toEqual(new Set(["posts", "comments"]));
    expect(data.map((d) => d.deleted_at)).toEqual([...data.map((d) => d.deleted_at)].sort().reverse());
  });

  it("refuses a list without a resource when no softDeleteResources were given, saying how to fix it", async () => {
    const bare = autographDataProvider(apiUrl);
    const error = await httpError(
      bare.getListDeleted({ pagination: { page: 1, perPage: 10 }, sort: { field: "deleted_at", order: "DESC" } }),
    );
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/filter\.resource is missing/);
  });

  it("getOneDeleted reads a trashed record by its deleted record id; a live record is not found", async () => {
    const post = await newPost("Trash get one");
    await dp.softDelete("posts", { id: post.id });
    const { data } = await dp.getOneDeleted({ id: `posts:${post.id}` });
    expect(data).toMatchObject({
      id: `posts:${post.id}`,
      resource: "posts",
      data: { id: post.id, title: "Trash get one" },
    });
    expect(data.deleted_at).toBe((await postRow(post.id))?.deletedAt?.toISOString());
    const live = await newPost("Trash get one live");
    expect((await httpError(dp.getOneDeleted({ id: `posts:${live.id}` }))).status).toBe(404);
    expect((await httpError(dp.getOneDeleted({ id: "no-colon" }))).status).toBe(400);
  });
});

describe("restoreOne and restoreMany", () => {
  it("restoreOne brings the record back (and the comments its delete cascaded to), answering the deleted record", async () => {
    const post = await newPost("Restore one");
    const comment = await newComment(Number(post.id), "Restore one comment");
    const { data: trashed } = await dp.softDelete("posts", { id: post.id });
    expect((await t.db.prisma.comment.findUnique({ where: { id: String(comment.id) } }))?.deletedAt).toBeInstanceOf(
      Date,
    );
    const { data } = await dp.restoreOne({ id: trashed.id });
    expect(data).toEqual(trashed);
    expect((await postRow(post.id))?.deletedAt).toBeNull();
    expect((await t.db.prisma.comment.findUnique({ where: { id: String(comment.id) } }))?.deletedAt).toBeNull();
    expect((await dp.getOne("posts", { id: post.id })).data.title).toBe("Restore one");
  });

  it("restoreOne of a record not in the trash is a 404 and changes nothing", async () => {
    const post = await newPost("Restore live");
    const revisions = await revisionCount(post.id);
    const error = await httpError(dp.restoreOne({ id: `posts:${post.id}` }));
    expect(error.status).toBe(404);
    expect(error.message).toContain(`posts:${post.id}`);
    expect(await revisionCount(post.id)).toBe(revisions);
  });

  it("restoreMany restores records of several resources, in the order given", async () => {
    const a = await newPost("Restore many a");
    const b = await newPost("Restore many b");
    const other = await newPost("Restore many host");
    const comment = await newComment(Number(other.id), "Restore many comment");
    await dp.softDeleteMany("posts", { ids: [a.id, b.id] });
    await dp.softDelete("comments", { id: comment.id });
    const ids = [`posts:${b.id}`, `comments:${comment.id}`, `posts:${a.id}`];
    const { data } = await dp.restoreMany({ ids });
    expect(data.map((d) => d.id)).toEqual(ids);
    expect(data.every((d) => ISO.test(d.deleted_at))).toBe(true);
    expect(
      (await t.db.prisma.post.findMany({ where: { id: { in: [Number(a.id), Number(b.id)] } } })).map(
        (r) => r.deletedAt,
      ),
    ).toEqual([null, null]);
    expect((await t.db.prisma.comment.findUnique({ where: { id: String(comment.id) } }))?.deletedAt).toBeNull();
  });
});

describe("hardDelete and hardDeleteMany", () => {
  it("hardDelete purges a trashed record for good and answers its deleted record id; its revisions stay", async () => {
    const post = await newPost("Hard one");
    const { data: trashed } = await dp.softDelete("posts", { id: post.id });
    const { data } = await dp.hardDelete({ id: trashed.id, previousData: trashed });
    expect(data).toBe(`posts:${post.id}`);
    expect(await postRow(post.id)).toBeNull();
    expect(await revisionCount(post.id)).toBeGreaterThan(0);
    expect((await httpError(dp.getOneDeleted({ id: trashed.id }))).status).toBe(404);
  });

  it("hardDeleteMany purges records of several resources", async () => {
    const post = await newPost("Hard many");
    const host = await newPost("Hard many host");
    const comment = await newComment(Number(host.id), "Hard many comment");
    await dp.softDelete("posts", { id: post.id });
    await dp.softDelete("comments", { id: comment.id });
    const ids = [`posts:${post.id}`, `comments:${comment.id}`];
    expect((await dp.hardDeleteMany({ ids })).data).toEqual(ids);
    expect(await postRow(post.id)).toBeNull();
    expect(await t.db.prisma.comment.findUnique({ where: { id: String(comment.id) } })).toBeNull();
    expect(await postRow(host.id)).not.toBeNull();
  });
});

describe("getRevisions, addRevision, deleteRevisions", () => {
  it("getRevisions answers ra-history revisions, one per write, oldest first", async () => {
    const post = await newPost("History a");
    await dp.update("posts", {
      id: post.id,
      data: { ...post, title: "History b", body: "changed" },
      previousData: post,
    });
    const { data: trashed } = await dp.softDelete("posts", { id: post.id });
    await dp.restoreOne({ id: trashed.id });
    const { data } = await dp.getRevisions("posts", { recordId: post.id });
    const rows = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(post.id) },
      orderBy: { number: "asc" },
    });
    expect(data.map((r) => r.action)).toEqual(rows.map((r) => r.action));
    // REST's PUT changes the fields sent (rest-dialect §6.3), so the runtime records it as a patch.
    expect(data.map((r) => r.action)).toEqual(["create", "patch", "delete", "restore"]);
    expect(data.map((r) => r.message)).toEqual(["Created", "Updated title, body", "Deleted", "Restored"]);
    expect(data[1]).toEqual({
      id: rows[1]?.id,
      resource: "posts",
      recordId: post.id,
      data: expect.objectContaining({ id: post.id, title: "History b", body: "changed" }),
      authorId: rows[1]?.actorId,
      date: rows[1]?.createdAt.toISOString(),
      message: "Updated title, body",
      description: "Revision 2 (patch)",
      number: 2,
      parentNumber: 1,
      action: "patch",
      status: "stable",
    });
    expect(data.every((r) => UUID.test(r.id) && ISO.test(r.date))).toBe(true);
  });

  it("addRevision right after a save answers the revision that save wrote, without writing another", async () => {
    const post = await newPost("Add after save");
    const { data: saved } = await dp.update("posts", {
      id: post.id,
      data: { ...post, title: "Add after save 2" },
      previousData: post,
    });
    const before = await revisionCount(post.id);
    const { data } = await dp.addRevision("posts", {
      recordId: post.id,
      data: saved,
      authorId: 7,
      message: "My message",
      description: "Mine",
    });
    expect(await revisionCount(post.id)).toBe(before);
    expect(data).toMatchObject({
      number: before,
      action: "patch",
      recordId: post.id,
      data: { title: "Add after save 2" },
    });
  });

  it("addRevision with new data writes it, which records a revision (the message is not stored)", async () => {
    const post = await newPost("Add new data");
    const before = await revisionCount(post.id);
    const { data } = await dp.addRevision("posts", {
      recordId: post.id,
      data: { ...post, title: "Add new data 2" },
      message: "Renamed",
      description: "ignored",
    });
    expect(await revisionCount(post.id)).toBe(before + 1);
    expect((await postRow(post.id))?.title).toBe("Add new data 2");
    expect(data).toMatchObject({
      number: before + 1,
      action: "patch",
      message: "Updated title",
      data: { title: "Add new data 2" },
    });
  });

  it("addRevision on a resource without revisions fails with the server's 400", async () => {
    const user = await t.db.prisma.user.findFirstOrThrow();
    const error = await httpError(dp.addRevision("users", { recordId: user.id, data: { name: "x" } }));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/revisions/);
  });

  it("deleteRevisions deletes nothing: revisions are an immutable trail", async () => {
    const post = await newPost("Keep history");
    const before = await revisionCount(post.id);
    expect(before).toBeGreaterThan(0);
    expect(await dp.deleteRevisions("posts", { recordId: post.id })).toEqual({ data: [] });
    expect(await revisionCount(post.id)).toBe(before);
  });

  it("revert makes the record equal to an old revision again, as a new revision", async () => {
    const post = await newPost("Revert a");
    await dp.update("posts", { id: post.id, data: { ...post, title: "Revert b" }, previousData: post });
    const { data } = await dp.revert("posts", { id: post.id, number: 1 });
    expect(data.title).toBe("Revert a");
    expect((await postRow(post.id))?.title).toBe("Revert a");
    const revisions = (await dp.getRevisions("posts", { recordId: post.id })).data;
    expect(revisions.map((r) => r.action)).toEqual(["create", "patch", "revert"]);
    expect(revisions[2]?.message).toBe("Reverted title");
  });
});
