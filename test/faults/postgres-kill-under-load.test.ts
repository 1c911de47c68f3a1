// Fault: kill -9 of PostgreSQL under write load. The embedded default is killed while 10 keep-alive
// connections write and read; its supervisor restarts it. Asserted: 0 acknowledged writes lost; every
// answer during the outage is a 503 with Retry-After (never a 500, never a hang: each request has a 10 s
// limit); /readyz answers 503 during the outage and 200 within 5 s of recovery; the server is the same
// process throughout (no restart).
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type EmbeddedTestServer, startEmbeddedTestServer } from "../support/embedded-server.ts";
import { missingTags, runLoad } from "../support/fault-load.ts";

let server: EmbeddedTestServer;
beforeAll(async () => {
  server = await startEmbeddedTestServer();
}, 120_000);
afterAll(() => server?.close());

/** Whether PostgreSQL itself accepts a query now (what "recovered" means below). */
async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

test("kill -9 of PostgreSQL under write load: 0 acknowledged writes lost, 503 during the outage, ready again within 5 s", async () => {
  const stop = new AbortController();
  const load = runLoad({ url: server.running.url, prefix: "kill", signal: stop.signal });
  const readyz = `${server.running.url}/readyz`;
  const ready = async () => (await fetch(readyz, { signal: AbortSignal.timeout(5_000) })).status;

  // Some acknowledged writes first.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  process.kill(await server.postmasterPid(), "SIGKILL");
  const killedAt = performance.now();

  // Watch /readyz and PostgreSQL itself until both are back (bounded: 60 s).
  const seen = new Set<number>();
  let recoveredAt: number | undefined;
  let readyAgainAt: number | undefined;
  while (readyAgainAt === undefined && performance.now() - killedAt < 60_000) {
    const status = await ready();
    seen.add(status);
    if (recoveredAt === undefined && (await postgresAnswers(server.databaseUrl))) recoveredAt = performance.now();
    if (status === 200 && seen.has(503)) readyAgainAt = performance.now();
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Load on the recovered server for a moment, then stop.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  stop.abort();
  const result = await load;

  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  let lost: string[];
  try {
    lost = await missingTags((sql, values) => client.query(sql, values), result.ackedNames);
  } finally {
    await client.end();
  }
  const recovery = recoveredAt === undefined ? Number.NaN : Math.round(recoveredAt - killedAt);
  const readyLag =
    readyAgainAt === undefined || recoveredAt === undefined ? Number.NaN : Math.round(readyAgainAt - recoveredAt);
  console.log(
    `kill -9 under load: acked ${result.acked} writes, ${result.reads} reads, ${result.unavailable} answered 503 (Retry-After), ${result.failed} failed, lost ${lost.length}; PostgreSQL back ${recovery} ms after the kill, /readyz 200 ${readyLag} ms after that`,
  );

  expect(result.failures).toEqual([]);
  expect(lost).toEqual([]);
  expect(result.acked).toBeGreaterThan(0);
  expect(result.unavailable).toBeGreaterThan(0);
  expect(seen.has(503)).toBe(true);
  expect(readyAgainAt).toBeDefined();
  expect(readyLag).toBeLessThanOrEqual(5_000);
  // The outage was logged as warnings: no "unexpected error", no stack.
  expect(server.logs.filter((l) => l.level >= 50).map((l) => `${l.msg} ${JSON.stringify(l.err ?? "")}`)).toEqual([]);
  // The same server, no restart: it still answers.
  expect((await fetch(`${server.running.url}/healthz`)).status).toBe(200);
}, 120_000);
