/**
 * A private NATS server (with JetStream) or RabbitMQ node for one test file, on free loopback ports, its
 * data in a temp folder: a test may kill it (SIGKILL, a crash) and start it again on the same ports and
 * data, as its clients see a broker restart, without touching the machine's shared brokers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

/** A broker of the test's own. */
export interface PrivateBroker {
  readonly url: string;
  /** SIGKILL to its whole process group (a crash); resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM to its whole process group (a clean shutdown); resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its folder. */
  close(): Promise<void>;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

function privateBroker(
  url: string,
  port: number,
  dir: string,
  launch: () => ChildProcess,
  ready: (output: string) => boolean,
  startupMs: number,
  otherPorts: number[] = [],
): PrivateBroker {
  let child: ChildProcess | undefined;
  const start = async () => {
    let output = "";
    const server = launch();
    child = server;
    for (const stream of [server.stdout, server.stderr]) stream?.on("data", (chunk) => (output += String(chunk)));
    let exited = false;
    server.once("exit", () => (exited = true));
    const deadline = Date.now() + startupMs;
    while (!(ready(output) && (await accepts(port)))) {
      if (exited) throw new Error(`${url}: the broker exited while starting:\n${output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${url}: not up in ${startupMs} ms:\n${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const signal = async (name: "SIGKILL" | "SIGTERM") => {
    const running = child;
    child = undefined;
    if (!running?.pid || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    process.kill(-running.pid, name);
    await gone;
    // The ports are free once the broker's own process (a grandchild, for RabbitMQ) is gone too.
    const deadline = Date.now() + 20_000;
    for (const held of [port, ...otherPorts])
      while ((await accepts(held)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  return {
    url,
    kill: () => signal("SIGKILL"),
    stop: () => signal("SIGTERM"),
    start,
    async close() {
      await signal("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `nats-server -js` on a free port, its JetStream store in a temp folder. */
export async function startPrivateNats(): Promise<PrivateBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "autograph-nats-"));
  const broker = privateBroker(
    `nats://127.0.0.1:${port}`,
    port,
    dir,
    () =>
      spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` },
      }),
    (output) => output.includes("Server is ready"),
    20_000,
  );
  await broker.start();
  return broker;
}

/**
 * Starts a RabbitMQ node of its own (`rabbitmq-server` with its own node name, ports, data and no
 * plugins), run as the `rabbitmq` user (its Erlang cookie), so its folder belongs to that user.
 */
export async function startPrivateRabbitMq(): Promise<PrivateBroker> {
  const port = await freePort();
  const distPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "autograph-rabbitmq-"));
  const node = `autograph-test-${port}@localhost`;
  for (const sub of ["mnesia", "log"]) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, "plugins"), "[].\n");
  const { uid, gid } = rabbitmqUser();
  for (const path of [dir, join(dir, "mnesia"), join(dir, "log"), join(dir, "plugins")]) chownSync(path, uid, gid);
  const broker = privateBroker(
    `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    dir,
    () =>
      // The node's own script as the rabbitmq user (not Debian's wrapper, whose `su` puts the node in a
      // session of its own, out of reach of the kill of this process group).
      spawn("/usr/lib/rabbitmq/bin/rabbitmq-server", [], {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        uid,
        gid,
        cwd: dir,
        env: {
          PATH: `${process.env.PATH}:/usr/sbin`,
          HOME: "/var/lib/rabbitmq",
          RABBITMQ_NODENAME: node,
          RABBITMQ_NODE_PORT: String(port),
          RABBITMQ_DIST_PORT: String(distPort),
          RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
          RABBITMQ_LOG_BASE: join(dir, "log"),
          RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "plugins"),
          RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq"),
        },
      }),
    (output) => output.includes("Starting broker... completed"),
    90_000,
    [distPort],
  );
  await broker.start();
  return broker;
}

function rabbitmqUser(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("rabbitmq:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) throw new Error("no rabbitmq user: RabbitMQ is not installed here");
  return { uid: Number(uid), gid: Number(gid) };
}
