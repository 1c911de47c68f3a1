/**
 * A `pg.Pool` whose connections count and record every statement they send: the primary's and the read
 * replica's pools (prisma.ts), so tests can pin a request's round trips on each.
 */
import pg from "pg";

/**
 * Counts and records the SQL statements sent to PostgreSQL through one pool: `db.statements` counts the
 * primary's pool, `db.replica.statements` the replica's (the reads routed to it: read-replica.ts).
 *
 * Every statement a pooled connection sends is counted, whether Prisma sent it on the pool or on a
 * client checked out for an interactive transaction. That includes the transaction control statements:
 * `prisma.$transaction(async (tx) => ...)` adds `BEGIN` and `COMMIT` (or `ROLLBACK`) to the count, so
 * an interactive transaction with one query counts 3. Batch transactions (`$transaction([...])`) and
 * writes Prisma wraps in a transaction itself (nested creates, `create` returning an include) add
 * their `BEGIN`/`COMMIT` too. Connection setup sends no statement and is not counted.
 *
 * Tests use it to pin the number of round trips of a read, so an N+1 regression fails a test:
 * @example
 * ```ts
 * db.statements.reset();
 * await db.prisma.post.findMany({ include: { author: true } });
 * expect(db.statements.count).toBe(1); // one LATERAL join with relationJoins
 * ```
 */
export interface StatementCounter {
  /** Statements sent since creation or the last {@link StatementCounter.reset}. */
  readonly count: number;
  /** The texts of the most recent statements, oldest first (at most `logSize` of `createDatabase`, 100 by default). */
  readonly log: readonly string[];
  /** Sets {@link StatementCounter.count} to 0 and empties {@link StatementCounter.log}. */
  reset(): void;
}

/** The {@link StatementCounter} of one pool. */
export class Recorder implements StatementCounter {
  count = 0;
  log: string[] = [];
  constructor(private readonly size: number) {}
  record(text: string): void {
    this.count += 1;
    this.log.push(text);
    if (this.log.length > this.size) this.log.splice(0, this.log.length - this.size);
  }
  reset(): void {
    this.count = 0;
    this.log = [];
  }
}

/** The SQL text of a `pg` query argument: a string, a `QueryConfig`, or a submittable (`Query`, cursor). */
function sqlText(query: unknown): string {
  if (typeof query === "string") return query;
  const text = (query as { text?: unknown } | null)?.text;
  return typeof text === "string" ? text : String(query);
}

/**
 * A pool whose connections count every statement they send. Counting happens in the pool's client
 * class, below Prisma: `pool.query` and checked-out clients both end in `Client.query`, so nothing
 * Prisma sends can bypass it.
 */
export function countingPool(options: {
  readonly url: string;
  readonly max: number;
  readonly logSize: number;
  readonly onError: (error: Error) => void;
  /** How long a connect may take before the query fails. @default pg's: no limit */
  readonly connectionTimeoutMillis?: number;
  /** PostgreSQL's `statement_timeout` on every connection; 0 for none. @default 0 */
  readonly statementTimeoutMs?: number;
}): { pool: pg.Pool; recorder: Recorder } {
  const { url, max, logSize, onError, connectionTimeoutMillis, statementTimeoutMs = 0 } = options;
  const recorder = new Recorder(logSize);

  class CountingClient extends pg.Client {
    // biome-ignore lint/suspicious/noExplicitAny: pg.Client's constructor options, forwarded unchanged
    constructor(...args: any[]) {
      super(...args);
      // pg-pool listens for errors only while a client is idle. A connection lost while checked out (a
      // transaction, a write between BEGIN and COMMIT) emits "error" as well as failing its query: with no
      // listener that would crash the process. Its query's caller sees the error; here it is dropped.
      this.on("error", () => {});
    }

    // pg's query() has a dozen overloads (callback, promise, submittable); this forwards them all unchanged.
    // biome-ignore lint/suspicious/noExplicitAny: forwards every overload of pg's query() unchanged
    override query(...args: any[]): any {
      recorder.record(sqlText(args[0]));
      // biome-ignore lint/suspicious/noExplicitAny: the same overloads, forwarded
      return (super.query as (...a: any[]) => any)(...args);
    }
  }

  const pool = new pg.Pool({
    connectionString: url,
    max,
    Client: CountingClient,
    ...(connectionTimeoutMillis !== undefined ? { connectionTimeoutMillis } : {}),
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on("error", onError);
  return { pool, recorder };
}
