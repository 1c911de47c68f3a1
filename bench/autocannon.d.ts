// The part of autocannon's programmatic API the benchmark uses. autocannon ships no types, and
// @types/autocannon lags behind v9; these few fields are stable across both.
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  namespace autocannon {
    interface Options {
      url: string;
      method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
      headers?: Record<string, string>;
      body?: string;
      /** Requests each connection sends in turn, over and over (instead of the one above). */
      requests?: { method?: Options["method"]; path?: string; headers?: Record<string, string>; body?: string }[];
      /** Concurrent connections. */
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds before a request counts as a timeout. */
      timeout?: number;
      /** A run whose results are discarded, before the measured one. */
      warmup?: { connections?: number; duration?: number };
    }

    /** One histogram summary; latencies in ms, requests in requests per second. */
    interface Stats {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p97_5: number;
      p99: number;
    }

    interface Result {
      /** Seconds the measured run lasted. */
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
      latency: Stats;
      requests: Stats & { sent: number };
      throughput: Stats;
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
