/**
 * PostGraphile v5, run as a child process by bench/peer.ts: the peer Autograph's GraphQL is compared
 * with. The amber preset plus @graphile/simplify-inflection over the `public` schema of the benchmark
 * database, served by grafserv's node:http adapter on `POST /graphql`, with a pool of 10 connections
 * (Autograph's default). GraphiQL (ruru), watch mode, websockets and explain are off, as in production.
 *
 * PostGraphile serves the tables as they are: no access rules and no soft-delete filter (the seeded
 * data has no trashed rows, and bench/peer.ts checks every server returns the same posts).
 *
 * PostGraphile v5 declares Node ≥ 22; on Node 20 it runs with one polyfill (bench/promise-with-resolvers.ts).
 *
 * Environment: DATABASE_URL (required). Listens on 127.0.0.1, on a free port it reports to its parent
 * over IPC: `{ ready: port }`.
 */
// First: PostGraphile needs it on Node 20 (see the file).
import "./promise-with-resolvers.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error("DATABASE_URL is required.");

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
  pgServices: [makePgService({ connectionString, schemas: ["public"], poolConfig: { max: 10 } })],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
// Build the schema (introspection) before listening, so the first request is not the one that waits.
await pgl.getSchema();
const server = createServer();
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server, false);
server.listen(0, "127.0.0.1", () => process.send?.({ ready: (server.address() as AddressInfo).port }));

process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void Promise.resolve(pgl.release()).finally(() => process.exit(0));
});
