/**
 * One installation's dump and load: its database, its datamodel and its files, bound once, so that the
 * commands (`npm run dump`, `npm run load`) and the HTTP routes (`GET /api/_dump`, `POST /api/_load`) do
 * the very same thing (docs/guides/backup.md). The dump and load modules (and their tar and gzip
 * streams) are loaded at the first dump or load, not by every server that can serve one.
 */
import type { Readable, Writable } from "node:stream";
import type { Datamodel } from "../../metadata/datamodel.ts";
import type { BlobStore } from "../blobs/blob-store.ts";
import type { BlobReference } from "../blobs/gc.ts";
import type { Manifest } from "./archive-format.ts";
import type { TableSelection } from "./table-plan.ts";
import type { TableProgress } from "./table-progress.ts";

/** What one dump or load may choose. */
export interface BackupRun {
  /** Only these tables (see `tablesOfResources`). @default every table */
  readonly tables?: readonly TableSelection[] | undefined;
  /** Called after each page of rows. */
  readonly onProgress?: ((progress: TableProgress) => void) | undefined;
}

/** Dumps and loads one installation; see {@link createBackup}. */
export interface Backup {
  /** Writes the archive to `output`; resolves with its manifest once `output` has it all. */
  dump(output: Writable, run?: BackupRun): Promise<Manifest>;
  /** Loads an archive, all or nothing; `replace` deletes the rows of the tables it loads first. */
  load(input: Readable, run?: BackupRun & { readonly replace?: boolean }): Promise<Manifest>;
}

/** Options of {@link createBackup}. */
export interface BackupOptions {
  /** The database. */
  readonly url: string;
  /** Its datamodel (the one given to `startServer`). */
  readonly datamodel: Datamodel;
  /** Where its files are, and where in the schema they are referenced (`blobReferences`). @default no files */
  readonly blobs?: { readonly store: BlobStore; readonly references: readonly BlobReference[] } | undefined;
}

/**
 * The dump and the load of one installation.
 * @example
 * const backup = createBackup({ url, datamodel, blobs: { store, references: blobReferences(schema, datamodel) } });
 * await backup.dump(fs.createWriteStream("backup.tar.gz"));
 */
export function createBackup(options: BackupOptions): Backup {
  const { url, datamodel, blobs } = options;
  return {
    dump: async (output, run = {}) =>
      (await import("./dump-database.ts")).dumpDatabase(url, output, {
        datamodel,
        ...(run.tables ? { tables: run.tables } : {}),
        ...(run.onProgress ? { onProgress: run.onProgress } : {}),
        ...(blobs ? { blobs } : {}),
      }),
    load: async (input, run = {}) =>
      (await import("./load-database.ts")).loadDatabase(url, input, {
        datamodel,
        replace: run.replace ?? false,
        ...(run.tables ? { tables: run.tables } : {}),
        ...(run.onProgress ? { onProgress: run.onProgress } : {}),
        ...(blobs ? { blobStore: blobs.store } : {}),
      }),
  };
}
