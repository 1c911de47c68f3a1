/**
 * OpenTelemetry tracing of one server, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: a tracer provider of
 * its own (never the global one: tests run several servers in a process), spans batched to the OTLP/HTTP
 * endpoint, and the W3C `traceparent` of incoming requests continued. The context manager (async
 * hooks) is the one process-wide piece: OpenTelemetry's API reads the active span through it.
 */
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { type Context, context, ROOT_CONTEXT, type Tracer, TraceFlags, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";

/** The tracing of one server. */
export interface Tracing {
  readonly tracer: Tracer;
  /** The context a request's server span starts in: its caller's trace when `traceparent` is valid, else a new trace. */
  incoming(traceparent: string | null | undefined): Context;
  /** Exports every span ended so far and stops (RunningServer.close). */
  close(): Promise<void>;
}

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /** The OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** The `service.name` of the spans. */
  serviceName: string;
  /** Where spans go instead of the endpoint (tests). @default an OTLP/HTTP JSON exporter */
  exporter?: SpanExporter;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Starts a tracer provider exporting to the endpoint, and the process's context manager if none is set. */
export function createTracing(options: TracingOptions): Tracing {
  if (!contextManager) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    // False when the application registered its own (an OpenTelemetry SDK of its own): it is used then.
    context.setGlobalContextManager(contextManager);
  }
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  return {
    tracer: provider.getTracer("autograph"),
    incoming: (traceparent) => {
      const parent = traceparent ? parseTraceparent(traceparent) : undefined;
      return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    },
    close: async () => {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C trace context `traceparent` header (version 00, or a later one read as 00); undefined when malformed or all zeros. */
function parseTraceparent(header: string) {
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId = "", spanId = "", flags = "00"] = match;
  if (version === "ff" || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
}
