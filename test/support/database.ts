/**
 * A fresh, migrated database per test file, copied from the template that test/support/global-setup.ts
 * prepares (CREATE DATABASE ... TEMPLATE takes milliseconds; migrating would take seconds).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { databaseUrl, quoteIdent, TEST_DATABASE_PREFIX } from "./names.ts";

/** A database created for one test file. */
export interface TestDatabase {
  /** Its connection URL, for `createDemoDatabase(url)` or a server under test. */
  readonly url: string;
  /** Its name (`autograph_test_<random>`). */
  readonly name: string;
  /** Drops it, closing any connection still open to it. */
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates a migrated, empty database (with `empty: true`, one without tables: not migrated). Call it in
 * `beforeAll` and `drop()` it in `afterAll`.
 * @example
 * ```ts
 * import { createTestDatabase, type TestDatabase } from "../support/database.ts";
 * import { createDemoDatabase, type DemoDatabase } from "./demo-database.ts";
 *
 * let testDb: TestDatabase;
 * let db: DemoDatabase;
 * beforeAll(async () => {
 *   testDb = await createTestDatabase();
 *   db = createDemoDatabase(testDb.url);
 * });
 * afterAll(async () => {
 *   await db?.close();
 *   await testDb?.drop();
 * });
 * ```
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const template = inject("templateDatabase");
  // Named after the vitest run (the template's pid), so a later run can tell a leftover from a live one.
  const name = `${TEST_DATABASE_PREFIX}${template.slice(template.lastIndexOf("_") + 1)}_${randomBytes(6).toString("hex")}`;
  // `empty`: no tables at all, for tests of what migrates a database.
  await admin(`create database ${quoteIdent(name)} template ${quoteIdent(options.empty ? "template0" : template)}`);
  return {
    url: databaseUrl(inject("adminDatabaseUrl"), name),
    name,
    drop: () => admin(`drop database if exists ${quoteIdent(name)} with (force)`),
  };
}
