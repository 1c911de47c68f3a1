/**
 * What a log line written during a request is correlated by: the request id (echoed as `X-Request-Id`),
 * and the trace and span ids when tracing is on. The HTTP entry runs each request in a scope of its
 * own (AsyncLocalStorage); pino's `mixin` ({@link logCorrelation}) adds the ids to every line logged
 * inside it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { trace } from "@opentelemetry/api";

/** What is known of the request being answered. */
export interface RequestScope {
  readonly requestId: string;
  /** The route template that answers it, once routed (metrics and span labels). */
  route: string | undefined;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** A request id a client may choose: up to 100 letters, digits, `_`, `.`, `-` (anything else could forge log lines or blow up labels). */
const SANE_REQUEST_ID = /^[\w.-]{1,100}$/;

/** The request id of a request: its `X-Request-Id` when sane, else a new UUID. */
export function requestIdOf(header: string | null | undefined): string {
  return header && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Runs `run` in the scope of a request. */
export function inRequestScope<T>(requestScope: RequestScope, run: () => T): T {
  return scope.run(requestScope, run);
}

/** The scope of the request being answered, if any. */
export function currentRequest(): RequestScope | undefined {
  return scope.getStore();
}

/**
 * pino's `mixin`: `requestId` on lines logged during a request, and `traceId`/`spanId` when a span is
 * active (tracing on). The default logger has it; pass it to a logger of your own.
 * @example const logger = pino({ mixin: logCorrelation });
 */
export function logCorrelation(): Record<string, string> {
  const requestId = scope.getStore()?.requestId;
  const span = trace.getActiveSpan();
  if (!span) return requestId === undefined ? {} : { requestId };
  const { traceId, spanId } = span.spanContext();
  return requestId === undefined ? { traceId, spanId } : { requestId, traceId, spanId };
}
