/**
 * `dumpDatabase` and `loadDatabase` (docs/guides/backup.md) on real databases: a seeded demo database
 * dumped and loaded into fresh migrated ones.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { resources } from "../../demo/schema/index.ts";
import { seedDemoData } from "../../demo/seed.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { dumpDatabase } from "../../src/storage/dump/dump-database.ts";
import { DumpError } from "../../src/storage/dump/dump-error.ts";
import { loadDatabase } from "../../src/storage/dump/load-database.ts";
import { tablesOfResources } from "../../src/storage/dump/table-plan.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";
import { createTestBlobStore } from "../support/blob-store.ts";
import { blobReferences } from "../../src/storage/blobs/references.ts";
import { Prisma } from "../../demo/generated/client.ts";

const databases: TestDatabase[] = [];
let source: DemoDatabase;
let sourceUrl: string;
let archive: Buffer;

async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

async function dump(url: string): Promise<{ bytes: Buffer; manifest: Awaited<ReturnType<typeof dumpDatabase>> }> {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on("data", (c: Buffer) => chunks.push(c));
  const manifest = await dumpDatabase(url, out, { datamodel });
  return { bytes: Buffer.concat(chunks), manifest };
}

async function rowCount(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from "${table}"`);
    return rows[0]?.n ?? -1;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const db = await freshDatabase();
  sourceUrl = db.url;
  source = createDemoDatabase(db.url);
  await seedDemoData(source.prisma);
  archive = (await dump(sourceUrl)).bytes;
});

afterAll(async () => {
  await source?.close();
  for (const db of databases) await db.drop();
});

describe("round trip", () => {
  let target: DemoDatabase;
  let targetUrl: string;
  beforeAll(async () => {
    const db = await freshDatabase();
    targetUrl = db.url;
    await loadDatabase(db.url, Readable.from([archive]), { datamodel });
    target = createDemoDatabase(db.url);
  });
  afterAll(() => target?.close());

  test("dumping the loaded database gives the same table hashes and counts", async () => {
    const again = await dump(targetUrl);
    const first = await dump(sourceUrl);
    expect(again.manifest.tables.map(({ name, rows, sha256 }) => ({ name, rows, sha256 }))).toEqual(
      first.manifest.tables.map(({ name, rows, sha256 }) => ({ name, rows, sha256 })),
    );
    expect(first.manifest.tables.find((t) => t.name === "Post")?.rows).toBe(320);
    expect(first.manifest.tables.map((t) => t.name).indexOf("User")).toBeLessThan(
      first.manifest.tables.map((t) => t.name).indexOf("Post"),
    );
  });

  test("queries answer the same on both", async () => {
    const query = {
      include: {
        author: true,
        comments: { orderBy: { id: "asc" as const } },
        tags: { orderBy: { tagId: "asc" as const } },
      },
    };
    expect(await target.prisma.post.findMany({ ...query, orderBy: { id: "asc" } })).toEqual(
      await source.prisma.post.findMany({ ...query, orderBy: { id: "asc" } }),
    );
    expect(await target.prisma.revision.count()).toBe(await source.prisma.revision.count());
  });

  test("sequences continue after the largest id loaded", async () => {
    const max = await target.prisma.tag.aggregate({ _max: { id: true } });
    const created = await target.prisma.tag.create({ data: { name: "after-load" } });
    expect(created.id).toBe((max._max.id ?? 0) + 1);
  });

  test("a non-empty target is refused without replace, and replaced with it", async () => {
    await expect(loadDatabase(targetUrl, Readable.from([archive]), { datamodel })).rejects.toThrow(
      /not empty: User, .*already have rows.*replace/,
    );
    await loadDatabase(targetUrl, Readable.from([archive]), { datamodel, replace: true });
    expect(await target.prisma.tag.count()).toBe(await source.prisma.tag.count());
  });
});

test("some resources: their tables, and only their rows of Revision and Event", async () => {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on("data", (c: Buffer) => chunks.push(c));
  const tables = tablesOfResources(resolveResources(resources, datamodel), ["tags"]);
  const manifest = await dumpDatabase(sourceUrl, out, { datamodel, tables });
  expect(manifest.tables.map((t) => t.name)).toEqual(["Tag", "Revision", "Event"]);
  const db = await freshDatabase();
  await loadDatabase(db.url, Readable.from([Buffer.concat(chunks)]), { datamodel });
  const target = createDemoDatabase(db.url);
  try {
    expect(await target.prisma.tag.count()).toBe(25);
    expect(await target.prisma.revision.count()).toBe(
      await source.prisma.revision.count({ where: { resource: "tag" } }),
    );
    expect(await target.prisma.revision.count({ where: { resource: { not: "tag" } } })).toBe(0);
    expect(await target.prisma.post.count()).toBe(0);
  } finally {
    await target.close();
  }
});

test("a dump whose output fails rejects with the output's error", async () => {
  let writes = 0;
  const output = new Writable({
    write(_chunk, _encoding, callback) {
      writes += 1;
      callback(writes === 3 ? new Error("disk full") : null);
    },
  });
  await expect(dumpDatabase(sourceUrl, output, { datamodel })).rejects.toThrow("disk full");
});

describe("refusals leave the target empty", () => {
  test("a flipped byte, wherever it is", async () => {
    const db = await freshDatabase();
    for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      const bad = Buffer.from(archive);
      const at = Math.floor(bad.length * fraction);
      bad[at] = (bad[at] as number) ^ 0xff;
      await expect(loadDatabase(db.url, Readable.from([bad]), { datamodel })).rejects.toThrow(/corrupt/);
      expect(await rowCount(db.url, "User")).toBe(0);
      expect(await rowCount(db.url, "Revision")).toBe(0);
    }
  });

  test("a truncated archive", async () => {
    const db = await freshDatabase();
    const cut = archive.subarray(0, Math.floor(archive.length * 0.8));
    await expect(loadDatabase(db.url, Readable.from([cut]), { datamodel })).rejects.toThrow(
      /corrupt or truncated|truncated/,
    );
    expect(await rowCount(db.url, "User")).toBe(0);
  });

  test("a foreign archive", async () => {
    const db = await freshDatabase();
    await expect(loadDatabase(db.url, Readable.from([Buffer.from("hello")]), { datamodel })).rejects.toThrow(
      /corrupt or truncated/,
    );
  });

  test("a migration mismatch names both migrations", async () => {
    const db = await freshDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      `insert into _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       values ('x', 'x', '20991231000000_future', now(), now(), 1)`,
    );
    await client.end();
    const error = await loadDatabase(db.url, Readable.from([archive]), { datamodel }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpError);
    expect((error as Error).message).toMatch(/20991231000000_future/);
    expect((error as Error).message).toMatch(/dumped at migration 2026\d+_\w+/);
    expect(await rowCount(db.url, "User")).toBe(0);
  });
});

test("kill -9 of a load mid-way leaves the target empty", { timeout: 120_000 }, async () => {
  const big = await freshDatabase();
  const bigDb = createDemoDatabase(big.url);
  await seedDemoData(bigDb.prisma);
  await bigDb.close();
  const client = new pg.Client({ connectionString: big.url });
  await client.connect();
  await client.query(
    `insert into "Event" ("resource", "recordId", "action", "createdAt", "changed")
     select 'post', g::text, 'update', now(), '{}' from generate_series(1, 60000) g`,
  );
  await client.end();
  const file = join(mkdtempSync(join(tmpdir(), "autograph-dump-")), "big.tar.gz");
  writeFileSync(file, (await dump(big.url)).bytes);

  const target = await freshDatabase();
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/load.ts", file], {
    env: { ...process.env, DATABASE_URL: target.url },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (c: Buffer) => {
      log += c.toString();
      if (/load Event: \d+\/60000 rows/.test(log)) resolve();
    });
    child.on("exit", () => reject(new Error(`load exited before it reported progress on Event:\n${log}`)));
  });
  child.kill("SIGKILL");
  await once(child, "exit");
  expect(log).not.toMatch(/loaded /);
  expect(await rowCount(target.url, "Event")).toBe(0);
  expect(await rowCount(target.url, "User")).toBe(0);
});

describe("files", () => {
  test("the files rows and revisions reference travel in the archive and arrive verified; a damaged one is refused", async () => {
    const from = await createTestBlobStore();
    const to = await createTestBlobStore();
    try {
      const schema = resolveResources(resources, datamodel);
      const references = blobReferences(schema, datamodel);
      const bytes = Buffer.from("a cover's bytes, as a test stores them");
      const { id, size } = await from.put(bytes);
      const stray = await from.put(Buffer.from("referenced by nothing"));
      const cover = { id, size, contentType: "image/png", filename: "cover.png" };
      await source.prisma.post.update({ where: { id: 5 }, data: { cover } });
      const chunks: Buffer[] = [];
      const out = new PassThrough();
      out.on("data", (c: Buffer) => chunks.push(c));
      const manifest = await dumpDatabase(sourceUrl, out, { datamodel, blobs: { store: from, references } });
      expect(manifest.blobs).toEqual([{ id, size }]);
      const withFiles = Buffer.concat(chunks);

      const db = await freshDatabase();
      await expect(loadDatabase(db.url, Readable.from([withFiles]), { datamodel })).rejects.toThrow(
        "the archive holds 1 files: give the load a blob store for them",
      );
      await loadDatabase(db.url, Readable.from([withFiles]), { datamodel, blobStore: to });
      const loaded = createDemoDatabase(db.url);
      try {
        expect((await loaded.prisma.post.findUniqueOrThrow({ where: { id: 5 } })).cover).toEqual(cover);
      } finally {
        await loaded.close();
      }
      const copied: Buffer[] = [];
      for await (const chunk of await to.get(id)) copied.push(chunk as Buffer);
      expect(Buffer.concat(copied).equals(bytes)).toBe(true);
      expect(await to.stat(stray.id)).toBeUndefined();

      // The file's bytes changed in the archive: refused, nothing loaded.
      const tar = gunzipSync(withFiles);
      const at = tar.indexOf(bytes);
      expect(at).toBeGreaterThan(0);
      tar[at] = (tar[at] as number) ^ 1;
      const bad = await freshDatabase();
      await expect(
        loadDatabase(bad.url, Readable.from([gzipSync(tar)]), { datamodel, blobStore: await createTestBlobStore() }),
      ).rejects.toThrow(`blobs/${id} does not hash to its name`);
      expect(await rowCount(bad.url, "Post")).toBe(0);
    } finally {
      await source.prisma.post.update({ where: { id: 5 }, data: { cover: Prisma.DbNull } });
      await from.close?.();
      await to.close?.();
    }
  });
});

describe("mapped names", () => {
  // A model whose table and columns are renamed (`@@map`, `@map`), as a schema written for another tool has them.
  const mapped = {
    models: [
      {
        name: "Person",
        dbName: "people",
        primaryKey: null,
        uniqueFields: [],
        fields: [
          { name: "id", dbName: "person_id", kind: "scalar", type: "Int", isList: false, isRequired: true, isId: true },
          { name: "fullName", dbName: "full_name", kind: "scalar", type: "String", isList: false, isRequired: true },
        ],
      },
    ],
    enums: [],
  } as unknown as typeof datamodel;
  const create = `create table people (person_id serial primary key, full_name text not null)`;

  test("the dump pages by the mapped key column and the load keeps ids and moves the sequence", async () => {
    const [from, to] = [await freshDatabase(), await freshDatabase()];
    const rows = Array.from({ length: 2500 }, (_, i) => `Person ${i + 1}`);
    const client = new pg.Client({ connectionString: from.url });
    await client.connect();
    await client.query(create);
    await client.query(`insert into people (full_name) select unnest($1::text[])`, [rows]);
    await client.query(`delete from people where person_id % 7 = 0`);
    await client.end();
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on("data", (c: Buffer) => chunks.push(c));
    const manifest = await dumpDatabase(from.url, out, { datamodel: mapped });
    expect(manifest.tables).toMatchObject([{ name: "Person", rows: 2500 - Math.floor(2500 / 7) }]);

    const target = new pg.Client({ connectionString: to.url });
    await target.connect();
    try {
      await target.query(create);
      await loadDatabase(to.url, Readable.from([Buffer.concat(chunks)]), { datamodel: mapped });
      const { rows: loaded } = await target.query<{ person_id: number; full_name: string }>(
        `select person_id, full_name from people order by person_id`,
      );
      expect(loaded).toHaveLength(2500 - Math.floor(2500 / 7));
      expect(loaded.some((r) => r.person_id % 7 === 0)).toBe(false);
      expect(loaded[loaded.length - 1]).toEqual({ person_id: 2500, full_name: "Person 2500" });
      const next = await target.query<{ person_id: number }>(
        `insert into people (full_name) values ('next') returning person_id`,
      );
      expect(next.rows[0]?.person_id).toBe(2501);
    } finally {
      await target.end();
    }
  });
});
