/**
 * The databases of the datasources besides the default one (docs/guides/datasources.md): the URL of
 * each datasource a resource names (`DATASOURCE_<NAME>_URL`), checked at boot; a pool and Prisma client
 * per datasource, sized and timed out like the default one; their readiness and gauges.
 */
import { DEFAULT_DATASOURCE } from "../metadata/definition.ts";
import type { ResolvedSchema } from "../metadata/resolved.ts";
import { applyMigrations } from "../storage/prisma-cli.ts";
import { createDatabase, type Database, type PrismaClientLike } from "../storage/prisma.ts";
import type { AppDatabaseOptions } from "./app-database.ts";
import type { Config } from "./config.ts";
import { datasourceVariable } from "./datasource-config.ts";

/** The datasources the resources name, besides the default one, each on its database. */
export interface Datasources {
  /** The database of each datasource, by name. */
  readonly databases: ReadonlyMap<string, Database>;
  /** Whether every datasource's database answers (readiness: /readyz). */
  ready(): Promise<boolean>;
  /** Closes every pool. */
  close(): Promise<void>;
}

/** The names of the datasources the resources use besides the default one, in order of first use. */
export function secondaryDatasources(schema: ResolvedSchema): string[] {
  return [...new Set(schema.resources.map((r) => r.datasource))].filter((d) => d !== DEFAULT_DATASOURCE);
}

/**
 * Throws, naming each variable to set, when a resource names a datasource the configuration has no URL
 * for. Call it before anything starts: the boot fails with the fix.
 */
export function checkDatasourceUrls(schema: ResolvedSchema, config: Config): void {
  const missing = secondaryDatasources(schema).filter((d) => config.datasources[d] === undefined);
  if (missing.length === 0) return;
  const lines = missing.map((d) => {
    const users = schema.resources.filter((r) => r.datasource === d).map((r) => r.name);
    return `  - ${datasourceVariable(d)} is not set: ${users.join(", ")} declare${users.length === 1 ? "s" : ""} \`datasource: "${d}"\``;
  });
  throw new Error(
    `Resources name datasources without a URL:\n${lines.join("\n")}\nSet each variable to the postgresql:// URL of a database migrated with the app's schema (docs/guides/datasources.md).`,
  );
}

/** What {@link openDatasources} builds the databases from. */
export interface DatasourcesOptions<P extends PrismaClientLike> extends AppDatabaseOptions<P> {
  readonly schema: ResolvedSchema;
}

/**
 * Migrates the database of each datasource the resources name besides the default one (`prisma migrate
 * deploy`, the app's schema: each database holds every table, and serves the resources naming it), then
 * opens a pool on it. Call {@link checkDatasourceUrls} first.
 */
export async function openDatasources<P extends PrismaClientLike>(
  options: DatasourcesOptions<P>,
): Promise<Datasources> {
  const { schema, config, prismaClient, datamodel, logger, metrics, instrumentation } = options;
  const databases = new Map<string, Database>();
  const names = secondaryDatasources(schema);
  // All at once: each run of the migrate CLI takes seconds, mostly starting up.
  await Promise.all(
    names.map(async (name) => {
      try {
        await applyMigrations(config.datasources[name] as string);
      } catch (error) {
        throw new Error(`datasource ${name} (${datasourceVariable(name)}): applying the migrations failed`, {
          cause: error,
        });
      }
      logger.info({ datasource: name }, `datasource ${name}: database migrations applied`);
    }),
  );
  for (const name of names) {
    const url = config.datasources[name] as string;
    const db = createDatabase(url, {
      prismaClient,
      datamodel,
      poolSize: config.dbPoolSize,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      onPoolError: (err) => logger.warn({ err, datasource: name }, "idle database connection failed"),
      instrumentation,
    });
    databases.set(name, db);
    metrics.datasource(name, { up: () => answers(db), connections: () => db.pool.totalCount });
    logger.info(
      { datasource: name, resources: schema.resources.filter((r) => r.datasource === name).map((r) => r.name) },
      `datasource ${name}: ${datasourceVariable(name)}`,
    );
  }
  return {
    databases,
    ready: async () => (await Promise.all([...databases.values()].map(answers))).every(Boolean),
    close: async () => {
      await Promise.all([...databases.values()].map((db) => db.close()));
    },
  };
}

async function answers(db: Database): Promise<boolean> {
  return (await db.pool.query("select 1").catch(() => undefined))?.rowCount === 1;
}
