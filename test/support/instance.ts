/**
 * A server instance in a child process: `demo/main.ts` under node with tsx's loader (one process, so
 * its pid is the server's and a signal reaches it alone), configured by its environment only, as
 * several instances of one deployment are. For the tests that run two
 * instances on one database, restart one, or put a proxy in front of them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** A server in a child process. */
export interface Instance {
  readonly name: string;
  /** `http://localhost:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** The last lines the process wrote (stdout and stderr), for a failure's message. */
  output(): string;
  /** SIGTERM (a graceful shutdown), then waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Where an instance runs: another app than the demo (a scaffolded or initialised project). */
export interface InstanceOptions {
  /** The app's folder, its working directory. @default the repository */
  cwd?: string;
  /** The entry point, relative to `cwd`. @default "demo/main.ts" */
  entry?: string;
}

/** Lines of output an instance keeps. */
const KEPT_LINES = 200;

/**
 * Starts `demo/main.ts` (or `options.entry` in `options.cwd`) with `env` (over defaults: a free port, no seed, info logs, requests without
 * credentials acting as the demo's admin) and resolves once it logs that it listens. Pass `PORT` to
 * start it again where it was.
 * @example
 * ```ts
 * const a = await startInstance("A", { DATABASE_URL: testDb.url, EVENT_BUS: "redis", REDIS_URL });
 * await a.stop();
 * const again = await startInstance("A", { DATABASE_URL: testDb.url, EVENT_BUS: "redis", REDIS_URL, PORT: String(a.port) });
 * ```
 */
export async function startInstance(
  name: string,
  env: Record<string, string>,
  options: InstanceOptions = {},
): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", options.entry ?? "demo/main.ts"], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: "0",
      SEED: "false",
      LOG_LEVEL: "info",
      // Requests without credentials act as the demo's admin: the tests write users, posts and tags.
      DEV_ACTOR: "1:admin",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`instance ${name} did not start`);
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
  };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", keep);
  const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  // PORT=0 picks a free port; the "listening" log line says which.
  const url = await new Promise<string>((resolve, reject) => {
    stdout.on("line", (line) => {
      keep(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === "Autograph is listening" && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    void exited.then((code) =>
      reject(new Error(`instance ${name} exited with ${code} before listening:\n${lines.join("\n")}`)),
    );
  });
  return {
    name,
    url,
    port: Number(new URL(url).port),
    pid,
    exited,
    output: () => lines.join("\n"),
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
