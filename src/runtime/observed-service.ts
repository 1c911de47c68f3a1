/**
 * A resource service whose operations are observed: each call of an operation method reports its
 * resource, action, error code (`ok` when none) and duration to the {@link Instrumentation}, and runs
 * inside a span of its own when tracing is on (so its SQL statements are the span's children).
 */
import { context, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Instrumentation } from "../storage/instrumentation.ts";
import { AppError } from "./errors.ts";
import type { ResourceService } from "./service.ts";

/**
 * The methods of {@link ResourceService} that are operations a client asks for (the action label):
 * reads, writes, history, locks, actions and batches. Helpers the others call (present, related,
 * rowsWhereIn, parseId...) are left out, so one request's operation is counted once.
 */
export const OBSERVED_OPERATIONS = [
  "list",
  "listText",
  "page",
  "pageText",
  "aggregate",
  "count",
  "get",
  "getText",
  "getMany",
  "revisions",
  "revision",
  "diff",
  "lock",
  "unlock",
  "getLock",
  "locks",
  "create",
  "update",
  "patch",
  "delete",
  "deleteWhere",
  "restore",
  "purge",
  "revert",
  "publish",
  "action",
  "batch",
] as const satisfies readonly (keyof ResourceService)[];

type Operation = (...args: unknown[]) => Promise<unknown>;

/**
 * Replaces the operation methods of `service` (own properties, made once at boot) with observed ones.
 * Without a tracer the wrapper only reads the clock twice; nothing is allocated per call but the
 * arguments array.
 */
export function observeService(service: ResourceService, instrumentation: Instrumentation): void {
  const resource = service.resource.name;
  const { tracer } = instrumentation;
  for (const action of OBSERVED_OPERATIONS) {
    const method = (service[action] as unknown as Operation).bind(service);
    const spanName = `${resource}.${action}`;
    const observed: Operation = async (...args) => {
      const started = performance.now();
      const span = tracer?.startSpan(spanName, {
        attributes: { "autograph.resource": resource, "autograph.action": action },
      });
      try {
        const result = span
          ? await context.with(trace.setSpan(context.active(), span), method, undefined, ...args)
          : await method(...args);
        instrumentation.operation(resource, action, "ok", (performance.now() - started) / 1000);
        span?.end();
        return result;
      } catch (error) {
        const code = error instanceof AppError ? error.code : "INTERNAL";
        instrumentation.operation(resource, action, code, (performance.now() - started) / 1000);
        if (span) endFailed(span, code, error);
        throw error;
      }
    };
    Object.defineProperty(service, action, { value: observed, configurable: true, writable: true });
  }
}

function endFailed(span: Span, code: string, error: unknown): void {
  span.setAttribute("autograph.error_code", code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}
