import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../src/storage/embedded-postgres.ts";

let folder: string;
let first: EmbeddedPostgres | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function selectOne(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query("select 1 as one")).rows[0];
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "autograph-pg-"));
  // Run as root, the server runs as `postgres`, which must be able to reach its data folder.
  await chmod(folder, 0o755);
});

afterAll(async () => {
  await first?.stop();
  await rm(folder, { recursive: true, force: true });
});

test("starts a cluster, adopts it when started again, and stops it", async () => {
  const dataDir = join(folder, "data");
  const port = await freePort();
  first = await startEmbeddedPostgres({ dataDir, port, durable: false });
  expect(first.reused).toBe(false);
  expect(first.port).toBe(port);
  expect(await selectOne(first.url("postgres"))).toEqual({ one: 1 });

  await first.ensureDatabase("app");
  await first.ensureDatabase("app"); // idempotent
  expect(await selectOne(first.url("app"))).toEqual({ one: 1 });

  // As after a killed run: the server is still up. Another port is asked for, the running one is found.
  const second = await startEmbeddedPostgres({ dataDir, port: port + 1 });
  expect(second.reused).toBe(true);
  expect(second.port).toBe(port);
  expect(await selectOne(second.url("app"))).toEqual({ one: 1 });

  await second.stop();
  first = undefined;
  await expect(selectOne(second.url("postgres"))).rejects.toThrow(/ECONNREFUSED/);
});
