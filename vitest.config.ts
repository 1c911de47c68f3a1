import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    alias: [
      // Dependencies in node_modules load graphql's CommonJS entry through Node, while Vite would give
      // our sources its ESM entry: two copies, and "Cannot use GraphQLNonNull from another module or
      // realm". Pointing our imports at the CommonJS entry too leaves one copy.
      { find: /^graphql$/, replacement: require.resolve("graphql") },
    ],
  },
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: more workers only make PostgreSQL and the workers fight for them.
    maxWorkers: 2,
  },
});
