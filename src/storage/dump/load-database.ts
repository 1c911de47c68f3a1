/**
 * `loadDatabase`: a dump archive back into a database, in ONE transaction: all of it or nothing. A refused
 * archive, a failed insert or a killed process (PostgreSQL rolls back what was never committed) leave the
 * database as it was. Each table's entry is hashed while it loads and checked against the manifest before
 * the commit (docs/guides/backup.md).
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import pg from "pg";
import tar, { type ExtractEvents } from "tar-stream";
import type { Datamodel } from "../../metadata/datamodel.ts";
import type { BlobStore } from "../blobs/blob-store.ts";
import {
  blobEntry,
  MANIFEST_ENTRY,
  type Manifest,
  type ManifestTable,
  parseManifest,
  tableEntry,
} from "./archive-format.ts";
import { DumpError } from "./dump-error.ts";
import { newestMigration } from "./newest-migration.ts";
import { ident } from "../sql/where-sql.ts";
import { resetSequences } from "./reset-sequences.ts";
import { type PlannedTable, planTables, type TableSelection } from "./table-plan.ts";
import type { TableProgress } from "./table-progress.ts";
import { PAGE_ROWS, rowFilter } from "./table-rows.ts";

/** One entry of the archive being read. */
type Entry = ExtractEvents["entry"][1];

/** Options of {@link loadDatabase}. */
export interface LoadOptions {
  /** The datamodel of the target database (the one given to `startServer`). */
  readonly datamodel: Datamodel;
  /** Only these tables of the archive (see `tablesOfResources`). @default every table of the archive */
  readonly tables?: readonly TableSelection[];
  /** Delete the rows of the tables to load first (children first), in the same transaction. @default false */
  readonly replace?: boolean;
  /** Called after each batch of rows inserted. */
  readonly onProgress?: (progress: TableProgress) => void;
  /**
   * Where the archive's files go (each verified against its sha256 as it is stored). Files stored by a
   * load that then fails are unreferenced, and the blob collector removes them. Required when the
   * archive has files.
   */
  readonly blobStore?: BlobStore;
}

/**
 * The archive's entries; a gzip or tar error becomes a {@link DumpError} saying the archive is damaged.
 * Takes the iterator, not the stream: it must exist before the first entry arrives, or that entry is lost.
 */
async function* entries(iterator: AsyncIterator<Entry>): AsyncGenerator<Entry> {
  for (;;) {
    let next: IteratorResult<Entry>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw damaged(error);
    }
    if (next.done) return;
    yield next.value;
  }
}

/**
 * What the database said when a sound archive's rows did not fit the target (a foreign key to a row the
 * target lacks, a duplicate key): a conflict naming the table. Other failures (a lost connection) pass on.
 */
function refusedBy(error: unknown, what: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !/^2[23]/.test(code)) return error;
  return new DumpError(`${what}: ${(error as Error).message}`, { conflict: true });
}

function damaged(error: unknown): DumpError {
  if (error instanceof DumpError) return error;
  return new DumpError(`the archive is corrupt or truncated: ${(error as Error).message}`);
}

/** An entry's lines, in pages of up to PAGE_ROWS; its sha256 and bytes are added to `digest` as they pass. */
async function* entryLines(entry: Entry, digest: { hash: ReturnType<typeof createHash> }) {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let page: string[] = [];
  try {
    for await (const chunk of entry as AsyncIterable<Buffer>) {
      digest.hash.update(chunk);
      const lines = (rest + decoder.write(chunk)).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        page.push(line);
        if (page.length >= PAGE_ROWS) {
          yield page;
          page = [];
        }
      }
    }
  } catch (error) {
    throw damaged(error);
  }
  rest += decoder.end();
  if (rest !== "") throw new DumpError(`${entry.header.name} does not end with a newline: the archive is corrupt`);
  if (page.length > 0) yield page;
}

async function refuseOrClear(client: pg.Client, tables: readonly PlannedTable[], replace: boolean) {
  const filled: string[] = [];
  for (const table of tables) {
    const filter = rowFilter(table);
    const { rows } = await client.query<{ any: boolean }>(
      `select exists (select 1 from ${ident(table.table)} ${filter.sql ? `where ${filter.sql}` : ""}) as "any"`,
      filter.values,
    );
    if (rows[0]?.any) filled.push(table.name);
  }
  if (filled.length === 0) return;
  if (!replace) {
    throw new DumpError(
      `the target database is not empty: ${filled.join(", ")} already have rows; load into an empty database, ` +
        "or pass replace (--replace) to delete those rows first",
      { conflict: true },
    );
  }
  for (const table of [...tables].reverse()) {
    const filter = rowFilter(table);
    await client
      .query(`delete from ${ident(table.table)} ${filter.sql ? `where ${filter.sql}` : ""}`, filter.values)
      .catch((error: unknown) => {
        throw refusedBy(error, `the rows of ${table.name} could not be deleted to replace them`);
      });
  }
}

async function loadTable(
  client: pg.Client,
  entry: Entry,
  expected: ManifestTable,
  table: PlannedTable | undefined,
  onProgress: LoadOptions["onProgress"],
): Promise<void> {
  const digest = { hash: createHash("sha256") };
  let target = table ? ident(table.table) : undefined;
  if (table?.selfReferencing) {
    // A row may point at a parent in a later batch: stage them all, then insert in one statement,
    // which checks its foreign keys at its end.
    target = ident(`_autograph_load_${table.table}`);
    await client.query(`create temp table ${target} (like ${ident(table.table)}) on commit drop`);
  }
  let rows = 0;
  // An insert failing on a damaged row (bad JSON, a wrong type) is reported as the damage it is: the rest
  // of the entry is still hashed, and a mismatch wins over the database's complaint.
  let failed: unknown;
  for await (const page of entryLines(entry, digest)) {
    rows += page.length;
    if (!table || !target || failed) continue;
    const filter = table.resources ? ` where "resource" = any($2::text[])` : "";
    try {
      await client.query(
        `insert into ${target} select * from json_populate_recordset(null::${ident(table.table)}, $1::json)${filter}`,
        [`[${page.join(",")}]`, ...(table.resources ? [table.resources] : [])],
      );
    } catch (error) {
      failed = error;
    }
    onProgress?.({ phase: "load", table: expected.name, rows, total: expected.rows });
  }
  const sha256 = digest.hash.digest("hex");
  if (sha256 !== expected.sha256 || rows !== expected.rows) {
    throw new DumpError(
      `${entry.header.name} does not match the manifest (${rows} rows, sha256 ${sha256}; the manifest says ` +
        `${expected.rows} rows, sha256 ${expected.sha256}): the archive is corrupt`,
    );
  }
  if (failed) throw refusedBy(failed, `the rows of ${expected.name} could not be loaded`);
  if (table?.selfReferencing && target) {
    await client.query(`insert into ${ident(table.table)} select * from ${target}`);
  }
}

/** Reads the manifest, the archive's first entry, refusing a foreign archive. */
async function readManifest(next: () => Promise<IteratorResult<Entry>>): Promise<Manifest> {
  const first = await next();
  if (first.done || first.value.header.name !== MANIFEST_ENTRY) {
    const found = first.done ? "no entries" : `${first.value.header.name} first`;
    throw new DumpError(`not an Autograph dump archive: ${MANIFEST_ENTRY} must come first, found ${found}`);
  }
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of first.value as AsyncIterable<Buffer>) chunks.push(chunk);
  } catch (error) {
    throw damaged(error);
  }
  return parseManifest(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Loads a dump archive into the database at `url`, keeping ids, then moves every serial sequence past the
 * largest id loaded. Refuses (with a {@link DumpError}, having changed nothing) a damaged or foreign archive,
 * an archive of another migration, and a target whose tables already have rows unless `replace`.
 * @example
 * await loadDatabase(url, fs.createReadStream("backup.tar.gz"), { datamodel });
 */
export async function loadDatabase(url: string, input: Readable, options: LoadOptions): Promise<Manifest> {
  const extract = tar.extract();
  const reading = pipeline(input, createGunzip(), extract);
  reading.catch(() => {}); // its error also reaches the entries' iteration, which reports it
  const iterator = entries(extract[Symbol.asyncIterator]());
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query("begin");
    const manifest = await readManifest(() => iterator.next());
    const migration = await newestMigration(client);
    if (manifest.migration !== migration) {
      throw new DumpError(
        `the archive was dumped at migration ${manifest.migration ?? "(none)"}, the target database is at ` +
          `${migration ?? "(none)"}: migrate one to match the other first`,
        { conflict: true },
      );
    }
    const selection = options.tables ?? manifest.tables.map((t) => ({ name: t.name, ...pick(t) }));
    const tables = planTables(options.datamodel, selection);
    for (const table of tables) {
      if (!manifest.tables.some((t) => t.name === table.name)) {
        throw new DumpError(
          `the archive has no table ${table.name}; it has ${manifest.tables.map((t) => t.name).join(", ")}`,
        );
      }
    }
    if (manifest.blobs.length > 0 && !options.blobStore) {
      throw new DumpError(`the archive holds ${manifest.blobs.length} files: give the load a blob store for them`, {
        conflict: true,
      });
    }
    await refuseOrClear(client, tables, options.replace ?? false);
    for (const expected of manifest.tables) {
      const next = await iterator.next();
      if (next.done) throw new DumpError(`the archive ends before ${tableEntry(expected.name)}: it is truncated`);
      const entry = next.value;
      if (entry.header.name !== tableEntry(expected.name)) {
        throw new DumpError(`expected ${tableEntry(expected.name)} next in the archive, found ${entry.header.name}`);
      }
      await loadTable(
        client,
        entry,
        expected,
        tables.find((t) => t.name === expected.name),
        options.onProgress,
      );
    }
    for (const blob of manifest.blobs) {
      const next = await iterator.next();
      if (next.done) throw new DumpError(`the archive ends before ${blobEntry(blob.id)}: it is truncated`);
      if (next.value.header.name !== blobEntry(blob.id)) {
        throw new DumpError(`expected ${blobEntry(blob.id)} next in the archive, found ${next.value.header.name}`);
      }
      const stored = await (options.blobStore as BlobStore)
        .put(Readable.from(next.value as AsyncIterable<Buffer>), { expectedId: blob.id })
        .catch((error: unknown) => {
          throw error instanceof DumpError
            ? error
            : new DumpError(`${blobEntry(blob.id)} does not hash to its name: the archive is corrupt`);
        });
      if (stored.size !== blob.size) {
        throw new DumpError(`${blobEntry(blob.id)} has ${stored.size} bytes, the manifest says ${blob.size}`);
      }
    }
    const extra = await iterator.next();
    if (!extra.done)
      throw new DumpError(`the archive has an entry its manifest does not list: ${extra.value.header.name}`);
    await reading.catch((error: unknown) => {
      throw damaged(error);
    });
    await resetSequences(client, tables);
    await client.query("commit");
    return manifest;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    input.destroy();
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

function pick(table: ManifestTable): { resources?: readonly string[] } {
  return table.resources ? { resources: table.resources } : {};
}
