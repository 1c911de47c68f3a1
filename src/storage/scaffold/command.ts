/**
 * The scaffold command (`autograph scaffold` from the package, `npm run scaffold --` in this repository):
 * an Autograph project serving an existing PostgreSQL database. It pulls the schema (prisma db pull),
 * writes schema/<resource>.ts per table it can serve, prisma/schema.prisma with Autograph's own models,
 * and two migrations (a baseline of the existing tables, recorded as applied, and one adding Autograph's
 * tables), then prints what it chose and why. Existing files are kept unless --force. It lives in the
 * library (not scripts/) so the package's bin can run it. See docs/guides/scaffold.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PACKAGE_ROOT } from "../package-root.ts";
import { runPrismaCli } from "../prisma-cli.ts";
import { existingMigrations, writeMigrations } from "./migrations.ts";
import { ProjectWriter, templateFiles } from "./project-files.ts";
import { autographModelsOf, projectSchemaText, userSchemaText, withoutAutographModels } from "./project-schema.ts";
import { parsePulledSchema } from "./pulled-schema.ts";
import { renderDefine, renderIndex, renderMain, renderResource } from "./render.ts";
import { planResources } from "./resource-plan.ts";

/** The usage text, for the way the command was started (`autograph scaffold`, `npm run scaffold --`). */
function usage(command: string): string {
  return `usage: ${command} --from <DATABASE_URL> [--out <dir>] [--force]
  --from   the PostgreSQL database to serve (postgres://user@host:5432/name)
  --out    the project folder to write (default: the current folder)
  --force  rewrite files that exist (hand-edited ones included); migrations are never rewritten`;
}

/** A mistake the user can fix (a bad option, a database that cannot be read): one message, exit 2. */
class ScaffoldError extends Error {}

function fail(message: string): never {
  throw new ScaffoldError(message);
}

/** The parsed options, or undefined when the user asked for the usage (printed). */
function options(args: string[], command: string): { from: string; out: string; force: boolean } | undefined {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec }>>;
  const spec = {
    from: { type: "string" },
    out: { type: "string", default: "." },
    force: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  } as const;
  try {
    parsed = parseArgs({ args, options: spec, allowPositionals: false });
  } catch (error) {
    fail(`${(error as Error).message}\n${usage(command)}`);
  }
  if (parsed.values.help) {
    console.log(usage(command));
    return undefined;
  }
  const from = parsed.values.from;
  if (!from) fail(`--from <DATABASE_URL> is required\n${usage(command)}`);
  if (!/^postgres(ql)?:\/\//.test(from)) fail(`--from must be a postgres:// or postgresql:// URL, got "${from}"`);
  return { from, out: resolve(parsed.values.out), force: parsed.values.force };
}

/** The database's schema, as `prisma db pull` writes it into a schema file holding only a datasource. */
async function pull(url: string, work: string): Promise<string> {
  const file = join(work, "pulled.prisma");
  writeFileSync(file, userSchemaText({ models: [], enums: new Set(), datasource: "", otherBlocks: [] }));
  try {
    await runPrismaCli(url, ["db", "pull", "--schema", file]);
  } catch (error) {
    const message = (error as Error).message;
    if (/introspected database was empty/i.test(message))
      fail(`the database at --from has no tables to serve (prisma db pull found none)`);
    fail(`prisma db pull could not read the database at --from:\n${message}`);
  }
  return readFileSync(file, "utf8");
}

/** The URL to print: its password, if any, masked (terminals end up in logs and screenshots). */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "PASSWORD";
  return parsed.toString();
}

/**
 * Runs the scaffold command on `args` (without the command's own name) and returns its exit code: 0, 2
 * for a mistake the user can fix (a bad option, a database that cannot be read), 1 otherwise. The report
 * goes to stdout, an error to stderr as one message. `command` is how the user started it, for the usage.
 */
export async function scaffoldCommand(args: string[], command: string): Promise<number> {
  try {
    const chosen = options(args, command);
    if (chosen === undefined) return 0;
    const work = mkdtempSync(join(tmpdir(), "autograph-scaffold-"));
    try {
      await scaffold(chosen.from, chosen.out, chosen.force, work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return 0;
  } catch (error) {
    console.error(`scaffold: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof ScaffoldError ? 2 : 1;
  }
}

async function scaffold(from: string, out: string, force: boolean, work: string): Promise<void> {
  const root = PACKAGE_ROOT;
  if (root === undefined) throw new Error(`no Autograph package above ${import.meta.dirname} (its templates/init)`);
  const template = join(root, "templates/init");
  const autograph = autographModelsOf(readFileSync(join(template, "prisma/schema.prisma"), "utf8"));
  const pulledSchema = parsePulledSchema(await pull(from, work));
  let pulled: typeof pulledSchema;
  try {
    pulled = withoutAutographModels(pulledSchema, autograph);
  } catch (error) {
    fail((error as Error).message);
  }
  const plan = planResources(pulled);
  if (plan.resources.length === 0)
    fail(
      `no table of the database can be served:\n${plan.skipped.map((s) => `  ${s.model}: ${s.reason}`).join("\n") || "  it has none"}`,
    );

  const writer = new ProjectWriter(out, force);
  for (const [path, content] of Object.entries(templateFiles(template, root, out))) writer.write(path, content);
  writer.write("src/main.ts", renderMain(readFileSync(join(template, "src/main.ts"), "utf8")));
  const projectSchema = projectSchemaText(pulled, autograph, from);
  writer.write("prisma/schema.prisma", projectSchema);
  writer.write("schema/define.ts", renderDefine());
  for (const resource of plan.resources) writer.write(`schema/${resource.file}.ts`, renderResource(resource));
  writer.write("schema/index.ts", renderIndex(plan.resources));

  const migrationsDir = join(out, "prisma/migrations");
  const earlier = existingMigrations(migrationsDir);
  let migrations: Awaited<ReturnType<typeof writeMigrations>> | undefined;
  if (earlier.length === 0) {
    const userSchemaFile = join(work, "user.prisma");
    const projectSchemaFile = join(work, "project.prisma");
    writeFileSync(userSchemaFile, userSchemaText(pulled));
    writeFileSync(projectSchemaFile, projectSchema);
    migrations = await writeMigrations(from, migrationsDir, userSchemaFile, projectSchemaFile);
  }

  // The report: what was chosen and why, what was skipped, what was written or kept, what to do next.
  const lines: string[] = [];
  for (const resource of plan.resources) {
    lines.push(`${resource.model} → schema/${resource.file}.ts`);
    for (const decision of resource.decisions) lines.push(`  ${decision}`);
  }
  for (const skip of plan.skipped) lines.push(`${skip.model}: skipped, ${skip.reason}`);
  lines.push("");
  const show = (label: string, paths: string[]) => {
    if (paths.length > 0) lines.push(`${label}: ${paths.join(", ")}`);
  };
  show("Written", writer.list("written"));
  show("Rewritten (--force)", writer.list("rewritten"));
  show("Kept (they exist; --force rewrites them)", writer.list("kept"));
  // Kept files the others depend on: a schema from elsewhere, an entry point serving other resources.
  const keptSchema = readFileSync(join(out, "prisma/schema.prisma"), "utf8");
  const missing = plan.resources.filter((r) => !new RegExp(`^model ${r.model} \\{`, "m").test(keptSchema));
  if (missing.length > 0)
    lines.push(
      `Warning: the kept prisma/schema.prisma lacks ${missing.map((r) => r.model).join(", ")}: merge the pulled models into it, or rerun with --force.`,
    );
  if (!readFileSync(join(out, "src/main.ts"), "utf8").includes("schema/index.ts"))
    lines.push("Warning: the kept src/main.ts does not serve schema/index.ts: import its `resources` there.");
  if (migrations) {
    lines.push(
      `Migrations: prisma/migrations/${migrations.baseline} (the existing tables, ${migrations.recorded ? "recorded as applied" : "NOT recorded: the database already has a Prisma migration history"})`,
      `  and prisma/migrations/${migrations.autograph} (adds Autograph's tables; nothing else changes): review it.`,
    );
  } else lines.push(`Migrations: kept the ${earlier.length} in prisma/migrations (a scaffold never rewrites them).`);
  const fromHere = relative(process.cwd(), out);
  const cd = fromHere === "" ? "." : fromHere.startsWith("..") ? out : fromHere;
  lines.push(
    "",
    "Next:",
    `  cd ${cd} && npm install`,
    `  DATABASE_URL='${withoutPassword(from)}' npm start   (applies the Autograph migration, then serves /graphql and /api)`,
    "  Add `access` rules to schema/*.ts before you deploy: without them every caller may read and write outside production.",
  );
  console.log(lines.join("\n"));
}
