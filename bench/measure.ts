/**
 * Measuring one scenario: a single checked request, the SQL statements per request, and the load run.
 */
import autocannon from "autocannon";
import { type CheckedPost, checkPosts, type Scenario } from "./scenarios.ts";

/** Load settings shared by every scenario. */
export interface LoadSettings {
  /** Seconds measured. */
  duration: number;
  /** Seconds run and discarded before measuring (JIT, pools, caches). */
  warmup: number;
  /** Concurrent connections. */
  connections: number;
}

/** What the load run of a scenario measured. */
export interface LoadResult {
  /** Completed requests per second over the measured run. */
  requestsPerSecond: number;
  /** Latency percentiles in ms (autocannon records whole milliseconds). */
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  seconds: number;
}

/** Counts (and records the texts of) the SQL statements sent through one pool. */
export interface Counter {
  readonly count: number;
  /** The most recent statement texts, oldest first. */
  readonly log: readonly string[];
  reset(): void;
}

/** The SQL a scenario costs. */
export interface StatementSample {
  /** Statements per request, averaged over the sample. */
  perRequest: number;
  /** The statements of one request, in order: what to read when `perRequest` grows. */
  oneRequest: string[];
}

function send(scenario: Scenario, origin: string): Promise<Response> {
  return fetch(origin + scenario.path, {
    method: scenario.method,
    headers: scenario.headers,
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
  });
}

/** Sends the scenario's request once and checks the posts it returns (throws otherwise). */
export async function probe(scenario: Scenario, origin: string): Promise<CheckedPost[]> {
  const response = await send(scenario, origin);
  return checkPosts(scenario, response.status, await response.text());
}

/**
 * SQL statements per request: `requests` sequential requests, each checked, divided into the
 * statements counted meanwhile; plus the texts of one request's statements. Sequential, so nothing
 * else runs on the pool in between.
 */
export async function statementsPerRequest(scenario: Scenario, origin: string, counter: Counter, requests = 20): Promise<StatementSample> {
  counter.reset();
  await probe(scenario, origin);
  const oneRequest = [...counter.log];
  counter.reset();
  for (let i = 0; i < requests; i++) await probe(scenario, origin);
  return { perRequest: counter.count / requests, oneRequest };
}

/**
 * Runs autocannon against the scenario: a warm-up, then `duration` seconds measured. Throws when any
 * response was not a 2xx, or any request failed or timed out: a fast error is not a result.
 */
export async function load(scenario: Scenario, origin: string, settings: LoadSettings): Promise<LoadResult> {
  const result = await autocannon({
    url: origin + scenario.path,
    method: scenario.method,
    headers: scenario.headers,
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
    connections: settings.connections,
    duration: settings.duration,
    ...(settings.warmup > 0 ? { warmup: { connections: settings.connections, duration: settings.warmup } } : {}),
  });
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(
      `Scenario "${scenario.name}" failed under load: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses ` +
        `(status counts ${JSON.stringify(result.statusCodeStats)}) out of ${result.requests.sent} requests.`,
    );
  }
  if (result.requests.total === 0) throw new Error(`Scenario "${scenario.name}" completed no request in ${result.duration} s.`);
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
    requests: result.requests.total,
    seconds: result.duration,
  };
}
