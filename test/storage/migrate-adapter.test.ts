import { afterAll, beforeAll, expect, test } from "vitest";
import { migrateAdapter } from "../../src/storage/migrate-adapter.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

// The shapes of the adapter's queryable that the schema engine calls.
interface Queryable {
  queryRaw(query: { sql: string; args: unknown[]; argTypes: unknown[] }): Promise<{ rows: unknown[][] }>;
  executeRaw(query: { sql: string; args: unknown[]; argTypes: unknown[] }): Promise<number>;
  dispose(): Promise<void>;
}
const sql = (text: string) => ({ sql: text, args: [], argTypes: [] });

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

test('catalog types such as name and "char" are readable', async () => {
  const adapter = (await migrateAdapter(testDb.url).connect()) as unknown as Queryable;
  try {
    const { rows } = await adapter.queryRaw(sql(`select current_database()::name, 'r'::"char"`));
    expect(rows).toEqual([[testDb.name, "r"]]);
  } finally {
    await adapter.dispose();
  }
});

test("the shadow database is a separate database, dropped on dispose, and takes multi-statement scripts", async () => {
  const factory = migrateAdapter(testDb.url);
  const shadow = (await factory.connectToShadowDb()) as unknown as Queryable;
  let shadowName: unknown;
  try {
    // `migrate dev` replays migrations on the shadow database as one parameterless executeRaw.
    await shadow.executeRaw(sql(`create table "A" (id int); create table "B" (id int)`));
    const { rows } = await shadow.queryRaw(
      sql(`select current_database()::text, count(*)::int from pg_tables where schemaname = 'public'`),
    );
    shadowName = rows[0]?.[0];
    expect(shadowName).not.toBe(testDb.name);
    expect(rows[0]?.[1]).toBe(2);
  } finally {
    await shadow.dispose();
  }
  const main = (await factory.connect()) as unknown as Queryable;
  try {
    const { rows } = await main.queryRaw(
      sql(`select count(*)::int from pg_database where datname = '${String(shadowName)}'`),
    );
    expect(rows).toEqual([[0]]);
  } finally {
    await main.dispose();
  }
});
