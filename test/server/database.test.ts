import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedDemo } from "../../demo/seed.ts";
import { prepareDatabase } from "../../src/server/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { demoPrisma } from "../support/demo-database.ts";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const userCount = async (url: string) =>
  Number((await query<{ n: string }>(url, 'select count(*) as n from "User"'))[0]?.n);

describe("with a database URL", () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  test("migrates, seeds an empty database once, and leaves the server alone on close", async () => {
    const lines: string[] = [];
    const options = {
      databaseUrl: testDb.url,
      dataDir: "unused",
      port: 1,
      seed: true,
      seeder: { run: seedDemo, ...demoPrisma },
      log: (m: string) => lines.push(m),
    };
    const first = await prepareDatabase(options);
    expect(first.url).toBe(testDb.url);
    expect(await userCount(testDb.url)).toBe(40);
    expect(lines.some((l) => l.startsWith("demo data seeded"))).toBe(true);
    await first.close();

    lines.length = 0;
    const second = await prepareDatabase(options);
    expect(await userCount(second.url)).toBe(40);
    expect(lines.some((l) => l.startsWith("demo data seeded"))).toBe(false);
    await second.close();
    expect(await userCount(testDb.url)).toBe(40); // still reachable: close() stopped nothing
  });
});

describe("embedded", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "autograph-boot-"));
    await chmod(folder, 0o755); // the server runs as `postgres` when we are root
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test("starts PostgreSQL, creates and migrates `autograph`, and stops the server on close", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));

    const database = await prepareDatabase({ dataDir: join(folder, "pg"), port, seed: false, log: () => {} });
    try {
      expect(database.url).toBe(`postgresql://postgres@127.0.0.1:${port}/autograph`);
      const migrations = await query<{ migration_name: string }>(
        database.url,
        "select migration_name from _prisma_migrations where finished_at is not null",
      );
      expect(migrations.map((m) => m.migration_name)).toContainEqual(expect.stringMatching(/_init$/));
      expect(await userCount(database.url)).toBe(0); // seed: false
    } finally {
      await database.close();
    }
    await expect(query(database.url, "select 1")).rejects.toThrow(/ECONNREFUSED/);
  });
});
