/**
 * `npm run bench`: Autograph's GraphQL and REST against a hand-written endpoint, on the same database,
 * in one process. Each scenario reads the first 50 posts with their authors; the table reports req/s
 * and latency, each divided by the baseline's, and the SQL statements each request costs.
 *
 * Environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS
 * (default 10), DATABASE_URL (a server to create `autograph_bench` on; default: embedded PostgreSQL in
 * .data/postgres-bench on EMBEDDED_PG_BENCH_PORT, default 54331).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { getRequestListener } from "@hono/node-server";
import pino from "pino";
import { resources } from "../schema/index.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { createRuntime } from "../src/runtime/runtime.ts";
import { createApp } from "../src/server/app.ts";
import { datamodel } from "../src/storage/datamodel.ts";
import { createDatabase } from "../src/storage/prisma.ts";
import { createStore } from "../src/storage/store.ts";
import { createBaseline } from "./baseline.ts";
import { prepareBenchDatabase } from "./database.ts";
import { type Counter, type LoadSettings, load, probe, type StatementSample, statementsPerRequest } from "./measure.ts";
import { rows, type ScenarioResult, table, writeReport } from "./report.ts";
import { type CheckedPost, type Scenario, scenarios, type Target } from "./scenarios.ts";

/** Connections of each side's pool: the app's default, given to the baseline too. */
const POOL_SIZE = 10;
/** Sequential requests whose SQL statements are counted, per scenario. */
const STATEMENT_SAMPLE = 20;
const RESULTS = fileURLToPath(new URL("./results/latest.json", import.meta.url));
const EMBEDDED_DIR = fileURLToPath(new URL("../.data/postgres-bench", import.meta.url));

function setting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}".`);
  return value;
}

const log = (message: string) => console.error(`[bench] ${message}`);

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Called between runs, so every open connection is an idle keep-alive one.
    server.closeAllConnections();
  });
}

/** Cleanups run last-in first-out, each even if an earlier one failed. */
class Cleanup {
  private readonly steps: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;
  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) await step().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
    })();
    return this.running;
  }
}

/** Every scenario must return the same posts with the same authors, or the ratios compare different work. */
function checkSameRows(found: ReadonlyMap<string, CheckedPost[]>): void {
  const key = (posts: CheckedPost[]) => posts.map((p) => `${p.id}:${p.author.id}`).sort().join(",");
  const [first, ...rest] = [...found];
  if (!first) return;
  for (const [name, posts] of rest) {
    if (key(posts) !== key(first[1])) {
      throw new Error(`Scenario "${name}" returned other posts or authors than "${first[0]}": ${key(posts).slice(0, 200)} vs ${key(first[1]).slice(0, 200)}`);
    }
  }
}

async function main(): Promise<void> {
  const settings: LoadSettings = {
    duration: setting("BENCH_DURATION", 10, 1),
    warmup: setting("BENCH_WARMUP", 2, 0),
    connections: setting("BENCH_CONNECTIONS", 10, 1),
  };
  const startedAt = new Date().toISOString();
  const cleanup = new Cleanup();
  process.once("SIGINT", () => {
    log("interrupted: cleaning up");
    void cleanup.run().finally(() => process.exit(130));
  });

  try {
    const database = await prepareBenchDatabase({
      databaseUrl: process.env.DATABASE_URL || undefined,
      dataDir: EMBEDDED_DIR,
      port: setting("EMBEDDED_PG_BENCH_PORT", 54331, 1),
      log,
    });
    cleanup.add(() => database.close());

    const db = createDatabase(database.url, { poolSize: POOL_SIZE });
    cleanup.add(() => db.close());
    const runtime = createRuntime({ schema: resolveResources(resources, datamodel), store: createStore(db) });
    const app = createApp({ runtime, logger: pino({ level: "silent" }) });
    const appServer = createServer(getRequestListener(app.fetch));
    const baseline = createBaseline(database.url, POOL_SIZE);
    cleanup.add(() => baseline.close());

    cleanup.add(() => stop(appServer));
    cleanup.add(() => stop(baseline.server));
    const origins: Record<Target, string> = { app: await listen(appServer), baseline: await listen(baseline.server) };
    const counters: Record<Target, Counter> = { app: db.statements, baseline: baseline.statements };
    log(`app on ${origins.app}, baseline on ${origins.baseline}`);

    const found = new Map<string, CheckedPost[]>();
    for (const scenario of scenarios) found.set(scenario.name, await probe(scenario, origins[scenario.target]));
    checkSameRows(found);
    log(`every scenario returns the same ${found.values().next().value?.length} posts with their authors`);

    const statements = new Map<Scenario, StatementSample>();
    for (const scenario of scenarios) {
      statements.set(scenario, await statementsPerRequest(scenario, origins[scenario.target], counters[scenario.target], STATEMENT_SAMPLE));
    }
    const baselineStatements = statements.get(scenarios.find((s) => s.target === "baseline") as Scenario)?.perRequest;
    if (baselineStatements !== 1) throw new Error(`The baseline must send exactly 1 SQL statement per request, counted ${baselineStatements}.`);

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      log(`${scenario.name}: ${settings.warmup} s warm-up, ${settings.duration} s measured, ${settings.connections} connections`);
      results.push({ scenario, load: await load(scenario, origins[scenario.target], settings), statements: statements.get(scenario) as StatementSample });
    }

    const data = rows(results, "baseline");
    console.log(table(data));
    await writeReport(RESULTS, {
      startedAt,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      settings: { ...settings, poolSize: POOL_SIZE, statementSampleRequests: STATEMENT_SAMPLE },
      rows: data,
    });
    log(`results written to ${RESULTS}`);
  } finally {
    await cleanup.run();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
