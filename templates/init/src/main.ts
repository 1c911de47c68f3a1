// `npm start`: serves src/resources.ts on PORT (default 4000), on an embedded PostgreSQL in .data/
// unless DATABASE_URL is set; pending migrations are applied first. SIGTERM / SIGINT stop it gracefully.
import { type Datamodel, startServer } from "autograph";
import { PrismaClient } from "./generated/client.ts";
import datamodel from "./generated/datamodel.json" with { type: "json" };
import { resources } from "./resources.ts";

try {
  const running = await startServer({ prismaClient: PrismaClient, datamodel: datamodel as Datamodel, resources });
  // A repeated signal (a terminal's Ctrl-C reaches tsx and the app both) leaves the shutdown running.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
