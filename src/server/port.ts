/**
 * Boot step: refuse a port another process holds before anything else starts. Without it, a second
 * `npm start` would adopt the first one's embedded PostgreSQL, apply migrations and seed, and only then
 * fail to listen, with a stack trace.
 */
import { createServer } from "node:net";

/**
 * Resolves when `port` can be listened on at `host`; otherwise rejects with one line that names the
 * port and the way out. Port 0 (any free port) always resolves.
 * @example
 * ```ts
 * await assertPortFree(config.port); // Error: Port 4000 is in use (another Autograph?). Stop it or set PORT.
 * ```
 */
export async function assertPortFree(port: number, host = "0.0.0.0"): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Port ${port} is in use (another Autograph?). Stop it or set PORT.`)
          : new Error(`Port ${port} cannot be listened on (${error.code ?? error.message}). Set PORT to another one.`),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
