/**
 * vitest globalSetup: one PostgreSQL server for the whole run and a template database with the
 * migrations applied. Each test file copies the template (test/support/database.ts), which takes
 * milliseconds, instead of migrating its own database.
 *
 * Server: `DATABASE_URL` when set (its database is used only for admin statements), otherwise an
 * embedded cluster in `.data/postgres-test` on port 54330 (`EMBEDDED_PG_TEST_PORT`), non-durable for speed.
 */
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/storage/embedded-postgres.ts";
import { applyMigrations } from "../../src/storage/prisma-cli.ts";
import { databaseUrl, quoteIdent, TEMPLATE_DATABASE, TEST_DATABASE_PREFIX } from "./names.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of a database on the test server that may run CREATE/DROP DATABASE. */
    adminDatabaseUrl: string;
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const server = await startEmbeddedPostgres({
      dataDir: ".data/postgres-test",
      port: Number(process.env.EMBEDDED_PG_TEST_PORT ?? 54330),
      durable: false,
    });
    adminUrl = server.url("postgres");
    // A server adopted from a killed run may be serving another vitest process: leave it running.
    if (!server.reused) stop = () => server.stop();
  }

  const templateUrl = databaseUrl(adminUrl, TEMPLATE_DATABASE);
  await withClient(adminUrl, async (client) => {
    // Databases left by killed runs. One still in use belongs to a concurrent run: DROP fails, keep it.
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where starts_with(datname, $1) or datname = $2",
      [TEST_DATABASE_PREFIX, TEMPLATE_DATABASE],
    );
    for (const { datname } of rows) {
      if (datname === TEMPLATE_DATABASE) await client.query(`alter database ${quoteIdent(datname)} is_template false`);
      await client.query(`drop database ${quoteIdent(datname)}`).catch(() => {});
    }
    await client.query(`create database ${quoteIdent(TEMPLATE_DATABASE)}`);
  });
  await applyMigrations(templateUrl);
  await withClient(adminUrl, (client) => client.query(`alter database ${quoteIdent(TEMPLATE_DATABASE)} is_template true`));

  project.provide("adminDatabaseUrl", adminUrl);
  return stop;
}
