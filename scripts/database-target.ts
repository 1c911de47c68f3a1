// The database a command-line script works on: DATABASE_URL, or the embedded PostgreSQL in
// EMBEDDED_PG_DIR on EMBEDDED_PG_PORT (started for the command and stopped after it, unless the server
// already runs it). Shared by npm run db, dump, load and blobs:gc.
import { startEmbeddedPostgres } from "../src/storage/embedded-postgres.ts";

/** The URL of the database to work on, and how to stop what was started for it. */
export async function databaseTarget(): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) return { url, stop: async () => {} };
  const pg = await startEmbeddedPostgres({
    dataDir: process.env.EMBEDDED_PG_DIR ?? ".data/postgres",
    port: Number(process.env.EMBEDDED_PG_PORT ?? 54329),
    log: (m) => console.error(`[autograph] ${m}`),
  });
  await pg.ensureDatabase("autograph");
  return { url: pg.url("autograph"), stop: pg.reused ? async () => {} : () => pg.stop() };
}
