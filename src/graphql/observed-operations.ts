/**
 * GraphQL operations reported to the {@link Instrumentation}: name, type, duration and the error codes
 * of the result, over every transport yoga executes for (HTTP, SSE, graphql-ws), and the spliced
 * answers given without yoga. With tracing on, each operation is a span, and what it executes (the
 * resolvers, the spliced read) runs inside it, so the runtime's spans are its children.
 */
import { type Context, context, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { type DocumentNode, type ExecutionResult, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Instrumentation } from "../storage/instrumentation.ts";
import type { GraphQLContext } from "./builder.ts";

/** The label of an operation the client did not name. */
export const ANONYMOUS_OPERATION = "anonymous";

/** The plugin, and how other code runs inside the operation's span. */
export interface ObservedOperations {
  /** Goes first among yoga's plugins: its span must be open before the other plugins' onExecute. */
  readonly plugin: Plugin<GraphQLContext>;
  /** Runs `run` inside the span of the operation executing with `contextValue` (the spliced plugin's read). */
  within<T>(contextValue: object, run: () => T): T;
  /** Observes a query answered without yoga (the spliced fast path); `answered` says it was (an undefined answer goes on to yoga, which observes it). */
  spliced<T>(name: string | undefined, run: () => Promise<T>, answered: (result: T) => boolean): Promise<T>;
}

/** Observes operations for `instrumentation`. */
export function observedOperations(instrumentation: Instrumentation): ObservedOperations {
  const { tracer } = instrumentation;
  const spans = new WeakMap<object, Context>();
  /** Starts observing one operation; the returned function ends it with its result's errors. */
  const start = (document: DocumentNode, operationName: string | null | undefined, contextValue: object) => {
    const node = getOperationAST(document, operationName);
    const name = node?.name?.value ?? ANONYMOUS_OPERATION;
    const type = node?.operation ?? "query";
    const started = performance.now();
    const span = tracer?.startSpan(`${type} ${name}`, {
      attributes: { "graphql.operation.name": name, "graphql.operation.type": type },
    });
    const active = span && trace.setSpan(context.active(), span);
    if (active) spans.set(contextValue, active);
    return {
      active,
      end: (result: unknown) => {
        const errors = errorCodes(result);
        instrumentation.graphql(name, type, (performance.now() - started) / 1000, errors);
        if (span) endSpan(span, errors);
      },
    };
  };
  return {
    plugin: {
      onExecute({ args, executeFn, setExecuteFn }) {
        const operation = start(args.document, args.operationName, args.contextValue);
        const { active } = operation;
        if (active) setExecuteFn((a) => context.with(active, executeFn, undefined, a));
        return { onExecuteDone: ({ result }) => operation.end(result) };
      },
      onSubscribe({ args, subscribeFn, setSubscribeFn }) {
        // A subscription is observed until its stream is set up (or refused), not for as long as it lasts.
        const operation = start(args.document, args.operationName, args.contextValue);
        const { active } = operation;
        if (active) setSubscribeFn((a) => context.with(active, subscribeFn, undefined, a));
        return { onSubscribeResult: ({ result }) => operation.end(result) };
      },
    },
    within: (contextValue, run) => {
      const active = spans.get(contextValue);
      return active ? context.with(active, run) : run();
    },
    spliced: async (operationName, run, answered) => {
      const name = operationName ?? ANONYMOUS_OPERATION;
      const started = performance.now();
      const span = tracer?.startSpan(`query ${name}`, {
        attributes: { "graphql.operation.name": name, "graphql.operation.type": "query", "autograph.spliced": true },
      });
      try {
        const result = span ? await context.with(trace.setSpan(context.active(), span), run) : await run();
        if (answered(result)) instrumentation.graphql(name, "query", (performance.now() - started) / 1000, []);
        return result;
      } finally {
        span?.end();
      }
    },
  };
}

/** The `extensions.code` of each error of an execution result (none for a stream). */
function errorCodes(result: unknown): readonly string[] {
  const errors = (result as ExecutionResult | undefined)?.errors;
  if (!errors || errors.length === 0) return NO_ERRORS;
  return errors.map((error) => {
    const code = error.extensions?.code;
    return typeof code === "string" ? code : "GRAPHQL_ERROR";
  });
}

const NO_ERRORS: readonly string[] = Object.freeze([]);

function endSpan(span: Span, errors: readonly string[]): void {
  if (errors.length > 0) {
    span.setAttribute("graphql.error_codes", [...errors]);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errors.join(", ") });
  }
  span.end();
}
