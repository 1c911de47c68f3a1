/**
 * One HTTP request as metrics and traces see it: its scope (request id, route template), its server
 * span when tracing is on (continuing the caller's `traceparent`), and, once answered, its count and
 * latency by method, route template and status. Both entries of the app (the Node listener and
 * in-process `fetch`) observe each request with one of these.
 */
import { type Context, context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Metrics } from "./metrics.ts";
import { inRequestScope, type RequestScope } from "./request-scope.ts";
import type { Tracing } from "./tracing.ts";

/** The route label of a request no route answered (a 404 of any path): one value, whatever the path. */
export const UNMATCHED_ROUTE = "unmatched";

/** The route label of a route of the app itself (`/healthz`, `/admin/*`); a catch-all middleware's `*` is no route. */
export function appRoute(path: string): string {
  return path === "" || path === "*" || path === "/*" ? UNMATCHED_ROUTE : path;
}

/** A request being answered. One object per request: the methods are the class's. */
export class ObservedRequest {
  readonly scope: RequestScope;
  readonly #method: string;
  readonly #started = performance.now();
  readonly #metrics: Metrics | undefined;
  readonly #span: Span | undefined;
  readonly #active: Context | undefined;

  constructor(
    method: string,
    requestId: string,
    traceparent: string | null | undefined,
    metrics: Metrics | undefined,
    tracing: Tracing | undefined,
  ) {
    this.scope = { requestId, route: undefined };
    this.#method = method;
    this.#metrics = metrics;
    if (tracing) {
      const parent = tracing.incoming(traceparent);
      this.#span = tracing.tracer.startSpan(
        method,
        { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "autograph.request_id": requestId } },
        parent,
      );
      this.#active = trace.setSpan(parent, this.#span);
    }
  }

  /** Runs `run` in the request's scope (log correlation) and, with tracing on, inside its span. */
  run<T>(run: () => T): T {
    const active = this.#active;
    return active ? context.with(active, () => inRequestScope(this.scope, run)) : inRequestScope(this.scope, run);
  }

  /** The request was answered with `status`; `stream` when the response is an event stream (its lifetime is no latency). */
  end(status: number, stream: boolean): void {
    const route = this.scope.route ?? UNMATCHED_ROUTE;
    this.#metrics?.request(this.#method, route, status, (performance.now() - this.#started) / 1000, stream);
    const span = this.#span;
    if (span) {
      span.updateName(`${this.#method} ${route}`);
      span.setAttribute("http.route", route);
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  }
}
