/**
 * The storage port the runtime uses: model delegates and transactions over the Prisma client, and
 * translation of Prisma errors into storage-level facts the runtime maps to its own errors.
 */
import { datamodel } from "./datamodel.ts";
import type { PrismaClient } from "./generated/client.ts";
import { compileSearch, compileSearchAggregate, type SearchAggregateQuery, type SearchQuery, shapeAggregateRow } from "./search-sql.ts";

/** Arguments and results are Prisma's, kept loose: the runtime builds them from resolved metadata. */
export interface ModelDelegate {
  findMany(args: object): Promise<Record<string, unknown>[]>;
  findUnique(args: object): Promise<Record<string, unknown> | null>;
  findFirst(args: object): Promise<Record<string, unknown> | null>;
  count(args: object): Promise<number>;
  create(args: object): Promise<Record<string, unknown>>;
  update(args: object): Promise<Record<string, unknown>>;
  delete(args: object): Promise<Record<string, unknown>>;
  updateMany(args: object): Promise<{ count: number }>;
}

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
}

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
  /** The ids of one page of a full-text search (see search-sql.ts), and the total when asked for. */
  search(query: SearchQuery, withTotal: boolean): Promise<{ ids: unknown[]; total: number | undefined }>;
  /** Aggregate rows (Prisma's groupBy shape) over the rows a full-text search matches. */
  searchAggregate(query: SearchAggregateQuery): Promise<Record<string, unknown>[]>;
  /**
   * Appends events to the outbox. Call it last in a transaction: it takes the outbox lock, which is
   * held until the commit. A no-op when the schema has no `Event` model.
   */
  appendEvents(entries: readonly OutboxEntry[]): Promise<void>;
}

type TransactionClient = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0] extends infer T ? (T extends object ? T : never) : never;

function delegateOf(client: object, name: string): ModelDelegate {
  const delegate = (client as Record<string, unknown>)[name];
  if (!delegate || typeof delegate !== "object") throw new Error(`The Prisma client has no model delegate "${name}"`);
  return delegate as ModelDelegate;
}

/** A {@link Store} over a Prisma client. */
export function createStore(prisma: PrismaClient): Store {
  type Raw = { $queryRawUnsafe<T>(sql: string, ...params: unknown[]): Promise<T> };
  const search = (client: Raw) => async (query: SearchQuery, withTotal: boolean) => {
    const { page, count } = compileSearch(datamodel, query);
    const [rows, total] = await Promise.all([
      query.limit === 0 ? Promise.resolve([]) : client.$queryRawUnsafe<{ id: unknown }[]>(page.sql, ...page.params),
      withTotal ? client.$queryRawUnsafe<{ count: number }[]>(count.sql, ...count.params).then((r) => Number(r[0]?.count ?? 0)) : Promise.resolve(undefined),
    ]);
    return { ids: rows.map((r) => r.id), total };
  };
  const searchAggregate = (client: Raw) => async (query: SearchAggregateQuery) => {
    const { sql, params } = compileSearchAggregate(datamodel, query);
    return (await client.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params)).map(shapeAggregateRow);
  };
  const hasOutbox = datamodel.models.some((m) => m.name === "Event");
  // One statement: the lock (a CTE the insert reads from, so it is taken before any id is drawn) and the rows.
  const appendEvents = (client: Raw & object) => async (entries: readonly OutboxEntry[]) => {
    if (!hasOutbox || entries.length === 0) return;
    const params: unknown[] = [OUTBOX_LOCK];
    const rows = entries.map((e) => {
      const at = params.push(e.resource, e.recordId, e.action, e.revisionId, e.revisionNumber, e.actorId, [...e.changed]) - 7;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}::uuid, $${at + 5}::int, $${at + 6}, $${at + 7}::text[])`;
    });
    await client.$queryRawUnsafe(
      `with lock as (select pg_advisory_xact_lock($1::bigint)) insert into "Event" ("resource", "recordId", "action", "revisionId", "revisionNumber", "actorId", "changed") select v.* from lock, (values ${rows.join(", ")}) as v(resource, record_id, action, revision_id, revision_number, actor_id, changed) returning 1 as ok`,
      ...params,
    );
  };
  const inTransaction = (tx: TransactionClient): Store => ({
    appendEvents: appendEvents(tx as unknown as Raw),
    model: (name) => delegateOf(tx, name),
    // Nested transactions join the outer one.
    transaction: (work) => work(inTransaction(tx)),
    search: search(tx as unknown as Raw),
    searchAggregate: searchAggregate(tx as unknown as Raw),
  });
  return {
    // Outside a transaction the lock would be released at once: wrap the append in one.
    appendEvents: (entries) => prisma.$transaction((tx) => appendEvents(tx as unknown as Raw)(entries)),
    model: (name) => delegateOf(prisma, name),
    search: search(prisma as unknown as Raw),
    searchAggregate: searchAggregate(prisma as unknown as Raw),
    transaction: (work) => prisma.$transaction((tx) => work(inTransaction(tx as TransactionClient)), { maxWait: 5_000, timeout: 15_000 }),
  };
}

/** What a Prisma error means, in storage terms. */
export type StorageFailure =
  | { kind: "unique"; fields: string[] }
  | { kind: "notFound" }
  | { kind: "foreignKey"; constraint: string | undefined }
  | { kind: "unavailable" }
  | { kind: "valueOutOfRange"; message: string }
  /** PostgreSQL refused a value (SQLSTATE class 22, data exception, or 54, program limit exceeded). */
  | { kind: "invalidValue" };

/** Classifies a Prisma (driver adapter) error; `undefined` when it is not a known failure. */
export function classifyStorageError(error: unknown): StorageFailure | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as { code?: string; meta?: Record<string, unknown>; name?: string; message?: string };
  const cause = (e.meta?.driverAdapterError as { cause?: Record<string, unknown> } | undefined)?.cause;
  switch (e.code) {
    case "P2002": {
      // With driver adapters, the columns are in the adapter error, not meta.target.
      const fromCause = (cause?.constraint as { fields?: string[] } | undefined)?.fields;
      const target = e.meta?.target;
      const fields = fromCause ?? (Array.isArray(target) ? (target as string[]) : typeof target === "string" ? [target] : []);
      return { kind: "unique", fields: fields.map((f) => f.replaceAll('"', "")) };
    }
    case "P2025":
    case "P2001":
      return { kind: "notFound" };
    case "P2003": {
      const constraint = (cause?.constraint as { index?: string } | undefined)?.index ?? (e.meta?.field_name as string | undefined);
      return { kind: "foreignKey", constraint };
    }
    case "P2020":
    case "P2000":
      return { kind: "valueOutOfRange", message: e.message ?? "value out of range" };
    case "P1001":
    case "P1002":
    case "P1017":
    case "P2024":
      return { kind: "unavailable" };
  }
  if (e.name === "DriverAdapterError" || cause) {
    const details = (cause ?? (e as { cause?: Record<string, unknown> }).cause) as { kind?: string; originalCode?: string } | undefined;
    if (details?.kind === "UniqueConstraintViolation") return { kind: "unique", fields: [] };
    if (details?.kind === "ForeignKeyConstraintViolation") return { kind: "foreignKey", constraint: undefined };
    const sqlState = details?.originalCode;
    if (typeof sqlState === "string" && (sqlState.startsWith("22") || sqlState.startsWith("54"))) return { kind: "invalidValue" };
  }
  return undefined;
}
