/**
 * Keeps the embedded PostgreSQL running: a watch every second notices a dead postmaster (killed, OOM,
 * crashed) and starts it again (`pg_ctl start` runs crash recovery), retrying with a bounded back-off.
 * Requests meanwhile get a fast 503 (storage classifies the refused connections as unavailable), and
 * the pool's next connections reach the restarted server: the app needs no restart.
 */
import type { EmbeddedPostgres } from "./embedded-postgres.ts";

/** Options of {@link superviseEmbeddedPostgres}. */
export interface SupervisorOptions {
  /** How often the postmaster is checked, in milliseconds. @default 1000 */
  checkIntervalMs?: number;
  /** Wait before the second restart attempt, doubled after each failure. @default 500 */
  initialBackoffMs?: number;
  /** Longest wait between attempts. @default 30000 */
  maxBackoffMs?: number;
  /** One line per failed check and restart attempt. */
  warn: (message: string) => void;
  /** One line when the server is back. */
  info: (message: string) => void;
}

/** A running supervisor. */
export interface Supervisor {
  /** Restarts done so far (tests and logs). */
  readonly restarts: number;
  /** Stops watching; waits for a restart under way to end, so the server can then be stopped. */
  stop(): Promise<void>;
}

/**
 * Watches `server` until {@link Supervisor.stop}.
 * @example
 * ```ts
 * const server = await startEmbeddedPostgres({ dataDir: ".data/postgres" });
 * const supervisor = superviseEmbeddedPostgres(server, { warn: logger.warn, info: logger.info });
 * // ... at shutdown, first the supervisor (so it does not restart what is being stopped):
 * await supervisor.stop();
 * await server.stop();
 * ```
 */
export function superviseEmbeddedPostgres(server: EmbeddedPostgres, options: SupervisorOptions): Supervisor {
  const interval = options.checkIntervalMs ?? 1_000;
  const initial = options.initialBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 30_000;
  let stopped = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let loop: Promise<void> = Promise.resolve();

  /** Waits `ms`, or less when stopped. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });

  const recover = async () => {
    const down = performance.now();
    let backoff = initial;
    for (let attempt = 1; !stopped; attempt++) {
      options.warn(`embedded PostgreSQL on port ${server.port} is not running: restart attempt ${attempt}`);
      try {
        await server.restart();
        restarts++;
        options.info(
          `embedded PostgreSQL on port ${server.port} restarted after ${Math.round(performance.now() - down)} ms (attempt ${attempt})`,
        );
        return;
      } catch (error) {
        // The first line says why (an orphaned backend still holding shared memory, the port taken, ...).
        const reason = (error as Error).message.split("\n").slice(1).join(" ").trim() || (error as Error).message;
        options.warn(`embedded PostgreSQL restart attempt ${attempt} failed, next in ${backoff} ms: ${reason}`);
      }
      await pause(backoff);
      backoff = Math.min(backoff * 2, max);
    }
  };

  const watch = async () => {
    while (!stopped) {
      await pause(interval);
      if (stopped) break;
      if (!(await server.isRunning()) && !stopped) await recover();
    }
  };
  loop = watch().catch((error) => options.warn(`embedded PostgreSQL supervisor stopped: ${String(error)}`));

  return {
    get restarts() {
      return restarts;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
