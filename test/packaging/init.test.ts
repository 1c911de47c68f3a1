// `npx autograph init` as a new user meets it, from what `npm pack` ships: the packed bin creates an app
// that depends on the packed tarball, `npm install --offline` installs it, and the app serves its Note
// resource over REST and GraphQL on an embedded PostgreSQL of its own, then stops cleanly on SIGTERM. The
// packed bin also scaffolds a project from an existing database, run from a folder with no project.
// Nothing is read from the repository's sources once packed: the app sees only the tarball.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { databaseUrl, quoteIdent, TEST_DATABASE_PREFIX } from "../support/names.ts";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");
/** Packing builds the library (prepack); installing copies ~150 packages: minutes on a busy machine. */
const SLOW = 300_000;

/**
 * The environment of every command: the Node running this test first on PATH (npm and its scripts run
 * on it), and none of the outer variables that would steer the app (DATABASE_URL, PORT, ...) or npm
 * (`npm_*` when the suite runs under `npm test`).
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ["HOME", "TMPDIR", "LANG", "USER"];
  const env: NodeJS.ProcessEnv = { PATH: [dirname(process.execPath), process.env.PATH].join(delimiter) };
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

async function sh(command: string, args: string[], cwd: string, env = cleanEnv()): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

async function sql(url: string, text: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

/**
 * A lockfile for the app made from this repository's: npm 11 resolves a dependency without a lockfile
 * from its full registry document, which an install from a lockfile (the repository's `npm ci`) never
 * caches, so `--offline` would fail. With the repository's versions locked, npm needs only their tarballs,
 * which that install cached; entries the app does not use are pruned.
 */
function offlineLockfile(appDir: string): void {
  const repoLock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8"));
  const app = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8"));
  const packages: Record<string, unknown> = {
    "": { name: app.name, version: app.version, dependencies: app.dependencies, devDependencies: app.devDependencies },
  };
  for (const [path, entry] of Object.entries(repoLock.packages as Record<string, unknown>))
    if (path.startsWith("node_modules/")) packages[path] = entry;
  const lock = { name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages };
  writeFileSync(join(appDir, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
}

/** Stops a PostgreSQL left running in `dataDir` (the app was killed) and waits for it to go. */
async function stopLeftoverPostgres(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !alive()) return;
  process.kill(pid, "SIGQUIT"); // immediate shutdown: the folder is deleted next
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
}

describe("autograph init, from the packed package", () => {
  let work: string;
  let tarball: string;
  let packageDir: string;
  let appDir: string;
  let pgDir: string;
  let app: ChildProcess | undefined;
  let appOutput = "";
  let appExit: Promise<number | null> | undefined;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "autograph-init-"));
    // As root the embedded PostgreSQL runs as the user `postgres`, who must reach its data folder.
    chmodSync(work, 0o755);
    packageDir = join(work, "package");
    appDir = join(work, "app");
    pgDir = join(work, "postgres");
  });

  afterAll(async () => {
    if (app?.pid !== undefined && app.exitCode === null && app.signalCode === null) {
      try {
        process.kill(-app.pid, "SIGKILL");
      } catch {}
    }
    await stopLeftoverPostgres(pgDir);
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it(
    "packs the compiled library, the bin and the template, and no tests, demo or sources",
    async () => {
      // Packed from a copy of the checkout (its tracked and unignored files, and a link to its node_modules),
      // so prepack's build and prepare's `prisma generate` run as on a fresh clone and write nothing into
      // the checkout, where other test files read the generated client at the same time.
      const source = join(work, "source");
      const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: REPO,
        maxBuffer: 64 * 1024 * 1024,
      });
      for (const file of stdout.split("\0")) {
        if (file === "" || !existsSync(join(REPO, file))) continue;
        mkdirSync(dirname(join(source, file)), { recursive: true });
        copyFileSync(join(REPO, file), join(source, file));
      }
      symlinkSync(join(REPO, "node_modules"), join(source, "node_modules"));
      // Lifecycle scripts print to npm's stdout too, so the tarball is found in the folder, its files in tar's list.
      await sh("npm", ["pack", "--pack-destination", work], source);
      const name = readdirSync(work).find((f) => f.endsWith(".tgz"));
      if (!name) throw new Error(`npm pack wrote no tarball to ${work}`);
      tarball = join(work, name);
      const files = (await sh("tar", ["tzf", tarball], work))
        .split("\n")
        .filter((line) => line.startsWith("package/") && !line.endsWith("/"))
        .map((line) => line.slice("package/".length));
      expect(files).toEqual(
        expect.arrayContaining([
          "dist/lib/index.js",
          "dist/lib/index.d.ts",
          "dist/lib/server/prisma-config.js",
          "bin/autograph.mjs",
          "scripts/datamodel-generator.mjs",
          "scripts/tool-prisma.config.mjs",
          "dist/lib/storage/scaffold/command.js",
          "templates/init/package.json",
          "templates/init/gitignore",
          "README.md",
        ]),
      );
      expect(files.filter((f) => /^(src|test|demo|bench|docs|examples|clients|prisma)\//.test(f))).toEqual([]);
      expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("templates/"))).toEqual([]);
      await sh("tar", ["xzf", tarball], work);
      expect(existsSync(join(packageDir, "bin/autograph.mjs"))).toBe(true);
    },
    SLOW,
  );

  it("scaffolds the app with the packed bin, and refuses a folder that is not empty", async () => {
    const bin = join(packageDir, "bin/autograph.mjs");
    const out = await sh(process.execPath, [bin, "init", "app", "--autograph", tarball], work);
    expect(out).toContain("cd app && npm install && npm start");
    const manifest = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8"));
    const repo = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(manifest.name).toBe("app");
    expect(manifest.dependencies).toMatchObject({
      autograph: `file:${tarball}`,
      prisma: repo.dependencies.prisma,
      "@prisma/client": repo.dependencies["@prisma/client"],
      "@prisma/adapter-pg": repo.dependencies["@prisma/adapter-pg"],
    });
    for (const file of [".gitignore", "prisma/schema.prisma", "prisma.config.ts", "src/main.ts", "src/resources.ts"])
      expect(existsSync(join(appDir, file)), file).toBe(true);

    const again = await run(process.execPath, [bin, "init", "app"], { cwd: work, env: cleanEnv() }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe("autograph: app exists and is not empty: choose a new or empty folder");
  });

  it(
    "installs offline, generates the client and type-checks against the shipped declarations",
    async () => {
      offlineLockfile(appDir);
      const out = await sh("npm", ["install", "--offline", "--no-audit", "--no-fund"], appDir);
      expect(out).toContain("Generated Autograph datamodel");
      // Installed from the tarball: compiled JavaScript, and the repository's own install step did not run in it.
      const installed = join(appDir, "node_modules/autograph");
      expect(existsSync(join(installed, "dist/lib/index.js"))).toBe(true);
      expect(existsSync(join(installed, "src"))).toBe(false);
      expect(existsSync(join(installed, "demo"))).toBe(false);
      await sh("npm", ["run", "typecheck"], appDir);
    },
    SLOW,
  );

  it(
    "serves the Note resource over REST and GraphQL on its own embedded PostgreSQL, then stops on SIGTERM",
    async () => {
      // What `npm start` runs, without npm in between: npm 11 dies on SIGTERM without waiting for its script,
      // so a supervisor signals the app's own process, as this test does.
      const manifest = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8"));
      expect(manifest.scripts.start).toBe("tsx src/main.ts");
      const port = await freePort();
      const child = spawn(join(appDir, "node_modules/.bin/tsx"), ["src/main.ts"], {
        cwd: appDir,
        env: cleanEnv({ PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()), EMBEDDED_PG_DIR: pgDir }),
        detached: true, // its own process group: tsx and the app, killed together if the test fails
        stdio: ["ignore", "pipe", "pipe"],
      });
      app = child;
      child.stdout?.on("data", (chunk) => (appOutput += chunk));
      child.stderr?.on("data", (chunk) => (appOutput += chunk));
      appExit = new Promise((done, fail) => {
        child.on("close", (code) => done(code));
        child.on("error", fail);
      });
      appExit.catch(() => {}); // awaited below; a spawn failure also fails the wait for readiness

      const base = `http://127.0.0.1:${port}`;
      for (let ready = false; !ready; ) {
        if (child.exitCode !== null || child.pid === undefined)
          throw new Error(`the app exited (${child.exitCode}) before serving:\n${appOutput}`);
        ready = await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 250));
      }

      const created = await fetch(`${base}/api/notes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "First note", body: "from the packed package" }),
      });
      expect(created.status, appOutput).toBe(201);
      const note = (await created.json()) as { id: number; title: string };
      expect(note).toMatchObject({ title: "First note", body: "from the packed package" });

      const graphql = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ notes { id title body } notesCount }" }),
      });
      expect(await graphql.json()).toEqual({
        data: { notes: [{ id: String(note.id), title: "First note", body: "from the packed package" }], notesCount: 1 },
      });

      const list = await fetch(`${base}/api/notes?range=${encodeURIComponent("[0,9]")}`);
      expect(list.status).toBe(200);
      expect(list.headers.get("content-range")).toBe("notes 0-0/1");
      expect(await list.json()).toEqual([expect.objectContaining({ id: note.id, title: "First note" })]);

      if (child.pid === undefined) throw new Error("the app has no pid");
      process.kill(child.pid, "SIGTERM");
      expect(await appExit, appOutput).toBe(0);
      expect(appOutput).toContain('"msg":"stopped"');
      expect(appOutput).toContain("embedded PostgreSQL stopped");
      expect(existsSync(join(pgDir, "postmaster.pid"))).toBe(false);
    },
    SLOW,
  );

  it(
    "adds a model with `npm run db -- migrate dev`, as docs/guides/new-project.md does",
    async () => {
      const schema = join(appDir, "prisma/schema.prisma");
      writeFileSync(
        schema,
        `${readFileSync(schema, "utf8")}\nmodel Tag {\n  id   Int    @id @default(autoincrement())\n  name String @unique\n}\n`,
      );
      const env = cleanEnv({ EMBEDDED_PG_PORT: String(await freePort()), EMBEDDED_PG_DIR: pgDir });
      await sh("npm", ["run", "db", "--", "migrate", "dev", "--name", "add_tag"], appDir, env);
      const migrations = readdirSync(join(appDir, "prisma/migrations"));
      expect(migrations).toEqual(expect.arrayContaining([expect.stringMatching(/^\d{14}_add_tag$/)]));
      const datamodel = JSON.parse(readFileSync(join(appDir, "src/generated/datamodel.json"), "utf8"));
      expect(datamodel.models.map((m: { name: string }) => m.name)).toContain("Tag");
      const status = await sh("npm", ["run", "db", "--", "migrate", "status"], appDir, env);
      expect(status).toMatch(/2 migrations found in prisma\/migrations[\s\S]*Database schema is up to date/);
    },
    SLOW,
  );

  it(
    "scaffolds a project from an existing database with the packed bin, run outside any project",
    async () => {
      const admin = inject("adminDatabaseUrl");
      const template = inject("templateDatabase");
      // Named like test/support/database.ts's databases, so a killed run's leftover is dropped by the next.
      const name = `${TEST_DATABASE_PREFIX}${template.slice(template.lastIndexOf("_") + 1)}_packed_scaffold_${randomBytes(4).toString("hex")}`;
      await sql(admin, `create database ${quoteIdent(name)}`);
      try {
        const url = databaseUrl(admin, name);
        await sql(
          url,
          `create table author (id serial primary key, name text not null, password_hash text);
           create table book (id serial primary key, title text not null, author_id int not null references author (id));
           create index on book (title);`,
        );
        // As npx runs it: the unpacked package with its dependencies beside it, and no prisma.config.ts in
        // the working folder or above it, so the Prisma CLI runs on the package's own tool configuration.
        symlinkSync(join(appDir, "node_modules"), join(packageDir, "node_modules"));
        const bin = join(packageDir, "bin/autograph.mjs");
        const report = await sh(process.execPath, [bin, "scaffold", "--from", url, "--out", "shop"], work);
        expect(report).toContain("author → schema/author.ts");
        expect(report).toContain("password_hash: hidden");
        expect(report).toContain("relation author → author: foreign key author_id");
        const shop = join(work, "shop");
        for (const file of [
          "package.json",
          "prisma/schema.prisma",
          "schema/author.ts",
          "schema/book.ts",
          "src/main.ts",
        ])
          expect(existsSync(join(shop, file)), file).toBe(true);
        const migrations = readdirSync(join(shop, "prisma/migrations")).filter((m) => m !== "migration_lock.toml");
        expect(migrations).toEqual([expect.stringMatching(/_baseline$/), expect.stringMatching(/_autograph$/)]);
        expect(await sql(url, 'select migration_name from "_prisma_migrations"')).toEqual([
          { migration_name: migrations[0] },
        ]);

        // A mistake is one line and exit 2; the usage names the bin's own command.
        const refused = await run(process.execPath, [bin, "scaffold", "--from", "mysql://x"], {
          cwd: work,
          env: cleanEnv(),
        }).then(
          () => ({ code: 0, stderr: "" }),
          (error: { code: number; stderr: string }) => error,
        );
        expect(refused).toMatchObject({ code: 2 });
        expect(refused.stderr.trim()).toBe(
          'scaffold: --from must be a postgres:// or postgresql:// URL, got "mysql://x"',
        );
        expect(await sh(process.execPath, [bin, "scaffold", "--help"], work)).toContain(
          "usage: autograph scaffold --from <DATABASE_URL>",
        );
      } finally {
        await sql(admin, `drop database if exists ${quoteIdent(name)} with (force)`);
      }
    },
    SLOW,
  );
});
