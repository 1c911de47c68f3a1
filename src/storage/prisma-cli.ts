/**
 * Runs the Prisma CLI (WASM schema engine, see prisma.config.ts) against a database URL. Used by
 * `npm run db` and by the server's boot to apply migrations (`migrate deploy`).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");

/** The first folder from `start` upwards that holds `file`, or undefined. */
function folderWith(start: string, file: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, file))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The folder holding the project's prisma.config.ts, which the CLI reads from its working directory:
 * the working directory or above (an app using Autograph from node_modules), else above this module
 * (this repository, from src/storage/ under tsx and tests or dist/src/storage/ under `npm start`).
 */
function projectRootOf(start: string): string {
  const root = folderWith(process.cwd(), "prisma.config.ts") ?? folderWith(start, "prisma.config.ts");
  if (root === undefined)
    throw new Error(
      `No prisma.config.ts in ${process.cwd()} or ${start} or above them: the Prisma CLI needs the project's prisma.config.ts.`,
    );
  return root;
}

const projectRoot = projectRootOf(import.meta.dirname);
/** Autograph's own preload (scripts/ of the package, wherever it is installed), not the project's. */
const unrefTimers = join(
  folderWith(import.meta.dirname, "scripts/unref-timers.cjs") ?? projectRoot,
  "scripts/unref-timers.cjs",
);

/**
 * Runs `prisma <args>` with `DATABASE_URL=url`. With `inherit`, the CLI talks to the terminal
 * (interactive `migrate dev`); otherwise its output is captured and returned, and thrown on failure.
 */
export function runPrismaCli(url: string, args: string[], stdio: "inherit" | "pipe" = "pipe"): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", unrefTimers, cli, ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: stdio === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`prisma ${args.join(" ")} failed (exit ${code})${output ? `:\n${output}` : ""}`));
    });
  });
}

/** Applies pending migrations from prisma/migrations (`prisma migrate deploy`). */
export function applyMigrations(url: string): Promise<string> {
  return runPrismaCli(url, ["migrate", "deploy"]);
}
