/**
 * The Prisma CLI configuration of a project served by Autograph (its prisma.config.ts), shipped as
 * `autograph/prisma-config`. Prisma 6.19 works offline only with its WASM schema engine (`engine: "js"`)
 * over a driver adapter; this one wraps @prisma/adapter-pg to fix the bugs that break migrations
 * (see ../storage/migrate-adapter.ts).
 */
import { defineConfig } from "prisma/config";
import { migrateAdapter } from "../storage/migrate-adapter.ts";

/** Options of {@link autographPrismaConfig}: paths relative to the folder of prisma.config.ts. */
export interface AutographPrismaConfigOptions {
  /** The Prisma schema. @default "prisma/schema.prisma" */
  schema?: string;
  /** The migrations folder. @default "prisma/migrations" */
  migrations?: string;
}

/**
 * A complete Prisma CLI configuration: schema and migrations paths, the WASM schema engine and the migrate
 * adapter on `DATABASE_URL`. It sets `CHECKPOINT_DISABLE` (no update check) and, when `DATABASE_URL` is
 * unset, a placeholder URL: `prisma generate` needs no database, but without a URL the CLI falls back to
 * the native engine, which it cannot download offline. Commands that need a database get `DATABASE_URL`
 * from `autograph db` or from Autograph's boot (`migrate deploy`).
 * @example
 * ```ts
 * // prisma.config.ts
 * import { autographPrismaConfig } from "autograph/prisma-config";
 *
 * export default autographPrismaConfig();
 * ```
 */
export function autographPrismaConfig(options: AutographPrismaConfigOptions = {}): ReturnType<typeof defineConfig> {
  process.env.CHECKPOINT_DISABLE = "1";
  process.env.DATABASE_URL ||= "postgresql://localhost:5432/unused";
  const url = process.env.DATABASE_URL;
  return defineConfig({
    schema: options.schema ?? "prisma/schema.prisma",
    migrations: { path: options.migrations ?? "prisma/migrations" },
    experimental: { adapter: true },
    engine: "js",
    adapter: async () => migrateAdapter(url),
  });
}
