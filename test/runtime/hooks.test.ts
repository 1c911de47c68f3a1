// Lifecycle hooks: the fluent registration, the order of before / body / after /
// onSuccess / onFailure on writes and reads, transform, replacing a body, and services bound to the
// write's transaction (what a hook writes is audited, revisioned and rolled back with the write).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/runtime/errors.ts";
import type { Operation, ResourceHooks } from "../../src/runtime/hooks.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import { createStore } from "../../src/storage/store.ts";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
});
afterAll(() => t?.close());

const registered: ResourceHooks[] = [];
const on = (resource: string) => {
  const chain = t.runtime.on(resource);
  registered.push(chain);
  return chain;
};
afterEach(() => {
  for (const h of registered.splice(0)) h.off();
});

const ada = { id: "ada", roles: ["editor"] };
const ctx = () => t.runtime.context({ actor: ada });

describe("write hooks", () => {
  it("run before → after → commit → onSuccess, seeing the actor, the input, the existing row and the result", async () => {
    const seen: string[] = [];
    const tag = await t.runtime.service("tag").create(ctx(), { name: "hooked" });
    on("tag")
      .before(
        "patch",
        (op) => void seen.push(`before:${op.actor.id}:${String(op.input.name)}:${String(op.existing?.name)}`),
      )
      .after("patch", async (op) => {
        // Inside the transaction: the row is written but not committed.
        const outside = await t.db.prisma.tag.findUniqueOrThrow({ where: { id: tag.id as number } });
        seen.push(`after:${String((op.result as { name: string }).name)}:outside=${outside.name}`);
      })
      .onSuccess("patch", async (op) => {
        const outside = await t.db.prisma.tag.findUniqueOrThrow({ where: { id: tag.id as number } });
        seen.push(`success:${String(op.id)}:outside=${outside.name}`);
      });
    on("*").before("patch", (op) => void seen.push(`any:${op.resource}`));
    await t.runtime.service("tag").patch(ctx(), tag.id, { name: "hooked-again" });
    expect(seen).toEqual([
      "before:ada:hooked-again:hooked",
      "any:tag",
      "after:hooked-again:outside=hooked",
      `success:${String(tag.id)}:outside=hooked-again`,
    ]);
  });

  it("before may change the input, and validation judges the changed input", async () => {
    on("tag").before("create", (op) => {
      op.input.name = String(op.input.name).trim().toLowerCase().replaceAll(" ", "-");
    });
    const tag = await t.runtime.service("tag").create(ctx(), { name: "  Mixed Case Tag " });
    expect(tag.name).toBe("mixed-case-tag");
    on("tag").before("create", (op) => {
      op.input.name = "Not A Slug!";
    });
    expect((await failure(t.runtime.service("tag").create(ctx(), { name: "fine" }))).code).toBe("VALIDATION_FAILED");
  });

  it("a throw in before or after rolls the write back; onFailure sees the error; onSuccess does not run", async () => {
    const seen: string[] = [];
    on("tag")
      .after("create", () => {
        throw new AppError("CONFLICT", "tags are frozen today");
      })
      .onFailure("create", (op) => void seen.push(`failed:${(op.error as Error).message}`))
      .onSuccess("create", () => void seen.push("success"));
    const error = await failure(t.runtime.service("tag").create(ctx(), { name: "frozen" }));
    expect(error).toMatchObject({ code: "CONFLICT", message: "tags are frozen today" });
    expect(seen).toEqual(["failed:tags are frozen today"]);
    expect(await t.db.prisma.tag.count({ where: { name: "frozen" } })).toBe(0);
  });

  it("a failing onSuccess is reported, not thrown: the write stands", async () => {
    const reported: unknown[] = [];
    const runtime = createRuntime({
      schema: t.runtime.schema,
      store: createStore(t.db),
      onError: (e, where) => reported.push([where, (e as Error).message]),
    });
    runtime.on("tag").onSuccess("create", () => {
      throw new Error("mail server down");
    });
    const tag = await runtime.service("tag").create(runtime.context({ actor: ADMIN }), { name: "durable" });
    expect(await t.db.prisma.tag.count({ where: { id: tag.id as number } })).toBe(1);
    expect(reported).toEqual([[{ resource: "tag", action: "create", stage: "onSuccess" }, "mail server down"]]);
  });

  it("services bound to the transaction: a hook's writes are audited, revisioned and rolled back with the write", async () => {
    on("post").after("create", async (op) => {
      await op.service("tag").create({ name: `for-post-${String(op.id)}` });
    });
    const post = await t.runtime.service("post").create(ctx(), { title: "With a tag", authorId: 1 });
    const tag = await t.db.prisma.tag.findUniqueOrThrow({ where: { name: `for-post-${String(post.id)}` } });
    expect(
      await t.db.prisma.revision.count({ where: { resource: "tag", recordId: String(tag.id), actorId: "ada" } }),
    ).toBe(1);

    on("post").after("create", () => {
      throw new AppError("CONFLICT", "stop");
    });
    await failure(t.runtime.service("post").create(ctx(), { title: "Rolled back", authorId: 1 }));
    expect(await t.db.prisma.post.count({ where: { title: "Rolled back" } })).toBe(0);
    expect(await t.db.prisma.tag.count({ where: { name: { startsWith: "for-post-" } } })).toBe(1);
  });

  it("a nested write's onSuccess waits for the outer commit and is dropped with a rollback", async () => {
    const seen: string[] = [];
    on("comment").onSuccess("create", (op) => void seen.push(`comment:${String(op.id)}`));
    let fail = false;
    on("post").after("create", async (op) => {
      await op.service("comment").create({ body: "first!", postId: op.id, authorId: 1 });
      seen.push("post after");
      if (fail) throw new AppError("CONFLICT", "no");
    });
    await t.runtime.service("post").create(ctx(), { title: "With a comment", authorId: 1 });
    expect(seen).toEqual(["post after", expect.stringMatching(/^comment:/)]);
    seen.length = 0;
    fail = true;
    await failure(t.runtime.service("post").create(ctx(), { title: "Without a comment", authorId: 1 }));
    expect(seen).toEqual(["post after"]);
  });

  it("every write action has hooks: delete, restore, revert, purge", async () => {
    const seen: string[] = [];
    on("post").before(
      ["delete", "restore", "revert", "purge"],
      (op) => void seen.push(`${op.action}:${String(op.existing?.title)}`),
    );
    const post = await t.runtime.service("post").create(ctx(), { title: "Lifecycle", authorId: 1 });
    await t.runtime.service("post").delete(ctx(), post.id);
    await t.runtime.service("post").restore(ctx(), post.id);
    await t.runtime.service("post").revert(ctx(), post.id, 1);
    await t.runtime.service("post").purge(ctx(), post.id);
    expect(seen).toEqual(["delete:Lifecycle", "restore:Lifecycle", "revert:Lifecycle", "purge:Lifecycle"]);
  });
});

describe("read hooks", () => {
  it("list: before may narrow the filter, after sees the rows, transform shapes each record", async () => {
    const seen: unknown[] = [];
    on("tag")
      .before("list", (op) => {
        op.input.filter = { field: "name", op: "startsWith", value: "open" };
      })
      .after("list", (op) => void seen.push((op.result as unknown[]).length))
      .transform("list", (record) => ({ ...record, label: `#${String(record.name)}` }));
    const { records } = await t.runtime.service("tag").list(ctx(), { limit: 100 });
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => String(r.name).startsWith("open") && r.label === `#${String(r.name)}`)).toBe(true);
    expect(seen).toEqual([records.length]);
  });

  it("read: a before hook can refuse with a domain error (a clean 4xx)", async () => {
    on("user").before("read", (op: Operation) => {
      if (!op.actor.roles.includes("admin")) throw new AppError("FORBIDDEN", "Only admins read users one by one.");
    });
    expect(await failure(t.runtime.service("user").get(ctx(), 1))).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect((await t.runtime.service("user").get(t.runtime.context({ actor: { id: 1, roles: ["admin"] } }), 1)).id).toBe(
      1,
    );
  });

  it("transform applies to write results too", async () => {
    on("tag").transform(["create"], (record) => ({ ...record, name: String(record.name).toUpperCase() }));
    const tag = await t.runtime.service("tag").create(ctx(), { name: "shouty" });
    expect(tag.name).toBe("SHOUTY");
    expect((await t.db.prisma.tag.findUniqueOrThrow({ where: { id: tag.id as number } })).name).toBe("shouty");
  });
});

describe("body replaces the default implementation", () => {
  it("a write body can wrap the default (proceed) or replace it; revisions and after hooks still run", async () => {
    const seen: string[] = [];
    on("tag")
      .body("create", async (op, proceed) => {
        seen.push("body");
        op.input.name = `${String(op.input.name)}-via-body`;
        return proceed();
      })
      .after("create", (op) => void seen.push(`after:${String((op.result as { name: string }).name)}`));
    const tag = await t.runtime.service("tag").create(ctx(), { name: "custom" });
    expect(tag.name).toBe("custom-via-body");
    expect(seen).toEqual(["body", "after:custom-via-body"]);
    expect(await t.db.prisma.revision.count({ where: { resource: "tag", recordId: String(tag.id) } })).toBe(1);
  });

  it("a read body answers without the default query (ServiceStack's custom implementation)", async () => {
    on("tag").body("read", async (op) => ({
      id: op.id,
      name: "synthetic",
      version: 1,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    }));
    const tag = await t.runtime.service("tag").get(ctx(), 424242);
    expect(tag).toMatchObject({ id: 424242, name: "synthetic" });
  });

  it("registering a hook for an unknown action is a programming error at once", () => {
    expect(() => t.runtime.on("tag").before("upsert" as never, () => {})).toThrow(/unknown action "upsert"/);
  });
});
