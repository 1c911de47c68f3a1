/**
 * The Redis store of the rate limiter: counts kept in Redis so that several instances share one budget
 * per key (`RATE_LIMIT_STORE=redis`). A thin wrapper: rate-limiter-flexible's `RateLimiterRedis` over an
 * ioredis client of its own.
 *
 * Tuned to fail fast rather than to wait: no offline queue, a short command timeout and
 * `rejectIfRedisNotReady`, so that while Redis is down or slow every `consume` rejects at once with an
 * Error (not a RateLimiterRes) and the caller can decide to let the request through.
 */
import { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** A redis:// URL. */
  url: string;
  /** Requests allowed per key per window. */
  points: number;
  /** Length of the window in seconds. */
  durationSeconds: number;
  /** Prefix of the Redis keys; instances that share a budget use the same one. @default "autograph:rate-limit" */
  keyPrefix?: string;
  /** Longest wait for one Redis command before it counts as failed. @default 1000 */
  commandTimeoutMs?: number;
  /** Connection trouble (refused, lost, timed out). Called again on every reconnect attempt. */
  onError?: (error: unknown) => void;
}

/** A rate limiter counting in Redis, and its connection. */
export interface RedisRateLimiter {
  readonly limiter: RateLimiterRedis;
  /** Resolves once the connection is ready (counts are shared from then on). */
  ready(): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Connects to Redis (in the background) and returns a limiter counting there. */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2000),
  });
  client.on("error", options.onError ?? (() => {}));
  const limiter = new RateLimiterRedis({
    storeClient: client,
    points: options.points,
    duration: options.durationSeconds,
    keyPrefix: options.keyPrefix ?? "autograph:rate-limit",
    rejectIfRedisNotReady: true,
  });
  return {
    limiter,
    ready: () =>
      client.status === "ready"
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            client.once("ready", resolve);
            client.once("end", () =>
              reject(
                new Error(
                  `Redis at ${options.url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@")} closed before it was ready`,
                ),
              ),
            );
          }),
    async close() {
      client.disconnect();
    },
  };
}
