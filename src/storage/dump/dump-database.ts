/**
 * `dumpDatabase`: a database's tables as a dump archive (archive-format.ts), streamed with bounded memory.
 * One REPEATABLE READ, read-only transaction gives one snapshot, read twice: the first pass counts and
 * hashes each table for the manifest, which goes first; the second writes the rows, byte for byte the same.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import pg from "pg";
import tar, { type Pack } from "tar-stream";
import type { Datamodel } from "../../metadata/datamodel.ts";
import type { BlobStore } from "../blobs/blob-store.ts";
import type { BlobReference } from "../blobs/gc.ts";
import {
  ARCHIVE_FORMAT,
  blobEntry,
  MANIFEST_ENTRY,
  type Manifest,
  type ManifestBlob,
  type ManifestTable,
  tableEntry,
} from "./archive-format.ts";
import { ident } from "../sql/where-sql.ts";
import { DumpError } from "./dump-error.ts";
import { newestMigration } from "./newest-migration.ts";
import { type PlannedTable, planTables, type TableSelection } from "./table-plan.ts";
import type { TableProgress } from "./table-progress.ts";
import { tableRows } from "./table-rows.ts";

/** Options of {@link dumpDatabase}. */
export interface DumpOptions {
  /** The datamodel whose tables to dump (the one given to `startServer`). */
  readonly datamodel: Datamodel;
  /** Only these tables (see `tablesOfResources`). @default every model */
  readonly tables?: readonly TableSelection[];
  /** Called after each page of rows. */
  readonly onProgress?: (progress: TableProgress) => void;
  /**
   * The blob store and where the schema references files (`blobReferences`): the files the dumped rows
   * and revisions reference go into the archive. @default no files
   */
  readonly blobs?: { readonly store: BlobStore; readonly references: readonly BlobReference[] };
}

/** The files the snapshot's rows and revisions of `tables` reference, sorted, with their sizes. */
async function referencedBlobs(
  client: pg.Client,
  tables: readonly PlannedTable[],
  blobs: NonNullable<DumpOptions["blobs"]>,
): Promise<ManifestBlob[]> {
  const ids = new Set<string>();
  for (const r of blobs.references) {
    if (!tables.some((t) => t.table === r.table)) continue;
    const rows = await client.query<{ id: string | null }>(
      `select ${ident(r.column)} ->> 'id' as id from ${ident(r.table)} where ${ident(r.column)} is not null`,
    );
    for (const row of rows.rows) if (row.id) ids.add(row.id);
    if (r.revisionResource === undefined || !tables.some((t) => t.table === "Revision")) continue;
    const revisions = await client.query<{ id: string | null }>(
      `select distinct "data" -> $2::text ->> 'id' as id from "Revision" where "resource" = $1`,
      [r.revisionResource, r.field],
    );
    for (const row of revisions.rows) if (row.id) ids.add(row.id);
  }
  const out: ManifestBlob[] = [];
  for (const id of [...ids].sort()) {
    const found = await blobs.store.stat(id);
    if (!found)
      throw new DumpError(`file ${id} is referenced by a record but missing from the blob store`, { conflict: true });
    out.push({ id, size: found.size });
  }
  return out;
}

async function writeBlob(pack: Pack, store: BlobStore, blob: ManifestBlob): Promise<void> {
  const stream = pack.entry({ name: blobEntry(blob.id), size: blob.size });
  await pipeline(await store.get(blob.id), stream);
}

async function hashTable(client: pg.Client, table: PlannedTable, onProgress: DumpOptions["onProgress"]) {
  const hash = createHash("sha256");
  let rows = 0;
  let bytes = 0;
  for await (const page of tableRows(client, table)) {
    for (const line of page) {
      const chunk = Buffer.from(`${line}\n`);
      hash.update(chunk);
      bytes += chunk.length;
    }
    rows += page.length;
    onProgress?.({ phase: "count", table: table.name, rows });
  }
  const entry: ManifestTable = { name: table.name, rows, bytes, sha256: hash.digest("hex") };
  return table.resources ? { ...entry, resources: table.resources } : entry;
}

async function writeTable(
  client: pg.Client,
  pack: Pack,
  table: PlannedTable,
  entry: ManifestTable,
  onProgress: DumpOptions["onProgress"],
): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    const stream = pack.entry({ name: tableEntry(table.name), size: entry.bytes }, (error) =>
      error ? reject(error) : resolve(),
    );
    stream.on("error", reject); // destroyed with the output's error: that error is the dump's
    void (async () => {
      let rows = 0;
      for await (const page of tableRows(client, table)) {
        if (!stream.write(Buffer.from(page.map((line) => `${line}\n`).join("")))) await once(stream, "drain");
        rows += page.length;
        onProgress?.({ phase: "write", table: table.name, rows, total: entry.rows });
      }
      stream.end(undefined);
    })().catch((error: unknown) => {
      stream.destroy(error as Error);
      reject(error);
    });
  });
  await done;
}

/**
 * Writes the database's tables to `output` as a gzip-compressed tar archive; resolves with its manifest
 * once `output` has it all. A consistent snapshot: writes committed meanwhile are not in it.
 * @example
 * await dumpDatabase(url, fs.createWriteStream("backup.tar.gz"), { datamodel });
 */
export async function dumpDatabase(url: string, output: Writable, options: DumpOptions): Promise<Manifest> {
  const tables = planTables(options.datamodel, options.tables);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("begin isolation level repeatable read read only");
    const createdAt = new Date().toISOString();
    const migration = await newestMigration(client);
    const entries: ManifestTable[] = [];
    for (const table of tables) entries.push(await hashTable(client, table, options.onProgress));
    const blobs = options.blobs ? await referencedBlobs(client, tables, options.blobs) : [];
    const manifest: Manifest = { format: ARCHIVE_FORMAT, migration, createdAt, tables: entries, blobs };

    const pack = tar.pack();
    const written = pipeline(pack, createGzip(), output);
    written.catch(() => {}); // awaited below; an output failing meanwhile must not go unhandled
    try {
      pack.entry({ name: MANIFEST_ENTRY }, `${JSON.stringify(manifest, null, 2)}\n`);
      for (const [i, table] of tables.entries()) {
        await writeTable(client, pack, table, entries[i] as ManifestTable, options.onProgress);
      }
      for (const blob of blobs) await writeBlob(pack, (options.blobs as NonNullable<DumpOptions["blobs"]>).store, blob);
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
      await written.catch(() => {});
      throw error;
    }
    await written;
    await client.query("commit");
    return manifest;
  } finally {
    await client.end();
  }
}
