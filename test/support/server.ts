/**
 * The demo server on a fresh, seeded test database, listening on a free port, with a Prisma client on
 * that database for checking what requests did. `close()` stops all three.
 */
import pino from "pino";
import { demoOptions } from "../../demo/options.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, type StartOptions, startServer } from "../../src/server/server.ts";
import { createDemoDatabase, type DemoDatabase } from "./demo-database.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

export interface TestServer {
  readonly running: RunningServer;
  readonly testDb: TestDatabase;
  /** Prisma client and SQL statement counter of the test database. */
  readonly db: DemoDatabase;
  /** Closes the client, stops the server (in-flight requests get `graceMs`) and drops the database. */
  close(graceMs?: number): Promise<void>;
}

/**
 * @example
 * let server: TestServer;
 * beforeAll(async () => { server = await startTestServer({ env: { JWT_SECRET: secret } }); });
 * afterAll(() => server?.close());
 */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    graphqlExtensions?: StartOptions["graphqlExtensions"];
    webSocket?: StartOptions["webSocket"];
    /** Where the server logs. @default a silent logger */
    logger?: StartOptions["logger"];
  } = {},
): Promise<TestServer> {
  const testDb = await createTestDatabase();
  const running = await startServer({
    ...demoOptions,
    graphqlExtensions: options.graphqlExtensions ?? demoOptions.graphqlExtensions,
    config: loadConfig({ PORT: "0", DATABASE_URL: testDb.url, SEED: "true", ...options.env }),
    logger: options.logger ?? pino({ level: "silent" }),
    ...(options.webSocket ? { webSocket: options.webSocket } : {}),
  });
  const db = createDemoDatabase(testDb.url);
  return {
    running,
    testDb,
    db,
    async close(graceMs) {
      await db.close();
      await running.close(graceMs);
      await testDb.drop();
    },
  };
}
