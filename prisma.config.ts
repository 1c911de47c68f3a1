// Prisma CLI configuration: the WASM schema engine through a project-owned adapter wrapper
// (see src/storage/migrate-adapter.ts and ../shared/TOOLCHAIN.md). `npm run db -- <command>` sets
// DATABASE_URL (starting the embedded PostgreSQL when it is unset) before the CLI loads this file.
import { defineConfig } from "prisma/config";
import { migrateAdapter } from "./src/storage/migrate-adapter.ts";

process.env.CHECKPOINT_DISABLE = "1";
// `prisma generate` needs no database, but the CLI falls back to the native engine when the URL is unset.
process.env.DATABASE_URL ??= "postgresql://localhost:5432/unused";
const url = process.env.DATABASE_URL;

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => migrateAdapter(url),
});
