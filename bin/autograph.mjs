#!/usr/bin/env node
// The `autograph` command of the package: `init` creates a project from templates/init/, `scaffold` one
// serving an existing database, `db` runs the Prisma CLI of a project against its database. Plain
// JavaScript: it runs from node_modules, where Node does not strip types, and `init` must work before the
// project has installed anything.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";

const PACKAGE_ROOT = join(import.meta.dirname, "..");
const TEMPLATE = join(PACKAGE_ROOT, "templates", "init");
/** npm leaves `.gitignore` files out of a package, so the template ships the file without its dot. */
const RENAMED = new Map([["gitignore", ".gitignore"]]);

const HELP = `Usage:
  autograph init <dir> [--autograph <spec>]   create a project in <dir> (new or empty)
  autograph scaffold --from <DATABASE_URL> [--out <dir>] [--force]
                                              create a project serving an existing PostgreSQL database
  autograph db <prisma command>               run the Prisma CLI on the project's database
  autograph --help | --version

init writes a Prisma schema with one model (Note) and its first migration, the resource definition
serving it, the server's entry point and package.json; then: cd <dir> && npm install && npm start.
  --autograph <spec>  the autograph dependency of the new package.json (a version range, or the path of
                      a tarball made by \`npm pack\`); default: the version running this command.

scaffold pulls the database's schema and writes schema/<resource>.ts per table it can serve (filters,
sorts, search, relations and hidden fields from its indexes, columns and foreign keys), the project's
files and two migrations, then prints what it chose and why. It keeps files that exist unless --force.

db starts the embedded PostgreSQL of the project (EMBEDDED_PG_DIR, EMBEDDED_PG_PORT) unless DATABASE_URL
is set, e.g. \`autograph db migrate dev --name add_tag\`, \`migrate status\`, \`migrate reset\`.`;

/** This package's own package.json: its version, and the versions the template's dependencies follow. */
function ownPackage() {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8"));
}

/** Stops with one line on stderr: a usage mistake the user can fix. */
function fail(message) {
  console.error(`autograph: ${message}`);
  process.exit(1);
}

function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, RENAMED.get(entry.name) ?? entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else copyFileSync(source, target);
  }
}

/** A tarball or folder path becomes a `file:` spec (absolute: npm resolves it from the new project). */
function dependencySpec(spec) {
  if (/^[./]/.test(spec) || spec.endsWith(".tgz")) {
    if (!existsSync(spec)) fail(`--autograph ${spec}: no such file or folder`);
    return `file:${resolve(spec)}`;
  }
  return spec;
}

/** npm package names: lowercase, no spaces or most punctuation. */
function packageName(dir) {
  return (
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[._-]+/, "") || "autograph-app"
  );
}

function init(args) {
  let dir;
  let autograph;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--autograph") {
      autograph = args[++i];
      if (!autograph) fail("--autograph needs a value: a version range or the path of a tarball");
    } else if (arg.startsWith("--autograph=")) autograph = arg.slice("--autograph=".length);
    else if (arg.startsWith("-")) fail(`init: unknown option ${arg} (see autograph --help)`);
    else if (dir === undefined) dir = arg;
    else fail(`init takes one folder, got ${dir} and ${arg}`);
  }
  if (dir === undefined) fail("init needs a folder: autograph init <dir>");
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) fail(`${dir} exists and is not a folder`);
    if (readdirSync(target).length > 0) fail(`${dir} exists and is not empty: choose a new or empty folder`);
  }

  const own = ownPackage();
  copyTree(TEMPLATE, target);
  const manifestPath = join(target, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  manifest.name = packageName(target);
  // The template's dependencies follow the versions this package is built and tested with.
  const versions = { ...own.devDependencies, ...own.dependencies };
  for (const deps of [manifest.dependencies, manifest.devDependencies]) {
    for (const name of Object.keys(deps)) if (versions[name]) deps[name] = versions[name];
  }
  manifest.dependencies.autograph = autograph === undefined ? `^${own.version}` : dependencySpec(autograph);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  const cd = relative(process.cwd(), target) || ".";
  console.log(`Created ${cd} (Autograph ${own.version}): a Note resource on an embedded PostgreSQL.

Next:
  cd ${cd} && npm install && npm start

Then GraphQL is on http://localhost:4000/graphql and REST on http://localhost:4000/api (see README.md).`);
}

/** A module of the compiled library this package ships (dist/lib), for the commands that need it. */
async function lib(path, command) {
  if (!existsSync(join(PACKAGE_ROOT, "dist", "lib")))
    fail(`${command} runs from the installed package (dist/lib is missing)`);
  return import(new URL(`../dist/lib/${path}`, import.meta.url).href);
}

async function scaffold(args) {
  const { scaffoldCommand } = await lib("storage/scaffold/command.js", "scaffold");
  process.exitCode = await scaffoldCommand(args, "autograph scaffold");
}

async function db(args) {
  if (args.length === 0) fail("db needs a Prisma command, e.g. autograph db migrate dev --name add_tag");
  const { startEmbeddedPostgres } = await lib("storage/embedded-postgres.js", "db");
  const { runPrismaCli } = await lib("storage/prisma-cli.js", "db");
  let url = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!url) {
    const postgres = await startEmbeddedPostgres({
      dataDir: process.env.EMBEDDED_PG_DIR ?? ".data/postgres",
      port: Number(process.env.EMBEDDED_PG_PORT ?? 54329),
      log: (message) => console.error(`[autograph] ${message}`),
    });
    await postgres.ensureDatabase("autograph");
    url = postgres.url("autograph");
    if (!postgres.reused) stop = () => postgres.stop();
  }
  try {
    // Prisma 6.19's WASM engine fails a `migrate dev` that has to apply a pending migration first (a new
    // database, a pulled migration): apply them with `migrate deploy`, then diff.
    if (args[0] === "migrate" && args[1] === "dev") await runPrismaCli(url, ["migrate", "deploy"]);
    await runPrismaCli(url, args, "inherit");
  } catch (error) {
    console.error(error.message);
    process.exitCode = 1;
  } finally {
    await stop();
  }
}

const [command, ...rest] = process.argv.slice(2);
if (command === "--help" || command === "-h" || command === "help") console.log(HELP);
else if (command === undefined) {
  console.error(HELP);
  process.exitCode = 1;
} else if (command === "--version" || command === "-v") console.log(ownPackage().version);
else if (command === "init") init(rest);
else if (command === "scaffold") await scaffold(rest);
else if (command === "db") await db(rest);
else fail(`unknown command ${command} (see autograph --help)`);
