/**
 * Statements PostgreSQL itself counted (pg_stat_statements) on a test database, for tests that assert
 * how many statements a request costs. The embedded test cluster loads the extension; a DATABASE_URL
 * server may not, and then `available` is false (those tests skip).
 */
import pg from "pg";

/** The counter on one database. */
export interface StatementStats {
  /** Whether the server loads pg_stat_statements. */
  readonly available: boolean;
  /** What PostgreSQL ran on the database while `work` ran, but this counter's own statements and those matching `exclude`. */
  counted(work: () => Promise<void>): Promise<{ count: number; texts: string[] }>;
  close(): Promise<void>;
}

/**
 * @param exclude `ILIKE` patterns of statements to leave out (e.g. the event dispatcher's background work).
 * @example const stats = await statementStats(t.testDb.url, ['%"Event"%']);
 */
export async function statementStats(url: string, exclude: readonly string[] = []): Promise<StatementStats> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ libs: string }>("select current_setting('shared_preload_libraries') as libs");
  const available = rows[0]?.libs.includes("pg_stat_statements") ?? false;
  if (available) await client.query("create extension if not exists pg_stat_statements");
  const patterns = ["%pg_stat_statements%", ...exclude];
  const sample = async () =>
    (
      await client.query<{ query: string; calls: string }>(
        `select query, calls from pg_stat_statements
          where dbid = (select oid from pg_database where datname = current_database())
            and not (query ilike any ($1::text[]))`,
        [patterns],
      )
    ).rows;
  return {
    available,
    async counted(work) {
      const before = new Map((await sample()).map((r) => [r.query, Number(r.calls)]));
      await work();
      const after = await sample();
      const grown = after
        .map((r) => ({ query: r.query, calls: Number(r.calls) - (before.get(r.query) ?? 0) }))
        .filter((r) => r.calls > 0);
      return { count: grown.reduce((n, r) => n + r.calls, 0), texts: grown.map((r) => r.query) };
    },
    close: () => client.end(),
  };
}
