/**
 * Boot step: a migrated (and, when the app brings a seed, seeded) database, on `DATABASE_URL` or on an
 * embedded PostgreSQL started for this process.
 */
import type { Datamodel } from "../metadata/datamodel.ts";
import { startEmbeddedPostgres } from "../storage/embedded-postgres.ts";
import { superviseEmbeddedPostgres } from "../storage/embedded-postgres-supervisor.ts";
import { applyMigrations } from "../storage/prisma-cli.ts";
import { createDatabase, type PrismaClientClass, type PrismaClientLike } from "../storage/prisma.ts";

/**
 * Writes an app's initial data (the demo's users, posts, ...). It runs at boot when `SEED` is on, under a
 * lock, so instances booting together run it one after the other: it must itself leave a database that
 * already holds data alone. Resolves with a line to log, or undefined when it wrote nothing.
 */
export type Seed<P extends PrismaClientLike = PrismaClientLike> = (prisma: P) => Promise<string | undefined>;

/** Options of {@link prepareDatabase}; `loadConfig()` supplies most of them from the environment. */
export interface PrepareDatabaseOptions<P extends PrismaClientLike = PrismaClientLike> {
  /** PostgreSQL to use as is (the database in the URL must exist). When unset, the embedded PostgreSQL is used. */
  databaseUrl?: string | undefined;
  /** Data folder of the embedded PostgreSQL. */
  dataDir: string;
  /** Port of the embedded PostgreSQL (ignored when a server left running in `dataDir` is adopted). */
  port: number;
  /** Whether to run {@link PrepareDatabaseOptions.seeder}. */
  seed: boolean;
  /** The app's seed, with the Prisma client to run it on. @default none: nothing is seeded */
  seeder?: { readonly run: Seed<P>; readonly prismaClient: PrismaClientClass<P>; readonly datamodel: Datamodel };
  /** One line per step (server started, migrations applied, data seeded). */
  log: (message: string) => void;
  /** One line per trouble of the embedded PostgreSQL (found dead, restart attempt failed). @default `log` */
  warn?: (message: string) => void;
  /**
   * Whether the embedded PostgreSQL (started or adopted) is watched and restarted when it dies
   * (storage/embedded-postgres-supervisor.ts). A `databaseUrl` server is never supervised: it is not ours.
   * @default true
   */
  supervise?: boolean;
}

/** A database ready for the app. */
export interface PreparedDatabase {
  /** Connection URL of the migrated database. */
  readonly url: string;
  /** Stops the supervision and the embedded PostgreSQL if this call started it; otherwise does nothing. */
  close(): Promise<void>;
}

/** Name of the app's database on the embedded server. */
const EMBEDDED_DATABASE = "autograph";
/** Key of the advisory lock that serialises "seed if empty" across processes booting together. */
const SEED_LOCK = 7_240_915;

/**
 * Prepares the app's database: starts (or adopts) the embedded PostgreSQL when no `databaseUrl` is
 * given and creates its `autograph` database, applies pending migrations (`prisma migrate deploy`),
 * then runs the app's seed if `seed` is set.
 * @example
 * ```ts
 * const config = loadConfig();
 * const database = await prepareDatabase({
 *   databaseUrl: config.databaseUrl,
 *   dataDir: config.embeddedPgDir,
 *   port: config.embeddedPgPort,
 *   seed: config.seed,
 *   log: (message) => logger.info(message),
 * });
 * // ... serve database.url ...
 * await database.close();
 * ```
 */
export async function prepareDatabase<P extends PrismaClientLike>(
  options: PrepareDatabaseOptions<P>,
): Promise<PreparedDatabase> {
  const { log } = options;
  let url = options.databaseUrl;
  let close = async () => {};
  if (!url) {
    const server = await startEmbeddedPostgres({ dataDir: options.dataDir, port: options.port, log });
    const supervisor =
      options.supervise === false
        ? undefined
        : superviseEmbeddedPostgres(server, { info: log, warn: options.warn ?? log });
    close = async () => {
      // First the supervisor, so it does not start again the server being stopped.
      await supervisor?.stop();
      // A server adopted from a killed run is not ours to stop (another process may be using it),
      // unless the supervisor started it again.
      if (!server.reused || (supervisor?.restarts ?? 0) > 0) await server.stop();
    };
    url = server.url(EMBEDDED_DATABASE);
    try {
      await server.ensureDatabase(EMBEDDED_DATABASE);
    } catch (error) {
      await close();
      throw error;
    }
  }

  try {
    await applyMigrations(url);
    log("database migrations applied");
    if (options.seed && options.seeder) await seedOnce(url, options.seeder, log);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, close };
}

async function seedOnce<P extends PrismaClientLike>(
  url: string,
  seeder: NonNullable<PrepareDatabaseOptions<P>["seeder"]>,
  log: (message: string) => void,
): Promise<void> {
  const db = createDatabase(url, { prismaClient: seeder.prismaClient, datamodel: seeder.datamodel, poolSize: 2 });
  try {
    const lock = await db.pool.connect();
    try {
      await lock.query("select pg_advisory_lock($1)", [SEED_LOCK]);
      const summary = await seeder.run(db.prisma);
      if (summary !== undefined) log(summary);
    } finally {
      // Ending the session would release the lock too; unlocking first keeps a pooled session clean.
      await lock.query("select pg_advisory_unlock($1)", [SEED_LOCK]).catch(() => {});
      lock.release();
    }
  } finally {
    await db.close();
  }
}
