/**
 * The observer port every layer reports to: SQL statements (storage), resource operations (runtime),
 * GraphQL operations (graphql) and event deliveries (events). The server implements it once, with
 * prom-client for metrics and an OpenTelemetry tracer for spans (src/server/observability.ts); the
 * layers below never import the server, and do nothing costly when nobody observes.
 *
 * Spans use `@opentelemetry/api` directly (a library's convention: the API is a no-op without a
 * provider), but only through {@link Instrumentation.tracer}: with tracing off it is undefined and no
 * span object is made at all on the hot path.
 */
import type { Tracer } from "@opentelemetry/api";

/** Receives what each layer did and how long it took (seconds). Every callback must be cheap and must not throw. */
export interface Instrumentation {
  /** Where spans are started; undefined when tracing is off (then no span is made). */
  readonly tracer: Tracer | undefined;
  /** A SQL statement ended, `failed` when PostgreSQL (or the connection) refused it. */
  statement(seconds: number, failed: boolean): void;
  /** A resource operation ended: `code` is the error code it failed with, `"ok"` when none. */
  operation(resource: string, action: string, code: string, seconds: number): void;
  /**
   * A GraphQL operation ended (`type` query, mutation or subscription; `name` as the client named it,
   * or "anonymous"): `errors` holds the `extensions.code` of each error of its result.
   */
  graphql(name: string, type: string, seconds: number, errors: readonly string[]): void;
  /** `count` events were handed to subscribers' streams, or published to the bus (`stage`). */
  events(stage: "published" | "delivered", count: number): void;
}

/** The instrumentation that observes nothing: the default of every layer. */
export const NO_INSTRUMENTATION: Instrumentation = Object.freeze({
  tracer: undefined,
  statement: () => {},
  operation: () => {},
  graphql: () => {},
  events: () => {},
});

/** Longest SQL text put on a span (`db.query.text`): long enough to recognise a statement, short enough to ship. */
export const SPAN_SQL_CHARS = 1000;
