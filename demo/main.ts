// `npm start`: serves the demo resources (demo/schema/) on PORT (default 4000), on the embedded PostgreSQL
// unless DATABASE_URL is set. SIGTERM / SIGINT stop it gracefully.
import { startServer } from "../src/index.ts";
import { demoOptions } from "./options.ts";

try {
  const running = await startServer(demoOptions);
  let signals = 0;
  const stop = (signal: string) => {
    if (++signals > 1) process.exit(1); // a second signal means "now"
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
