// Batch writes in the runtime: all-or-nothing in one transaction by default, each
// item on its own with `partial`; a per-resource item limit; every item audited and revisioned.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
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
const ctx = () => t.runtime.context({ actor: ada });
const posts = () => t.runtime.service("post");

describe("all-or-nothing (default)", () => {
  it("creates every item in one transaction, each with its own revision and audit fields", async () => {
    const result = await posts().batch(ctx(), "create", [
      { title: "Batch one", authorId: 1 },
      { title: "Batch two", authorId: 2 },
    ]);
    expect(result.failed).toEqual([]);
    expect(result.succeeded.map((s) => [s.index, s.record.title, s.record.createdBy])).toEqual([
      [0, "Batch one", "ada"],
      [1, "Batch two", "ada"],
    ]);
    for (const { record } of result.succeeded) {
      expect(
        await t.db.prisma.revision.count({
          where: { resource: "post", recordId: String(record.id), action: "create" },
        }),
      ).toBe(1);
    }
  });

  it("one failing item fails the batch with its index, and nothing is written", async () => {
    const before = await t.db.prisma.post.count();
    const revisions = await t.db.prisma.revision.count();
    const error = await failure(
      posts().batch(ctx(), "create", [
        { title: "Kept?", authorId: 1 },
        { title: "No", authorId: 1 },
        { title: "Also kept?", authorId: 1 },
      ]),
    );
    expect(error).toMatchObject({
      code: "VALIDATION_FAILED",
      fields: { title: expect.any(String) },
      details: { index: 1, failed: [{ index: 1, error: { code: "VALIDATION_FAILED" } }] },
    });
    expect(error.message).toMatch(/^Item 2 of 3 \(index 1\): .*Nothing was written/);
    expect(await t.db.prisma.post.count()).toBe(before);
    expect(await t.db.prisma.revision.count()).toBe(revisions);
  });

  it("a database failure of a later item (unique violation) rolls back the earlier ones", async () => {
    const error = await failure(
      t.runtime.service("tag").batch(ctx(), "create", [{ name: "batch-fresh" }, { name: "batch-fresh" }]),
    );
    expect(error).toMatchObject({ code: "CONFLICT", details: { index: 1 } });
    expect(await t.db.prisma.tag.count({ where: { name: "batch-fresh" } })).toBe(0);
  });

  it("patch, delete, restore and purge many; versions are checked per item", async () => {
    const { succeeded } = await posts().batch(ctx(), "create", [
      { title: "Many one", authorId: 1 },
      { title: "Many two", authorId: 1 },
    ]);
    const ids = succeeded.map((s) => s.record.id as number);
    const patched = await posts().batch(ctx(), "patch", [
      { id: ids[0], views: 11, version: 1 },
      { id: ids[1], views: 22 },
    ]);
    expect(patched.succeeded.map((s) => [s.record.views, s.record.version])).toEqual([
      [11, 2],
      [22, 2],
    ]);
    const stale = await failure(posts().batch(ctx(), "patch", [{ id: ids[0], views: 1, version: 1 }]));
    expect(stale).toMatchObject({ code: "CONFLICT", details: { index: 0, currentVersion: 2 } });
    await posts().batch(ctx(), "delete", ids);
    expect(await t.db.prisma.post.count({ where: { id: { in: ids }, deletedAt: { not: null } } })).toBe(2);
    await posts().batch(
      ctx(),
      "restore",
      ids.map((id) => ({ id })),
    );
    expect(await t.db.prisma.post.count({ where: { id: { in: ids }, deletedAt: null } })).toBe(2);
    await posts().batch(ctx(), "purge", ids);
    expect(await t.db.prisma.post.count({ where: { id: { in: ids } } })).toBe(0);
  });
});

describe("partial", () => {
  it("processes each item on its own and reports every outcome by index", async () => {
    const result = await posts().batch(
      ctx(),
      "create",
      [
        { title: "Partial ok", authorId: 1 },
        { title: "No", authorId: 1 },
        { title: "Dangling", authorId: 999999 },
        { title: "Partial ok too", authorId: 2 },
      ],
      { partial: true },
    );
    expect(result.succeeded.map((s) => s.index)).toEqual([0, 3]);
    expect(result.failed.map((f) => [f.index, f.error.code])).toEqual([
      [1, "VALIDATION_FAILED"],
      [2, "VALIDATION_FAILED"],
    ]);
    expect(result.failed[1]?.error.fields).toEqual({ authorId: "no user with this id" });
    expect(await t.db.prisma.post.count({ where: { title: { in: ["Partial ok", "Partial ok too"] } } })).toBe(2);
  });

  it("bad items (not an object, no id) fail alone with a 400 code", async () => {
    const result = await posts().batch(ctx(), "patch", [42, { views: 1 }, { id: 1, views: 3 }], { partial: true });
    expect(result.failed.map((f) => [f.index, f.error.code])).toEqual([
      [0, "BAD_REQUEST"],
      [1, "BAD_REQUEST"],
    ]);
    expect(result.succeeded.map((s) => s.index)).toEqual([2]);
  });
});

describe("limits and shape", () => {
  it("more items than maxBatchSize is PAYLOAD_TOO_LARGE, before anything is written", async () => {
    const defs = resources.map((r) => (r.model === "Tag" ? { ...r, maxBatchSize: 3 } : r)) as ResourceDefinition[];
    const runtime = createRuntime({ schema: resolveResources(defs, datamodel), store: createStore(t.db) });
    const items = ["l-a", "l-b", "l-c", "l-d"].map((name) => ({ name }));
    const error = await failure(runtime.service("tag").batch(runtime.context({ actor: ADMIN }), "create", items));
    expect(error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413, details: { maxBatchSize: 3 } });
    expect(await t.db.prisma.tag.count({ where: { name: { startsWith: "l-" } } })).toBe(0);
    expect(await posts().resource.maxBatchSize).toBe(100);
  });

  it("a batch that is not an array, or an unknown action, is a 400", async () => {
    expect((await failure(posts().batch(ctx(), "create", { title: "x" }))).code).toBe("BAD_REQUEST");
    expect((await failure(posts().batch(ctx(), "upsert" as never, []))).code).toBe("BAD_REQUEST");
    expect(await posts().batch(ctx(), "create", [])).toEqual({ succeeded: [], failed: [] });
  });
});
