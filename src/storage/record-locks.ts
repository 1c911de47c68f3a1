/**
 * The record lock table: the optional `RecordLock` model (docs/guides/locks.md), at most one row per
 * record (unique on resource and record id). Taking, renewing, reading and releasing a lock are one
 * statement each, timed by the database's clock, so every instance agrees on when a lock expires. A
 * row whose `expiresAt` has passed is returned with `live: false`: it is as good as none, and the next
 * lock of its record replaces it. Who may do what is the runtime's rule (runtime/locks.ts).
 */
import { randomUUID } from "node:crypto";
import { ident, type SqlModels } from "./sql/where-sql.ts";

/** The model of the lock table. */
export const LOCK_MODEL = "RecordLock";

/** A lock row. */
export interface StoredLock {
  /** The lock's own id (a UUID); kept while its owner renews it. */
  readonly id: string;
  /** Resource name, e.g. `post`. */
  readonly resource: string;
  /** The record's id, as text. */
  readonly recordId: string;
  /** Who holds it. */
  readonly ownerId: string;
  readonly tenantId: string | null;
  /** When its owner took it (a renewal keeps it). */
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Whether it has not expired, by the database's clock. */
  readonly live: boolean;
}

/** Which record a lock is of. */
export interface LockKey {
  readonly resource: string;
  readonly recordId: string;
}

/** What {@link LockTable.acquire} did: took or renewed the lock, or found another owner's live lock. */
export type AcquireResult =
  | { readonly acquired: true; readonly lock: StoredLock }
  | { readonly acquired: false; readonly lock: StoredLock };

/** The lock table, through one connection or transaction. */
export interface LockTable {
  /**
   * Takes the lock of `key` for `owner` for `ttlSeconds`, unless another owner's live lock holds it
   * (then answers that lock). The owner's own live lock is renewed: same id and `createdAt`, later
   * `expiresAt`. An expired lock is replaced.
   */
  acquire(
    key: LockKey,
    owner: { ownerId: string; tenantId: string | null },
    ttlSeconds: number,
  ): Promise<AcquireResult>;
  /** The lock row of `key`, live or expired; undefined when there is none. */
  find(key: LockKey): Promise<StoredLock | undefined>;
  /** The live locks of a resource, oldest first. */
  live(resource: string): Promise<StoredLock[]>;
  /**
   * Deletes the lock row of `key`: any, or with `ownerId` only that owner's or an expired one.
   * Answers whether a row went.
   */
  release(key: LockKey, ownerId?: string): Promise<boolean>;
}

/**
 * Runs one statement and answers its rows: on the pool (as a prepared statement), or in a transaction.
 * Timestamps come back as `timestamptz` (so as Dates whatever the session's time zone).
 */
export type RunSql = (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/** The fields of the model, in the order rows are read. */
const FIELDS = ["id", "resource", "recordId", "ownerId", "tenantId", "createdAt", "expiresAt"] as const;

/** The database's clock as the table's `timestamp(3)` columns store time (UTC, as Prisma writes it). */
const NOW = `(now() at time zone 'UTC')`;

/**
 * The lock table of a schema, by the client it runs on; undefined when the schema has no
 * {@link LOCK_MODEL}. Table and column names come from the datamodel (`@@map`, `@map` honoured).
 */
export function lockTable(models: SqlModels): ((run: RunSql) => LockTable) | undefined {
  const model = models.datamodel.models.find((m) => m.name === LOCK_MODEL);
  if (!model) return undefined;
  const table = models.table(model);
  const col = Object.fromEntries(FIELDS.map((f) => [f, models.column(models.field(model, f))])) as Record<
    (typeof FIELDS)[number],
    string
  >;
  const idCast = models.cast(models.field(model, "id")) ?? "text";
  // Ids as text; times as timestamptz, read as the UTC they were written in.
  const columns = (alias: string) =>
    FIELDS.map((f) =>
      f === "id"
        ? `${alias}.${col.id}::text as "id"`
        : f === "createdAt" || f === "expiresAt"
          ? `${alias}.${col[f]} at time zone 'UTC' as ${ident(f)}`
          : `${alias}.${col[f]} as ${ident(f)}`,
    ).join(", ");
  const byKey = `${col.resource} = $1 and ${col.recordId} = $2`;
  const find = `select ${columns(table)}, ${col.expiresAt} > ${NOW} as "live" from ${table} where ${byKey}`;
  const live = `select ${columns(table)}, true as "live" from ${table} where ${col.resource} = $1 and ${col.expiresAt} > ${NOW} order by ${col.createdAt}, ${col.recordId}`;
  // The owner's own live lock keeps its id and createdAt; anything else is replaced whole.
  const renewal = `${table}.${col.ownerId} = excluded.${col.ownerId} and ${table}.${col.expiresAt} > excluded.${col.createdAt}`;
  const acquire =
    `insert into ${table} (${FIELDS.map((f) => col[f]).join(", ")}) ` +
    `values ($3::${idCast}, $1, $2, $4, $5, ${NOW}, ${NOW} + make_interval(secs => $6::int)) ` +
    `on conflict (${col.resource}, ${col.recordId}) do update set ` +
    `${col.id} = case when ${renewal} then ${table}.${col.id} else excluded.${col.id} end, ` +
    `${col.createdAt} = case when ${renewal} then ${table}.${col.createdAt} else excluded.${col.createdAt} end, ` +
    `${col.ownerId} = excluded.${col.ownerId}, ${col.tenantId} = excluded.${col.tenantId}, ${col.expiresAt} = excluded.${col.expiresAt} ` +
    `where ${table}.${col.ownerId} = excluded.${col.ownerId} or ${table}.${col.expiresAt} <= excluded.${col.createdAt} ` +
    `returning ${columns(table)}, true as "live"`;
  const release = `delete from ${table} where ${byKey} returning 1 as "gone"`;
  const releaseOwn = `delete from ${table} where ${byKey} and (${col.ownerId} = $3 or ${col.expiresAt} <= ${NOW}) returning 1 as "gone"`;

  return (run) => {
    // The statements select exactly the fields of a StoredLock.
    const rows = async (text: string, ...values: unknown[]) => (await run(text, values)) as unknown as StoredLock[];
    const findLock = async (key: LockKey) => (await rows(find, key.resource, key.recordId))[0];
    const locks: LockTable = {
      async acquire(key, owner, ttlSeconds) {
        // Twice at most: the lock that refused us may expire or go before we read it.
        for (let attempt = 0; attempt < 2; attempt++) {
          const [taken] = await rows(
            acquire,
            key.resource,
            key.recordId,
            randomUUID(),
            owner.ownerId,
            owner.tenantId,
            ttlSeconds,
          );
          if (taken) return { acquired: true, lock: taken };
          const holder = await findLock(key);
          if (holder?.live) return { acquired: false, lock: holder };
        }
        throw new Error(`record lock of ${key.resource} ${key.recordId}: neither taken nor held by anyone`);
      },
      find: findLock,
      live: (resource) => rows(live, resource),
      async release(key, ownerId) {
        const gone =
          ownerId === undefined
            ? await rows(release, key.resource, key.recordId)
            : await rows(releaseOwn, key.resource, key.recordId, ownerId);
        return gone.length > 0;
      },
    };
    return locks;
  };
}
