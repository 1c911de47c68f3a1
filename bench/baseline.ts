/**
 * The raw baseline, run as a child process by bench/peer.ts: what a hand-written endpoint for each
 * scenario would be. node:http and a pg.Pool of 10 connections (Autograph's default pool size), one
 * SQL statement per request that builds the whole JSON body in PostgreSQL, written to the socket as is
 * (no parse, no serialise in JS). No framework, no validation, no access rules: the floor.
 *
 * Like Autograph's reads, it leaves out trashed rows (`deletedAt is null`).
 *
 * Environment: DATABASE_URL (required). Listens on 127.0.0.1, on a free port it reports to its parent
 * over IPC: `{ ready: port }`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";

/** `"User"` joined as `u` gives the author's name; the posts are the first `limit` live ones by id. */
const posts = (limit: number, extra = "") => `
  select p.id, p.title, json_build_object('name', u.name) as author${extra}
  from "Post" p
  join "User" u on u.id = p."authorId"
  where p."deletedAt" is null
  order by p.id
  limit ${limit}`;

const COMMENTS = `,
  coalesce((
    select json_agg(json_build_object('id', c.id, 'body', c.body, 'author', json_build_object('name', cu.name)) order by c.id)
    from "Comment" c
    join "User" cu on cu.id = c."authorId"
    where c."postId" = p.id and c."deletedAt" is null
  ), '[]') as comments`;

/** One statement per path; each returns one row with the response body as text. */
export const BASELINE_SQL: Record<string, string> = {
  "/list": `select coalesce(json_agg(p order by p.id), '[]')::text as body from (${posts(50)}) p`,
  "/nested": `select coalesce(json_agg(p order by p.id), '[]')::text as body from (${posts(50, COMMENTS)}) p`,
  "/page": `select json_build_object(
      'nodes', (select coalesce(json_agg(p order by p.id), '[]') from (${posts(20)}) p),
      'totalCount', (select count(*) from "Post" where "deletedAt" is null)
    )::text as body`,
};

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required.");
const pool = new pg.Pool({ connectionString: url, max: 10 });
pool.on("error", () => {});

const server = createServer((req, res) => {
  const sql = req.method === "GET" ? BASELINE_SQL[req.url ?? ""] : undefined;
  if (!sql) {
    res
      .writeHead(404, { "content-type": "application/json" })
      .end(`{"message":"Only GET ${Object.keys(BASELINE_SQL).join(", ")} are served here."}`);
    return;
  }
  pool.query<{ body: string }>(sql).then(
    (result) => res.writeHead(200, { "content-type": "application/json" }).end(result.rows[0]?.body),
    (error: unknown) =>
      res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: String(error) })),
  );
});
server.listen(0, "127.0.0.1", () => process.send?.({ ready: (server.address() as AddressInfo).port }));

process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
});
