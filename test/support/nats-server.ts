/**
 * A private `nats-server` with JetStream for one test file: on a free loopback port, its store in a temp
 * folder. A test may kill it and start it again on the same port and store (a NATS outage as its
 * clients see it, streams kept) without touching the machine's shared server.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

/** A nats-server of the test's own. */
export interface PrivateNats {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** SIGKILL; resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store; resolves once it is ready. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its store. */
  close(): Promise<void>;
}

const SERVER = "/usr/sbin/nats-server";

/**
 * Starts `/usr/sbin/nats-server -js` on a free port.
 * @example
 * const nats = await startPrivateNats();
 * await nats.kill();
 * await nats.start();
 * await nats.close();
 */
export async function startPrivateNats(): Promise<PrivateNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "autograph-nats-"));
  let child: ChildProcess | undefined;

  const start = async () => {
    let output = "";
    const server = spawn(SERVER, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = server;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nats-server on ${port} was not ready in 10 s:\n${output}`)),
        10_000,
      );
      const onData = (chunk: Buffer) => {
        output += String(chunk);
        if (output.includes("Server is ready")) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout?.on("data", onData);
      server.stderr?.on("data", onData);
      server.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server on ${port} exited with ${code}:\n${output}`));
      });
    });
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
    url: `nats://127.0.0.1:${port}`,
    kill,
    start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
