/**
 * A driver adapter for the Prisma CLI's WASM schema engine (prisma.config.ts only; the app uses
 * `@prisma/adapter-pg` directly). It works around three bugs in @prisma/adapter-pg 6.19.3:
 *  1. catalog column types (`name`, `"char"`, `regclass`, ...) are not mapped and fail to deserialize:
 *     the result's field type ids are rewritten to TEXT before the adapter maps them;
 *  2. the shadow database reuses `connectionString` (which overrides `database` in pg), so the "shadow"
 *     was the main database, and it was dropped while still connected;
 *  3. migration scripts were split on `;` (breaking `$$` bodies, leaving half-applied migrations): the
 *     whole script is sent as one simple-protocol query, which PostgreSQL runs atomically.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const TEXT_OID = 25;
/** Catalog types adapter-pg 6.19.3 cannot map; all are readable as text. */
const CATALOG_OIDS = new Set([18, 19, 22, 24, 28, 29, 30, 194, 2205, 2206, 3220, 3614, 3615]);

interface FieldsResult {
  fields: { dataTypeID: number }[];
}
// Only the shapes this wrapper touches; the adapter's own types are internal to the package.
interface Queryable {
  performIO(query: unknown): Promise<FieldsResult>;
  startTransaction?(isolation?: unknown): Promise<Queryable>;
  executeScript?(script: string): Promise<void>;
  underlyingDriver?(): pg.Pool;
  onError(error: unknown): never;
}

function patchQueryable<T extends Queryable>(q: T): T {
  const performIO = q.performIO.bind(q);
  q.performIO = async (query) => {
    const result = await performIO(query);
    // A multi-statement script without parameters goes over the simple protocol, and pg answers with one
    // result per statement: `migrate dev` applies the migrations to the shadow database that way.
    for (const each of Array.isArray(result) ? (result as FieldsResult[]) : [result]) {
      for (const field of each.fields) if (CATALOG_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
    }
    return result;
  };
  const start = q.startTransaction?.bind(q);
  if (start) q.startTransaction = async (isolation) => patchQueryable(await start(isolation));
  if (q.executeScript && q.underlyingDriver) {
    const pool = q.underlyingDriver();
    q.executeScript = async (script) => {
      try {
        await pool.query(script);
      } catch (error) {
        q.onError(error);
      }
    };
  }
  return q;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Builds the adapter factory prisma.config.ts hands to the CLI. */
export function migrateAdapter(connectionString: string) {
  const factory = new PrismaPg({ connectionString, allowExitOnIdle: true });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => patchQueryable((await connect()) as unknown as Queryable) as never;
  factory.connectToShadowDb = async () => {
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const shadow = new PrismaPg({ connectionString: withDatabase(connectionString, database), allowExitOnIdle: true });
    const adapter = patchQueryable((await shadow.connect()) as unknown as Queryable) as unknown as {
      dispose(): Promise<void>;
    };
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      const cleanup = new pg.Client({ connectionString });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await cleanup.end();
    };
    return adapter as never;
  };
  return factory;
}
