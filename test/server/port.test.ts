// A second start on a held port: `demo/main.ts`, as `npm start` runs it, refuses with one line and
// exit code 1 before it touches any database (its embedded PostgreSQL's data folder is never created).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertPortFree } from "../../src/server/port.ts";

let holder: Server;
let port: number;
let scratch: string;

beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "0.0.0.0", () => resolve()));
  port = (holder.address() as { port: number }).port;
  scratch = mkdtempSync(join(tmpdir(), "autograph-port-"));
});

afterAll(async () => {
  await new Promise<void>((resolve) => holder.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

describe("a start on a port another process holds", () => {
  it("exits 1 with one line naming the port, and starts no embedded PostgreSQL", async () => {
    const dataDir = join(scratch, "postgres");
    const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "demo/main.ts"], {
      // No DATABASE_URL: the embedded PostgreSQL would start in dataDir if the port were not checked first.
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port), EMBEDDED_PG_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));

    expect({ code, stderr, stdout }).toEqual({
      code: 1,
      stderr: `Port ${port} is in use (another Autograph?). Stop it or set PORT.\n`,
      stdout: "",
    });
    expect(existsSync(dataDir)).toBe(false);
  });

  it("assertPortFree resolves for a free port and for port 0, and leaves the port free", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "0.0.0.0", () => resolve()));
    const free = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    await expect(assertPortFree(free)).resolves.toBeUndefined();
    await expect(assertPortFree(0)).resolves.toBeUndefined();
    await expect(assertPortFree(port)).rejects.toThrow(`Port ${port} is in use`);
    // The check closed its probe: the port can be taken right after.
    await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(free, "0.0.0.0", () => resolve()));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
});
