/**
 * Work that commits with one write, in its one statement's transaction (storage's `write`): a broker
 * command claims its receipt before the write and stores its reply after it, so the write and its
 * receipt commit together without a Prisma transaction (docs/design/write-path.md).
 *
 * A context carries it (`RequestContext.alongside`) for its one write. Only a write that compiles to one
 * statement can take it: any other (a hook inside the transaction, a nested or batch write, a restore)
 * throws {@link TransactionRequired} before it begins, and the caller runs it in a transaction instead.
 */
import type { AlongsideTables } from "../storage/store.ts";

/** What runs in a write's transaction besides the write. Throwing from either rolls the write back. */
export interface Alongside {
  /** The datasource its tables are in: a write of a resource on another one throws {@link TransactionRequired}. */
  readonly datasource: string;
  /** After BEGIN, before the write. Throw {@link WriteDeclined} to write nothing and answer otherwise. */
  before(tables: AlongsideTables): Promise<void>;
  /** After the write, before COMMIT, with the record as the caller will get it (a ResourceRecord). */
  after(tables: AlongsideTables, record: Record<string, unknown>): Promise<void>;
}

/** The write cannot run as one statement: run it in a transaction (`runtime.transaction`) instead. Nothing was written. */
export class TransactionRequired extends Error {
  constructor(what: string) {
    super(`${what} needs a transaction: it does not compile to one statement`);
    this.name = "TransactionRequired";
  }
}

/** Thrown by {@link Alongside.before}: nothing is written, and the write's caller gets this instead (not a failure of the write). */
export class WriteDeclined<T = unknown> extends Error {
  constructor(readonly answer: T) {
    super("the write was declined before it began");
    this.name = "WriteDeclined";
  }
}
