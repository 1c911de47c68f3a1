/**
 * The demo server on its default database, the embedded PostgreSQL, in a temp folder on a free port (as
 * `npm start` runs it without DATABASE_URL), with its log lines collected. For the fault tests, which
 * kill that PostgreSQL.
 */
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { demoOptions } from "../../demo/options.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";

/** A free TCP port on 127.0.0.1 (free when asked: bind it soon). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One pino line, parsed. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface EmbeddedTestServer {
  readonly running: RunningServer;
  /** Folder of the embedded cluster (postmaster.pid is in it). */
  readonly dataDir: string;
  /** Port of the embedded PostgreSQL. */
  readonly pgPort: number;
  /** Connection URL of the app's database on it. */
  readonly databaseUrl: string;
  /** Every log line so far. */
  readonly logs: LogLine[];
  /** PID of the postmaster now (line 1 of postmaster.pid). */
  postmasterPid(): Promise<number>;
  /** Stops the server (and so the embedded PostgreSQL) and removes the folder. */
  close(): Promise<void>;
}

/** Starts the demo server on a new embedded PostgreSQL. `env` adds to the configuration. */
export async function startEmbeddedTestServer(env: Record<string, string> = {}): Promise<EmbeddedTestServer> {
  const folder = await mkdtemp(join(tmpdir(), "autograph-faults-"));
  // Run as root, the server runs as `postgres`, which must be able to reach its data folder.
  await chmod(folder, 0o755);
  const dataDir = join(folder, "pg");
  const pgPort = await freePort();
  const logs: LogLine[] = [];
  const logger = pino(
    { level: "info" },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as LogLine);
      },
    },
  );
  const running = await startServer({
    ...demoOptions,
    config: loadConfig({
      PORT: "0",
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      SEED: "false",
      RATE_LIMIT: "0",
      // Tags are written by editors and authors: every request acts as the admin.
      DEV_ACTOR: "1:admin",
      ...env,
    }),
    logger,
  });
  return {
    running,
    dataDir,
    pgPort,
    databaseUrl: `postgresql://postgres@127.0.0.1:${pgPort}/autograph`,
    logs,
    async postmasterPid() {
      return Number((await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    },
    async close() {
      try {
        await running.close(2_000);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    },
  };
}
