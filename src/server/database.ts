/**
 * Boot step: a migrated (and, for the demo, seeded) database, on `DATABASE_URL` or on an embedded
 * PostgreSQL started for this process.
 */
import { startEmbeddedPostgres } from "../storage/embedded-postgres.ts";
import { applyMigrations } from "../storage/prisma-cli.ts";
import { createDatabase } from "../storage/prisma.ts";
import { isSeeded, seedDemoData } from "../storage/seed.ts";

/** Options of {@link prepareDatabase}; `loadConfig()` supplies them from the environment. */
export interface PrepareDatabaseOptions {
  /** PostgreSQL to use as is (the database in the URL must exist). When unset, the embedded PostgreSQL is used. */
  databaseUrl?: string | undefined;
  /** Data folder of the embedded PostgreSQL. */
  dataDir: string;
  /** Port of the embedded PostgreSQL (ignored when a server left running in `dataDir` is adopted). */
  port: number;
  /** Whether to write the demo data when the database has none. */
  seed: boolean;
  /** One line per step (server started, migrations applied, data seeded). */
  log: (message: string) => void;
}

/** A database ready for the app. */
export interface PreparedDatabase {
  /** Connection URL of the migrated database. */
  readonly url: string;
  /** Stops the embedded PostgreSQL if this call started it; otherwise does nothing. */
  close(): Promise<void>;
}

/** Name of the app's database on the embedded server. */
const EMBEDDED_DATABASE = "autograph";
/** Key of the advisory lock that serialises "seed if empty" across processes booting together. */
const SEED_LOCK = 7_240_915;

/**
 * Prepares the app's database: starts (or adopts) the embedded PostgreSQL when no `databaseUrl` is
 * given and creates its `autograph` database, applies pending migrations (`prisma migrate deploy`),
 * then writes the demo data if `seed` is set and the database holds no users.
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
export async function prepareDatabase(options: PrepareDatabaseOptions): Promise<PreparedDatabase> {
  const { log } = options;
  let url = options.databaseUrl;
  let close = async () => {};
  if (!url) {
    const server = await startEmbeddedPostgres({ dataDir: options.dataDir, port: options.port, log });
    // A server adopted from a killed run is not ours to stop: another process may be using it.
    if (!server.reused) close = () => server.stop();
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
    if (options.seed) await seedOnce(url, log);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, close };
}

async function seedOnce(url: string, log: (message: string) => void): Promise<void> {
  const db = createDatabase(url, { poolSize: 2 });
  try {
    const lock = await db.pool.connect();
    try {
      await lock.query("select pg_advisory_lock($1)", [SEED_LOCK]);
      if (await isSeeded(db.prisma)) return;
      const summary = await seedDemoData(db.prisma);
      log(
        `demo data seeded: ${summary.users} users, ${summary.posts} posts, ${summary.comments} comments, ${summary.tags} tags`,
      );
    } finally {
      // Ending the session would release the lock too; unlocking first keeps a pooled session clean.
      await lock.query("select pg_advisory_unlock($1)", [SEED_LOCK]).catch(() => {});
      lock.release();
    }
  } finally {
    await db.close();
  }
}
