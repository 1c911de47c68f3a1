/**
 * The Redis the event-bus tests use: `REDIS_URL`, or 127.0.0.1:6379. On a developer's machine without
 * Redis those tests are skipped, saying why, so `npm test` passes on a fresh machine; in CI
 * (`CI=true`), where .ci/run starts Redis, its absence is a failure.
 */
import { createConnection } from "node:net";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Whether a Redis server answers PING at `url` (default {@link REDIS_URL}). */
export function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

/** True when the Redis tests can run; throws in CI when they cannot; otherwise warns once and answers false. */
export async function haveRedis(): Promise<boolean> {
  if (await redisAnswers()) return true;
  const message = `Redis does not answer at ${REDIS_URL}; the redis event-bus tests need it. Start one (redis-server --daemonize yes; .ci/run does this) or set REDIS_URL.`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`[skipped] ${message}`);
  return false;
}
