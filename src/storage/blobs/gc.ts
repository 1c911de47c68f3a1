/**
 * The blob garbage collector: deletes stored objects that no record and no revision references any more.
 *
 * Safe against in-flight writes by construction:
 * - Only objects older than the grace period are candidates. An upload writes (or, for bytes already
 *   stored, touches) its object before the write that references it commits, so an object a transaction
 *   is about to reference is young, and kept.
 * - References are read from committed rows. A reference that an uncommitted transaction drops still
 *   counts, so no object goes before the commit that dropped its last reference.
 * - Failed uploads (bytes stored, the write then rolled back) are never referenced: they are collected
 *   once the grace period has passed.
 */
import { ident, literal } from "../sql/where-sql.ts";
import type { BlobStore } from "./blob-store.ts";

/** Where blob references live: a JSON column of a table, and the same field inside revision snapshots. */
export interface BlobReference {
  /** The table, as PostgreSQL names it (the Prisma model's table, e.g. `Post`). */
  readonly table: string;
  /** The JSON column holding `{ id, size, contentType, filename }`. */
  readonly column: string;
  /** The resource name revisions are kept under (`Revision.resource`); undefined without revisions. */
  readonly revisionResource?: string | undefined;
  /** The field's key inside a revision's snapshot (`Revision.data`). */
  readonly field: string;
}

/** The part of a pg pool or client the collector needs. */
export interface Queryable {
  query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Options of {@link collectBlobs}. */
export interface CollectOptions {
  /** How old an unreferenced object must be before it goes. @default 24 hours */
  readonly graceMs?: number;
  /** The clock, for tests. @default Date.now() */
  readonly now?: number;
  /** Candidates checked per statement. @default 500 */
  readonly batchSize?: number;
}

/** What a collection did. */
export interface CollectResult {
  /** Objects in the store. */
  readonly scanned: number;
  /** Objects old enough to be candidates. */
  readonly candidates: number;
  /** Ids of the objects deleted. */
  readonly deleted: readonly string[];
}

/**
 * The statement that answers which of the ids `$1` are referenced: by a live or trashed row, or by any
 * revision snapshot of the field.
 */
export function referencedSql(references: readonly BlobReference[]): string {
  const sources = references.flatMap((r) => {
    const rows = `SELECT 1 FROM ${ident(r.table)} t WHERE t.${ident(r.column)} ->> 'id' = c.id`;
    if (r.revisionResource === undefined) return [rows];
    const revisions =
      `SELECT 1 FROM "Revision" v WHERE v."resource" = ${literal(r.revisionResource)} ` +
      `AND v."data" -> ${literal(r.field)} ->> 'id' = c.id`;
    return [rows, revisions];
  });
  if (sources.length === 0) return "SELECT NULL::text AS id WHERE false";
  const exists = sources.map((s) => `EXISTS (${s})`).join(" OR ");
  return `SELECT c.id FROM unnest($1::text[]) AS c(id) WHERE ${exists}`;
}

/**
 * Deletes every object of `store` older than the grace period that `references` does not name.
 * @example
 * const result = await collectBlobs(pool, store, [{ table: "Post", column: "cover", field: "cover", revisionResource: "Post" }]);
 * console.log(`${result.deleted.length} of ${result.scanned} objects deleted`);
 */
export async function collectBlobs(
  db: Queryable,
  store: BlobStore,
  references: readonly BlobReference[],
  options: CollectOptions = {},
): Promise<CollectResult> {
  const cutoff = (options.now ?? Date.now()) - (options.graceMs ?? 24 * 3600 * 1000);
  const batchSize = options.batchSize ?? 500;
  const sql = referencedSql(references);
  let scanned = 0;
  let candidates = 0;
  const deleted: string[] = [];
  let batch: string[] = [];
  const sweep = async () => {
    const ids = batch;
    batch = [];
    if (ids.length === 0) return;
    const { rows } = await db.query<{ id: string }>(sql, [ids]);
    const kept = new Set(rows.map((r) => r.id));
    for (const id of ids) {
      if (kept.has(id)) continue;
      await store.delete(id);
      deleted.push(id);
    }
  };
  for await (const object of store.list()) {
    scanned++;
    if (object.modifiedAt.getTime() >= cutoff) continue;
    candidates++;
    batch.push(object.id);
    if (batch.length >= batchSize) await sweep();
  }
  await sweep();
  return { scanned, candidates, deleted };
}
