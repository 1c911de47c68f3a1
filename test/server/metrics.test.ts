// GET /metrics (docs/guides/operations.md): known traffic through the public API moves the counters by
// exactly that much (deltas between two scrapes), labelled by route template, never the raw path;
// METRICS_TOKEN guards the endpoint (401 without it); METRICS_PORT serves it on its own port only.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

/** The samples of an exposition: `name{labels}` exactly as written, to its value. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await fetch(url, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return samples(await response.text());
}

/** How much each series moved from `before` to `after` (series new in `after` count from 0). */
function delta(before: Map<string, number>, after: Map<string, number>) {
  return (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
}

const graphql = (server: TestServer, query: string, headers: Record<string, string> = {}) =>
  fetch(`${server.running.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });

describe("metrics on the main port (not production, no token)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT: "0", DEV_ACTOR: "tester:admin" } });
  });
  afterAll(() => server?.close());

  it("counts known traffic exactly, by route template, operation and resource", async () => {
    const { url, metricsUrl } = server.running;
    expect(metricsUrl).toBe(`${url}/metrics`);
    const before = await scrape(`${url}/metrics`);

    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/api/posts`)).status).toBe(200);
    expect((await fetch(`${url}/api/posts/999999`)).status).toBe(404);
    expect((await fetch(`${url}/no/such/page-${Date.now()}`)).status).toBe(404);
    for (let i = 0; i < 2; i++) {
      const response = await graphql(server, "query X { postsCount }");
      expect(((await response.json()) as { data: unknown }).data).toEqual({ postsCount: expect.any(Number) });
    }
    const created = await graphql(server, 'mutation M { createTag(data: { name: "metrics-tag" }) { id } }');
    expect(((await created.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(await server.db.prisma.tag.count({ where: { name: "metrics-tag" } })).toBe(1);

    const moved = delta(before, await scrape(`${url}/metrics`));
    expect(moved('autograph_http_requests_total{method="GET",route="/api/posts",status="200"}')).toBe(3);
    expect(moved('autograph_http_requests_total{method="GET",route="/api/posts/:id",status="404"}')).toBe(1);
    expect(moved('autograph_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(moved('autograph_http_requests_total{method="POST",route="/graphql",status="200"}')).toBe(3);
    expect(moved('autograph_http_request_duration_seconds_count{method="GET",route="/api/posts"}')).toBe(3);
    // The second query is answered by the spliced fast path, without yoga: still one operation each.
    expect(moved('autograph_graphql_operations_total{name="X",type="query"}')).toBe(2);
    expect(moved('autograph_graphql_operations_total{name="M",type="mutation"}')).toBe(1);
    expect(moved('autograph_graphql_operation_duration_seconds_count{name="X",type="query"}')).toBe(2);
    expect(moved('autograph_operations_total{resource="tag",action="create",code="ok"}')).toBe(1);
    const postReads = ["list", "listText"].reduce(
      (sum, action) => sum + moved(`autograph_operations_total{resource="post",action="${action}",code="ok"}`),
      0,
    );
    expect(postReads).toBe(3);
    const notFound = ["get", "getText"].reduce(
      (sum, action) => sum + moved(`autograph_operations_total{resource="post",action="${action}",code="NOT_FOUND"}`),
      0,
    );
    expect(notFound).toBe(1);
    expect(moved("autograph_sql_statements_total")).toBeGreaterThan(0);
    expect(moved("autograph_sql_statement_duration_seconds_count")).toBe(moved("autograph_sql_statements_total"));
    // The raw path of the 404 never became a label.
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(after).not.toContain("/no/such/page");
    expect(after).not.toContain("/api/posts/999999");
  });

  it("exports the pool, outbox lag, subscriber and Node default series", async () => {
    await server.running.events.settled();
    const values = await scrape(server.running.metricsUrl as string);
    expect(values.get("autograph_db_pool_connections")).toBeGreaterThan(0);
    expect(values.get("autograph_events_outbox_lag")).toBe(0);
    expect(values.has('autograph_event_subscribers{transport="graphql-ws"}')).toBe(true);
    expect(values.has("process_cpu_user_seconds_total")).toBe(true);
  });

  it("a gauge registered from outside is scraped", async () => {
    let lag = 7;
    server.running.metrics.gauge("autograph_test_replica_lag_seconds", "A gauge of the test.", () => lag);
    expect((await scrape(server.running.metricsUrl as string)).get("autograph_test_replica_lag_seconds")).toBe(7);
    lag = 3;
    expect((await scrape(server.running.metricsUrl as string)).get("autograph_test_replica_lag_seconds")).toBe(3);
  });

  it("echoes a sane X-Request-Id and replaces any other with a UUID", async () => {
    const { url } = server.running;
    const sane = await fetch(`${url}/api/posts`, { headers: { "x-request-id": "req-1.abc_2" } });
    expect(sane.headers.get("x-request-id")).toBe("req-1.abc_2");
    const insane = await fetch(`${url}/graphql?query={postsCount}`, { headers: { "x-request-id": "a b\tc" } });
    expect(insane.headers.get("x-request-id")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    const none = await fetch(`${url}/healthz`);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("METRICS_TOKEN, and rate-limit refusals", () => {
  const token = "scrape-token-0123456789";
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT: "2", METRICS_TOKEN: token } });
  });
  afterAll(() => server?.close());

  it("answers 401 with a message without the token, and counts refusals by transport", async () => {
    const metricsUrl = `${server.running.url}/metrics`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-0123456789" },
      { authorization: token },
    ];
    for (const headers of attempts) {
      const refused = await fetch(metricsUrl, { headers });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { message: string }).message).toMatch(/METRICS_TOKEN/);
    }
    const auth = { authorization: `Bearer ${token}` };
    const before = await scrape(metricsUrl, auth);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.running.url}/api/posts`)).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect((await graphql(server, "{ postsCount }")).status).toBe(429);
    const moved = delta(before, await scrape(metricsUrl, auth));
    expect(moved('autograph_rate_limited_total{transport="rest"}')).toBe(2);
    expect(moved('autograph_rate_limited_total{transport="graphql"}')).toBe(1);
    // Refused before routing: labelled with the class of routes the limiter guards.
    expect(moved('autograph_http_requests_total{method="GET",route="/api/*",status="429"}')).toBe(2);
    expect(moved('autograph_http_requests_total{method="POST",route="/graphql",status="429"}')).toBe(1);
  });
});

describe("METRICS_PORT in production", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: "production", METRICS_PORT: "0", RATE_LIMIT: "0" } });
  });
  afterAll(() => server?.close());

  it("serves /metrics on its own port only", async () => {
    const { url, metricsUrl } = server.running;
    expect(metricsUrl).toMatch(/^http:\/\/localhost:\d+\/metrics$/);
    expect(metricsUrl?.startsWith(`${url}/`)).toBe(false);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    await fetch(`${url}/healthz`);
    const values = await scrape(metricsUrl as string);
    expect(values.get('autograph_http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(1);
    const other = await fetch(new URL("/api/posts", metricsUrl));
    expect(other.status).toBe(404);
  });
});

describe("production without METRICS_TOKEN or METRICS_PORT", () => {
  const lines: { msg?: string }[] = [];
  let server: TestServer;
  beforeAll(async () => {
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line));
          done();
        },
      }),
    );
    server = await startTestServer({ env: { NODE_ENV: "production", RATE_LIMIT: "0" }, logger });
  });
  afterAll(() => server?.close());

  it("serves no metrics (404) and says at boot how to turn them on", async () => {
    expect(server.running.metricsUrl).toBeUndefined();
    const response = await fetch(`${server.running.url}/metrics`);
    expect(response.status).toBe(404);
    const told = lines.filter((line) => line.msg?.startsWith("metrics are not served in production"));
    expect(told).toHaveLength(1);
    expect(told[0]?.msg).toMatch(/METRICS_TOKEN.*METRICS_PORT/);
  });
});
