// Audit fields: the runtime fills createdAt/By and updatedAt/By from the request's
// actor (or the default actor), deletedAt/By on a soft delete; clients can never write them; other
// value sources (actor, constant, uuid, function) fill fields the same way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
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

const ada = { id: 7, roles: ["editor"] };
const grace = { id: "grace", roles: ["editor"] };

describe("audit fields", () => {
  it("create stamps createdAt/By and updatedAt/By with the actor; patch moves only the updated pair", async () => {
    const posts = t.runtime.service("post");
    const before = new Date();
    const created = await posts.create(t.runtime.context({ actor: ada }), { title: "Audited", authorId: 1 });
    expect(created).toMatchObject({ createdBy: "7", updatedBy: "7" });
    expect((created.createdAt as Date).getTime()).toBeGreaterThanOrEqual(before.getTime() - 5);
    expect((created.updatedAt as Date).getTime()).toBe((created.createdAt as Date).getTime());

    const patched = await posts.patch(t.runtime.context({ actor: grace }), created.id, { views: 3 });
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } });
    expect(row).toMatchObject({ createdBy: "7", updatedBy: "grace", views: 3 });
    expect(row.createdAt.getTime()).toBe((created.createdAt as Date).getTime());
    expect(row.updatedAt.getTime()).toBeGreaterThanOrEqual(row.createdAt.getTime());
    expect(patched.updatedBy).toBe("grace");
  });

  // Anonymous writes need a resource open to them: the demo's, made public for these two.
  const anonymousWriter = (defaultActor?: string) =>
    createRuntime({
      schema: resolveResources(
        resources.map((r) => ({ ...r, access: "public" as const })),
        datamodel,
      ),
      store: createStore(t.db),
      ...(defaultActor ? { defaultActor } : {}),
    });

  it("records the default actor when no one is signed in", async () => {
    const runtime = anonymousWriter();
    const created = await runtime
      .service("comment")
      .create(runtime.context(), { body: "anon", postId: 1, authorId: 1 });
    const row = await t.db.prisma.comment.findUniqueOrThrow({ where: { id: created.id as string } });
    expect(row).toMatchObject({ createdBy: "system", updatedBy: "system" });
  });

  it("the default actor is configurable", async () => {
    const runtime = anonymousWriter("importer");
    const created = await runtime.service("post").create(runtime.context(), { title: "Imported", authorId: 1 });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } })).createdBy).toBe(
      "importer",
    );
  });

  it("soft delete stamps deletedAt/By and updatedBy; restore clears the trash pair", async () => {
    const posts = t.runtime.service("post");
    const created = await posts.create(t.runtime.context({ actor: ada }), { title: "Trash me", authorId: 1 });
    await posts.delete(t.runtime.context({ actor: grace }), created.id);
    const trashed = await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } });
    expect(trashed).toMatchObject({ deletedBy: "grace", updatedBy: "grace", createdBy: "7" });
    expect(trashed.deletedAt).toBeInstanceOf(Date);
    await posts.restore(t.runtime.context({ actor: ada }), created.id);
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } })).toMatchObject({
      deletedAt: null,
      deletedBy: null,
      updatedBy: "7",
    });
  });

  it("clients can write no audit or trash field, on create or update", async () => {
    const posts = t.runtime.service("post");
    for (const field of ["createdBy", "updatedBy", "createdAt", "updatedAt", "deletedAt", "deletedBy"]) {
      const error = await failure(
        posts.create(t.runtime.context({ actor: ADMIN }), {
          title: "Forged",
          authorId: 1,
          [field]: field.endsWith("At") ? "2020-01-01T00:00:00Z" : "mallory",
        }),
      );
      expect(error, field).toMatchObject({ code: "BAD_REQUEST" });
      expect(error.message).toContain(`"${field}"`);
      expect((await failure(posts.patch(t.runtime.context({ actor: ADMIN }), 1, { [field]: "mallory" }))).code).toBe(
        "BAD_REQUEST",
      );
    }
    // react-admin sends the whole record back: the stored values pass and are not written, others are refused.
    const stored = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 2 } });
    const echo = { createdBy: stored.createdBy, createdAt: stored.createdAt.toISOString() };
    const kept = await posts.patch(
      t.runtime.context({ actor: ada }),
      2,
      { title: "Lenient", ...echo },
      { ignoreReadOnly: true },
    );
    expect(kept.createdBy).toBe(stored.createdBy);
    expect(kept.updatedBy).toBe("7");
    const forged = await failure(
      posts.patch(
        t.runtime.context({ actor: ada }),
        2,
        { title: "Lenient", createdBy: "mallory" },
        { ignoreReadOnly: true },
      ),
    );
    expect(forged).toMatchObject({ code: "BAD_REQUEST", fields: { createdBy: "is read-only" } });
  });
});

describe("value sources", () => {
  const tagWith = (fields: NonNullable<ResourceDefinition["fields"]>): ResourceDefinition[] =>
    resources.map((r) =>
      r.model === "Tag"
        ? { ...r, revisions: undefined, concurrency: undefined, fields: { ...r.fields, ...fields } }
        : r,
    ) as ResourceDefinition[];

  it("actor, constant and function sources fill fields on create and update", async () => {
    const schema = resolveResources(
      tagWith({
        name: {
          onCreate: ({ actor, now }) => `t-${String(actor)}-${now.getUTCFullYear()}`,
          onUpdate: { constant: "renamed" },
        },
      }),
      datamodel,
    );
    const runtime = createRuntime({ schema, store: createStore(t.db) });
    const tags = runtime.service("tag");
    const created = await tags.create(runtime.context({ actor: ada }), {});
    expect(created.name).toBe(`t-7-${new Date().getUTCFullYear()}`);
    expect((await failure(tags.create(runtime.context({ actor: ADMIN }), { name: "mine" }))).message).toContain(
      "read-only",
    );
    const updated = await tags.patch(runtime.context({ actor: ADMIN }), created.id, {});
    expect(updated.name).toBe("renamed");
    expect((await t.db.prisma.tag.findUniqueOrThrow({ where: { id: created.id as number } })).name).toBe("renamed");
  });

  it("an audit column the model lacks, or a soft-delete column of the wrong type, fails the boot with a fix", () => {
    const bad = resources.map((r) =>
      r.model === "Tag" ? { ...r, audit: { createdBy: "author" }, softDelete: { field: "name" } } : r,
    ) as ResourceDefinition[];
    const error = (() => {
      try {
        resolveResources(bad, datamodel);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MetadataError);
    const issues = (error as MetadataError).issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).toContain('tag.audit.createdBy: the model has no column "author"');
    expect(issues).toContain('tag.softDelete.field: "name" must be a nullable DateTime column of Tag');
  });
});
