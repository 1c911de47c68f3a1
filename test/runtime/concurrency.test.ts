// Optimistic concurrency: every write bumps the version; a write against a version
// that moved on fails with the current one; concurrent writers with the same read version: one wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
});
afterAll(() => t?.close());

const posts = () => t.runtime.service("post");
const ctx = () => t.runtime.context({ actor: ADMIN });

describe("optimistic concurrency", () => {
  it("every update and patch increments the version; clients cannot write it", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ orderBy: { id: "asc" } });
    const patched = await posts().patch(ctx(), post.id, { views: 5 });
    expect(patched.version).toBe(post.version + 1);
    expect(
      (await failure(posts().create(ctx(), { title: "Versioned", authorId: post.authorId, version: 7 }))).message,
    ).toContain("read-only");
    const created = await posts().create(ctx(), { title: "Versioned", authorId: post.authorId });
    expect(created.version).toBe(1);
  });

  it("a write with a stale version fails with the current one and changes nothing", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ orderBy: { id: "desc" } });
    await posts().patch(ctx(), post.id, { views: 1 }, { expectedVersion: post.version });
    const stale = await failure(posts().patch(ctx(), post.id, { views: 2 }, { expectedVersion: post.version }));
    expect(stale).toMatchObject({ code: "CONFLICT", details: { currentVersion: post.version + 1 } });
    expect(
      (
        await failure(
          posts().delete(ctx(), post.id, { expectedVersion: post.version, mismatch: "PRECONDITION_FAILED" }),
        )
      ).code,
    ).toBe("PRECONDITION_FAILED");
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } });
    expect(row).toMatchObject({ views: 1, version: post.version + 1 });
  });

  it("20 concurrent patches with the same expected version: exactly 1 succeeds, nothing is lost", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { status: "draft" } });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        posts().patch(ctx(), post.id, { views: 1000 + i }, { expectedVersion: post.version }),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const r of lost) expect((r.reason as { code?: string }).code).toBe("CONFLICT");
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } });
    expect(row.version).toBe(post.version + 1);
    expect(row.views).toBe((won[0] as PromiseFulfilledResult<Record<string, unknown>>).value.views);
  });

  it("concurrent patches without a version all apply, one after another (no lost version bumps)", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { status: "archived" } });
    await Promise.all(Array.from({ length: 10 }, () => posts().patch(ctx(), post.id, { body: "again" })));
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).version).toBe(post.version + 10);
  });
});
