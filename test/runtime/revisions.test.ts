// Revisions: every write stores an immutable, numbered snapshot in the same
// transaction; records can be read as of a revision or a time, compared and reverted; older snapshots
// are upgraded by the resource's migrate function; draft mode changes a draft in place until published.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition, RevisionOptions } from "../../src/metadata/definition.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { AppError } from "../../src/runtime/errors.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { createStore } from "../../src/storage/store.ts";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
});
afterAll(() => t?.close());

const ada = { id: "ada", roles: ["admin"] };
const ctx = (actor = ada) => t.runtime.context({ actor });
const posts = () => t.runtime.service("post");
const stored = (id: unknown) =>
  t.db.prisma.revision.findMany({ where: { resource: "post", recordId: String(id) }, orderBy: { number: "asc" } });

/** A runtime over the same database with other definitions of posts and users. */
function runtimeWith(post: Partial<ResourceDefinition>, user: Partial<ResourceDefinition> = {}): Runtime {
  const defs = resources.map((r) =>
    r.model === "Post" ? { ...r, ...post } : r.model === "User" ? { ...r, ...user } : r,
  ) as ResourceDefinition[];
  return createRuntime({ schema: resolveResources(defs, datamodel), store: createStore(t.db) });
}

describe("every write records a revision", () => {
  it("create, patch, update, delete and restore: numbered, chained, with actor, action and the full snapshot", async () => {
    const created = await posts().create(ctx(), { title: "History", authorId: 1 });
    await posts().patch(ctx({ id: "grace", roles: ["admin"] }), created.id, { views: 5 });
    await posts().update(ctx(), created.id, {
      title: "History, rewritten",
      authorId: 1,
      body: "b",
      views: 5,
      status: "draft",
    });
    await posts().delete(ctx(), created.id);
    await posts().restore(ctx(), created.id);
    const rows = await stored(created.id);
    expect(rows.map((r) => [r.number, r.parentNumber, r.action, r.actorId, r.status, r.schemaVersion])).toEqual([
      [1, null, "create", "ada", "stable", 1],
      [2, 1, "patch", "grace", "stable", 1],
      [3, 2, "update", "ada", "stable", 1],
      [4, 3, "delete", "ada", "stable", 1],
      [5, 4, "restore", "ada", "stable", 1],
    ]);
    expect(rows[1]?.data).toMatchObject({ id: created.id, title: "History", views: 5, version: 2, updatedBy: "grace" });
    expect((rows[3]!.data as Record<string, unknown>).deletedAt).toEqual(expect.any(String));
    // The snapshot is the whole row as the write left it.
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } });
    expect(rows[4]?.data).toEqual(JSON.parse(JSON.stringify({ ...row, tags: undefined })));
  });

  it("revisions are listed oldest first, read one by one, and presented like records", async () => {
    const created = await posts().create(ctx(), { title: "Listed", authorId: 1 });
    await posts().patch(ctx(), created.id, { title: "Listed twice" });
    const list = await posts().revisions(ctx(), created.id);
    expect(list.map((r) => [r.number, r.data.title])).toEqual([
      [1, "Listed"],
      [2, "Listed twice"],
    ]);
    expect(list[0]?.data.createdAt).toBeInstanceOf(Date);
    const one = await posts().revision(ctx(), created.id, 2);
    expect(one).toMatchObject({ number: 2, parentNumber: 1, action: "patch", data: { title: "Listed twice" } });
    expect((await failure(posts().revision(ctx(), created.id, 9))).code).toBe("NOT_FOUND");
    expect((await failure(posts().revision(ctx(), created.id, "x"))).code).toBe("BAD_REQUEST");
    expect((await failure(posts().revisions(ctx(), 999999))).code).toBe("NOT_FOUND");
    expect((await failure(t.runtime.service("user").revisions(ctx(), 1))).message).toBe("users keep no revisions.");
  });

  it("a failed write leaves no revision; a hook's rollback takes the revision with it", async () => {
    const created = await posts().create(ctx(), { title: "Rolled", authorId: 1 });
    expect((await failure(posts().patch(ctx(), created.id, { title: "x" }))).code).toBe("VALIDATION_FAILED");
    const hooks = t.runtime.on("post").after("patch", () => {
      throw new AppError("CONFLICT", "not today");
    });
    try {
      await failure(posts().patch(ctx(), created.id, { title: "Rolled back" }));
    } finally {
      hooks.off();
    }
    expect((await stored(created.id)).map((r) => r.action)).toEqual(["create"]);
  });

  it("hidden fields never enter a snapshot", async () => {
    const runtime = runtimeWith({}, { revisions: true });
    const user = await runtime.service("user").create(runtime.context({ actor: ADMIN }), {
      email: "snap@example.com",
      name: "Snap",
      passwordHash: "secret-hash",
    });
    const [revision] = await t.db.prisma.revision.findMany({ where: { resource: "user", recordId: String(user.id) } });
    expect(revision?.data).toMatchObject({ email: "snap@example.com" });
    expect(JSON.stringify(revision?.data)).not.toContain("secret-hash");
  });
});

describe("as of, diff and revert", () => {
  it("get asOf a revision number or a time gives the snapshot then", async () => {
    const created = await posts().create(ctx(), { title: "Then", authorId: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await posts().patch(ctx(), created.id, { title: "Now" });
    expect((await posts().get(ctx(), created.id, { asOf: 1 })).title).toBe("Then");
    expect((await posts().get(ctx(), created.id, { asOf: "2" })).title).toBe("Now");
    expect((await posts().get(ctx(), created.id, { asOf: between })).title).toBe("Then");
    expect((await posts().get(ctx(), created.id, { asOf: between.toISOString() })).title).toBe("Then");
    expect((await failure(posts().get(ctx(), created.id, { asOf: "2000-01-01T00:00:00Z" }))).code).toBe("NOT_FOUND");
    expect((await failure(posts().get(ctx(), created.id, { asOf: "yesterday" }))).code).toBe("BAD_REQUEST");
    expect((await failure(t.runtime.service("user").get(ctx(), 1, { asOf: 1 }))).code).toBe("BAD_REQUEST");
  });

  it("diff lists the fields that changed between two revisions", async () => {
    const created = await posts().create(ctx(), { title: "Diffed", authorId: 1 });
    await posts().patch(ctx(), created.id, { title: "Diffed again", views: 9 });
    const diff = await posts().diff(ctx(), created.id, 2);
    expect(diff.from).toBe(1);
    expect(diff.to).toBe(2);
    const fields = Object.fromEntries(diff.changes.map((c) => [c.field, [c.from, c.to]]));
    expect(fields.title).toEqual(["Diffed", "Diffed again"]);
    expect(fields.views).toEqual([0, 9]);
    expect(fields.version).toEqual([1, 2]);
    expect(fields.authorId).toBeUndefined();
    const first = await posts().diff(ctx(), created.id, 1);
    expect(first.from).toBe(0);
    expect(first.changes.find((c) => c.field === "title")).toEqual({ field: "title", from: null, to: "Diffed" });
    expect((await posts().diff(ctx(), created.id, 1, 2)).changes.find((c) => c.field === "title")).toEqual({
      field: "title",
      from: "Diffed again",
      to: "Diffed",
    });
  });

  it("revert writes a new revision equal to the old one (writable fields), bumping the version", async () => {
    const created = await posts().create(ctx(), { title: "Original", authorId: 1, body: "first body" });
    await posts().patch(ctx(), created.id, {
      title: "Changed",
      body: "second body",
      status: "published",
      publishedAt: "2026-01-01T00:00:00Z",
    });
    const reverted = await posts().revert(ctx({ id: "grace", roles: ["admin"] }), created.id, 1);
    expect(reverted).toMatchObject({
      title: "Original",
      body: "first body",
      status: "draft",
      publishedAt: null,
      version: 3,
      updatedBy: "grace",
    });
    const rows = await stored(created.id);
    expect(rows.map((r) => r.action)).toEqual(["create", "patch", "revert"]);
    expect(rows[2]?.data).toMatchObject({ title: "Original", body: "first body", version: 3 });
    const stale = await failure(posts().revert(ctx(), created.id, 2, { expectedVersion: 1 }));
    expect(stale).toMatchObject({ code: "CONFLICT", details: { currentVersion: 3 } });
    expect((await failure(posts().revert(ctx(), created.id, 7))).code).toBe("NOT_FOUND");
  });
});

describe("revision payload migration", () => {
  it("snapshots written under an older schemaVersion are upgraded when read, diffed and reverted to", async () => {
    const created = await posts().create(ctx(), { title: "Current shape", authorId: 1 });
    // A revision as an older release stored it: the title was called `headline` then.
    const old = {
      ...((await stored(created.id))[0]?.data as Record<string, unknown>),
      headline: "Old shape",
      title: undefined,
    };
    await t.db.prisma.revision.create({
      data: {
        id: randomUUID(),
        resource: "post",
        recordId: String(created.id),
        number: 2,
        parentNumber: 1,
        action: "patch",
        actorId: "legacy",
        schemaVersion: 1,
        data: JSON.parse(JSON.stringify(old)),
      },
    });
    const migrate: RevisionOptions["migrate"] = (data, from) =>
      from < 2 && "headline" in data ? { ...data, title: data.headline, headline: undefined } : data;
    const v2 = runtimeWith({ revisions: { schemaVersion: 2, migrate } });
    const service = v2.service("post");
    const revision = await service.revision(v2.context({ actor: ADMIN }), created.id, 2);
    expect(revision).toMatchObject({ schemaVersion: 1, data: { title: "Old shape" } });
    expect("headline" in revision.data).toBe(false);
    expect((await service.get(v2.context({ actor: ADMIN }), created.id, { asOf: 2 })).title).toBe("Old shape");
    expect(
      (await service.diff(v2.context({ actor: ADMIN }), created.id, 2)).changes.find((c) => c.field === "title"),
    ).toEqual({
      field: "title",
      from: "Current shape",
      to: "Old shape",
    });
    const reverted = await service.revert(v2.context({ actor: ADMIN }), created.id, 2);
    expect(reverted.title).toBe("Old shape");
    const newest = (await stored(created.id)).at(-1);
    expect(newest).toMatchObject({ number: 3, schemaVersion: 2, action: "revert" });
    // The stored old revision is never rewritten.
    expect((await stored(created.id))[1]?.data).toMatchObject({ headline: "Old shape" });
  });

  it("an older snapshot without a migrate function is a clear error, not a wrong answer", async () => {
    const created = await posts().create(ctx(), { title: "Unmigrated", authorId: 1 });
    const v3 = runtimeWith({ revisions: { schemaVersion: 3 } });
    const error = await failure(v3.service("post").revision(v3.context(), created.id, 1));
    expect(error.code).toBe("INTERNAL");
    expect(error.message).toContain("no `migrate`");
  });
});

describe("draft mode", () => {
  it("writes change one draft in place until it is published; the next write starts a new draft", async () => {
    const drafts = runtimeWith({ revisions: { draft: true } });
    const service = drafts.service("post");
    const c = () => drafts.context({ actor: ada });
    const created = await service.create(c(), { title: "Draft one", authorId: 1 });
    await service.patch(c(), created.id, { title: "Draft two" });
    await service.patch(c(), created.id, { title: "Draft three" });
    let rows = await stored(created.id);
    expect(rows.map((r) => [r.number, r.status, (r.data as { title: string }).title])).toEqual([
      [1, "draft", "Draft three"],
    ]);
    await service.publish(c(), created.id);
    expect((await failure(service.publish(c(), created.id))).code).toBe("CONFLICT");
    await service.patch(c(), created.id, { title: "Next draft" });
    rows = await stored(created.id);
    expect(rows.map((r) => [r.number, r.parentNumber, r.status, (r.data as { title: string }).title])).toEqual([
      [1, null, "stable", "Draft three"],
      [2, 1, "draft", "Next draft"],
    ]);
    expect((await failure(posts().publish(ctx(), created.id))).code).toBe("BAD_REQUEST");
  });
});

describe("concurrent writes and revisions", () => {
  it("20 concurrent patches with one expected version: one wins, and there is exactly one new revision", async () => {
    const created = await posts().create(ctx(), { title: "Raced", authorId: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => posts().patch(ctx(), created.id, { views: i + 1 }, { expectedVersion: 1 })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rows = await stored(created.id);
    expect(rows.map((r) => r.number)).toEqual([1, 2]);
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } });
    expect((rows[1]!.data as { views: number }).views).toBe(row.views);
  });

  it("10 concurrent unversioned patches: 10 revisions, numbered without gaps or duplicates", async () => {
    const created = await posts().create(ctx(), { title: "Crowded", authorId: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => posts().patch(ctx(), created.id, { views: i })));
    const rows = await stored(created.id);
    expect(rows.map((r) => r.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(rows.map((r) => (r.data as { version: number }).version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
