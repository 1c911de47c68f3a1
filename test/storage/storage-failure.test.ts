// What a Prisma transaction that cannot run means in storage terms, from the errors a real Prisma client
// raises (P2028): one that could not start within its wait (every connection busy) is an outage for
// now, one that ran past its lifetime ran out of time. Transports answer both with 503 and Retry-After.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyStorageError } from "../../src/storage/storage-failure.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";

let testDb: TestDatabase;
let db: DemoDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDemoDatabase(testDb.url, { poolSize: 1 });
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe("a transaction that cannot run (P2028)", () => {
  it("could not start while the only connection was busy: unavailable", async () => {
    const holding = db.prisma.$transaction((tx) => tx.$queryRawUnsafe("select pg_sleep(1)::text"), { timeout: 10_000 });
    const error = await db.prisma
      .$transaction((tx) => tx.$queryRawUnsafe("select 1"), { maxWait: 200, timeout: 5_000 })
      .catch((e: unknown) => e);
    await holding;
    expect(error).toMatchObject({ code: "P2028" });
    expect(classifyStorageError(error)).toEqual({ kind: "unavailable" });
  });

  it("ran past its lifetime: timeout", async () => {
    const error = await db.prisma
      .$transaction(
        async (tx) => {
          await new Promise((resolve) => setTimeout(resolve, 400));
          await tx.$queryRawUnsafe("select 1");
        },
        { timeout: 200 },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "P2028" });
    expect(classifyStorageError(error)).toEqual({ kind: "timeout" });
  });
});
