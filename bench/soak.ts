/**
 * `npm run soak`: Autograph under steady mixed load for `SOAK_MINUTES` (default 10), watching for a
 * growth trend. Not part of CI. Each in a process of its own:
 * - the server as `npm start` runs it (`npm run build` first; then `node` with `npm start`'s
 *   arguments, `NODE_ENV=production`, no rate limit, writes as the demo's editor);
 * - the load generator (bench/loadgen.ts, autocannon): `SOAK_CONNECTIONS` connections, each sending in
 *   turn a REST list, a GraphQL page with its total, a REST list of tags and a comment creation (a
 *   write in four requests), one run per minute;
 * - the subscribers (bench/subscribers.ts): `SOAK_SSE` REST event streams and `SOAK_WS` GraphQL
 *   subscriptions over WebSocket, each receiving every comment creation.
 * Each minute prints the server's RSS, p50 / p99, requests, writes, errors and events delivered. At the
 * end: least-squares slopes of RSS and p99 per minute (from 3 minutes; the first minute, the warm-up,
 * left out from 4 minutes on), whether every subscriber received every comment creation, and a verdict. The exit code is 1
 * when there were errors, lost events or a growth trend. Figures also go to bench/results/soak.json.
 *
 * Environment: SOAK_MINUTES (default 10), SOAK_CONNECTIONS (8), SOAK_SSE (10), SOAK_WS (10),
 * SOAK_SERVER_HEAP_MB (the server's heap cap; default none), DATABASE_URL (a server to create
 * `autograph_soak` on; default: the bench's embedded PostgreSQL).
 */
import { fileURLToPath } from "node:url";
import pg from "pg";
import { prepareBenchDatabaseFromEnv } from "./database.ts";
import { LoadGenerator } from "./load-generator.ts";
import type { LoadResult } from "./loadgen.ts";
import { type Child, forkChild, freePort, rssMb, runNpmScript, spawnServer, startArguments } from "./processes.ts";
import { textTable, writeReport } from "./report.ts";
import { type Request, scenarios } from "./scenarios.ts";
import type { SubscriberReport } from "./subscribers.ts";
import { leastSquares, type Trend } from "./trend.ts";
import { setting } from "./setting.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RESULTS = fileURLToPath(new URL("./results/soak.json", import.meta.url));
/** Growth over the run, as a share of the fitted start, beyond which RSS counts as a trend. */
const RSS_GROWTH = 0.1;
/** The same for p99, noisier on a shared machine. */
const P99_GROWTH = 0.5;

const log = (message: string) => console.error(`[soak] ${message}`);

/** The subscribers' process, asked for its counts over IPC. */
function reporter(child: Child): () => Promise<SubscriberReport> {
  let next = 0;
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const onExit = () => reject(new Error("The subscribers' process exited."));
      const onMessage = (message: SubscriberReport) => {
        if (message.id !== id) return;
        child.process.off("message", onMessage);
        child.process.off("exit", onExit);
        resolve(message);
      };
      child.process.on("message", onMessage);
      child.process.once("exit", onExit);
      child.process.send({ report: id });
    });
}

interface Minute {
  minute: number;
  rssMb: number;
  /** V8's heap in use at the minute's end, from the server's own /metrics (nodejs_heap_size_used_bytes). */
  heapMb: number;
  p50: number;
  p99: number;
  requests: number;
  requestsPerSecond: number;
  writes: number;
  errors: number;
  statuses: Record<string, number>;
  /** Events the subscribers received during the minute, all together. */
  delivered: number;
}

const SOAK_METRICS_TOKEN = "soak-metrics-token-0123456789";

/** The server's V8 heap in use, in MB, as its /metrics reports it (NaN when the scrape fails). */
async function heapMb(origin: string): Promise<number> {
  try {
    const response = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${SOAK_METRICS_TOKEN}` } });
    const bytes = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(await response.text())?.[1];
    return bytes === undefined ? Number.NaN : Number(bytes) / 1024 / 1024;
  } catch {
    return Number.NaN;
  }
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Whether the fitted line rises by more than `share` of its start over the fitted minutes. */
function grows(trend: Trend, minutes: number, share: number): boolean {
  return trend.slope * (minutes - 1) > share * Math.max(trend.start, Number.EPSILON);
}

async function main(): Promise<void> {
  const settings = {
    minutes: setting("SOAK_MINUTES", 10, 1),
    connections: setting("SOAK_CONNECTIONS", 8, 1),
    sse: setting("SOAK_SSE", 10, 0),
    ws: setting("SOAK_WS", 10, 0),
    // The server's V8 heap cap in MB (0: Node's default). A leak then ends the soak early with an
    // out-of-memory crash instead of hiding in a heap V8 keeps growing.
    heapMb: setting("SOAK_SERVER_HEAP_MB", 0, 0),
  };
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse())
      await step().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  try {
    await runNpmScript("autograph", "build", ROOT);
    const database = await prepareBenchDatabaseFromEnv(log, "autograph_soak");
    cleanups.push(() => database.close());
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const server = await spawnServer(
      "autograph",
      startArguments(),
      ROOT,
      {
        DATABASE_URL: database.url,
        NODE_ENV: "production",
        PORT: String(port),
        RATE_LIMIT: "0",
        LOG_LEVEL: "warn",
        // User 3 of the demo seed, an editor (any signed-in actor comments).
        DEV_ACTOR: "3:editor",
        // Production serves /metrics only behind a token: the soak reads the heap from it.
        METRICS_TOKEN: SOAK_METRICS_TOKEN,
        ...(settings.heapMb > 0 ? { NODE_OPTIONS: `--max-old-space-size=${settings.heapMb}` } : {}),
      },
      `${origin}/readyz`,
    );
    cleanups.push(() => server.stop());
    const bootRss = rssMb(server.pid) ?? 0;
    const subscribers = await forkChild("subscribers", fileURLToPath(new URL("./subscribers.ts", import.meta.url)), {
      SUBSCRIBERS_ORIGIN: origin,
      SUBSCRIBERS_SSE: String(settings.sse),
      SUBSCRIBERS_WS: String(settings.ws),
    });
    cleanups.push(() => subscribers.child.stop());
    const report = reporter(subscribers.child);
    const loadgen = new LoadGenerator(
      (await forkChild("loadgen", fileURLToPath(new URL("./loadgen.ts", import.meta.url)), {})).child,
    );
    cleanups.push(() => loadgen.child.stop());

    // Comments go to the last post: the reads (the first 50 and 20 posts, and the tags) stay the same
    // size however many are written, so a trend is the server's, not the data's.
    const lastPost = await withClient(database.url, async (client) =>
      Number((await client.query<{ id: number }>(`select max(id) as id from "Post"`)).rows[0]?.id),
    );
    const list = scenarios.find((s) => s.name === "list")?.servers.rest.request;
    const page = scenarios.find((s) => s.name === "page")?.servers.graphql.request;
    if (!list || !page) throw new Error("bench/scenarios.ts has no list or page scenario.");
    const requests: Request[] = [
      list,
      page,
      { method: "GET", path: `/api/tags?range=[0,19]&sort=["id","ASC"]`, headers: { accept: "application/json" } },
      {
        method: "POST",
        path: "/api/comments",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ body: "A soak comment", postId: lastPost, authorId: 3 }),
      },
    ];
    log(
      `${settings.minutes} min of load on ${origin} (pid ${server.pid}, RSS after boot ${bootRss.toFixed(0)} MB): ` +
        `${settings.connections} connections (list, GraphQL page, tags, comment creation), ` +
        `${settings.sse} SSE + ${settings.ws} WebSocket subscribers`,
    );

    const minutes: Minute[] = [];
    const header = [
      "minute",
      "RSS MB",
      "heap MB",
      "p50 ms",
      "p99 ms",
      "requests",
      "req/s",
      "writes",
      "errors",
      "delivered",
    ];
    let deliveredBefore = (await report()).events;
    const subscriberErrors: string[] = [];
    for (let minute = 1; minute <= settings.minutes; minute++) {
      const load: LoadResult = await loadgen.run({
        origin,
        requests,
        connections: settings.connections,
        duration: 60,
        warmup: 0,
        allowErrors: true,
      });
      const counts = await report();
      subscriberErrors.push(...counts.errors);
      const row: Minute = {
        minute,
        rssMb: rssMb(server.pid) ?? 0,
        heapMb: await heapMb(origin),
        p50: load.p50,
        p99: load.p99,
        requests: load.requests,
        requestsPerSecond: load.requestsPerSecond,
        writes: load.statuses["201"] ?? 0,
        errors: load.errors,
        statuses: load.statuses,
        delivered: counts.events - deliveredBefore,
      };
      deliveredBefore = counts.events;
      minutes.push(row);
      console.log(
        `minute ${minute}/${settings.minutes}: RSS ${row.rssMb.toFixed(0)} MB, heap ${row.heapMb.toFixed(0)} MB, p50 ${row.p50} ms, p99 ${row.p99} ms, ` +
          `${row.requests} requests (${row.requestsPerSecond.toFixed(0)}/s), ${row.writes} writes, ${row.errors} errors, ${row.delivered} events delivered`,
      );
    }

    // Every subscriber should end with every comment creation in the outbox (they started from event 0),
    // once: counted again on each look, since the requests in flight when a load run ends still commit.
    const countCreated = () =>
      withClient(database.url, async (client) =>
        Number(
          (
            await client.query<{ n: string }>(
              `select count(*) as n from "Event" where resource = 'comment' and action = 'create'`,
            )
          ).rows[0]?.n,
        ),
      );
    const deadline = Date.now() + 60_000;
    let created = await countCreated();
    let final = await report();
    while ((final.fewest !== created || final.most !== created) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      created = await countCreated();
      final = await report();
    }
    subscriberErrors.push(...final.errors);

    const fitted = settings.minutes >= 4 ? minutes.slice(1) : minutes;
    // Two points always make a line: judge a trend from three on.
    const rssTrend = fitted.length >= 3 ? leastSquares(fitted.map((m) => [m.minute, m.rssMb])) : undefined;
    const p99Trend = fitted.length >= 3 ? leastSquares(fitted.map((m) => [m.minute, m.p99])) : undefined;
    const rssGrows = rssTrend !== undefined && grows(rssTrend, fitted.length, RSS_GROWTH);
    const p99Grows = p99Trend !== undefined && grows(p99Trend, fitted.length, P99_GROWTH);
    const errors = minutes.reduce((sum, m) => sum + m.errors, 0);
    const subscribed = settings.sse + settings.ws > 0;
    const lost = subscribed && final.fewest < created;
    const duplicated = subscribed && final.most > created;

    console.log(
      `\n${textTable(
        header,
        minutes.map((m) => [
          String(m.minute),
          m.rssMb.toFixed(0),
          m.heapMb.toFixed(0),
          String(m.p50),
          String(m.p99),
          String(m.requests),
          m.requestsPerSecond.toFixed(0),
          String(m.writes),
          String(m.errors),
          String(m.delivered),
        ]),
      )}`,
    );
    const describe = (name: string, unit: string, trend: Trend | undefined) =>
      trend
        ? `${name} slope ${trend.slope >= 0 ? "+" : ""}${trend.slope.toFixed(2)} ${unit}/min from ${trend.start.toFixed(1)} ${unit} (R² ${trend.r2.toFixed(2)})`
        : `${name}: too few minutes for a trend`;
    console.log(
      `\nRSS after boot ${bootRss.toFixed(0)} MB. Over minutes ${fitted[0]?.minute}–${fitted.at(-1)?.minute}: ` +
        `${describe("RSS", "MB", rssTrend)}; ${describe("p99", "ms", p99Trend)}.`,
    );
    console.log(
      `Subscribers: ${final.subscribers}, each received ${final.fewest === final.most ? final.fewest : `${final.fewest} to ${final.most}`} of ${created} comments created` +
        `${subscriberErrors.length > 0 ? `; errors: ${subscriberErrors.slice(0, 5).join("; ")}` : ""}.`,
    );
    const trendVerdict = (name: string, trend: Trend | undefined, growing: boolean, share: number) =>
      trend === undefined
        ? `${name}: too few minutes to judge a trend (SOAK_MINUTES of at least 3)`
        : growing
          ? `${name} GROWS (more than ${share * 100} % over the run)`
          : `${name}: no growth trend`;
    const verdict = [
      trendVerdict("RSS", rssTrend, rssGrows, RSS_GROWTH),
      trendVerdict("p99", p99Trend, p99Grows, P99_GROWTH),
      errors > 0 ? `${errors} ERRORS` : "0 errors",
      lost ? `${created - final.fewest} EVENTS MISSING for a subscriber` : "0 events lost",
      duplicated ? `${final.most - created} DUPLICATE EVENTS for a subscriber` : "0 duplicates",
    ];
    console.log(`Verdict: ${verdict.join("; ")}.`);
    if (rssGrows || p99Grows || errors > 0 || lost || duplicated || subscriberErrors.length > 0) process.exitCode = 1;

    await writeReport(RESULTS, {
      startedAt: new Date().toISOString(),
      node: process.version,
      settings,
      bootRssMb: bootRss,
      minutes,
      rssTrend,
      p99Trend,
      commentCreations: created,
      subscribers: {
        count: final.subscribers,
        fewestReceived: final.fewest,
        mostReceived: final.most,
        errors: subscriberErrors,
      },
      verdict,
    });
    log(`results written to ${RESULTS}`);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
