/**
 * The command receipt table: the optional `CommandReceipt` model (docs/guides/messaging.md), one row per
 * idempotency key of a write command that came over a message broker, holding the reply it got.
 *
 * A write command claims its key in the write's own transaction (an insert the unique key serialises:
 * a second delivery of the same key waits for the first transaction to end), runs, and stores its
 * reply before the commit. So the key and the write commit together or not at all: a process that dies
 * between the commit and the broker's ack leaves a receipt, and the redelivery is answered from it.
 * Times are the database's clock, so every instance agrees on when a receipt expires.
 */
import { ident, type SqlModels } from "./sql/where-sql.ts";
import type { RunSql } from "./record-locks.ts";

/** The model of the receipt table. */
export const RECEIPT_MODEL = "CommandReceipt";

/** A stored receipt. */
export interface StoredReceipt {
  readonly key: string;
  readonly resource: string;
  readonly action: string;
  /** The reply the command got, as sent. */
  readonly reply: unknown;
}

/** What a command's claim of its key found. */
export type ClaimResult =
  /** The key is this transaction's now: run the command, then {@link ReceiptTable.complete} it. */
  | { readonly claimed: true }
  /** A live receipt holds the key: the command ran already; answer its reply. */
  | { readonly claimed: false; readonly receipt: StoredReceipt };

/** The receipt table, through one connection or transaction. */
export interface ReceiptTable {
  /**
   * Claims `key` for a command that keeps it `retentionSeconds`: inserts its row (an expired row of the
   * same key is replaced), or answers the live receipt that holds it. Inside a transaction, a claim of
   * a key another open transaction claimed waits for that one to end.
   */
  claim(key: string, command: { resource: string; action: string }, retentionSeconds: number): Promise<ClaimResult>;
  /** Stores the reply of the key this transaction claimed. */
  complete(key: string, reply: unknown): Promise<void>;
  /**
   * Stores a reply in one statement, unless a live receipt holds the key already; answers the receipt
   * that holds it after (the one given, or the earlier one). For commands that wrote nothing: a refusal.
   */
  record(receipt: StoredReceipt, retentionSeconds: number): Promise<StoredReceipt>;
  /** The live receipt of `key`; undefined when there is none or it expired. */
  find(key: string): Promise<StoredReceipt | undefined>;
  /** Deletes the expired receipts; answers how many went. */
  sweep(): Promise<number>;
}

const FIELDS = ["key", "resource", "action", "reply", "createdAt", "expiresAt"] as const;

/** The database's clock as the table's `timestamp(3)` columns store time (UTC, as Prisma writes it). */
const NOW = `(now() at time zone 'UTC')`;

/**
 * The receipt table of a schema, by the client it runs on; undefined when the schema has no
 * {@link RECEIPT_MODEL}. Table and column names come from the datamodel (`@@map`, `@map` honoured).
 */
export function receiptTable(models: SqlModels): ((run: RunSql) => ReceiptTable) | undefined {
  const model = models.datamodel.models.find((m) => m.name === RECEIPT_MODEL);
  if (!model) return undefined;
  const table = models.table(model);
  const col = Object.fromEntries(FIELDS.map((f) => [f, models.column(models.field(model, f))])) as Record<
    (typeof FIELDS)[number],
    string
  >;
  const columns = `${col.key} as "key", ${col.resource} as ${ident("resource")}, ${col.action} as ${ident("action")}, ${col.reply}::text as "reply"`;
  const insert = `insert into ${table} (${col.key}, ${col.resource}, ${col.action}, ${col.reply}, ${col.createdAt}, ${col.expiresAt}) values ($1, $2, $3, $4::jsonb, ${NOW}, ${NOW} + make_interval(secs => $5::int))`;
  // An expired receipt is as good as none: the key's next command replaces it.
  const replaceExpired = `on conflict (${col.key}) do update set ${col.resource} = excluded.${col.resource}, ${col.action} = excluded.${col.action}, ${col.reply} = excluded.${col.reply}, ${col.createdAt} = excluded.${col.createdAt}, ${col.expiresAt} = excluded.${col.expiresAt} where ${table}.${col.expiresAt} <= ${NOW}`;
  const claim = `${insert} ${replaceExpired} returning 1 as "claimed"`;
  const find = `select ${columns} from ${table} where ${col.key} = $1 and ${col.expiresAt} > ${NOW}`;
  const complete = `update ${table} set ${col.reply} = $2::jsonb where ${col.key} = $1 returning 1 as "done"`;
  const sweep = `delete from ${table} where ${col.expiresAt} <= ${NOW} returning 1 as "gone"`;
  const decode = (row: Record<string, unknown>): StoredReceipt => ({
    key: String(row.key),
    resource: String(row.resource),
    action: String(row.action),
    reply: JSON.parse(String(row.reply)) as unknown,
  });

  return (run) => {
    const findReceipt = async (key: string) => {
      const [row] = await run(find, [key]);
      return row && decode(row);
    };
    return {
      async claim(key, command, retentionSeconds) {
        // The placeholder reply is never read: the claim's transaction replaces it before it commits.
        const [taken] = await run(claim, [key, command.resource, command.action, "null", retentionSeconds]);
        if (taken) return { claimed: true };
        const receipt = await findReceipt(key);
        if (!receipt) throw new Error(`command receipt ${key}: neither claimed nor held by a live receipt`);
        return { claimed: false, receipt };
      },
      async complete(key, reply) {
        const [done] = await run(complete, [key, JSON.stringify(reply)]);
        if (!done) throw new Error(`command receipt ${key}: completed without being claimed`);
      },
      async record(receipt, retentionSeconds) {
        const { key, resource, action, reply } = receipt;
        const [taken] = await run(`${insert} ${replaceExpired} returning 1 as "claimed"`, [
          key,
          resource,
          action,
          JSON.stringify(reply),
          retentionSeconds,
        ]);
        if (taken) return receipt;
        return (await findReceipt(key)) ?? receipt;
      },
      find: findReceipt,
      sweep: async () => (await run(sweep, [])).length,
    };
  };
}
