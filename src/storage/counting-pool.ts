/**
 * A `pg.Pool` whose connections count and record every statement they send: the primary's and the read
 * replica's pools (prisma.ts), so tests can pin a request's round trips on each.
 */
import { type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import pg from "pg";
import { type Instrumentation, NO_INSTRUMENTATION, SPAN_SQL_CHARS } from "./instrumentation.ts";

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
  /** Told of each statement's duration and failure; a span per statement when it has a tracer. @default observes nothing */
  readonly instrumentation?: Instrumentation | undefined;
}): { pool: pg.Pool; recorder: Recorder } {
  const { url, max, logSize, onError, connectionTimeoutMillis, statementTimeoutMs = 0 } = options;
  const recorder = new Recorder(logSize);
  const observer = options.instrumentation ?? NO_INSTRUMENTATION;
  const { tracer } = observer;

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
      const text = sqlText(args[0]);
      recorder.record(text);
      const started = performance.now();
      const span = tracer && statementSpan(tracer, text);
      // biome-ignore lint/suspicious/noExplicitAny: the same overloads, forwarded
      const result = (super.query as (...a: any[]) => any)(...args);
      // Prisma's adapter and pool.query use the promise form; a callback or submittable (cursor) is counted, not timed.
      if (result instanceof Promise)
        result.then(
          () => {
            observer.statement((performance.now() - started) / 1000, false);
            span?.end();
          },
          (error: unknown) => {
            observer.statement((performance.now() - started) / 1000, true);
            if (span) endFailed(span, error);
          },
        );
      else span?.end();
      return result;
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

/** A CLIENT span for one statement, named by its verb; the text is cut at SPAN_SQL_CHARS and never holds parameter values. */
function statementSpan(tracer: NonNullable<Instrumentation["tracer"]>, text: string): Span {
  const verb = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? "SQL";
  return tracer.startSpan(verb, {
    kind: SpanKind.CLIENT,
    attributes: {
      "db.system.name": "postgresql",
      "db.system": "postgresql",
      "db.operation.name": verb,
      "db.query.text": text.length > SPAN_SQL_CHARS ? `${text.slice(0, SPAN_SQL_CHARS)}…` : text,
    },
  });
}

/** Ends `span` as failed with the error's class and SQLSTATE (never its parameters). */
function endFailed(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (typeof code === "string") span.setAttribute("db.response.status_code", code);
  span.end();
}
