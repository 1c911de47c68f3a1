// The project `autograph init` writes (templates/init/) stays true to itself and to Autograph: its first
// migration is exactly what Prisma generates for its schema, and it declares Autograph's own models as this
// repository's schema does.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");
const TEMPLATE = join(REPO, "templates/init");
const PRISMA_CLI = createRequire(import.meta.url).resolve("prisma/build/index.js");

/** The text of a schema from Autograph's own models (the Revision model's comment) to the end. */
function autographModels(schema: string): string {
  const start = schema.indexOf("/// Revision history");
  if (start < 0) throw new Error("the schema does not declare Autograph's Revision model");
  return schema.slice(start);
}

describe("templates/init", () => {
  it("has one migration, the SQL Prisma generates for its schema", async () => {
    const migrations = join(TEMPLATE, "prisma/migrations");
    const folders = readdirSync(migrations, { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(folders.map((f) => f.name)).toEqual([expect.stringMatching(/^\d{14}_init$/)]);
    const committed = readFileSync(join(migrations, folders[0]?.name ?? "", "migration.sql"), "utf8");

    const out = mkdtempSync(join(tmpdir(), "autograph-template-"));
    try {
      const generated = join(out, "migration.sql");
      // The repository's prisma.config.ts: the WASM schema engine, which connects even to diff from empty.
      await run(
        process.execPath,
        [
          PRISMA_CLI,
          "migrate",
          "diff",
          "--from-empty",
          "--to-schema-datamodel",
          join(TEMPLATE, "prisma/schema.prisma"),
          "--script",
          "--output",
          generated,
        ],
        { cwd: REPO, env: { ...process.env, DATABASE_URL: inject("adminDatabaseUrl"), CHECKPOINT_DISABLE: "1" } },
      );
      expect(committed).toBe(readFileSync(generated, "utf8"));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it("declares Autograph's own models as this repository's schema does", () => {
    const template = readFileSync(join(TEMPLATE, "prisma/schema.prisma"), "utf8");
    const repo = readFileSync(join(REPO, "prisma/schema.prisma"), "utf8");
    expect(autographModels(template)).toBe(autographModels(repo));
    for (const model of ["Revision", "Event", "EventCursor", "EventDeadLetter"])
      expect(template).toMatch(new RegExp(`^model ${model} \\{`, "m"));
  });
});
