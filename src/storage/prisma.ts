/**
 * The application's Prisma client: the project's generated Rust-free client (its class is passed in, so
 * the library never imports a generated client) on `@prisma/adapter-pg`, over a `pg.Pool` this module
 * owns, with a counter of the SQL statements sent through that pool; and, given a replica's URL, the
 * same again on the replica (read-replica.ts).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Datamodel } from "../metadata/datamodel.ts";
import { countingPool, type StatementCounter } from "./counting-pool.ts";
import type { Instrumentation } from "./instrumentation.ts";
import { openReadReplica, type ReadReplica, type ReplicaState } from "./read-replica.ts";

export type { StatementCounter } from "./counting-pool.ts";

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
  /**
   * How long taking a connection may wait, in milliseconds: for a new one to open (a server that does not
   * answer, e.g. a host that drops packets, fails the request with 503 instead of holding it) or, pg-pool
   * counts it the same, for a busy pool to free one.
   * @default 5000
   */
  connectTimeoutMs?: number;
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
   * (`db.system.name` postgresql, the text truncated, never the parameter values), on the primary and
   * the replica alike.
   * @default observes nothing
   */
  instrumentation?: Instrumentation | undefined;
  /**
   * A streaming replica of the database (`DATABASE_READ_URL`): reads outside transactions go to it
   * (docs/guides/read-replicas.md). @default none: every statement goes to the primary
   */
  readReplica?: ReadReplicaSettings | undefined;
}

/** The replica of {@link CreateDatabaseOptions.readReplica}. */
export interface ReadReplicaSettings {
  /** Its connection URL. */
  url: string;
  /** Beyond this lag (ms), reads go to the primary until the replica catches up (`READ_REPLICA_MAX_LAG_MS`). @default no limit */
  maxLagMs?: number | undefined;
  /** How often its lag is measured (ms). @default 5000 */
  lagIntervalMs?: number;
  /** Called once per change of whether reads go to it (to log it), with the error that made it unreachable. */
  onStateChange?: (state: ReplicaState, error?: unknown) => void;
}

/** A Prisma client on its own pool. */
export interface Database<P extends PrismaClientLike = PrismaClientLike> {
  /** The project's Prisma client, on the pool below. */
  readonly prisma: P;
  /** The datamodel of the schema the client was generated from. */
  readonly datamodel: Datamodel;
  /** The pool Prisma queries through (also usable for raw `pg` access; its statements are counted too). */
  readonly pool: pg.Pool;
  /**
   * Every statement sent through the primary's pool, counted (tests pin a read's round trips with it).
   * With a replica, the reads routed to it are counted by `replica.statements` instead.
   */
  readonly statements: StatementCounter;
  /** The read replica, when {@link CreateDatabaseOptions.readReplica} names one: its lag and its own statement counter. */
  readonly replica?: ReadReplica | undefined;
  /** Disconnects Prisma and ends the pool (the replica's too). Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Creates a Prisma client for `url` on a new `pg.Pool`, with a {@link StatementCounter}; with
 * `readReplica`, a second client, pool and counter on the replica (`db.replica`).
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
  const poolSize = options.poolSize ?? 10;
  const onPoolError = options.onPoolError ?? (() => {});
  const statementTimeoutMs = options.statementTimeoutMs ?? 0;
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0)
    throw new TypeError(
      `statementTimeoutMs must be a whole number of milliseconds (0 for none), got ${JSON.stringify(statementTimeoutMs)}.`,
    );
  const pools = {
    max: poolSize,
    logSize: options.logSize ?? 100,
    onError: onPoolError,
    statementTimeoutMs,
    instrumentation: options.instrumentation,
  };
  const primary = countingPool({ ...pools, url, connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000 });
  const prisma = new options.prismaClient({ adapter: new PrismaPg(primary.pool) });
  const settings = options.readReplica;
  let replica: ReadReplica | undefined;
  if (settings) {
    // A replica that does not answer must not hold reads for long: they fall back to the primary.
    const reads = countingPool({ ...pools, url: settings.url, connectionTimeoutMillis: 2_000 });
    const probePool = new pg.Pool({
      connectionString: settings.url,
      max: 1,
      connectionTimeoutMillis: 2_000,
      query_timeout: 2_000,
    });
    probePool.on("error", () => {});
    replica = openReadReplica({
      prisma: new options.prismaClient({ adapter: new PrismaPg(reads.pool) }),
      pool: reads.pool,
      statements: reads.recorder,
      probePool,
      maxLagMs: settings.maxLagMs,
      ...(settings.lagIntervalMs !== undefined ? { lagIntervalMs: settings.lagIntervalMs } : {}),
      ...(settings.onStateChange ? { onStateChange: settings.onStateChange } : {}),
    });
  }

  let closing: Promise<void> | undefined;
  return {
    prisma,
    datamodel: options.datamodel,
    pool: primary.pool,
    statements: primary.recorder,
    replica,
    close() {
      closing ??= (async () => {
        await replica?.close();
        await prisma.$disconnect();
        await primary.pool.end();
      })();
      return closing;
    },
  };
}
