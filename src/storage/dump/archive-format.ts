/**
 * The dump archive's format: a gzip-compressed tar stream whose first entry is `manifest.json` and whose
 * other entries are `tables/<Table>.ndjson`, one JSON row per line, in the manifest's order (parents before
 * children). The manifest comes first so a loader can refuse a foreign archive, another format version or
 * another migration before it loads a row; the dump knows each table's hash and count up front because it
 * reads every table twice in one snapshot (docs/guides/backup.md).
 */
import { DumpError } from "./dump-error.ts";

/** The format version this code writes and reads. A loader refuses any other. */
export const ARCHIVE_FORMAT = "autograph-dump/1";

/** The name of the manifest entry (the archive's first). */
export const MANIFEST_ENTRY = "manifest.json";

/** A table's entry name, e.g. `tables/Post.ndjson`. */
export function tableEntry(table: string): string {
  return `tables/${table}.ndjson`;
}

/** What the archive holds of one table. */
export interface ManifestTable {
  /** The table (model) name, e.g. `Post`. */
  readonly name: string;
  /** Rows in its entry. */
  readonly rows: number;
  /** Bytes of its entry. */
  readonly bytes: number;
  /** sha256 of its entry, hex. */
  readonly sha256: string;
  /** When only some resources were dumped: the `resource` values of the rows kept (Revision, Event). */
  readonly resources?: readonly string[];
}

/** `manifest.json`: what the archive holds and what it was dumped from. */
export interface Manifest {
  readonly format: typeof ARCHIVE_FORMAT;
  /** The newest migration applied to the dumped database (`_prisma_migrations`), or null if none. */
  readonly migration: string | null;
  /** ISO time the dump's snapshot was taken. */
  readonly createdAt: string;
  /** The tables, parents before children: the order of their entries and of loading. */
  readonly tables: readonly ManifestTable[];
  /**
   * The files the dumped rows and revisions reference, by sha256: their bytes follow the tables as
   * `blobs/<id>` entries, in this order.
   */
  readonly blobs: readonly ManifestBlob[];
}

/** A file in the archive: its sha256 (its name in any blob store) and its length. */
export interface ManifestBlob {
  readonly id: string;
  readonly size: number;
}

/** The entry of a file's bytes. */
export function blobEntry(id: string): string {
  return `blobs/${id}`;
}

/** Parses `manifest.json`, refusing anything but this format version. */
export function parseManifest(text: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DumpError(`${MANIFEST_ENTRY} is not JSON: not an Autograph dump archive`);
  }
  const manifest = value as Partial<Manifest> | null;
  if (manifest?.format !== ARCHIVE_FORMAT) {
    throw new DumpError(
      `${MANIFEST_ENTRY} has format ${JSON.stringify(manifest?.format)}; this version reads ${JSON.stringify(ARCHIVE_FORMAT)} only`,
    );
  }
  if (!Array.isArray(manifest.tables)) throw new DumpError(`${MANIFEST_ENTRY} lists no tables`);
  const blobs = manifest.blobs ?? [];
  const wellFormed = (b: ManifestBlob) =>
    typeof b?.id === "string" && /^[0-9a-f]{64}$/.test(b.id) && Number.isSafeInteger(b.size) && b.size >= 0;
  if (!Array.isArray(blobs) || !blobs.every(wellFormed)) {
    throw new DumpError(`${MANIFEST_ENTRY} lists its files wrongly: each needs a sha256 id and a size`);
  }
  return manifest as Manifest;
}
