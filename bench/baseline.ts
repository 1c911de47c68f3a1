/**
 * The raw baseline: what a hand-written endpoint for "the first 50 posts with their authors" would be.
 * node:http and a pg.Pool, one SQL statement that builds the whole JSON body in PostgreSQL, written to
 * the socket as is (no parse, no serialise in JS). No framework, no validation, no access rules: the
 * floor that Autograph's numbers are divided by.
 */
import { createServer, type Server } from "node:http";
import pg from "pg";

/** Same rows and fields as the GraphQL scenario's selection: 50 posts by id, each with its author. */
export const BASELINE_SQL = `
select coalesce(json_agg(p order by p.id), '[]')::text as body
from (
  select p.id, p.title, p.status, p.views,
         json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'role', u.role) as author
  from "Post" p
  join "User" u on u.id = p."authorId"
  order by p.id
  limit 50
) p`;

/** The baseline server, before it listens. */
export interface Baseline {
  readonly server: Server;
  /** Statements sent through the baseline's pool since creation or the last reset, and their texts. */
  readonly statements: { readonly count: number; readonly log: readonly string[]; reset(): void };
  /** Ends the pool (close the server first). */
  close(): Promise<void>;
}

/**
 * Creates the baseline server over its own pool of `poolSize` connections (the app's pool size, so
 * neither side wins by having more connections).
 */
export function createBaseline(url: string, poolSize: number): Baseline {
  const statements = {
    count: 0,
    log: [] as string[],
    reset() {
      this.count = 0;
      this.log = [];
    },
  };
  // Counted where src/storage/prisma.ts counts the app's statements: in the pool's client class.
  class CountingClient extends pg.Client {
    override query(...args: any[]): any {
      statements.count += 1;
      // Capped: nothing resets it during the load run.
      if (statements.log.length < 100) statements.log.push(typeof args[0] === "string" ? args[0] : String((args[0] as { text?: unknown })?.text));
      return (super.query as (...a: any[]) => any)(...args);
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize, Client: CountingClient });
  pool.on("error", () => {});

  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/") {
      res.writeHead(404, { "content-type": "application/json" }).end(`{"message":"Only GET / is served here."}`);
      return;
    }
    pool.query<{ body: string }>(BASELINE_SQL).then(
      (result) => {
        res.writeHead(200, { "content-type": "application/json" }).end(result.rows[0]?.body ?? "[]");
      },
      (error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: String(error) }));
      },
    );
  });
  return { server, statements, close: () => pool.end() };
}
