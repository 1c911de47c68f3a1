// Values PostgreSQL would refuse are caught before they reach it, or translated when they do: a 4xx
// naming the field, never a 500. (test/server/hostile-fuzz.test.ts covers the transports at scale.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/runtime/errors.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ seed: false });
});
afterAll(() => t?.close());

async function codeOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; fields: Record<string, string> | undefined }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    return { code: e.code, message: e.message, fields: e.fields };
  }
  throw new Error("expected the call to fail");
}

describe("hostile values", () => {
  const tags = () => t.runtime.service("tag");
  const ctx = () => t.runtime.context({ actor: ADMIN });

  it("text with NUL or a lone surrogate: 422 on write, 400 in a filter or search", async () => {
    expect(await codeOf(tags().create(ctx(), { name: "a\u0000b" }))).toMatchObject({
      code: "VALIDATION_FAILED",
      fields: { name: expect.stringContaining("NUL") },
    });
    expect(await codeOf(tags().create(ctx(), { name: "\ud800" }))).toMatchObject({
      code: "VALIDATION_FAILED",
      fields: { name: expect.stringContaining("surrogate") },
    });
    expect(
      (await codeOf(tags().list(ctx(), { filter: { field: "name", op: "contains", value: "\u0000" } }))).code,
    ).toBe("BAD_REQUEST");
    expect((await codeOf(tags().list(ctx(), { filter: { field: "name", op: "eq", value: "\udfff" } }))).code).toBe(
      "BAD_REQUEST",
    );
    expect((await codeOf(tags().list(ctx(), { filter: { search: "x\u0000" } }))).code).toBe("BAD_REQUEST");
    expect(await t.db.prisma.tag.count()).toBe(0);
  });

  it("eq / ne null on a NOT NULL field match nothing / everything (found by the qb fuzz test: was a 500)", async () => {
    const author = await t.db.prisma.user.create({ data: { email: "null@example.com", name: "N", passwordHash: "x" } });
    await t.db.prisma.post.create({ data: { title: "present", authorId: author.id } });
    const posts = t.runtime.service("post");
    const count = (filter: Parameters<typeof posts.count>[1]) => posts.count(ctx(), filter);
    const all = await t.db.prisma.post.count();
    expect(all).toBeGreaterThan(0);
    expect(await count({ field: "views", op: "eq", value: null })).toBe(0);
    expect(await count({ not: { field: "views", op: "eq", value: null } })).toBe(all);
    expect(await count({ field: "views", op: "ne", value: null })).toBe(all);
  });

  it("impossible or out-of-range dates are refused, not rolled over", async () => {
    const posts = t.runtime.service("post");
    for (const value of ["2020-02-31", "2021-02-29T00:00:00Z", "0000-01-01", "2020-13-01", "yesterday"]) {
      const failure = await codeOf(posts.list(ctx(), { filter: { field: "publishedAt", op: "gt", value } }));
      expect(failure.code, value).toBe("BAD_REQUEST");
    }
    await expect(
      posts.list(ctx(), { filter: { field: "publishedAt", op: "gt", value: "2024-02-29T10:00:00+02:00" } }),
    ).resolves.toBeTruthy();
  });

  it("a value too large for an index is a 422, not a 500", async () => {
    // Incompressible text: a repeated letter would be compressed below the 8 KB index row limit.
    let seed = 1;
    const name = Array.from({ length: 20_000 }, () => {
      seed = (seed * 48271) % 2147483647;
      return String.fromCharCode(97 + (seed % 26));
    }).join("");
    const failure = await codeOf(tags().create(ctx(), { name }));
    expect(failure.code).toBe("VALIDATION_FAILED");
    expect(failure.message).not.toMatch(/index row|bytes/);
  });

  it("input nested too deeply to print is described, not crashed on", async () => {
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const failure = await codeOf(tags().create(ctx(), deep));
    expect(failure).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("(a list)") });
  });
});
