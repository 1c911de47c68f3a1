/** The newest migration applied to a database, as Prisma Migrate records it in `_prisma_migrations`. */
import type pg from "pg";

/** The newest finished, not rolled back migration's name, or null (no migrations table, or none applied). */
export async function newestMigration(client: pg.ClientBase): Promise<string | null> {
  const { rows } = await client.query<{ exists: boolean }>(
    `select to_regclass('_prisma_migrations') is not null as "exists"`,
  );
  if (!rows[0]?.exists) return null;
  const applied = await client.query<{ name: string }>(
    `select migration_name as "name" from _prisma_migrations
     where finished_at is not null and rolled_back_at is null order by migration_name desc limit 1`,
  );
  return applied.rows[0]?.name ?? null;
}
