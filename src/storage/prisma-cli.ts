/**
 * Runs the Prisma CLI (WASM schema engine, see prisma.config.ts) against a database URL. Used by
 * `npm run db` and by the server's boot to apply migrations (`migrate deploy`).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { folderWith, PACKAGE_ROOT } from "./package-root.ts";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");

/** Autograph's own preload (scripts/ of the package, wherever it is installed), not the project's. */
const unrefTimers = join(PACKAGE_ROOT ?? process.cwd(), "scripts/unref-timers.cjs");
/** The package's configuration for its tools run outside any project (`autograph scaffold` from anywhere). */
const TOOL_CONFIG = "scripts/tool-prisma.config.mjs";

/**
 * Where the CLI runs, and with which configuration. The project's prisma.config.ts, read from the working
 * directory the CLI starts in: the working directory or above (an app using Autograph from node_modules),
 * else above this module (this repository, from src/storage/ under tsx and tests or dist/src/storage/
 * under `npm start`). Outside any project, the package's own tool configuration: commands that name
 * their schema files (`db pull --schema`, `migrate diff`) need no project.
 */
function cliSetting(): { cwd: string; args: string[] } {
  const root = folderWith(process.cwd(), "prisma.config.ts") ?? folderWith(import.meta.dirname, "prisma.config.ts");
  if (root !== undefined) return { cwd: root, args: [] };
  if (PACKAGE_ROOT !== undefined && existsSync(join(PACKAGE_ROOT, TOOL_CONFIG)))
    return { cwd: process.cwd(), args: ["--config", join(PACKAGE_ROOT, TOOL_CONFIG)] };
  throw new Error(
    `No prisma.config.ts in ${process.cwd()} or ${import.meta.dirname} or above them: the Prisma CLI needs the project's prisma.config.ts.`,
  );
}

/**
 * Runs `prisma <args>` with `DATABASE_URL=url`. With `inherit`, the CLI talks to the terminal
 * (interactive `migrate dev`); otherwise its output is captured and returned, and thrown on failure.
 */
export function runPrismaCli(url: string, args: string[], stdio: "inherit" | "pipe" = "pipe"): Promise<string> {
  const setting = cliSetting();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", unrefTimers, cli, ...args, ...setting.args], {
      cwd: setting.cwd,
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
