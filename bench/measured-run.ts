/**
 * A program run to completion in a child process of its own, measured from outside: wall time, CPU time
 * and peak resident memory of that process. With GNU time (`/usr/bin/time`) the figures are the kernel's
 * (`wait4`'s rusage: `ru_maxrss` is exact); without it, the peak is polled from `VmHWM` of
 * /proc/<pid>/status every 50 ms (it is the kernel's high-water mark, so only growth in the last 50 ms
 * can be missed) and the CPU time is not known.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { relay } from "./processes.ts";

const GNU_TIME = "/usr/bin/time";

/** What a run cost. */
export interface RunFigures {
  readonly wallSeconds: number;
  /** User + system CPU of the process (not of the database server it talks to); undefined without GNU time. */
  readonly cpuSeconds: number | undefined;
  readonly peakRssMb: number;
}

function highWaterMb(pid: number): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Runs `command args` in `cwd` with `env` added (its output relayed to stderr as `[name]` lines) and
 * resolves with its figures once it exits 0; rejects with its exit status otherwise. The measured process
 * is `command` itself: give it the program doing the work (e.g. `node --import tsx script.ts`, not a
 * launcher that forks it).
 */
export async function runMeasured(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<RunFigures> {
  const timed = existsSync(GNU_TIME);
  const dir = timed ? await mkdtemp(join(tmpdir(), "autograph-bench-time-")) : undefined;
  const out = dir ? join(dir, "rusage") : "";
  try {
    const [file, argv] = timed ? [GNU_TIME, ["-f", "%U %S %M", "-o", out, command, ...args]] : [command, [...args]];
    const started = performance.now();
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    relay(name, child);
    let polled = 0;
    const poll = setInterval(() => {
      if (!timed && child.pid !== undefined) polled = Math.max(polled, highWaterMb(child.pid) ?? 0);
    }, 50);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c, s) => resolve([c, s]));
    }).finally(() => clearInterval(poll));
    const wallSeconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`${name} failed (${signal ?? `exit ${code}`}): ${command} ${args.join(" ")}`);
    if (!timed) return { wallSeconds, cpuSeconds: undefined, peakRssMb: polled };
    // GNU time writes "Command exited with non-zero status" lines first on failure; the figures are last.
    const figures = (await readFile(out, "utf8")).trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
    const [user, system, maxRssKb] = figures;
    if (user === undefined || system === undefined || maxRssKb === undefined || figures.some(Number.isNaN)) {
      throw new Error(`${name}: could not read GNU time's figures from ${out}`);
    }
    return { wallSeconds, cpuSeconds: user + system, peakRssMb: maxRssKb / 1024 };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
