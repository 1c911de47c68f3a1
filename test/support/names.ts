// Names shared by the vitest globalSetup (main process) and test/support/database.ts (workers).

/** The migrated database every test database is copied from. */
export const TEMPLATE_DATABASE = "autograph_template";
/** Prefix of per-file test databases; globalSetup drops leftovers of killed runs by it. */
export const TEST_DATABASE_PREFIX = "autograph_test_";

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
