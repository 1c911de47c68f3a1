/**
 * A runtime over a fresh test database (one per test file), optionally seeded with the demo data.
 * Tests act through the runtime's transports and check the database through `db.prisma`.
 */
import { resources as demoResources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../src/runtime/runtime.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { createDemoDatabase, type DemoDatabase } from "./demo-database.ts";
import { seedDemoData } from "../../demo/seed.ts";
import { createStore } from "../../src/storage/store.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

export interface TestRuntime {
  readonly runtime: Runtime;
  /** Prisma client, pool and SQL statement counter of the test database. */
  readonly db: DemoDatabase;
  readonly testDb: TestDatabase;
  /** Closes the client and drops the database. */
  close(): Promise<void>;
}

/**
 * @example
 * let t: TestRuntime;
 * beforeAll(async () => { t = await createTestRuntime({ seed: true }); });
 * afterAll(() => t?.close());
 */
export async function createTestRuntime(
  options: { seed?: boolean; resources?: ResourceDefinition[]; limits?: RuntimeOptions["limits"] } = {},
): Promise<TestRuntime> {
  const testDb = await createTestDatabase();
  const db = createDemoDatabase(testDb.url);
  if (options.seed) await seedDemoData(db.prisma);
  const schema = resolveResources(options.resources ?? demoResources, datamodel);
  const runtime = createRuntime({
    schema,
    store: createStore(db, schema),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return {
    runtime,
    db,
    testDb,
    async close() {
      await db.close();
      await testDb.drop();
    },
  };
}
