/**
 * The child processes of the peer benchmark: starting a server and waiting until it serves, stopping
 * it, a free port, and the resident memory (RSS) of a process as Linux reports it.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export { freePort } from "../test/support/free-port.ts";

/** A child process of the benchmark. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Sends SIGTERM, waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Copies a child's output to stderr, one `[name] line` at a time (stdout carries only the results). */
export function relay(name: string, child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on("line", (line) => process.stderr.write(`[${name}] ${line}\n`));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

function wrap(name: string, child: ChildProcess): Child {
  if (child.pid === undefined) throw new Error(`${name} did not start.`);
  return {
    name,
    process: child,
    pid: child.pid,
    async stop() {
      const done = exited(child);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Rejects when the child exits before `ready` settles. */
function untilExit(name: string, child: ChildProcess): Promise<never> {
  return new Promise((_, reject) =>
    child.once("exit", (code, signal) =>
      reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready.`)),
    ),
  );
}

/**
 * Forks `script` under tsx (`node --import tsx`, one process: the pid is the server's) and waits for its
 * first IPC message, which must be `{ ready: port }` (or `{ ready: true }` for a child that serves no port).
 */
export async function forkChild(
  name: string,
  script: string,
  env: Record<string, string>,
): Promise<{ child: Child; port: number | undefined }> {
  const child = fork(script, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  relay(name, child);
  const ready = new Promise<number | undefined>((resolve) => {
    child.once("message", (message: { ready?: unknown }) =>
      resolve(typeof message.ready === "number" ? message.ready : undefined),
    );
  });
  const port = await Promise.race([ready, untilExit(name, child)]);
  return { child: wrap(name, child), port };
}

/**
 * Runs `npm run <script>` in `cwd` (its output relayed as `[name]` lines) and resolves once it has
 * exited 0; rejects with its exit code otherwise.
 */
export async function runNpmScript(name: string, script: string, cwd: string): Promise<void> {
  const child = spawn("npm", ["run", script], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  relay(name, child);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c, s) => resolve([c, s]));
  });
  if (code !== 0) throw new Error(`npm run ${script} failed (${signal ?? `exit ${code}`}) in ${cwd}.`);
}

/**
 * Runs `node <args>` (a JavaScript script: no loader, so the pid is the server's own process) in `cwd` with
 * `env`, and waits until `readyUrl` answers 200 (at most `timeoutMs`).
 */
export async function spawnServer(
  name: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
  readyUrl: string,
  timeoutMs = 120_000,
): Promise<Child> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  relay(name, child);
  const poll = (async () => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ok = await fetch(readyUrl).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${name} did not answer ${readyUrl} within ${timeoutMs / 1000} s.`);
  })();
  const wrapped = wrap(name, child);
  try {
    await Promise.race([poll, untilExit(name, child)]);
  } catch (error) {
    await wrapped.stop();
    throw error;
  }
  return wrapped;
}

/** The resident set size of `pid` in MB (`VmRSS` of /proc/<pid>/status), or undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples the RSS of `pid` every `everyMs` until stopped; `stop()` gives the highest sample (MB). */
export function sampleRss(pid: number, everyMs = 250): { stop(): number } {
  let peak = rssMb(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid) ?? 0);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid) ?? 0);
    },
  };
}

/**
 * `npm start`'s node arguments (package.json's `start` is `node <flags> <script>`), so a bench runs the
 * server as users do (after `npm run build`).
 */
export function startArguments(): string[] {
  const start = (
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: { start: string } }
  ).scripts.start
    .trim()
    .split(/\s+/);
  if (start[0] !== "node") throw new Error(`package.json's start script should be "node …", got "${start.join(" ")}".`);
  return start.slice(1);
}
