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
import { databaseUrl, ownerPid, quoteIdent, TEMPLATE_DATABASE, TEST_DATABASE_PREFIX } from "./names.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of a database on the test server that may run CREATE/DROP DATABASE. */
    adminDatabaseUrl: string;
    templateDatabase: string;
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
      // PostgreSQL's own statement counter, for the tests that pin how many statements a request costs.
      settings: { shared_preload_libraries: "pg_stat_statements" },
    });
    adminUrl = server.url("postgres");
    // A server adopted from a killed run may be serving another vitest process: leave it running.
    if (!server.reused) stop = () => server.stop();
  }

  const template = `${TEMPLATE_DATABASE}${process.pid}`;
  const templateUrl = databaseUrl(adminUrl, template);
  await withClient(adminUrl, async (client) => {
    // Databases left by killed runs: those whose run (pid in the name) is gone. A live run's are kept.
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where starts_with(datname, $1) or starts_with(datname, $2)",
      [TEST_DATABASE_PREFIX, TEMPLATE_DATABASE],
    );
    for (const { datname } of rows) {
      const pid = ownerPid(datname);
      if (pid !== undefined && pid !== process.pid && alive(pid)) continue;
      if (datname.startsWith(TEMPLATE_DATABASE))
        await client.query(`alter database ${quoteIdent(datname)} is_template false`).catch(() => {});
      await client.query(`drop database if exists ${quoteIdent(datname)} with (force)`).catch(() => {});
    }
    await client.query(`create database ${quoteIdent(template)}`);
  });
  await applyMigrations(templateUrl);
  await withClient(adminUrl, (client) => client.query(`alter database ${quoteIdent(template)} is_template true`));

  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", template);
  const stopServer = stop;
  stop = async () => {
    const othersRunning = await withClient(adminUrl as string, async (client) => {
      await client.query(`alter database ${quoteIdent(template)} is_template false`);
      await client.query(`drop database if exists ${quoteIdent(template)} with (force)`);
      // Another vitest process that adopted this server is still using it: leave the server running.
      const { rows } = await client.query<{ datname: string }>(
        "select datname from pg_database where starts_with(datname, $1)",
        [TEMPLATE_DATABASE],
      );
      return rows.some(({ datname }) => {
        const pid = ownerPid(datname);
        return pid !== undefined && pid !== process.pid && alive(pid);
      });
    }).catch(() => false);
    if (!othersRunning) await stopServer();
  };
  return stop;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
