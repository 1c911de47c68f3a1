// Fault: the embedded PostgreSQL's postmaster is killed (kill -9). The server's supervisor notices and
// starts it again (crash recovery), and writes succeed again within 10 s without restarting the server;
// meanwhile writes answer 503 with Retry-After, never 500 (docs/guides/deployment.md, "Shutdown and supervision").
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type EmbeddedTestServer, startEmbeddedTestServer } from "../support/embedded-server.ts";
import { until } from "../support/until.ts";

let server: EmbeddedTestServer;
beforeAll(async () => {
  server = await startEmbeddedTestServer();
}, 120_000);
afterAll(() => server?.close());

async function createTag(name: string): Promise<Response> {
  return fetch(`${server.running.url}/api/tags`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
    signal: AbortSignal.timeout(5_000),
  });
}

test("a killed embedded PostgreSQL is restarted by the server, and writes succeed again within 10 s", async () => {
  expect((await createTag("before-kill")).status).toBe(201);
  const killed = await server.postmasterPid();
  process.kill(killed, "SIGKILL");
  const down = performance.now();

  // GraphQL during the outage: the same failure as UNAVAILABLE, never a masked INTERNAL. A pooled
  // backend that has not noticed its postmaster's death yet may still answer the first request or so
  // (a CI run saw one succeed), so the requests go on until one fails.
  const codes: string[] = [];
  for (let i = 0; !codes.includes("UNAVAILABLE") && i < 40; i++) {
    const graphql = await fetch(`${server.running.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `mutation { createTag(data: { name: "during-outage-${i}" }) { id } }` }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await graphql.json()) as { errors?: { extensions?: { code?: string } }[] };
    codes.push(body.errors ? String(body.errors[0]?.extensions?.code) : "ok");
    if (!body.errors) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(codes).toContain("UNAVAILABLE");
  expect(codes.filter((code) => code !== "UNAVAILABLE" && code !== "ok")).toEqual([]);

  const statuses = new Map<string, number>();
  let recoveredMs: number | undefined;
  for (let i = 0; recoveredMs === undefined && performance.now() - down < 10_000; i++) {
    const response = await createTag(`after-kill-${i}`);
    const key = `${response.status}${response.status === 503 ? ` Retry-After: ${response.headers.get("retry-after")}` : ""}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    if (response.status === 201) recoveredMs = performance.now() - down;
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(
    `embedded PostgreSQL killed: writes succeed again after ${Math.round(recoveredMs ?? Number.NaN)} ms; answers meanwhile: ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  console.log(
    server.logs
      .filter((l) => l.msg.includes("embedded PostgreSQL"))
      .map((l) => `  ${l.msg}`)
      .join("\n"),
  );
  expect(recoveredMs, "writes did not succeed again within 10 s").toBeDefined();
  // The supervisor logs its recovery once `pg_ctl start -w` returns, which can be a moment after the
  // server began accepting the write above.
  await until(
    () => server.logs.some((l) => l.level === 30 && /restarted after \d+ ms/.test(l.msg)),
    10_000,
    "the supervisor's recovery log line",
  );
  // Every answer during the outage was a 503 asking to retry, none a 500.
  for (const key of statuses.keys()) expect(key).toMatch(/^(201|503 Retry-After: \d+)$/);

  expect(await server.postmasterPid()).not.toBe(killed);
  const warnings = server.logs.filter((l) => l.level === 40).map((l) => l.msg);
  expect(warnings.some((m) => m.includes("is not running: restart attempt 1"))).toBe(true);
  // Outages are warnings, one line each, never "unexpected error" with a stack.
  expect(server.logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);

  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(`select name from "Tag" where name like 'after-kill-%'`);
    expect(rows).toHaveLength(1);
  } finally {
    await client.end();
  }
}, 60_000);
