/**
 * The application's Prisma client: the project's generated Rust-free client (its class is passed in, so
 * the library never imports a generated client) on `@prisma/adapter-pg`, over a `pg.Pool` this module
 * owns, with a counter of the SQL statements sent through that pool.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import pg from "pg";
import type { Datamodel } from "../metadata/datamodel.ts";
import { type Instrumentation, NO_INSTRUMENTATION, SPAN_SQL_CHARS } from "./instrumentation.ts";

/**
 * What Autograph calls on a Prisma client: raw SQL, interactive transactions and disconnect; model
 * delegates (`prisma.post`, ...) are looked up by name. Any client `prisma generate` writes has these.
 */
export interface PrismaClientLike {
  $transaction<R>(work: (tx: object) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $disconnect(): Promise<void>;
}

/**
 * A generated `PrismaClient` class (generator `prisma-client` with `engineType = "client"`, or
 * `prisma-client-js` with the `driverAdapters` preview): Autograph constructs it with a
 * `@prisma/adapter-pg` adapter on its own pool.
 */
export type PrismaClientClass<P extends PrismaClientLike = PrismaClientLike> = new (options: {
  adapter: PrismaPg;
}) => P;

/**
 * Counts and records the SQL statements sent to PostgreSQL through one {@link Database}'s pool.
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
  /** The texts of the most recent statements, oldest first (at most `logSize`, see {@link CreateDatabaseOptions}). */
  readonly log: readonly string[];
  /** Sets {@link StatementCounter.count} to 0 and empties {@link StatementCounter.log}. */
  reset(): void;
}

/** Options of {@link createDatabase}. */
export interface CreateDatabaseOptions<P extends PrismaClientLike = PrismaClientLike> {
  /** The project's generated `PrismaClient` class. */
  prismaClient: PrismaClientClass<P>;
  /** The project's datamodel, as the datamodel generator wrote it (scripts/datamodel-generator.mjs). */
  datamodel: Datamodel;
  /** Maximum number of pooled connections. @default 10 */
  poolSize?: number;
  /**
   * PostgreSQL's `statement_timeout` of every pooled connection, in milliseconds: a statement running
   * longer is cancelled (SQLSTATE 57014), whoever sent it (Prisma, the compiled reads and writes, raw
   * `pool.query`). Sent as a startup parameter, so it costs no round trip. 0 keeps the server's own
   * setting. @default 0
   */
  statementTimeoutMs?: number;
  /** How many statement texts {@link StatementCounter.log} keeps. @default 100 */
  logSize?: number;
  /**
   * Called when an idle pooled connection fails (e.g. the server restarted). pg drops that connection
   * and the next query opens a new one, so this is for logging only.
   * @default ignores the error
   */
  onPoolError?: (error: Error) => void;
  /**
   * Told of every statement (duration, failure), and a span per statement when it has a tracer
   * (`db.system.name` postgresql, the text truncated, never the parameter values).
   * @default observes nothing
   */
  instrumentation?: Instrumentation;
}

/** A Prisma client on its own pool. */
export interface Database<P extends PrismaClientLike = PrismaClientLike> {
  /** The project's Prisma client, on the pool below. */
  readonly prisma: P;
  /** The datamodel of the schema the client was generated from. */
  readonly datamodel: Datamodel;
  /** The pool Prisma queries through (also usable for raw `pg` access; its statements are counted too). */
  readonly pool: pg.Pool;
  /** Every statement sent through the pool, counted (tests pin a read's round trips with it). */
  readonly statements: StatementCounter;
  /** Disconnects Prisma and ends the pool. Safe to call more than once. */
  close(): Promise<void>;
}

class Recorder implements StatementCounter {
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
 * Creates a Prisma client for `url` on a new `pg.Pool`, with a {@link StatementCounter}.
 *
 * Counting happens in the pool's client class, below Prisma: `pool.query` and checked-out clients
 * both end in `Client.query`, so nothing Prisma sends can bypass it.
 * @example
 * ```ts
 * const db = createDatabase(process.env.DATABASE_URL!, { prismaClient: PrismaClient, datamodel });
 * try {
 *   const posts = await db.prisma.post.findMany({ include: { author: true } });
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export function createDatabase<P extends PrismaClientLike>(
  url: string,
  options: CreateDatabaseOptions<P>,
): Database<P> {
  const recorder = new Recorder(options.logSize ?? 100);
  const observer = options.instrumentation ?? NO_INSTRUMENTATION;
  const { tracer } = observer;

  class CountingClient extends pg.Client {
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

  const statementTimeoutMs = options.statementTimeoutMs ?? 0;
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0)
    throw new TypeError(
      `statementTimeoutMs must be a whole number of milliseconds (0 for none), got ${JSON.stringify(statementTimeoutMs)}.`,
    );
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    Client: CountingClient,
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on("error", options.onPoolError ?? (() => {}));
  const prisma = new options.prismaClient({ adapter: new PrismaPg(pool) });

  let closing: Promise<void> | undefined;
  return {
    prisma,
    datamodel: options.datamodel,
    pool,
    statements: recorder,
    close() {
      closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })();
      return closing;
    },
  };
}

/** A client span for one statement, child of the active span: its verb as the name, the text truncated. */
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
