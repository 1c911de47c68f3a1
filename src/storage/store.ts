/**
 * The storage port the runtime uses: reads as compiled SQL (sql/read-sql.ts) on the shared `pg` pool
 * (or the read replica's, outside transactions: read-replica.ts);
 * the common writes as one compiled statement each (sql/write-sql.ts) in a transaction on that pool;
 * the other writes through model delegates and transactions of the Prisma client; and translation of
 * database errors into storage-level facts the runtime maps to its own errors.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import type { Datamodel } from "../metadata/datamodel.ts";
import type { ResolvedSchema } from "../metadata/resolved.ts";
import { ApiNames } from "./api-names.ts";
import { classifyStorageError } from "./storage-failure.ts";
import type { ModelDelegate } from "./model-delegate.ts";
import type { PrismaClientLike } from "./prisma.ts";
import { type ReplicaReads, routeRead } from "./replica-reads.ts";
import { type ReceiptTable, receiptTable } from "./command-receipts.ts";
import { type LockTable, lockTable } from "./record-locks.ts";
import { type AggregateQuery, compileAggregate, shapeAggregateRow } from "./sql/aggregate-sql.ts";
import { type CompiledRead, compileRead, type ReadQuery } from "./sql/read-sql.ts";
import { SqlModels } from "./sql/where-sql.ts";
import {
  type CompiledWrite,
  compilableWrites,
  compileWrite,
  revisionTable,
  type Statement,
  type WriteQuery,
} from "./sql/write-sql.ts";

/** One committed write, as the outbox records it (the database adds the id and the time). */
export interface OutboxEntry {
  /** Resource name, e.g. `post`. */
  readonly resource: string;
  /** The record's id, as text. */
  readonly recordId: string;
  /** create, update, patch, delete, restore, revert, purge or publish. */
  readonly action: string;
  /** The revision the write recorded (resources with `revisions`). */
  readonly revisionId: string | null;
  readonly revisionNumber: number | null;
  /** Who wrote it (the actor's id, or the default actor). */
  readonly actorId: string | null;
  /** Names of the fields the write changed. */
  readonly changed: readonly string[];
  /**
   * The record as the write left it, every column (hidden ones too): what each subscriber's access is
   * checked against, and what replay rebuilds tables from (kept when the outbox has a `record` column).
   * A nested write adds the links it changed under {@link OUTBOX_LINKS}.
   */
  readonly record?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The key of a snapshot ({@link OutboxEntry.record}) holding the links of many-to-many relations a
 * nested write changed: `{ "$links": { tags: [1, 2] } }`, the relation's target ids after the write (the
 * rows of the join table, which has no events of its own). Replay rebuilds the join table from it
 * (docs/guides/replay.md).
 */
export const OUTBOX_LINKS = "$links";

/**
 * Key of the transaction-level advisory lock the outbox takes before handing out event ids: ids are
 * then drawn and committed in the same order, so a reader that saw id n has seen every id below it.
 */
export const OUTBOX_LOCK = 0x4175746f; // "Auto"

/** Access to the models, either directly or inside one transaction. */
export interface Store {
  model(delegate: string): ModelDelegate;
  /** Runs `work` in one transaction: everything it does commits together or not at all. */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * One read in one statement (sql/read-sql.ts): the rows, their relations, and the total when asked
   * for. Outside a transaction it runs as a named prepared statement on the pool.
   */
  read(query: ReadQuery): Promise<ReadResult>;
  /** The same read, its rows left as the JSON text PostgreSQL built (for levels with exact `outputs`, sent to clients as is). */
  readText(query: ReadQuery): Promise<ReadText>;
  /** Aggregate rows (Prisma's groupBy shape) over the rows a condition matches (sql/aggregate-sql.ts). */
  aggregate(query: AggregateQuery): Promise<Record<string, unknown>[]>;
  /**
   * Appends events to the outbox. Call it last in a transaction: it takes the outbox lock, which is
   * held until the commit. A no-op when the schema has no `Event` model.
   */
  appendEvents(entries: readonly OutboxEntry[]): Promise<void>;
  /**
   * One write in one statement (sql/write-sql.ts): the row, its revision and its outbox event, between
   * BEGIN and COMMIT on a pool connection of its own (so never inside a {@link Store.transaction}). It
   * commits only when the statement wrote a row that meets the query's `inside` condition; otherwise it
   * rolls back and says why. `alongside` runs on the same connection, in the same transaction.
   */
  write(query: WriteQuery, alongside?: WriteAlongside): Promise<WriteResult>;
  /** Whether {@link Store.write} can write rows of `model`: outside a transaction, for models with no default only Prisma computes (cuid, nanoid, ulid). */
  canWrite(model: string): boolean;
  /** The record lock table (record-locks.ts), in this store's transaction if it has one; undefined when the schema has no `RecordLock` model. */
  readonly locks: LockTable | undefined;
  /** The command receipt table (command-receipts.ts), in this store's transaction if it has one; undefined when the schema has no `CommandReceipt` model. */
  readonly receipts: ReceiptTable | undefined;
  /**
   * This store with every read on the primary: outside a transaction, reads go to the read replica while
   * it serves, and a request that wrote reads from here (runtime/read-routing.ts). Else the store itself.
   */
  readonly primary: Store;
}

/**
 * Work that commits or rolls back with one {@link Store.write}, on its connection: `before` runs right
 * after BEGIN, `after` once the statement wrote the row, just before COMMIT. Either one throwing rolls
 * the write back and the error goes to the caller. A broker command's receipt is claimed and completed
 * so (docs/guides/messaging.md#idempotency).
 */
export interface WriteAlongside {
  before?(tables: AlongsideTables): Promise<void>;
  after?(tables: AlongsideTables, row: Record<string, unknown>): Promise<void>;
}

/** The tables {@link WriteAlongside} may write, in the write's transaction. */
export interface AlongsideTables {
  /** Undefined when the schema has no `CommandReceipt` model. */
  readonly receipts: ReceiptTable | undefined;
}

/** What {@link Store.write} did. */
export type WriteResult =
  /** Committed: the row as written (the query's fields; Dates and bigints revived). */
  | { readonly status: "committed"; readonly row: Record<string, unknown> }
  /** Rolled back (nothing was written): no row met the write's condition. */
  | { readonly status: "missing" }
  /** Rolled back: the written row did not meet the query's `inside` condition. */
  | { readonly status: "outside" };

/** What a read returns: rows as the runtime reads them (Dates and bigints revived), and the total. */
export interface ReadResult {
  readonly rows: Record<string, unknown>[];
  readonly total: number | undefined;
}

/** A read's rows as JSON text (an array), how many there are, and the total. */
export interface ReadText {
  readonly json: string;
  readonly count: number;
  readonly total: number | undefined;
  /** A page's cursor keys, row by row ({@link ReadQuery.page}). */
  readonly keys?: unknown[][] | undefined;
  /** A page's rows as edges ({@link ReadQuery.page}). */
  readonly edges?: string | undefined;
}

/**
 * What a store runs on: the Prisma client (the other writes, transactions), the `pg` pool it uses (reads,
 * compiled writes), and the datamodel of the schema the client was generated from (tables and columns).
 */
export interface StoreDatabase {
  readonly prisma: PrismaClientLike;
  readonly pool: pg.Pool;
  readonly datamodel: Datamodel;
  /** Where reads outside transactions go while it serves (`db.replica`). @default none: all on `pool` */
  readonly replica?: ReplicaReads | undefined;
}

/**
 * How many distinct statement shapes get a server-side prepared statement on each connection; shapes
 * beyond these run unnamed (parsed and planned each time), so a client inventing shapes cannot grow the
 * server's memory without bound.
 */
const MAX_PREPARED = 500;

/** The client an interactive transaction hands its work: the model delegates and raw queries, bound to it. */
type TransactionClient = object;

function delegateOf(client: object, name: string): ModelDelegate {
  const delegate = (client as Record<string, unknown>)[name];
  if (!delegate || typeof delegate !== "object") throw new Error(`The Prisma client has no model delegate "${name}"`);
  return delegate as ModelDelegate;
}

/**
 * A {@link Store} over a Prisma client, speaking the API names of `schema`'s fields (api-names.ts): pass
 * the schema the runtime serves, or every field keeps its Prisma name.
 * @example const store = createStore(database, resolveResources(resources, datamodel));
 */
export function createStore(db: StoreDatabase, schema?: ResolvedSchema): Store {
  const { prisma, pool, datamodel } = db;
  type Raw = { $queryRawUnsafe<T>(sql: string, ...params: unknown[]): Promise<T> };
  const names = new ApiNames(datamodel, schema);
  const models = new SqlModels(names.datamodel);
  // Statement name by text: PostgreSQL keeps each named statement's plan per connection.
  const prepared = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = prepared.get(text);
    if (name === undefined && prepared.size < MAX_PREPARED) {
      // Named after the text, so stores sharing a pool (and its connections) agree on every name.
      name = `ag_${createHash("sha1").update(text).digest("base64url")}`;
      prepared.set(text, name);
    }
    return name;
  };
  type Answer = { rows: string | null; n: number; total: number | null; keys?: string; edges?: string };
  const finish = (compiled: CompiledRead, answer: Answer | undefined): ReadResult => ({
    rows: answer?.rows ? compiled.decode(JSON.parse(answer.rows) as Record<string, unknown>[]) : [],
    total: answer?.total ?? undefined,
  });
  // A named prepared statement while the shapes last (see MAX_PREPARED), else an unnamed one.
  const named = (statement: Statement) => {
    const name = nameOf(statement.text);
    return name
      ? { name, text: statement.text, values: statement.values }
      : { text: statement.text, values: statement.values };
  };
  const onPool =
    (on: pg.Pool) =>
    async (compiled: CompiledRead): Promise<Answer | undefined> =>
      (await on.query<Answer>(named(compiled))).rows[0];
  const { replica } = db;
  const inTx =
    (client: Raw) =>
    async (compiled: CompiledRead): Promise<Answer | undefined> =>
      (await client.$queryRawUnsafe<Answer[]>(compiled.text, ...compiled.values))[0];
  const reads = (run: (compiled: CompiledRead) => Promise<Answer | undefined>) => ({
    read: async (query: ReadQuery): Promise<ReadResult> => {
      const compiled = compileRead(models, query);
      return finish(compiled, await run(compiled));
    },
    readText: async (query: ReadQuery): Promise<ReadText> => {
      const answer = await run(compileRead(models, query));
      return {
        json: answer?.rows ?? "[]",
        count: Number(answer?.n ?? 0),
        total: answer?.total ?? undefined,
        ...(query.page ? { keys: JSON.parse(answer?.keys ?? "[]") as unknown[][], edges: answer?.edges ?? "[]" } : {}),
      };
    },
  });
  const aggregate = (client: Raw) => async (query: AggregateQuery) => {
    const { text, values } = compileAggregate(models, query);
    return (await client.$queryRawUnsafe<Record<string, unknown>[]>(text, ...values)).map(shapeAggregateRow);
  };
  const outbox = datamodel.models.find((m) => m.name === "Event");
  const hasOutbox = outbox !== undefined;
  // One statement: the lock (a CTE the insert reads from, so it is taken before any id is drawn) and the rows.
  const appendEvents = (client: Raw & object) => async (entries: readonly OutboxEntry[]) => {
    if (!hasOutbox || entries.length === 0) return;
    const params: unknown[] = [OUTBOX_LOCK];
    const rows = entries.map((e) => {
      const at =
        params.push(e.resource, e.recordId, e.action, e.revisionId, e.revisionNumber, e.actorId, [...e.changed]) - 7;
      const values = `$${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}::uuid, $${at + 5}::int, $${at + 6}, $${at + 7}::text[]`;
      return `(${values}, $${params.push(e.record === undefined ? null : JSON.stringify(e.record, jsonSafe))}::jsonb)`;
    });
    const columns = `"resource", "recordId", "action", "revisionId", "revisionNumber", "actorId", "changed", "record"`;
    await client.$queryRawUnsafe(
      `with lock as (select pg_advisory_xact_lock($1::bigint)) insert into "Event" (${columns}) select v.* from lock, (values ${rows.join(", ")}) as v(resource, record_id, action, revision_id, revision_number, actor_id, changed, record) returning 1 as ok`,
      ...params,
    );
  };
  const revisions = revisionTable(models);
  const locks = lockTable(models);
  const receipts = receiptTable(models);
  // A concurrent writer of the same record took the revision number the statement's snapshot gave it.
  const revisionRace = (error: unknown) => {
    const e = error as { code?: unknown; table?: unknown; severity?: unknown } | null;
    return e?.severity !== undefined && e.code === "23505" && revisions !== undefined && e.table === revisions;
  };
  const writeOnce = async (
    compiled: CompiledWrite,
    locked: boolean,
    alongside: WriteAlongside | undefined,
  ): Promise<WriteResult> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const tables: AlongsideTables = {
        receipts: alongside && receipts?.(async (text, values) => (await client.query(named({ text, values }))).rows),
      };
      await alongside?.before?.(tables);
      if (locked && compiled.lock) await client.query(named(compiled.lock));
      const answer = (await client.query<{ row: string; inside: boolean }>(named(compiled))).rows[0];
      if (!answer?.inside) {
        await client.query("ROLLBACK");
        return { status: answer ? "outside" : "missing" };
      }
      const row = compiled.decode(JSON.parse(answer.row) as Record<string, unknown>);
      await alongside?.after?.(tables, row);
      await client.query("COMMIT");
      return { status: "committed", row };
    } catch (error) {
      // A connection that cannot roll back is dropped from the pool rather than handed to the next query.
      await client.query("ROLLBACK").catch((e: Error) => {
        broken = e;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };
  const write = async (query: WriteQuery, alongside?: WriteAlongside): Promise<WriteResult> => {
    const compiled = compileWrite(models, query, OUTBOX_LOCK);
    try {
      return await writeOnce(compiled, false, alongside);
    } catch (error) {
      // Once the row's lock is held, the statement's snapshot sees every revision of the record: run it again so.
      if (!compiled.lock || !revisionRace(error)) throw error;
      return writeOnce(compiled, true, alongside);
    }
  };
  const writable = new Map<string, boolean>();
  const canWrite = (model: string): boolean => {
    let can = writable.get(model);
    if (can === undefined) {
      can = compilableWrites(models, model);
      writable.set(model, can);
    }
    return can;
  };
  const inTransaction = (tx: TransactionClient): Store => ({
    locks: locks?.((text, values) => (tx as unknown as Raw).$queryRawUnsafe(text, ...values)),
    receipts: receipts?.((text, values) => (tx as unknown as Raw).$queryRawUnsafe(text, ...values)),
    appendEvents: appendEvents(tx as unknown as Raw),
    write: () =>
      Promise.reject(
        new Error("store.write runs in a transaction of its own: inside a transaction, write through the models"),
      ),
    canWrite: () => false,
    get primary() {
      return this;
    },
    model: (name) => names.delegate(name, delegateOf(tx, name)),
    // Nested transactions join the outer one.
    transaction: (work) => work(inTransaction(tx)),
    ...reads(inTx(tx as unknown as Raw)),
    aggregate: aggregate(tx as unknown as Raw),
  });
  const onPrimary: Store = {
    locks: locks?.(async (text, values) => (await pool.query(named({ text, values }))).rows),
    receipts: receipts?.(async (text, values) => (await pool.query(named({ text, values }))).rows),
    // Outside a transaction the lock would be released at once: wrap the append in one.
    appendEvents: (entries) => prisma.$transaction((tx) => appendEvents(tx as unknown as Raw)(entries)),
    write,
    canWrite,
    model: (name) => names.delegate(name, delegateOf(prisma, name)),
    ...reads(onPool(pool)),
    aggregate: aggregate(prisma as unknown as Raw),
    transaction: (work) => prisma.$transaction((tx) => work(inTransaction(tx)), { maxWait: 5_000, timeout: 15_000 }),
    get primary() {
      return onPrimary;
    },
  };
  if (!replica) return onPrimary;
  const unavailable = (error: unknown) => classifyStorageError(error)?.kind === "unavailable";
  const onReplica = aggregate(replica.prisma as unknown as Raw);
  return {
    ...onPrimary,
    ...reads(routeRead(replica, unavailable, onPool(pool), onPool(replica.pool))),
    aggregate: routeRead(replica, unavailable, onPrimary.aggregate, onReplica),
    primary: onPrimary,
  };
}

/** Big integers as text in a snapshot, as a revision keeps them (dates and decimals have their own toJSON). */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
