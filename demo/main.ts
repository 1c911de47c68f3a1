// `npm start`: serves the demo resources (demo/schema/) on PORT (default 4000), on the embedded PostgreSQL
// unless DATABASE_URL is set. SIGTERM / SIGINT stop it gracefully.
import { startServer } from "../src/index.ts";
import { demoOptions } from "./options.ts";

/**
 * A signal within this long of the first one is the same request to stop. A SIGTERM sent to the process
 * group reaches node directly and again through npm, which forwards the signal it got (and Ctrl-C in a
 * terminal does the same with SIGINT): treating that copy as "now" would cut the graceful shutdown short.
 */
const REPEAT_WINDOW_MS = 3_000;

try {
  const running = await startServer(demoOptions);
  let first: number | undefined;
  const stop = (signal: string) => {
    const now = performance.now();
    if (first !== undefined) {
      if (now - first < REPEAT_WINDOW_MS) return;
      // Asked again, later: the operator means "now" (the embedded PostgreSQL is adopted at the next start).
      console.error(`${signal} again during shutdown: exiting at once`);
      process.exit(1);
    }
    first = now;
    running.close().then(
      () => process.exit(0),
      (error) => {
        console.error(`shutdown after ${signal} failed`, error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
