/**
 * The benchmark's database: a fresh `autograph_bench` (dropped first if a previous run left it), on the
 * server of `DATABASE_URL` or on an embedded PostgreSQL of its own, migrated and seeded with the demo
 * data, so every run measures the same rows.
 */
import pg from "pg";
import { startEmbeddedPostgres } from "../src/storage/embedded-postgres.ts";
import { applyMigrations } from "../src/storage/prisma-cli.ts";
import { createDemoDatabase } from "../test/support/demo-database.ts";
import { type SeedSummary, seedDemoData } from "../demo/seed.ts";

/** Name of the database every run recreates. */
export const BENCH_DATABASE = "autograph_bench";

/** Options of {@link prepareBenchDatabase}. */
export interface BenchDatabaseOptions {
  /** A server to use; its database is used only for `DROP`/`CREATE DATABASE`. When unset, the embedded one is started. */
  databaseUrl?: string | undefined;
  /** Data folder of the embedded PostgreSQL. */
  dataDir: string;
  /** Port of the embedded PostgreSQL. */
  port: number;
  /**
   * Whether the embedded PostgreSQL should load `pg_stat_statements` (PostgreSQL's own count of the
   * statements it runs). Loading it takes `shared_preload_libraries` and a restart: the first run sets
   * it with `ALTER SYSTEM` in the bench's data folder and restarts the server it started; later runs
   * find it set. Ignored with `databaseUrl` (that server loads it or not) and for a server adopted
   * from a killed run (not ours to restart). @default false
   */
  statementStatistics?: boolean;
  log: (message: string) => void;
  /** Name of the database to recreate, so that two programs can run at once. @default {@link BENCH_DATABASE} */
  database?: string;
}

/** A migrated, seeded database. */
export interface BenchDatabase {
  readonly url: string;
  readonly seeded: SeedSummary;
  /** Stops the embedded PostgreSQL if this run started it. The database itself stays for inspection; the next run drops it. */
  close(): Promise<void>;
}

function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/**
 * Starts the embedded PostgreSQL unless `databaseUrl` is given, recreates {@link BENCH_DATABASE} on
 * that server, migrates it, seeds the demo data and refreshes the planner's statistics.
 * @example
 * ```ts
 * const database = await prepareBenchDatabase({ dataDir: ".data/postgres-bench", port: 54331, log: console.error });
 * try {
 *   // ... serve database.url ...
 * } finally {
 *   await database.close();
 * }
 * ```
 */
export async function prepareBenchDatabase(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const { log } = options;
  let adminUrl = options.databaseUrl;
  let close = async () => {};
  if (adminUrl) {
    log(`using the PostgreSQL server of DATABASE_URL`);
  } else {
    const start = () => startEmbeddedPostgres({ dataDir: options.dataDir, port: options.port, durable: false, log });
    let server = await start();
    if (options.statementStatistics && !server.reused && !(await loadsStatementStatistics(server.url("postgres")))) {
      log("restarting the embedded PostgreSQL with pg_stat_statements in shared_preload_libraries");
      await server.stop();
      server = await start();
    }
    adminUrl = server.url("postgres");
    // A server adopted from a killed run may be serving another process: leave it running.
    if (!server.reused) close = () => server.stop();
  }

  const name = options.database ?? BENCH_DATABASE;
  try {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      // FORCE: a killed run may have left connections open to it.
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.query(`create database "${name}"`);
    } finally {
      await admin.end();
    }
    const url = databaseUrl(adminUrl, name);
    await applyMigrations(url);
    const db = createDemoDatabase(url, { poolSize: 2 });
    let seeded: SeedSummary;
    try {
      seeded = await seedDemoData(db.prisma);
    } finally {
      await db.close();
    }
    // Fresh statistics, so the planner sees the seeded tables as they are, not as empty.
    const analyze = new pg.Client({ connectionString: url });
    await analyze.connect();
    await analyze.query("analyze").finally(() => analyze.end());
    log(`database ${name} ready: ${seeded.users} users, ${seeded.posts} posts, ${seeded.comments} comments`);
    return { url, seeded, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Whether the server of `url` has `pg_stat_statements` loaded. If not, adds it to
 * `shared_preload_libraries` with `ALTER SYSTEM` (taken at the next start) and answers false.
 */
async function loadsStatementStatistics(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const loaded =
      (await client.query<{ libs: string }>("select current_setting('shared_preload_libraries') as libs")).rows[0]
        ?.libs ?? "";
    const libs = loaded
      .split(",")
      .map((l) => l.trim())
      .filter((l) => l !== "");
    if (libs.includes("pg_stat_statements")) return true;
    const value = [...libs, "pg_stat_statements"].map((l) => `'${l.replaceAll("'", "''")}'`).join(", ");
    await client.query(`alter system set shared_preload_libraries = ${value}`);
    return false;
  } finally {
    await client.end();
  }
}

/**
 * {@link prepareBenchDatabase} where the environment says: `DATABASE_URL`, else the embedded server in
 * `EMBEDDED_PG_BENCH_DIR` (`.data/postgres-bench`) on `EMBEDDED_PG_BENCH_PORT` (54331).
 */
export function prepareBenchDatabaseFromEnv(
  log: (message: string) => void,
  database: string = BENCH_DATABASE,
): Promise<BenchDatabase> {
  return prepareBenchDatabase({
    database,
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.EMBEDDED_PG_BENCH_DIR ?? ".data/postgres-bench",
    port: Number(process.env.EMBEDDED_PG_BENCH_PORT ?? 54331),
    log,
  });
}
