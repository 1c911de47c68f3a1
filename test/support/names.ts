// Names shared by the vitest globalSetup (main process) and test/support/database.ts (workers).

/**
 * Prefix of the migrated template every test database is copied from. Each vitest run has its own
 * (`autograph_template_<pid>`), so runs side by side on one server never drop each other's.
 */
export const TEMPLATE_DATABASE = "autograph_template_";
/** Prefix of per-file test databases (`autograph_test_<pid>_<random>`, pid of the vitest run). */
export const TEST_DATABASE_PREFIX = "autograph_test_";

/** The pid of the vitest run a test database or template belongs to (from its name). */
export function ownerPid(name: string): number | undefined {
  const m = /^autograph_(?:template|test)_(\d+)/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `url` with its database replaced by `database`. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** A PostgreSQL identifier in double quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
