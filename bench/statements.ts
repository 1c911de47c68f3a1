/**
 * SQL statements per request as PostgreSQL itself counts them: `pg_stat_statements`, which counts every
 * statement every session runs (top-level ones, transaction control included), whichever process sent it.
 *
 * It must be in `shared_preload_libraries` (bench/database.ts sets that on the embedded server). The
 * extension's view is created in a schema of its own (`bench_stats`) of the benchmark database, so
 * that PostGraphile, which serves `public`, does not see it.
 *
 * The servers share the database and the role, so statements are told apart by time and by kind:
 * requests to one server are sent one at a time while the others idle, and the statements that run
 * with no request at all (Autograph's change-event dispatcher polls its outbox every 50 ms) are learnt
 * first, in an idle window, and left out of every count by their `queryid`.
 */
import pg from "pg";

const SCHEMA = "bench_stats";

/** The statements one kind of request costs. */
export interface StatementCount {
  /** Statements per request, averaged over the requests sent. */
  perRequest: number;
  /** Each distinct statement (normalised by PostgreSQL) and how often per request it ran. */
  statements: { perRequest: number; query: string }[];
}

/** Statements that ran while no request was sent (learnt by {@link StatementStatistics.learnBackground}). */
export interface Background {
  seconds: number;
  statements: { calls: number; query: string }[];
}

export class StatementStatistics {
  readonly #client: pg.Client;
  readonly #background = new Set<string>();

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  /**
   * Connects to the database of `url` and makes `pg_stat_statements` queryable there. Resolves to the
   * reason (a sentence) when the server does not load it.
   */
  static async open(url: string): Promise<StatementStatistics | string> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const libs =
        (await client.query<{ libs: string }>("select current_setting('shared_preload_libraries') as libs")).rows[0]
          ?.libs ?? "";
      if (!libs.split(",").some((l) => l.trim() === "pg_stat_statements")) {
        throw new Error(
          `the server does not load pg_stat_statements (shared_preload_libraries = '${libs}'): add it there and restart the server`,
        );
      }
      await client.query(`create schema if not exists ${SCHEMA}`);
      await client.query(`create extension if not exists pg_stat_statements schema ${SCHEMA}`);
      return new StatementStatistics(client);
    } catch (error) {
      await client.end().catch(() => {});
      return (error as Error).message;
    }
  }

  async #reset(): Promise<void> {
    await this.#client.query(`select ${SCHEMA}.pg_stat_statements_reset()`);
  }

  /** The statements counted since the last reset in this database, but this class's own. */
  async #read(): Promise<{ id: string; calls: number; query: string }[]> {
    const result = await this.#client.query<{ id: string; calls: string; query: string }>(
      `select s.queryid::text as id, s.calls::text as calls, s.query
       from ${SCHEMA}.pg_stat_statements s
       join pg_database d on d.oid = s.dbid
       where d.datname = current_database() and s.query not like '%pg_stat_statements%'
       order by s.calls desc`,
    );
    return result.rows.map((r) => ({ id: r.id, calls: Number(r.calls), query: r.query }));
  }

  /** Learns what runs while no request is sent, for `ms`: those statements are left out of later counts. */
  async learnBackground(ms: number): Promise<Background> {
    await this.#reset();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const seen = await this.#read();
    for (const s of seen) this.#background.add(s.id);
    return { seconds: ms / 1000, statements: seen.map(({ calls, query }) => ({ calls, query })) };
  }

  /** Calls `send` `requests` times, one after the other, and counts the statements that ran meanwhile. */
  async count(requests: number, send: () => Promise<void>): Promise<StatementCount> {
    await this.#reset();
    for (let i = 0; i < requests; i++) await send();
    // A server may finish a statement after it answered (e.g. a connection going back to the pool).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = (await this.#read()).filter((s) => !this.#background.has(s.id));
    const total = seen.reduce((sum, s) => sum + s.calls, 0);
    return {
      perRequest: total / requests,
      statements: seen.map((s) => ({ perRequest: s.calls / requests, query: s.query })),
    };
  }

  close(): Promise<void> {
    return this.#client.end();
  }
}
