/**
 * PostgreSQL's own `pg_dump` and `pg_restore`, the reference of the dump benchmark: found for the server's
 * major version (PG_BIN, else Debian's /usr/lib/postgresql/<major>/bin, else PATH) and refused with a clear
 * message when missing or of another major version (the embedded PostgreSQL ships neither).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** The two programs, for the server they will talk to. */
export interface PgTools {
  readonly pgDump: string;
  readonly pgRestore: string;
  /** The server's version, e.g. `15.20`. */
  readonly serverVersion: string;
}

async function serverVersion(adminUrl: string): Promise<{ text: string; major: number }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ text: string; num: string }>(
      `select current_setting('server_version') as "text", current_setting('server_version_num') as "num"`,
    );
    return { text: rows[0]?.text ?? "?", major: Math.floor(Number(rows[0]?.num) / 10000) };
  } finally {
    await client.end();
  }
}

function locate(program: string, major: number): string | undefined {
  const dirs = [
    ...(process.env.PG_BIN ? [process.env.PG_BIN] : []),
    `/usr/lib/postgresql/${major}/bin`,
    ...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""),
  ];
  return dirs.map((d) => join(d, program)).find((p) => existsSync(p));
}

/** Finds pg_dump and pg_restore of the server's major version; throws saying what to install otherwise. */
export async function findPgTools(adminUrl: string): Promise<PgTools> {
  const server = await serverVersion(adminUrl);
  const found: string[] = [];
  for (const program of ["pg_dump", "pg_restore"]) {
    const path = locate(program, server.major);
    if (!path) {
      throw new Error(
        `${program} not found (PG_BIN, /usr/lib/postgresql/${server.major}/bin, PATH); the server is PostgreSQL ` +
          `${server.text}: install its client programs (Debian: postgresql-client-${server.major}) or point PG_BIN ` +
          "at them. The embedded PostgreSQL ships no pg_dump: run this bench with DATABASE_URL on a server that has one.",
      );
    }
    const { stdout } = await run(path, ["--version"]);
    const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(stdout)?.[1]);
    if (major !== server.major) {
      throw new Error(
        `${path} is ${stdout.trim()}, the server is PostgreSQL ${server.text}: the comparison needs the same ` +
          `major version (PG_BIN=/usr/lib/postgresql/${server.major}/bin, or install postgresql-client-${server.major}).`,
      );
    }
    found.push(path);
  }
  return { pgDump: found[0] as string, pgRestore: found[1] as string, serverVersion: server.text };
}

/**
 * Writes a pg_restore list (`-L`) of `archive` holding only its table data, in `order` (table names,
 * parents first), then its sequence values. A data-only restore into tables that have their foreign
 * keys otherwise loads the tables in name order ("Comment" before "Post") and fails.
 */
export async function writeRestoreList(
  pgRestore: string,
  archive: string,
  order: readonly string[],
  listFile: string,
): Promise<void> {
  const { stdout } = await run(pgRestore, ["--list", archive]);
  const lines = stdout.split("\n");
  const data = order.map((table) => {
    const line = lines.find((l) => l.includes(` TABLE DATA public ${table} `));
    if (!line) throw new Error(`pg_restore --list ${archive} has no data of table ${table}`);
    return line;
  });
  const sequences = lines.filter((l) => l.includes(" SEQUENCE SET "));
  await writeFile(listFile, `${[...data, ...sequences].join("\n")}\n`);
}
