/**
 * `npm run bench` (first part), the peer benchmark: Autograph's GraphQL and REST against a raw `pg`
 * endpoint and against PostGraphile v5, on the same database, each server in its own process and the
 * load generator in another. Rounds are interleaved (every round measures every server once per
 * scenario, in rotating order); the table gives medians of the rounds, ratios to raw and to
 * PostGraphile, the SQL statements per request as PostgreSQL counts them, and each server's RSS.
 *
 * Environment: BENCH_DURATION (s measured per run, default 3), BENCH_WARMUP (s of discarded load per
 * run, default 1), BENCH_CONNECTIONS (default 10), BENCH_ROUNDS (default 4), BENCH_SOAK (s of mixed
 * load on Autograph watching its RSS, default 0: none), DATABASE_URL (a server to create
 * `autograph_bench` on; default: embedded PostgreSQL in .data/postgres-bench on
 * EMBEDDED_PG_BENCH_PORT, default 54331). See bench/README.md.
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { prepareBenchDatabase } from "./database.ts";
import { LoadGenerator } from "./load-generator.ts";
import type { LoadResult } from "./loadgen.ts";
import {
  type Child,
  forkChild,
  freePort,
  rssMb,
  runNpmScript,
  sampleRss,
  spawnServer,
  startArguments,
} from "./processes.ts";
import { type Measurement, median, summarise, table, textTable, writeReport } from "./report.ts";
import {
  type Answer,
  fingerprint,
  type ProcessName,
  processOf,
  readAnswer,
  type Request,
  type Scenario,
  SERVERS,
  type ServerName,
  scenarios,
} from "./scenarios.ts";
import { type Background, type StatementCount, StatementStatistics } from "./statements.ts";
import { setting } from "./setting.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const RESULTS = fileURLToPath(new URL("./results/latest.json", import.meta.url));
const EMBEDDED_DIR = fileURLToPath(new URL("../.data/postgres-bench", import.meta.url));
/** Sequential requests whose SQL statements are counted, per server and scenario. */
const STATEMENT_SAMPLE = 20;
/** Idle time during which the statements that run without requests are learnt. */
const BACKGROUND_MS = 2000;
/** Seconds between two RSS samples of the soak run. */
const SOAK_EVERY = 5;

const log = (message: string) => console.error(`[bench] ${message}`);

/** Cleanups run last-in first-out, each even if an earlier one failed. */
class Cleanup {
  private readonly steps: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;
  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse())
        await step().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
    })();
    return this.running;
  }
}

async function ask(origin: string, scenario: Scenario, server: ServerName): Promise<Answer> {
  const request = scenario.servers[server].request;
  const response = await fetch(origin + request.path, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return readAnswer(scenario, server, response.status, response.headers, await response.text());
}

const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length] as T);

async function main(): Promise<void> {
  const settings = {
    duration: setting("BENCH_DURATION", 3, 1),
    warmup: setting("BENCH_WARMUP", 1, 0),
    connections: setting("BENCH_CONNECTIONS", 10, 1),
    rounds: setting("BENCH_ROUNDS", 4, 1),
    soak: setting("BENCH_SOAK", 0, 0),
  };
  const startedAt = new Date().toISOString();
  const cleanup = new Cleanup();
  process.once("SIGINT", () => {
    log("interrupted: cleaning up");
    void cleanup.run().finally(() => process.exit(130));
  });

  try {
    // `npm start`'s build first, while nothing else runs (incremental: about a second when dist/ is current).
    await runNpmScript("autograph", "build", ROOT);
    const database = await prepareBenchDatabase({
      databaseUrl: process.env.DATABASE_URL || undefined,
      dataDir: EMBEDDED_DIR,
      port: setting("EMBEDDED_PG_BENCH_PORT", 54331, 1),
      statementStatistics: true,
      log,
    });
    cleanup.add(() => database.close());
    const stats = await StatementStatistics.open(database.url);
    if (typeof stats === "string") log(`SQL/req is not counted: ${stats}`);
    else cleanup.add(() => stats.close());

    // One server at a time: their boots would compete for the same 2 cores.
    const production = { DATABASE_URL: database.url, NODE_ENV: "production" };
    const raw = await forkChild("raw", fileURLToPath(new URL("./baseline.ts", import.meta.url)), production);
    cleanup.add(() => raw.child.stop());
    const pgl = await forkChild("postgraphile", fileURLToPath(new URL("./postgraphile.ts", import.meta.url)), {
      ...production,
      GRAPHILE_ENV: "production",
    });
    cleanup.add(() => pgl.child.stop());
    const port = await freePort();
    // What `npm start` runs (the compiled server under plain node; built above), configured for a
    // benchmark: production, no rate limit, warnings only.
    const autograph = await spawnServer(
      "autograph",
      startArguments(),
      ROOT,
      { ...production, PORT: String(port), RATE_LIMIT: "0", LOG_LEVEL: "warn" },
      `http://127.0.0.1:${port}/readyz`,
    );
    cleanup.add(() => autograph.stop());
    const loadgen = new LoadGenerator(
      (await forkChild("loadgen", fileURLToPath(new URL("./loadgen.ts", import.meta.url)), {})).child,
    );
    cleanup.add(() => loadgen.child.stop());

    const children: Record<ProcessName, Child> = { raw: raw.child, postgraphile: pgl.child, autograph };
    const origins: Record<ProcessName, string> = {
      raw: `http://127.0.0.1:${raw.port}`,
      postgraphile: `http://127.0.0.1:${pgl.port}`,
      autograph: `http://127.0.0.1:${port}`,
    };
    const originOf = (server: ServerName) => origins[processOf[server]];
    const pidOf = (server: ServerName) => children[processOf[server]].pid;
    log(
      `raw on ${origins.raw} (pid ${raw.child.pid}), PostGraphile on ${origins.postgraphile} (pid ${pgl.child.pid}), Autograph on ${origins.autograph} (pid ${autograph.pid}), load generator pid ${loadgen.child.pid}`,
    );

    // Before any request: what each process holds once it serves.
    const bootRss = Object.fromEntries(
      Object.entries(children).map(([name, child]) => [name, rssMb(child.pid) ?? 0]),
    ) as Record<ProcessName, number>;

    // Every server must answer every scenario with the same posts, or the ratios compare different work.
    for (const scenario of scenarios) {
      const expected = fingerprint(await ask(originOf("raw"), scenario, "raw"));
      for (const server of SERVERS) {
        const got = fingerprint(await ask(originOf(server), scenario, server));
        if (got !== expected)
          throw new Error(
            `${server} / ${scenario.name} does not return what raw returns:\n  ${server}: ${got.slice(0, 400)}\n  raw: ${expected.slice(0, 400)}`,
          );
      }
    }
    log(
      `every server returns the same posts, authors, comments and totals for ${scenarios.map((s) => s.name).join(", ")}`,
    );

    const counts = new Map<string, StatementCount>();
    let background: Background | undefined;
    if (typeof stats !== "string") {
      background = await stats.learnBackground(BACKGROUND_MS);
      for (const scenario of scenarios) {
        for (const server of SERVERS) {
          counts.set(
            `${scenario.name}/${server}`,
            await stats.count(STATEMENT_SAMPLE, () => ask(originOf(server), scenario, server).then(() => {})),
          );
        }
      }
    }

    const measurements: Measurement[] = [];
    const runs = settings.rounds * scenarios.length * SERVERS.length;
    log(
      `${settings.rounds} rounds × ${scenarios.length} scenarios × ${SERVERS.length} servers, each ${settings.warmup} s warm-up + ${settings.duration} s measured, ${settings.connections} connections: about ${Math.ceil((runs * (settings.warmup + settings.duration)) / 60)} min`,
    );
    for (let round = 0; round < settings.rounds; round++) {
      for (const [index, scenario] of scenarios.entries()) {
        for (const server of rotate(SERVERS, round + index)) {
          const rss = sampleRss(pidOf(server));
          const job = {
            origin: originOf(server),
            requests: [scenario.servers[server].request],
            connections: settings.connections,
            duration: settings.duration,
            warmup: settings.warmup,
          };
          const load = await loadgen.run(job).catch((error: unknown) => {
            rss.stop();
            throw new Error(`${server} / ${scenario.name} failed under load: ${(error as Error).message}`);
          });
          measurements.push({ round, scenario: scenario.name, server, load, rssPeakMb: rss.stop() });
        }
      }
      log(`round ${round + 1}/${settings.rounds} done`);
    }

    const rows = summarise(
      measurements,
      scenarios.map((s) => s.name),
      SERVERS,
      (scenario, server) => counts.get(`${scenario}/${server}`),
    );
    const peakRss = (name: ProcessName) =>
      Math.max(...measurements.filter((m) => processOf[m.server] === name).map((m) => m.rssPeakMb));
    console.log(
      `\nPeer benchmark: medians of ${settings.rounds} interleaved rounds, ${settings.duration} s measured each, ${settings.connections} connections, load generator in its own process`,
    );
    for (const scenario of scenarios) console.log(`  ${scenario.name}: ${scenario.description}`);
    console.log(`\n${table(rows)}`);
    console.log(
      `\n${textTable(
        ["process", "RSS after boot MB", `peak RSS under ${settings.connections} connections MB`],
        (Object.keys(children) as ProcessName[]).map((name) => [
          name,
          bootRss[name].toFixed(0),
          peakRss(name).toFixed(0),
        ]),
      )}`,
    );
    if (typeof stats === "string") console.log(`\nSQL/req: n/a (${stats}).`);
    else if (background && background.statements.length > 0) {
      console.log(
        `\nSQL/req counted by pg_stat_statements over ${STATEMENT_SAMPLE} sequential requests, leaving out what ran in ${background.seconds} s without requests: ` +
          background.statements.map((s) => `${s.calls}× ${s.query.replace(/\s+/g, " ").slice(0, 80)}`).join("; "),
      );
    }

    const soak =
      settings.soak > 0
        ? await soakRun(settings.soak, settings.connections, loadgen, origins.autograph, autograph.pid)
        : undefined;

    await writeReport(RESULTS, {
      startedAt,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      settings: { ...settings, poolSize: 10, statementSampleRequests: STATEMENT_SAMPLE },
      scenarios: scenarios.map((s) => ({
        name: s.name,
        description: s.description,
        requests: Object.fromEntries(SERVERS.map((server) => [server, s.servers[server].request])),
      })),
      statementCounting:
        typeof stats === "string" ? { available: false, reason: stats } : { available: true, background },
      rssAfterBootMb: bootRss,
      rows,
      ...(soak ? { soak } : {}),
    });
    log(`results written to ${RESULTS}`);
  } finally {
    await cleanup.run();
  }
}

/**
 * The long run: `seconds` of load on Autograph, each connection sending the GraphQL and REST requests
 * of every scenario in turn, its RSS sampled every {@link SOAK_EVERY} s. The first third is the
 * warm-up. It "grows" when even the lowest sample of the last third is above the warm-up's highest by
 * more than 5 %: a heap that only breathes (GC) falls back below that line, a leak does not.
 */
async function soakRun(seconds: number, connections: number, loadgen: LoadGenerator, origin: string, pid: number) {
  const requests: Request[] = scenarios.flatMap((s) => [s.servers.graphql.request, s.servers.rest.request]);
  log(`soak: ${seconds} s of mixed GraphQL and REST load on Autograph, RSS every ${SOAK_EVERY} s`);
  const samples: { second: number; rssMb: number }[] = [];
  const started = Date.now();
  const timer = setInterval(
    () => samples.push({ second: Math.round((Date.now() - started) / 1000), rssMb: rssMb(pid) ?? 0 }),
    SOAK_EVERY * 1000,
  );
  let load: LoadResult;
  try {
    load = await loadgen.run({ origin, requests, connections, duration: seconds, warmup: 0 });
  } finally {
    clearInterval(timer);
  }
  const third = Math.max(1, Math.floor(samples.length / 3));
  const warm = samples.slice(0, third).map((s) => s.rssMb);
  const last = samples.slice(-third).map((s) => s.rssMb);
  const warmPeak = Math.max(...warm);
  const lastLow = Math.min(...last);
  const grows = samples.length >= 3 && lastLow > warmPeak * 1.05;
  console.log(
    `\nSoak: Autograph under ${seconds} s of mixed load (${load.requestsPerSecond.toFixed(0)} req/s, p99 ${load.p99} ms), RSS MB every ${SOAK_EVERY} s:`,
  );
  console.log(`  ${samples.map((s) => `${s.second}s ${s.rssMb.toFixed(0)}`).join(", ")}`);
  console.log(
    samples.length < 3
      ? "  too few samples to judge growth (BENCH_SOAK of at least 15 s)"
      : `  warm-up (first ${third} samples) peak ${warmPeak.toFixed(0)} MB; last ${third} samples low ${lastLow.toFixed(0)} MB, median ${median(last).toFixed(0)} MB: ${grows ? "GROWS beyond the warm-up" : "does not grow beyond the warm-up"}`,
  );
  return { seconds, everySeconds: SOAK_EVERY, samples, warmPeakMb: warmPeak, lastLowMb: lastLow, grows, load };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
