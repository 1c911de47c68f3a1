// `npm run bench:relay`: outbox relay throughput. A fresh database with N change events already in the
// outbox (inserted by SQL: this measures the relay, not the writes), then one server per broker with
// RELAY_FROM=beginning; the time until the relay's lag is 0 gives events per second, publisher
// confirms included (RabbitMQ: a durable queue bound to the exchange; NATS: a file-backed stream).
// Two shapes: events spread over many records (a page goes out in one wave) and all on one record
// (each event its own wave: the worst case of per-record ordering). Needs DATABASE_URL (a server to
// create the database on), RabbitMQ on MQ_URL and NATS on NATS_URL (the defaults are the local ones).
import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect as amqpConnect } from "amqplib";
import pg from "pg";
import pino from "pino";
import { demoOptions } from "../demo/options.ts";
import { loadConfig } from "../src/server/config.ts";
import { startServer } from "../src/server/server.ts";

const N = Number(process.env.BENCH_RELAY_EVENTS ?? 5000);
const MQ_URL = process.env.MQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const log = (message: string) => console.error(`[bench:relay] ${message}`);

const suffix = randomBytes(4).toString("hex");
const exchange = `autograph.bench.${suffix}`;
const queue = `autograph.bench.${suffix}`;
const subject = `autograph.bench.${suffix}`;
const stream = `BENCH_${suffix}`;

const amqp = await amqpConnect(MQ_URL);
const channel = await amqp.createChannel();
await channel.assertExchange(exchange, "topic", { durable: true });
await channel.assertQueue(queue, { durable: true });
await channel.bindQueue(queue, exchange, "#");
const nats = await natsConnect({ servers: NATS_URL });

const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh database on DATABASE_URL's server, and its drop. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `autograph_bench_relay_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: SERVER_URL });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

async function run(broker: "amqp" | "nats", records: number): Promise<number> {
  const testDb = await createDatabase();
  const env =
    broker === "amqp"
      ? { MQ_URL, MQ_RELAY_EXCHANGE: exchange }
      : { NATS_URL, NATS_RELAY_SUBJECT: subject, NATS_RELAY_STREAM: stream };
  // Migrate first (a server start), then fill the outbox, then start the measured server from the beginning.
  const first = await startServer({
    ...demoOptions,
    config: loadConfig({ PORT: "0", DATABASE_URL: testDb.url, SEED: "false" }),
    logger: pino({ level: "silent" }),
  });
  await first.close(0);
  const sql = new pg.Client({ connectionString: testDb.url });
  await sql.connect();
  await sql.query(
    `insert into "Event" ("resource", "recordId", "action", "changed") select 'tag', (i % $2)::text, 'update', '{name}' from generate_series(1, $1) i`,
    [N, records],
  );
  const running = await startServer({
    ...demoOptions,
    config: loadConfig({ PORT: "0", DATABASE_URL: testDb.url, SEED: "false", RELAY_FROM: "beginning", ...env }),
    logger: pino({ level: "silent" }),
  });
  const relay = running.relays[0];
  if (!relay) throw new Error("no relay");
  // Timed from here: what the relay published during the start is left out of both counts.
  const started = performance.now();
  const before = relay.published;
  const deadline = Date.now() + 300_000;
  while ((await relay.lag()) > 0 || relay.published < N) {
    if (Date.now() > deadline) throw new Error(`relay:${broker} did not finish in 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await running.close(0);
  await sql.end();
  await testDb.drop();
  return (N - before) / seconds;
}

const rows: string[] = [];
for (const broker of ["amqp", "nats"] as const)
  for (const records of [1000, 1]) {
    const rate = await run(broker, records);
    rows.push(`${broker.padEnd(5)} ${String(records).padStart(5)} record(s)  ${Math.round(rate)} events/s`);
    log(rows.at(-1) as string);
  }
await channel.deleteQueue(queue);
await channel.deleteExchange(exchange);
await amqp.close();
await (await jetstreamManager(nats)).streams.delete(stream).catch(() => {});
await nats.close();
console.log(`outbox relay, ${N} events each (timed from the end of the server start):\n${rows.join("\n")}`);
