/**
 * A private `redis-server` for one test file: on a free loopback port, in a temp folder, persisting
 * nothing. A test may kill it and start it again on the same port (a Redis restart as its clients see
 * it) without touching the machine's shared Redis.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { redisAnswers } from "./redis.ts";

/** A redis-server of the test's own. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** SIGKILL (a crash: nothing flushed, clients see their connections reset); resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its folder. */
  close(): Promise<void>;
}

/**
 * Starts `redis-server` (from PATH) on a free port.
 * @example
 * ```ts
 * const redis = await startPrivateRedis();
 * await redis.kill();
 * await redis.start();
 * await redis.close();
 * ```
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "autograph-redis-"));
  let child: ChildProcess | undefined;
  let output = "";

  const start = async () => {
    output = "";
    const server = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = server;
    for (const stream of [server.stdout, server.stderr]) stream?.on("data", (chunk) => (output += String(chunk)));
    const exited = new Promise<never>((_, reject) =>
      server.once("exit", (code) => reject(new Error(`redis-server on ${port} exited with ${code}:\n${output}`))),
    );
    exited.catch(() => {});
    // A port just released may refuse for a moment; PING until it answers (bounded).
    const deadline = Date.now() + 10_000;
    const ready = (async () => {
      while (!(await redisAnswers(`redis://127.0.0.1:${port}`))) {
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING in 10 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await Promise.race([ready, exited]);
  };

  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGKILL");
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
