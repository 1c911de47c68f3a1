// `npm run bench` (fourth part): subscription fan-out. One server (memory bus), N graphql-ws
// subscribers (each on its own WebSocket) to `tagChanged`; a writer creates tags one after another
// through the runtime; each subscriber notes when each change arrives. Prints p50 / p99 latency from
// commit to delivery for 1, 100 and 1,000 subscribers, and each against the single subscriber, and
// the process's CPU time per write (server and subscribers: less at the mercy of a busy machine than
// the latencies are). A first write, not measured, proves every subscription is registered (and warms
// the path up) before the measured ones.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { resources } from "../demo/schema/index.ts";
import { loadConfig } from "../src/server/config.ts";
import { startServer } from "../src/server/server.ts";
import { prepareBenchDatabaseFromEnv } from "./database.ts";
import { demoPrisma } from "../test/support/demo-database.ts";

/** User 3 of the demo seed, an editor. */
const EDITOR = { id: "3", roles: ["editor"] };
const WRITES = Number(process.env.BENCH_FANOUT_WRITES ?? 40);
const SIZES = (process.env.BENCH_FANOUT_SUBSCRIBERS ?? "1,100,1000").split(",").map(Number);
const log = (message: string) => console.error(`[bench:fanout] ${message}`);

const database = await prepareBenchDatabaseFromEnv(log);
// A thousand sockets from one address: the rate limiter (600 a minute per IP) is off, this measures fan-out.
const running = await startServer({
  ...demoPrisma,
  resources,
  config: loadConfig({ DATABASE_URL: database.url, PORT: "0", SEED: "false", LOG_LEVEL: "silent", RATE_LIMIT: "0" }),
});
const wsUrl = `${running.url.replace("http", "ws")}/graphql`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** N subscribers, WRITES writes: every delivery's latency (ms) from the write's commit, and the CPU time (ms) per write. */
async function run(subscribers: number, round: number): Promise<{ latencies: number[]; cpuPerWrite: number }> {
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  const clients: Client[] = [];
  let ready = 0;
  let delivered = 0;
  /** Ids of the unmeasured writes, and how many subscribers have seen one. */
  const warmUps = new Set<string>();
  let warmed = 0;
  let allWarm!: () => void;
  const warmAll = new Promise<void>((r) => (allWarm = r));
  let allReady!: () => void;
  const readyAll = new Promise<void>((r) => (allReady = r));
  let allDelivered!: () => void;
  const deliveredAll = new Promise<void>((r) => (allDelivered = r));
  // A subscriber that fails would leave the round waiting for ever: fail the bench instead.
  let fail!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  for (let i = 0; i < subscribers; i++) {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
    clients.push(client);
    let warm = false;
    client.on("connected", () => {
      if (++ready === subscribers) allReady();
    });
    client.subscribe<{ tagChanged: { id: string } }>(
      { query: `subscription { tagChanged(actions: [create]) { id } }` },
      {
        next: (message) => {
          const at = performance.now();
          const id = message.data?.tagChanged.id;
          // The write's promise may resolve after the event arrived: wait for its timestamp.
          const note = () => {
            if (id !== undefined && warmUps.has(id)) {
              if (!warm && ++warmed === subscribers) allWarm();
              warm = true;
              return;
            }
            const committed = id === undefined ? undefined : committedAt.get(id);
            if (committed === undefined) return void setImmediate(note);
            latencies.push(at - committed);
            if (++delivered === subscribers * WRITES) allDelivered();
          };
          note();
        },
        error: (error) =>
          fail(
            new Error(
              `subscriber error: ${error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? JSON.stringify(error))}`,
            ),
          ),
        complete: () => {},
      },
    );
  }
  await Promise.race([readyAll, failed]);
  const tags = running.runtime.service("tag");
  // The demo's tags are written by editors and authors (schema/tag.ts).
  // Every subscription is registered on the server once it has seen a change (one made after a write
  // does not see it): write until each has.
  for (let attempt = 0; warmed < subscribers; attempt++) {
    warmUps.add(
      String(
        (
          await tags.create(running.runtime.context({ actor: EDITOR }), {
            name: `fanout-${round}-${subscribers}-warm-${attempt}`,
          })
        ).id,
      ),
    );
    await Promise.race([warmAll, failed, new Promise((r) => setTimeout(r, 1_000))]);
  }
  const cpu = process.cpuUsage();
  for (let w = 0; w < WRITES; w++) {
    const started = performance.now();
    const tag = await tags.create(running.runtime.context({ actor: EDITOR }), {
      name: `fanout-${round}-${subscribers}-${w}`,
    });
    // The commit happened between `started` and now; take the midpoint as its time.
    committedAt.set(String(tag.id), (started + performance.now()) / 2);
    await new Promise((r) => setTimeout(r, 25));
  }
  await Promise.race([deliveredAll, failed, new Promise((r) => setTimeout(r, 60_000))]);
  const used = process.cpuUsage(cpu);
  if (delivered !== subscribers * WRITES)
    throw new Error(`${subscribers} subscribers: ${delivered} of ${subscribers * WRITES} deliveries arrived`);
  await Promise.all(clients.map((c) => c.dispose()));
  return { latencies: latencies.sort((a, b) => a - b), cpuPerWrite: (used.user + used.system) / 1000 / WRITES };
}

try {
  const rows: { n: number; p50: number; p99: number; cpu: number }[] = [];
  for (const [round, n] of SIZES.entries()) {
    log(`${n} subscribers, ${WRITES} writes`);
    const { latencies, cpuPerWrite } = await run(n, round);
    rows.push({ n, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu: cpuPerWrite });
  }
  const base = rows[0] as { p50: number; p99: number };
  console.log(
    `\nSubscription fan-out: commit → delivery over graphql-ws, ${WRITES} writes, one instance (memory bus):`,
  );
  console.log("subscribers  p50 ms  p99 ms  p50 vs 1  p99 vs 1  deliveries  CPU ms/write");
  console.log("-----------  ------  ------  --------  --------  ----------  ------------");
  for (const r of rows) {
    console.log(
      `${String(r.n).padStart(11)}  ${r.p50.toFixed(1).padStart(6)}  ${r.p99.toFixed(1).padStart(6)}  ${`${(r.p50 / base.p50).toFixed(1)}×`.padStart(8)}  ${`${(r.p99 / base.p99).toFixed(1)}×`.padStart(8)}  ${String(r.n * WRITES).padStart(10)}  ${r.cpu.toFixed(1).padStart(12)}`,
    );
  }
} finally {
  await running.close(1000);
  await database.close();
}
