/**
 * The load generator of `npm run bench:messaging` (bench/messaging.ts), in a process of its own: the
 * same create commands (new tags) over RabbitMQ, over NATS JetStream and as REST POSTs, each with
 * BENCH_MQ_CONCURRENCY commands in flight, each command timed until its reply. Tells the parent
 * `{ ready: true }`, then `{ results }`.
 */
import { randomUUID } from "node:crypto";
import { type CommandClient, natsClient, rabbitMqClient } from "../test/support/command-clients.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const COMMANDS = Number(env("BENCH_MQ_COMMANDS"));
const CONCURRENCY = Number(env("BENCH_MQ_CONCURRENCY"));
const KEY = env("BENCH_MQ_API_KEY");
const run = env("BENCH_MQ_RUN");

/** One transport's run: commands per second and the median latency. */
export interface TransportResult {
  readonly name: string;
  readonly perSecond: number;
  readonly medianMs: number;
  readonly failed: number;
}

async function measure(name: string, call: (i: number) => Promise<boolean>): Promise<TransportResult> {
  // Warm-up: connections, prepared statements, JIT.
  for (let i = 0; i < 20; i++) await call(-1 - i);
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < COMMANDS) {
        const i = next++;
        const t0 = performance.now();
        if (!(await call(i))) failed++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, perSecond: COMMANDS / seconds, medianMs: latencies[Math.floor(latencies.length / 2)] ?? 0, failed };
}

const command = (transport: string, i: number) => ({
  resource: "tag",
  action: "create",
  data: { name: `bench-${run}-${transport}-${i < 0 ? `warm${-i}` : i}` },
});
const over = (transport: string, client: CommandClient) => async (i: number) => {
  const reply = await client.call(command(transport, i), { "x-api-key": KEY, idempotencyKey: randomUUID() });
  return reply.ok;
};

process.send?.({ ready: true });
const results: TransportResult[] = [];
const rest = env("BENCH_MQ_REST_URL");
results.push(
  await measure("REST", async (i) => {
    const response = await fetch(rest, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify(command("rest", i).data),
    });
    await response.arrayBuffer();
    return response.status === 201;
  }),
);
const rabbit = await rabbitMqClient(env("BENCH_MQ_AMQP_URL"), env("BENCH_MQ_QUEUE"));
results.push(await measure("RabbitMQ", over("amqp", rabbit)));
await rabbit.close();
const nats = await natsClient(env("BENCH_MQ_NATS_URL"), env("BENCH_MQ_SUBJECT"), env("BENCH_MQ_STREAM"));
results.push(await measure("NATS JetStream", over("nats", nats)));
await nats.close();
process.send?.({ results }, () => process.exit(0));
