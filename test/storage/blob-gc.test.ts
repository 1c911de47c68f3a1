// The blob garbage collector on a real PostgreSQL and the local store: objects past the grace period
// that no row and no revision snapshot references are deleted; referenced and young ones are kept; a
// reference an uncommitted transaction drops still protects its object.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobStore } from "../../src/storage/blobs/blob-store.ts";
import { type BlobReference, collectBlobs } from "../../src/storage/blobs/gc.ts";
import { createLocalBlobStore } from "../../src/storage/blobs/local-blob-store.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let testDb: TestDatabase;
let pool: pg.Pool;
let dir: string;
let store: BlobStore;
const HOUR = 3600 * 1000;
// Every object is "old" at this clock, so only references decide.
const later = () => Date.now() + 2 * HOUR;
const references: BlobReference[] = [{ table: "Doc", column: "cover", field: "cover", revisionResource: "Doc" }];

beforeAll(async () => {
  testDb = await createTestDatabase();
  pool = new pg.Pool({ connectionString: testDb.url, max: 3 });
  // A table with a blob column (a JSON reference), beside Autograph's own Revision table.
  await pool.query(`CREATE TABLE "Doc" ("id" int PRIMARY KEY, "cover" jsonb)`);
  await pool.query(`INSERT INTO "Doc" ("id") SELECT generate_series(1, 3)`);
  dir = await mkdtemp(join(tmpdir(), "blob-gc-"));
  store = createLocalBlobStore({ dir });
});

afterAll(async () => {
  await pool?.end();
  await testDb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const put = async (text: string) => (await store.put(new TextEncoder().encode(text))).id;
const ids = async () => {
  const out: string[] = [];
  for await (const o of store.list()) out.push(o.id);
  return out.sort();
};
const reference = (id: string) => ({ id, size: 1, contentType: "image/png", filename: "a.png" });

describe("collectBlobs", () => {
  it("deletes unreferenced objects past the grace period and keeps referenced and young ones", async () => {
    const live = await put("live");
    const inRevision = await put("in a revision");
    const orphan = await put("orphan, as a failed upload leaves");
    await pool.query(`UPDATE "Doc" SET "cover" = $1 WHERE id = 1`, [reference(live)]);
    await pool.query(
      `INSERT INTO "Revision" ("id", "resource", "recordId", "number", "action", "status", "createdAt", "schemaVersion", "data")
       VALUES (gen_random_uuid(), 'Doc', '2', 99, 'patch', 'published', now(), 1, $1)`,
      [{ id: 2, cover: reference(inRevision) }],
    );

    // Young objects are not candidates, whatever references them.
    const young = await collectBlobs(pool, store, references, { graceMs: HOUR });
    expect(young).toMatchObject({ scanned: 3, candidates: 0, deleted: [] });

    const old = await collectBlobs(pool, store, references, { graceMs: HOUR, now: later(), batchSize: 2 });
    expect(old).toMatchObject({ scanned: 3, candidates: 3, deleted: [orphan] });
    expect(await ids()).toEqual([live, inRevision].sort());
  });

  it("keeps an object whose last reference an uncommitted transaction drops, until it commits", async () => {
    const cover = await put("dropped later");
    await pool.query(`UPDATE "Doc" SET "cover" = $1 WHERE id = 3`, [reference(cover)]);
    const writer = await pool.connect();
    try {
      await writer.query("BEGIN");
      await writer.query(`UPDATE "Doc" SET "cover" = NULL WHERE id = 3`);
      const during = await collectBlobs(pool, store, references, { graceMs: HOUR, now: later() });
      expect(during.deleted).not.toContain(cover);
      await writer.query("COMMIT");
    } finally {
      writer.release();
    }
    const after = await collectBlobs(pool, store, references, { graceMs: HOUR, now: later() });
    expect(after.deleted).toContain(cover);
    expect(await store.stat(cover)).toBeUndefined();
  });

  it("re-uploading old bytes makes their object young again, so a write about to reference it is safe", async () => {
    const id = await put("re-used bytes");
    const before = (await collect()).find((o) => o.id === id);
    await new Promise((r) => setTimeout(r, 20));
    await put("re-used bytes");
    const after = (await collect()).find((o) => o.id === id);
    expect(after?.modifiedAt.getTime()).toBeGreaterThan(before?.modifiedAt.getTime() ?? Number.POSITIVE_INFINITY);
  });
});

async function collect() {
  const out: { id: string; modifiedAt: Date }[] = [];
  for await (const o of store.list()) out.push(o);
  return out;
}
