// Batch writes over REST (§20): POST / PUT / PATCH / DELETE /api/<plural>/batch and batch/restore,
// batch/purge; all-or-nothing by default (nothing written when an item fails, its status and index
// reported), partial=true item by item (200 / 207 / 400), at most maxBatchSize items (413). Each item is
// a write of its own: its own revision and audit fields.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestFixture, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

type Row = Record<string, unknown>;
interface Failure {
  index: number;
  error: { code: string; message: string; fields?: Record<string, string> };
}
interface Result {
  succeeded: { index: number; record: Row }[];
  failed: Failure[];
}
/** A delete or purge under the default (secure) profile answers ids, not records (§22.3). */
interface IdResult {
  succeeded: { index: number; id: number }[];
  failed: Failure[];
}

async function json<T>(response: Response, status: number): Promise<T> {
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

let serial = 0;
const titles = (n: number) => Array.from({ length: n }, (_, i) => `Batch ${++serial} item ${i}`);
const postsTitled = (list: string[]) =>
  t.db.prisma.post.findMany({ where: { title: { in: list } }, orderBy: { id: "asc" } });

/** Posts created one by one over HTTP (not through a batch), to act on. */
async function createPosts(n: number): Promise<{ id: number; version: number }[]> {
  const out: { id: number; version: number }[] = [];
  for (const title of titles(n))
    out.push(
      await json<{ id: number; version: number }>(await t.send("POST", "/api/posts", { title, authorId: 1 }), 201),
    );
  return out;
}

describe("§20 batch writes", () => {
  it("POST …/batch creates every item in order; each has its own revision and audit fields (createdBy the actor)", async () => {
    const names = titles(3);
    const result = await json<Result>(
      await t.send(
        "POST",
        "/api/posts/batch",
        names.map((title, i) => ({ title, authorId: 1, views: i })),
      ),
      200,
    );
    expect(result.failed).toEqual([]);
    expect(result.succeeded.map((s) => [s.index, s.record.title])).toEqual(names.map((title, i) => [i, title]));
    const rows = await postsTitled(names);
    expect(rows.map((r) => r.id)).toEqual(result.succeeded.map((s) => s.record.id));
    expect(rows.every((r) => r.createdBy === "1" && r.updatedBy === "1" && r.createdAt instanceof Date)).toBe(true);
    for (const row of rows) {
      const revisions = await t.db.prisma.revision.findMany({ where: { resource: "post", recordId: String(row.id) } });
      expect(revisions.map((r) => [r.number, r.action, r.actorId, (r.data as Row).title])).toEqual([
        [1, "create", "1", row.title],
      ]);
    }
  });

  it("all-or-nothing: a failing item fails the batch with its own status and index, and nothing is written", async () => {
    const names = titles(3);
    const invalid = await json<Row & { failed: Failure[] }>(
      await t.send("POST", "/api/posts/batch", [
        { title: names[0], authorId: 1 },
        { title: "no", authorId: 1 },
        { title: names[2], authorId: 1 },
      ]),
      422,
    );
    expect(invalid).toMatchObject({
      code: "VALIDATION_FAILED",
      errors: { title: expect.any(String) },
      details: { index: 1 },
      succeeded: [],
    });
    expect(invalid.message).toMatch(/^Item 2 of 3 \(index 1\): .*Nothing was written/);
    expect(invalid.failed).toEqual([
      {
        index: 1,
        error: expect.objectContaining({ code: "VALIDATION_FAILED", fields: { title: expect.any(String) } }),
      },
    ]);
    expect(await postsTitled(names)).toEqual([]);

    const [a, b] = await createPosts(2);
    const missing = await json<Row & { failed: Failure[] }>(
      await t.send("PATCH", "/api/posts/batch", [
        { id: a?.id, views: 41 },
        { id: 99_999, views: 42 },
        { id: b?.id, views: 43 },
      ]),
      404,
    );
    expect(missing).toMatchObject({
      code: "NOT_FOUND",
      details: { index: 1 },
      failed: [{ index: 1, error: { code: "NOT_FOUND" } }],
    });
    expect(
      (await t.db.prisma.post.findMany({ where: { id: { in: [a?.id as number, b?.id as number] } } })).map(
        (p) => p.views,
      ),
    ).toEqual([0, 0]);
  });

  it("PUT and PATCH …/batch change the fields sent; a stale version in an item is a 409 for that item", async () => {
    const [a, b] = (await createPosts(2)) as [{ id: number; version: number }, { id: number; version: number }];
    const put = await json<Result>(
      await t.send("PUT", "/api/posts/batch", [
        { id: a.id, views: 7, version: a.version },
        { id: b.id, status: "published" },
      ]),
      200,
    );
    expect(put.succeeded.map((s) => [s.index, s.record.id, s.record.version])).toEqual([
      [0, a.id, a.version + 1],
      [1, b.id, b.version + 1],
    ]);
    const rows = await t.db.prisma.post.findMany({ where: { id: { in: [a.id, b.id] } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.views, r.status, r.title.startsWith("Batch")])).toEqual([
      [7, "draft", true],
      [0, "published", true],
    ]);

    const stale = await json<Row & { failed: Failure[] }>(
      await t.send("PATCH", "/api/posts/batch", [
        { id: b.id, views: 1 },
        { id: a.id, views: 8, version: a.version },
      ]),
      409,
    );
    expect(stale).toMatchObject({ code: "CONFLICT", details: { index: 1, currentVersion: a.version + 1 } });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: b.id } })).views).toBe(0);
    // Each item of a batch is audited and revisioned like a single write.
    expect(
      (
        await t.db.prisma.revision.findMany({
          where: { resource: "post", recordId: String(a.id) },
          orderBy: { number: "asc" },
        })
      ).map((r) => r.action),
    ).toEqual(["create", "patch"]);
  });

  it("DELETE …/batch trashes, batch/restore brings back, batch/purge removes for good", async () => {
    const [a, b, c] = (await createPosts(3)) as [
      { id: number; version: number },
      { id: number; version: number },
      { id: number; version: number },
    ];
    const deleted = await json<IdResult>(
      await t.send("DELETE", "/api/posts/batch", [a.id, { id: b.id, version: b.version }, String(c.id)]),
      200,
    );
    expect(deleted.succeeded).toEqual([
      { index: 0, id: a.id },
      { index: 1, id: b.id },
      { index: 2, id: c.id },
    ]);
    expect(await t.db.prisma.post.count({ where: { id: { in: [a.id, b.id, c.id] }, deletedAt: { not: null } } })).toBe(
      3,
    );

    const restored = await json<Result>(await t.send("POST", "/api/posts/batch/restore", [a.id, b.id]), 200);
    expect(restored.succeeded.map((s) => [s.record.id, s.record.deletedAt])).toEqual([
      [a.id, null],
      [b.id, null],
    ]);
    expect(
      (await t.db.prisma.post.findMany({ where: { id: { in: [a.id, b.id, c.id] } }, orderBy: { id: "asc" } })).map(
        (p) => p.deletedAt === null,
      ),
    ).toEqual([true, true, false]);

    const purged = await json<IdResult>(await t.send("POST", "/api/posts/batch/purge", [a.id, c.id]), 200);
    expect(purged.succeeded).toEqual([
      { index: 0, id: a.id },
      { index: 1, id: c.id },
    ]);
    expect((await t.db.prisma.post.findMany({ where: { id: { in: [a.id, b.id, c.id] } } })).map((p) => p.id)).toEqual([
      b.id,
    ]);
  });

  it("partial=true: 200 when every item succeeds, 207 when some fail (the others written), 400 when all fail", async () => {
    const names = titles(3);
    const mixed = await json<Result>(
      await t.send("POST", "/api/posts/batch?partial=true", [
        { title: names[0], authorId: 1 },
        { title: names[1], authorId: 99_999 },
        { title: "x", authorId: 1 },
        { title: names[2], authorId: 1 },
      ]),
      207,
    );
    expect(mixed.succeeded.map((s) => [s.index, s.record.title])).toEqual([
      [0, names[0]],
      [3, names[2]],
    ]);
    expect(mixed.failed.map((f) => [f.index, f.error.code])).toEqual([
      [1, "VALIDATION_FAILED"],
      [2, "VALIDATION_FAILED"],
    ]);
    expect(mixed.failed[0]?.error.fields).toEqual({ authorId: expect.any(String) });
    expect((await postsTitled(names)).map((p) => p.title)).toEqual([names[0], names[2]]);

    const ok = await json<Result>(
      await t.send(
        "PATCH",
        "/api/posts/batch?partial=true",
        mixed.succeeded.map((s) => ({ id: s.record.id, views: 5 })),
      ),
      200,
    );
    expect(ok.failed).toEqual([]);
    expect((await postsTitled(names)).map((p) => p.views)).toEqual([5, 5]);

    const none = await json<Result & { message: string; code: string }>(
      await t.send("DELETE", "/api/posts/batch?partial=true", [99_998, 99_999]),
      400,
    );
    expect(none.code).toBe("BAD_REQUEST");
    expect(none.message).toMatch(
      /^All 2 items of the batch failed; nothing was written\. Item 1 \(index 0\): No post with id 99998/,
    );
    expect(none.succeeded).toEqual([]);
    expect(none.failed.map((f) => [f.index, f.error.code])).toEqual([
      [0, "NOT_FOUND"],
      [1, "NOT_FOUND"],
    ]);
    expect(await json<Result>(await t.send("POST", "/api/tags/batch?partial=false", []), 200)).toEqual({
      succeeded: [],
      failed: [],
    });
  });

  it("more than maxBatchSize (100) items is a 413 and writes nothing", async () => {
    const before = await t.db.prisma.tag.count();
    const items = Array.from({ length: 101 }, (_, i) => ({ name: `too-many-${i}` }));
    const body = await json<{ code: string; message: string; details: Row }>(
      await t.send("POST", "/api/tags/batch", items),
      413,
    );
    expect(body).toMatchObject({ code: "PAYLOAD_TOO_LARGE", details: { maxBatchSize: 100 } });
    expect(body.message).toContain("101, at most 100");
    expect(await t.db.prisma.tag.count()).toBe(before);
    const hundred = await json<Result>(await t.send("POST", "/api/tags/batch", items.slice(0, 100)), 200);
    expect(hundred.succeeded).toHaveLength(100);
    expect(await t.db.prisma.tag.count()).toBe(before + 100);
  });

  it("bad batch requests are 400s with messages", async () => {
    const cases: [string, string, unknown, string, Record<string, string>?][] = [
      [
        "POST",
        "/api/posts/batch",
        { title: "Not a list", authorId: 1 },
        "must be a JSON array of objects with the fields of each new record",
      ],
      ["DELETE", "/api/posts/batch", { ids: [1] }, "must be a JSON array of ids or { id, version } objects"],
      ["PATCH", "/api/posts/batch", [{ views: 1 }], "Item 1 of 1 (index 0): Each item needs its id"],
      ["DELETE", "/api/posts/batch", [{ id: 1, title: "x" }], "Unexpected fields title"],
      ["POST", "/api/posts/batch?partial=yes", [], '"partial" must be true or false'],
      ["POST", "/api/posts/batch?dryRun=true", [], 'Unknown query parameter "dryRun"'],
      ["PATCH", "/api/posts/batch", [], "a batch takes none", { "If-Match": '"1"' }],
      ["POST", "/api/posts/batch", "", "Request body is empty: expected a JSON array of items"],
    ];
    for (const [method, path, body, message, headers] of cases) {
      const response = await t.send(method, path, body, headers);
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(((await response.json()) as { message: string }).message, `${method} ${path}`).toContain(message);
    }
    expect(t.unexpected).toEqual([]);
  });

  it("routes: batch is never an id; other methods are 405s naming the allowed ones; preflights are answered", async () => {
    const get = await t.get("/api/posts/batch");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST, PUT, PATCH, DELETE, OPTIONS");
    expect((await t.send("DELETE", "/api/posts/batch/restore")).headers.get("allow")).toBe("POST, OPTIONS");
    expect((await t.get("/api/comments/batch")).status).toBe(405);
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const preflight = await t.rest.fetch(
        new Request("http://test/api/posts/batch", {
          method: "OPTIONS",
          headers: { Origin: "http://admin.example", "Access-Control-Request-Method": method },
        }),
      );
      expect(preflight.status, method).toBe(204);
      expect(preflight.headers.get("access-control-allow-methods")).toContain(method);
    }
  });
});
