/**
 * `npm run bench:messaging`: the same create commands over RabbitMQ, over NATS JetStream and over REST,
 * in one run, against one Autograph server (its own process, consuming both brokers) on the bench
 * database, the load generator in another process (bench/messaging-load.ts). Prints each transport's
 * throughput, its median latency, and its ratio to REST.
 *
 * Environment: BENCH_MQ_COMMANDS (per transport, default 2000), BENCH_MQ_CONCURRENCY (in flight,
 * default 16), MQ_URL (default amqp://guest:guest@127.0.0.1:5672), NATS_URL (default
 * nats://127.0.0.1:4222), DATABASE_URL (else the embedded bench PostgreSQL; see bench/README.md).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deleteNatsStreams, deleteRabbitMqQueue } from "../test/support/command-clients.ts";
import { prepareBenchDatabaseFromEnv } from "./database.ts";
import type { TransportResult } from "./messaging-load.ts";
import { forkChild, freePort, spawnServer } from "./processes.ts";
import { setting } from "./setting.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const log = (message: string) => console.error(`[bench:messaging] ${message}`);
const commands = setting("BENCH_MQ_COMMANDS", 2000, 1);
const concurrency = setting("BENCH_MQ_CONCURRENCY", 16, 1);
const amqpUrl = process.env.MQ_URL || "amqp://guest:guest@127.0.0.1:5672";
const natsUrl = process.env.NATS_URL || "nats://127.0.0.1:4222";
const run = randomBytes(4).toString("hex");
const names = {
  queue: `autograph.bench.${run}`,
  stream: `AUTOGRAPH_BENCH_${run}`,
  subject: `autograph.bench.${run}`,
};
const key = `bench-editor-${run}`;

// A database of its own: other benches may run on the same server meanwhile.
const database = await prepareBenchDatabaseFromEnv(log, "autograph_bench_messaging");
const dir = mkdtempSync(join(tmpdir(), "autograph-bench-mq-"));
const keysFile = join(dir, "api-keys.json");
// User 3 is an editor in the demo seed: tags are written by editors and authors.
writeFileSync(keysFile, JSON.stringify({ [key]: "3:editor" }));
const port = await freePort();
const server = await spawnServer(
  "autograph",
  ["--import", "tsx", "demo/main.ts"],
  ROOT,
  {
    DATABASE_URL: database.url,
    PORT: String(port),
    SEED: "false",
    RATE_LIMIT: "0",
    LOG_LEVEL: "warn",
    API_KEYS_FILE: keysFile,
    MQ_URL: amqpUrl,
    NATS_URL: natsUrl,
    COMMANDS_QUEUE: names.queue,
    COMMANDS_STREAM: names.stream,
    COMMANDS_SUBJECT: names.subject,
    COMMANDS_DURABLE: `bench_${run}`,
    COMMANDS_PREFETCH: String(concurrency),
  },
  `http://127.0.0.1:${port}/readyz`,
);
try {
  log(`${commands} creates per transport, ${concurrency} in flight`);
  const { child } = await forkChild("loadgen", fileURLToPath(new URL("./messaging-load.ts", import.meta.url)), {
    BENCH_MQ_COMMANDS: String(commands),
    BENCH_MQ_CONCURRENCY: String(concurrency),
    BENCH_MQ_API_KEY: key,
    BENCH_MQ_RUN: run,
    BENCH_MQ_REST_URL: `http://127.0.0.1:${port}/api/tags`,
    BENCH_MQ_AMQP_URL: amqpUrl,
    BENCH_MQ_QUEUE: names.queue,
    BENCH_MQ_NATS_URL: natsUrl,
    BENCH_MQ_SUBJECT: names.subject,
    BENCH_MQ_STREAM: names.stream,
  });
  const results = await new Promise<TransportResult[]>((resolve, reject) => {
    child.process.once("message", (m: { results?: TransportResult[] }) =>
      m.results ? resolve(m.results) : reject(new Error("no results")),
    );
    child.process.once("exit", (code) => reject(new Error(`the load generator exited (${code}) without results`)));
  });
  const rest = results.find((r) => r.name === "REST")?.perSecond ?? Number.NaN;
  console.log(`| transport | commands/s | median ms | vs REST | failed |`);
  console.log(`| --- | ---: | ---: | ---: | ---: |`);
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.medianMs.toFixed(1)} | ${(r.perSecond / rest).toFixed(2)} | ${r.failed} |`,
    );
} finally {
  await server.stop();
  await deleteRabbitMqQueue(amqpUrl, names.queue).catch(() => {});
  await deleteNatsStreams(natsUrl, names.stream).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  await database.close();
}
