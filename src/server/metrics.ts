/**
 * Prometheus metrics of one server (docs/guides/operations.md has the table): a registry of its own
 * (tests run several servers in one process; the global default registry is never used), Node's
 * default metrics, and the `autograph_` series fed by the {@link Instrumentation} callbacks, the HTTP
 * entry and the rate limiter.
 *
 * Label values are bounded: route templates, never raw paths; HTTP methods from a fixed set; GraphQL
 * operation names up to {@link MAX_OPERATION_NAMES}, then "other". The hot path looks up a cached
 * child per label combination in nested maps (about 1 to 2 µs per observation, most of it prom-client
 * hashing the labels: docs/guides/operations.md, "Cost").
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Instrumentation } from "../storage/instrumentation.ts";

/** Distinct GraphQL operation names labelled before the rest are counted as "other" (names come from clients). */
export const MAX_OPERATION_NAMES = 200;

/** Latency buckets (seconds) of requests and operations: 1 ms to 10 s. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** SQL statements are faster: 0.25 ms to 5 s. */
const STATEMENT_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Where event subscribers are counted from: each transport reports how many are open now. */
export type SubscriberTransport = "sse" | "graphql-ws" | "graphql-sse";

/** A gauge's value, read at each scrape. */
export type GaugeCollect = () => number | Promise<number>;

/** The metrics of one server. */
export interface Metrics {
  /** The registry /metrics serves (this server's own). */
  readonly registry: Registry;
  /**
   * One HTTP request answered: `route` is its template (`/api/posts/:id`), or "unmatched". An event
   * stream (`stream`) is counted, but its lifetime is no latency and stays out of the histogram.
   */
  request(method: string, route: string, status: number, seconds: number, stream?: boolean): void;
  /** A request (or WebSocket upgrade) refused with 429, by transport: `rest`, `graphql` or `websocket`. */
  rateLimited(transport: string): void;
  /** The metric half of the {@link Instrumentation} port, with the tracer given (undefined: tracing off). */
  instrumentation(tracer: Instrumentation["tracer"]): Instrumentation;
  /**
   * Registers one more gauge, read at each scrape (e.g. a replica's lag). `name` should start with
   * `autograph_`; a name registered twice throws.
   * @example metrics.gauge("autograph_db_replica_lag_seconds", "Replay lag of the read replica.", () => replica.lagSeconds());
   */
  gauge(name: string, help: string, collect: GaugeCollect): void;
  /** Counts the open event subscribers of `transport` with `count` at each scrape. */
  subscribers(transport: SubscriberTransport, count: () => number): void;
  /**
   * Reports a datasource (a database besides the default one, docs/guides/datasources.md) at each scrape,
   * labelled `datasource`: whether its database answers, and how many connections its pool holds.
   */
  datasource(name: string, report: { up: () => Promise<boolean>; connections: () => number }): void;
  /**
   * Reports an outbox relay's lag at each scrape, labelled `broker` (`amqp`, `nats`): the committed events
   * the broker has not confirmed yet.
   */
  relay(broker: string, lag: () => Promise<number>): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Makes the registry, Node's default metrics and the autograph_ series. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: "autograph_http_requests_total",
    help: "HTTP requests answered, by method, route template and status.",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: "autograph_http_request_duration_seconds",
    help: "Time to answer an HTTP request (to its first byte for streams), by method and route template.",
    labelNames: ["method", "route"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const graphqlOperations = new Counter({
    name: "autograph_graphql_operations_total",
    help: "GraphQL operations executed (HTTP, SSE, WebSocket), by operation name and type.",
    labelNames: ["name", "type"] as const,
    registers,
  });
  const graphqlDuration = new Histogram({
    name: "autograph_graphql_operation_duration_seconds",
    help: "Time to execute a GraphQL operation (a subscription: until its stream is set up), by name and type.",
    labelNames: ["name", "type"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const graphqlErrors = new Counter({
    name: "autograph_graphql_errors_total",
    help: "Errors in GraphQL results, by operation name, type and extensions.code.",
    labelNames: ["name", "type", "code"] as const,
    registers,
  });
  const operations = new Counter({
    name: "autograph_operations_total",
    help: "Resource operations of the runtime, by resource, action and error code (ok when none).",
    labelNames: ["resource", "action", "code"] as const,
    registers,
  });
  const operationDuration = new Histogram({
    name: "autograph_operation_duration_seconds",
    help: "Time a resource operation took, by resource and action.",
    labelNames: ["resource", "action"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const statements = new Counter({
    name: "autograph_sql_statements_total",
    help: "SQL statements sent to PostgreSQL (transaction control included).",
    registers,
  });
  const statementErrors = new Counter({
    name: "autograph_sql_statement_errors_total",
    help: "SQL statements PostgreSQL (or the connection) refused.",
    registers,
  });
  const statementDuration = new Histogram({
    name: "autograph_sql_statement_duration_seconds",
    help: "Time from sending a SQL statement to its result.",
    buckets: STATEMENT_BUCKETS,
    registers,
  });
  const eventsPublished = new Counter({
    name: "autograph_events_published_total",
    help: "Change events this instance's dispatcher published to the bus.",
    registers,
  });
  const eventsDelivered = new Counter({
    name: "autograph_events_delivered_total",
    help: "Change events handed to subscribers' streams on this instance (one per stream).",
    registers,
  });
  const rateLimited = new Counter({
    name: "autograph_rate_limited_total",
    help: "Requests refused with 429 by the rate limiter, by transport (rest, graphql, websocket).",
    labelNames: ["transport"] as const,
    registers,
  });
  const subscriberCounts = new Map<SubscriberTransport, () => number>();
  new Gauge({
    name: "autograph_event_subscribers",
    help: "Open event subscribers by transport: sse (REST event streams), graphql-ws (WebSocket connections), graphql-sse.",
    labelNames: ["transport"] as const,
    registers,
    collect() {
      for (const [transport, count] of subscriberCounts) this.set({ transport }, count());
    },
  });

  const datasources = new Map<string, { up: () => Promise<boolean>; connections: () => number }>();
  new Gauge({
    name: "autograph_datasource_up",
    help: "1 when the database of the datasource answers, else 0 (datasources besides the default one).",
    labelNames: ["datasource"] as const,
    registers,
    async collect() {
      for (const [datasource, report] of datasources) this.set({ datasource }, (await report.up()) ? 1 : 0);
    },
  });
  new Gauge({
    name: "autograph_datasource_pool_connections",
    help: "Connections the pool of the datasource holds, idle and in use (datasources besides the default one).",
    labelNames: ["datasource"] as const,
    registers,
    collect() {
      for (const [datasource, report] of datasources) this.set({ datasource }, report.connections());
    },
  });

  const relays = new Map<string, () => Promise<number>>();
  new Gauge({
    name: "autograph_relay_lag",
    help: "Committed change events not yet confirmed by the broker (newest event id minus the relay's cursor), by broker.",
    labelNames: ["broker"] as const,
    registers,
    async collect() {
      // A scrape while the database is away shows NaN rather than failing whole.
      for (const [broker, lag] of relays) this.set({ broker }, await lag().catch(() => Number.NaN));
    },
  });

  const httpCounterOf = cached3((method, route, status) => httpRequests.labels({ method, route, status }));
  const httpTimerOf = cached2((method, route) => httpDuration.labels({ method, route }));
  const operationCounterOf = cached3((resource, action, code) => operations.labels({ resource, action, code }));
  const operationTimerOf = cached2((resource, action) => operationDuration.labels({ resource, action }));
  const graphqlCounterOf = cached2((name, type) => graphqlOperations.labels({ name, type }));
  const graphqlTimerOf = cached2((name, type) => graphqlDuration.labels({ name, type }));
  const statusText = Array.from({ length: 600 }, (_, status) => String(status));
  const names = new Set<string>();
  const boundedName = (name: string) => {
    if (names.has(name)) return name;
    if (names.size >= MAX_OPERATION_NAMES) return "other";
    names.add(name);
    return name;
  };

  return {
    registry,
    request(method, route, status, seconds, stream = false) {
      const m = METHODS.has(method) ? method : "other";
      httpCounterOf(m, route, statusText[status] ?? "other").inc();
      if (!stream) httpTimerOf(m, route).observe(seconds);
    },
    rateLimited: (transport) => rateLimited.inc({ transport }),
    instrumentation: (tracer) => ({
      tracer,
      statement(seconds, failed) {
        statements.inc();
        statementDuration.observe(seconds);
        if (failed) statementErrors.inc();
      },
      operation(resource, action, code, seconds) {
        operationCounterOf(resource, action, code).inc();
        operationTimerOf(resource, action).observe(seconds);
      },
      graphql(rawName, type, seconds, errors) {
        const name = boundedName(rawName);
        graphqlCounterOf(name, type).inc();
        graphqlTimerOf(name, type).observe(seconds);
        for (const code of errors) graphqlErrors.inc({ name, type, code });
      },
      events(stage, count) {
        (stage === "published" ? eventsPublished : eventsDelivered).inc(count);
      },
    }),
    gauge(name, help, collect) {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await collect());
        },
      });
    },
    subscribers(transport, count) {
      subscriberCounts.set(transport, count);
    },
    datasource(name, report) {
      datasources.set(name, report);
    },
    relay(broker, lag) {
      relays.set(broker, lag);
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** The child metric of each label combination, made once: nested maps by label value, so a warm lookup builds no label object. */
function cached2<C>(make: (a: string, b: string) => C): (a: string, b: string) => C {
  const byA = new Map<string, Map<string, C>>();
  return (a, b) => {
    let byB = byA.get(a);
    if (!byB) {
      byB = new Map();
      byA.set(a, byB);
    }
    let child = byB.get(b);
    if (child === undefined) {
      child = make(a, b);
      byB.set(b, child);
    }
    return child;
  };
}

/** {@link cached2} for three labels. */
function cached3<C>(make: (a: string, b: string, c: string) => C): (a: string, b: string, c: string) => C {
  const byA = new Map<string, (b: string, c: string) => C>();
  return (a, b, c) => {
    let rest = byA.get(a);
    if (!rest) {
      rest = cached2((b2, c2) => make(a, b2, c2));
      byA.set(a, rest);
    }
    return rest(b, c);
  };
}
