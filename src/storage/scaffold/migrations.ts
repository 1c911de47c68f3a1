/**
 * The scaffolded project's first two migrations, both written by `prisma migrate diff` for review:
 * a baseline (the existing tables, already in the database, so it is recorded as applied and never run)
 * and one adding Autograph's own tables, which `prisma migrate deploy` (or the app's first start) applies.
 * Neither touches the user's tables: the second is a diff from the pulled schema to the project's.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { runPrismaCli } from "../prisma-cli.ts";

/** The migrations the scaffold wrote. */
export interface WrittenMigrations {
  readonly baseline: string;
  readonly autograph: string;
  /** Whether the baseline was recorded as applied in the database (false: it already had a history). */
  readonly recorded: boolean;
}

/** `20261207154501`: a migration name's timestamp, as `prisma migrate dev` writes it. */
function stamp(date: Date): string {
  return date.toISOString().replace(/\D/g, "").slice(0, 14);
}

/** The migration folders already in `dir`. */
export function existingMigrations(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

async function diff(url: string, from: string[], toSchema: string, output: string): Promise<void> {
  await runPrismaCli(url, [
    "migrate",
    "diff",
    ...from,
    "--to-schema-datamodel",
    toSchema,
    "--script",
    "--output",
    output,
  ]);
}

/**
 * Writes `<stamp>_baseline` (empty → the user's schema) and `<stamp+1s>_autograph` (the user's schema →
 * the project's) into `dir`, and records the baseline as applied, as `prisma migrate resolve --applied`
 * would (which cannot run offline): the checksum is the SHA-256 of its migration.sql.
 */
export async function writeMigrations(
  url: string,
  dir: string,
  userSchemaFile: string,
  projectSchemaFile: string,
  now = new Date(),
): Promise<WrittenMigrations> {
  const baseline = `${stamp(now)}_baseline`;
  const autograph = `${stamp(new Date(now.getTime() + 1000))}_autograph`;
  mkdirSync(join(dir, baseline), { recursive: true });
  mkdirSync(join(dir, autograph), { recursive: true });
  writeFileSync(join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
  const baselineSql = join(dir, baseline, "migration.sql");
  await diff(url, ["--from-empty"], userSchemaFile, baselineSql);
  await diff(
    url,
    ["--from-schema-datamodel", userSchemaFile],
    projectSchemaFile,
    join(dir, autograph, "migration.sql"),
  );
  const recorded = await recordApplied(url, baseline, readFileSync(baselineSql));
  return { baseline, autograph, recorded };
}

/** Prisma's migration history table, as `migrate deploy` creates it. */
const HISTORY_TABLE = `create table if not exists "_prisma_migrations" (
  "id" varchar(36) primary key not null,
  "checksum" varchar(64) not null,
  "finished_at" timestamptz,
  "migration_name" varchar(255) not null,
  "logs" text,
  "rolled_back_at" timestamptz,
  "started_at" timestamptz not null default now(),
  "applied_steps_count" integer not null default 0
)`;

/** Records `name` as applied unless the database already has a migration history of its own. */
async function recordApplied(url: string, name: string, script: Buffer): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("begin");
    await client.query(HISTORY_TABLE);
    const { rows } = await client.query<{ n: string }>('select count(*) as n from "_prisma_migrations"');
    if (Number(rows[0]?.n) > 0) {
      await client.query("rollback");
      return false;
    }
    const checksum = createHash("sha256").update(script).digest("hex");
    await client.query(
      `insert into "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
       values ($1, $2, now(), $3, 1)`,
      [randomUUID(), checksum, name],
    );
    await client.query("commit");
    return true;
  } finally {
    await client.end();
  }
}
