/**
 * The load generator, run as a child process by bench/peer.ts so that it does not share an event loop
 * with any server it measures. It waits for jobs over IPC, runs each with autocannon, and answers with
 * the figures (or the error). It exits when its parent goes away.
 */
import autocannon from "autocannon";
import type { Request } from "./scenarios.ts";

/** A load run: one request sent over and over, or several sent in turn on each connection. */
export interface LoadJob {
  id: number;
  origin: string;
  requests: readonly Request[];
  connections: number;
  /** Seconds measured. */
  duration: number;
  /** Seconds of load before measuring, discarded. */
  warmup: number;
  /** Count errors, timeouts and non-2xx responses instead of failing the job (the soak reports them). @default false */
  allowErrors?: boolean;
}

/** What a load run measured. */
export interface LoadResult {
  /** Completed requests per second over the measured seconds. */
  requestsPerSecond: number;
  /** Latency percentiles in ms, as autocannon records them. */
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  seconds: number;
  /** Connection errors, timeouts and non-2xx responses (0 unless the job allowed them). */
  errors: number;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
}

export type LoadReply = { id: number; result: LoadResult } | { id: number; error: string };

async function run(job: LoadJob): Promise<LoadResult> {
  const [first] = job.requests;
  if (!first) throw new Error("A load job needs a request.");
  const one = job.requests.length === 1;
  const result = await autocannon({
    url: job.origin + first.path,
    method: first.method,
    headers: first.headers,
    ...(first.body === undefined ? {} : { body: first.body }),
    ...(one
      ? {}
      : {
          requests: job.requests.map((r) => ({
            method: r.method,
            path: r.path,
            headers: r.headers,
            ...(r.body === undefined ? {} : { body: r.body }),
          })),
        }),
    connections: job.connections,
    duration: job.duration,
    ...(job.warmup > 0 ? { warmup: { connections: job.connections, duration: job.warmup } } : {}),
  });
  // A fast error is not a result.
  const errors = result.errors + result.timeouts + result.non2xx;
  if (errors > 0 && !job.allowErrors) {
    throw new Error(
      `${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses ` +
        `(status counts ${JSON.stringify(result.statusCodeStats)}) out of ${result.requests.sent} requests`,
    );
  }
  if (result.requests.total === 0) throw new Error(`no request completed in ${result.duration} s`);
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
    requests: result.requests.total,
    seconds: result.duration,
    errors,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count])),
  };
}

process.on("message", (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ id: job.id, result } satisfies LoadReply),
    (error: unknown) =>
      process.send?.({ id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies LoadReply),
  );
});
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
