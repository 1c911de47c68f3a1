/**
 * The databases of the dump benchmark (bench/dump.ts): an empty migrated template, copies of it (CREATE
 * DATABASE ... TEMPLATE: milliseconds, where migrating takes seconds), the seeding of a source with
 * plain SQL (generate_series: a million rows in about a minute, where the API would take an hour), and a
 * fingerprint per table to check a load against its source.
 */
import pg from "pg";
import { applyMigrations } from "../src/storage/prisma-cli.ts";
import { databaseUrl, quoteIdent } from "../test/support/names.ts";

async function admin(adminUrl: string, sql: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const statement of sql) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Drops `name` if a previous run left it (closing its connections) and creates it, empty or as a copy of `template`. */
export async function recreateDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  await admin(adminUrl, [
    `drop database if exists ${quoteIdent(name)} with (force)`,
    `create database ${quoteIdent(name)}${template ? ` template ${quoteIdent(template)}` : ""}`,
  ]);
  return databaseUrl(adminUrl, name);
}

/** Drops `name` if it exists. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, [`drop database if exists ${quoteIdent(name)} with (force)`]);
}

/** Recreates `name` and applies the project's Prisma migrations to it. */
export async function migratedDatabase(adminUrl: string, name: string): Promise<string> {
  const url = await recreateDatabase(adminUrl, name);
  await applyMigrations(url);
  return url;
}

/** Rows a seed wrote, per table. */
export interface SeedCounts {
  readonly users: number;
  readonly posts: number;
  readonly revisions: number;
  readonly comments: number;
}

/**
 * Fills an empty migrated database: `users` users, `posts` posts (bodies of 60 to 460 characters, a
 * third published), a `create` revision of every post holding its fields as JSON and an `update` one of
 * every other post (1.5 revisions a post), and a comment on every post, every fourth a reply to the one
 * before (Comment references itself, which a load handles apart). Then VACUUM ANALYZE, which autovacuum
 * would otherwise start during the first measured run.
 */
export async function seedDumpData(url: string, users: number, posts: number): Promise<SeedCounts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `insert into "User" (email, name, role, "passwordHash", "createdAt", "updatedAt")
       select 'user' || n || '@bench.test', 'User ' || n, (array['admin','editor','author','reader'])[1 + n % 4]::"Role",
              '$2b$10$' || md5('password ' || n), now() - interval '400 days', now() - interval '400 days'
       from generate_series(1, $1::int) n`,
      [users],
    );
    await client.query(
      `insert into "Post" (title, body, status, views, version, "publishedAt", "authorId", "createdAt", "updatedAt",
                           "createdBy", "updatedBy")
       select 'Post number ' || n || ' about ' || md5(n::text),
              repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 1 + n % 8) || md5('body ' || n),
              (array['draft','published','archived'])[1 + n % 3]::"PostStatus", n % 1000, 1 + n % 2,
              case when n % 3 = 1 then now() - (n % 300) * interval '1 day' end, 1 + n % $2::int,
              now() - (n % 365) * interval '1 day', now() - (n % 200) * interval '1 day',
              (1 + n % $2::int)::text, (1 + n % $2::int)::text
       from generate_series(1, $1::int) n`,
      [posts, users],
    );
    const revisions = await client.query(
      `insert into "Revision" (id, resource, "recordId", number, "parentNumber", action, "actorId", "createdAt",
                               "schemaVersion", data)
       select md5('revision ' || p.id || ' ' || r.number)::uuid, 'post', p.id::text, r.number,
              nullif(r.number - 1, 0), case r.number when 1 then 'create' else 'update' end,
              p."createdBy", p."createdAt" + (r.number - 1) * interval '1 hour', 1,
              to_jsonb(p) || jsonb_build_object('version', r.number)
       from "Post" p cross join lateral generate_series(1, p.version) as r(number)`,
    );
    await client.query(
      `insert into "Comment" (id, body, "postId", "authorId", "parentId", "createdAt", "updatedAt", "createdBy",
                              "updatedBy")
       select md5('comment ' || n)::uuid, 'Comment ' || n || ': ' || repeat('nice post! ', 1 + n % 5), n,
              1 + (n * 7) % $2::int, case when n % 4 = 0 then md5('comment ' || (n - 1))::uuid end,
              now() - (n % 100) * interval '1 hour', now() - (n % 100) * interval '1 hour',
              (1 + (n * 7) % $2::int)::text, (1 + (n * 7) % $2::int)::text
       from generate_series(1, $1::int) n`,
      [posts, users],
    );
    await client.query("vacuum analyze");
    return { users, posts, revisions: revisions.rowCount ?? 0, comments: posts };
  } finally {
    await client.end();
  }
}

/** A table's row count and a hash of its rows' text (order-independent), to compare two databases. */
export interface TableFingerprint {
  readonly table: string;
  readonly rows: number;
  readonly hash: string;
}

/**
 * Fingerprints of `tables` (SQL names) in the database at `url`. With `vacuum`, VACUUM ANALYZE them first:
 * after a load, so that autovacuum does not clean up after it during the next measured run.
 */
export async function fingerprints(
  url: string,
  tables: readonly string[],
  options: { vacuum?: boolean } = {},
): Promise<TableFingerprint[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (options.vacuum) await client.query(`vacuum analyze ${tables.map(quoteIdent).join(", ")}`);
    const out: TableFingerprint[] = [];
    for (const table of tables) {
      const { rows } = await client.query<{ rows: number; hash: string }>(
        `select count(*)::int as "rows", coalesce(sum(hashtext(t::text)::bigint), 0)::text as "hash"
         from ${quoteIdent(table)} t`,
      );
      out.push({ table, rows: rows[0]?.rows ?? 0, hash: rows[0]?.hash ?? "" });
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Bytes of table data (heap and TOAST, no indexes) of `tables` in the database at `url`. */
export async function tableBytes(url: string, tables: readonly string[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      `select sum(pg_table_size(quote_ident(t)))::text as "bytes" from unnest($1::text[]) t`,
      [tables],
    );
    return Number(rows[0]?.bytes ?? 0);
  } finally {
    await client.end();
  }
}
