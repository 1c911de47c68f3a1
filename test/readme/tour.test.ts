// README's "A five-minute tour", run as a reader would: every command of its ```sh blocks, in order, with
// bash, against the demo server (`demo/main.ts`, which `npm start` runs once compiled) on a free
// port and a freshly seeded database of its own. The test reads the commands from README.md, so it
// follows whatever the tour says. The conventions it relies on, which the tour keeps:
// - `localhost:4000` is the server; it is rewritten to the test server's port.
// - `[VAR=value ...] npm start` (re)starts the server with those variables; the first command that is
//   not a start runs against a server started without any.
// - A line that ends in ` &` runs in the background until the end of its block; what it prints counts as
//   output of the commands after it in that block (they share a terminal).
// - Lines indented under a command continue it (a quoted string spanning lines).
// - `# ...` lines right below a command show its output: the output must contain them, `…` standing for
//   anything and a run of spaces for any white space.
// - A trailing `# ...` remark that starts with, or names after `→` or `:`, an HTTP status (`# 401 ...`,
//   `# a globex ticket: 404, ...`) expects that status, and a JSON value right after it to be part of
//   the answer (its keys and values; the answer may hold more);
//   a status followed by `when` or `if` is a condition, not the outcome. Every other request must answer
//   below 400, and a JSON answer must not carry GraphQL `errors`.
// Each command passes when bash exits 0 and these hold; a failure shows the command and its output.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

/** One command of the tour, with what the README says about it. */
interface TourCommand {
  /** The step it belongs to (`**3. ...**` before its block), for the test name. */
  readonly step: string;
  /** Index of its ```sh block in the tour. */
  readonly block: number;
  /** The command as written (continuation lines included), without its trailing remark. */
  readonly text: string;
  /** The trailing `# ...` remark, if any. */
  readonly remark: string | undefined;
  /** The `# ...` lines right below it: output the command shows. */
  readonly shows: readonly string[];
}

const README = new URL("../../README.md", import.meta.url);
const TOUR_HEADING = "## A five-minute tour";
/** Statuses a remark can name; other numbers in a remark (user 25, views 100) are not read as one. */
const STATUSES = new Set([200, 201, 204, 206, 207, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 429]);
const START = /^((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)npm\s+(?:run\s+)?start\s*$/;
/** What the curl wrapper writes to stderr after each request: the HTTP status. */
const STATUS_MARK = "__tour_http_status__";

/** The tour's ```sh commands, in order. */
function tourCommands(markdown: string): TourCommand[] {
  const start = markdown.indexOf(`\n${TOUR_HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${TOUR_HEADING}" section`);
  const end = markdown.indexOf("\n## ", start + 1);
  const lines = markdown.slice(start, end < 0 ? undefined : end).split("\n");
  const commands: { step: string; block: number; text: string; remark: string | undefined; shows: string[] }[] = [];
  let step = "";
  let block = -1;
  let inSh = false;
  for (const line of lines) {
    if (!inSh) {
      const heading = /^\*\*(\d+\.[^*]*)\*\*/.exec(line);
      if (heading?.[1]) step = heading[1].trim();
      if (line.trim() === "```sh") {
        inSh = true;
        block += 1;
      }
      continue;
    }
    if (line.trim() === "```") {
      inSh = false;
      continue;
    }
    const last = commands.at(-1);
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      if (last?.block === block) last.shows.push(line.replace(/^#\s?/, ""));
      continue;
    }
    if (/^\s/.test(line) && last?.block === block && last.shows.length === 0 && last.remark === undefined) {
      last.text += `\n${line}`;
      continue;
    }
    const [text, remark] = splitRemark(line);
    commands.push({ step, block, text, remark, shows: [] });
  }
  return commands;
}

/** Splits `cmd   # remark` at the first `#` outside quotes that starts a word (bash's comment rule). */
function splitRemark(line: string): [string, string | undefined] {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"') i++;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "\\") i++;
    else if (ch === "#" && (i === 0 || /\s/.test(line[i - 1] ?? ""))) {
      return [line.slice(0, i).trimEnd(), line.slice(i + 1).trim()];
    }
  }
  return [line.trimEnd(), undefined];
}

/** The status a remark expects and the JSON it shows after it, if it names one (see the header). */
function remarkOutcome(remark: string | undefined): { status?: number; json?: string } {
  if (!remark) return {};
  const match = /(?:^|→\s*|:\s+)(\d{3})\b(?!\s+(?:when|if)\b)(.*)$/.exec(remark);
  const status = Number(match?.[1]);
  if (!match || !STATUSES.has(status)) return {};
  const rest = (match[2] ?? "").trim();
  return { status, ...(/^[{[]/.test(rest) ? { json: rest } : {}) };
}

/** A pattern for text the README shows: `…` is anything, a run of spaces any white space. */
function shownPattern(shown: string): RegExp {
  const escaped = shown
    .trim()
    .split("…")
    .map((part) =>
      part
        .split(/\s+/)
        .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("\\s+"),
    )
    .join("[\\s\\S]*?");
  return new RegExp(escaped, "i");
}

/** Whether `output` is JSON holding every key and value of `shown` (or, when `shown` is not JSON, shows it). */
function showsJson(output: string, shown: string): boolean {
  let want: unknown;
  let got: unknown;
  try {
    want = JSON.parse(shown);
  } catch {
    return shownPattern(shown).test(output);
  }
  try {
    got = JSON.parse(output);
  } catch {
    return false;
  }
  const holds = (a: unknown, w: unknown): boolean =>
    w !== null && typeof w === "object"
      ? a !== null &&
        typeof a === "object" &&
        Array.isArray(a) === Array.isArray(w) &&
        Object.entries(w).every(([k, v]) => holds((a as Record<string, unknown>)[k], v))
      : Object.is(a, w);
  return holds(got, want);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "0.0.0.0", () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The demo server in a child process, as `npm start` runs it. */
interface DemoServer {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

async function startDemo(port: number, databaseUrl: string, env: Record<string, string>): Promise<DemoServer> {
  const child: ChildProcess = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "demo/main.ts"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let output = "";
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      output += `${line}\n`;
      if (line.includes('"msg":"Autograph is listening"')) resolve();
    });
    void exited.then((code) => reject(new Error(`the demo server exited with ${code} before listening:\n${output}`)));
  });
  return {
    env,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A finished command: what bash returned and printed, the HTTP statuses curl saw. */
interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly statuses: readonly number[];
}

/** curl, plus the status of each request on stderr, so that no command needs changing to be checked. */
const CURL_WRAPPER = `curl() { command curl --write-out '%{stderr}\\n${STATUS_MARK} %{http_code}\\n' "$@"; }\n`;

function runBash(script: string, port: number): { child: ChildProcess; done: Promise<Ran>; stdout: () => string } {
  const child = spawn("bash", ["-c", CURL_WRAPPER + script.replaceAll("localhost:4000", `localhost:${port}`)], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => (stdout += String(chunk)));
  child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
  const done = new Promise<Ran>((resolve) =>
    child.once("close", (code) => {
      const statuses = [...stderr.matchAll(new RegExp(`${STATUS_MARK} (\\d{3})`, "g"))].map((m) => Number(m[1]));
      const plainStderr = stderr.replace(new RegExp(`\\n?${STATUS_MARK} \\d{3}\\n`, "g"), "");
      resolve({ code, stdout, stderr: plainStderr, statuses });
    }),
  );
  return { child, done, stdout: () => stdout };
}

/** Polls until `ok()` holds or `ms` pass (background output arrives when the server sends it). */
async function eventually(ok: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

const commands = tourCommands(readFileSync(README, "utf8"));

describe("README: a five-minute tour", () => {
  let testDb: TestDatabase;
  let port: number;
  let server: DemoServer | undefined;
  /** Background commands of the current block, stopped when the block ends. */
  let background: { block: number; command: string; stdout: () => string; stop: () => Promise<Ran> }[] = [];

  const stopBackground = async (block?: number) => {
    const ending = background.filter((b) => b.block !== block);
    background = background.filter((b) => b.block === block);
    for (const b of ending) await b.stop();
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    port = await freePort();
  });

  afterAll(async () => {
    await stopBackground();
    await server?.stop();
    await testDb?.drop();
  });

  it("has commands to run", () => {
    expect(commands.length).toBeGreaterThan(10);
  });

  // The demo seed gives every seeded post its first revision, so step 5's `asOf=1` and `revert/1` show the
  // post as it was seeded, before the tour's own PATCH.
  it("a seeded post has its first revision, which step 5's asOf=1 and revert/1 go back to", async () => {
    server ??= await startDemo(port, testDb.url, {});
    const response = await fetch(`http://localhost:${port}/api/posts/1/revisions`);
    const revisions = (await response.json()) as { number: number; action: string }[];
    expect(revisions.find((r) => r.number === 1)?.action, JSON.stringify(revisions).slice(0, 500)).toBe("create");
  });

  for (const [index, command] of commands.entries()) {
    const name = `${command.step.split(" ")[0]} ${command.text.split("\n")[0]}`;
    it(`#${index + 1} ${name}`, { timeout: 120_000 }, async () => {
      await stopBackground(command.block);
      const start = START.exec(command.text.trim());
      if (start) {
        const env = Object.fromEntries(
          (start[1] ?? "")
            .trim()
            .split(/\s+/)
            .filter(Boolean)
            .map((assignment) => [
              assignment.slice(0, assignment.indexOf("=")),
              assignment.slice(assignment.indexOf("=") + 1),
            ]),
        );
        await server?.stop();
        server = undefined;
        server = await startDemo(port, testDb.url, env);
        return;
      }
      server ??= await startDemo(port, testDb.url, {});

      if (command.text.trimEnd().endsWith("&")) {
        const script = command.text.trimEnd().replace(/&$/, "");
        const run = runBash(script, port);
        const stop = async () => {
          if (run.child.exitCode === null && run.child.pid) process.kill(-run.child.pid, "SIGTERM");
          return run.done;
        };
        background.push({ block: command.block, command: script, stdout: run.stdout, stop });
        // Started means connected: a background command that ends on its own failed.
        const ended = await Promise.race([
          run.done,
          new Promise((resolve) => setTimeout(() => resolve(undefined), 500)),
        ]);
        const transcript = (r: Ran) =>
          `command:\n${script}\nexit: ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
        if (ended) expect.fail(`the background command ended at once\n${transcript(ended as Ran)}`);
        return;
      }

      const ran = await runBash(command.text, port).done;
      const alongside = () => background.map((b) => b.stdout()).join("");
      const problems: string[] = [];
      if (ran.code !== 0) problems.push(`bash exited with ${ran.code}`);
      const expected = remarkOutcome(command.remark);
      if (ran.statuses.some((s) => s >= 500)) problems.push(`HTTP ${ran.statuses.join(", ")}: a server error`);
      if (expected.status !== undefined) {
        if (ran.statuses.at(-1) !== expected.status)
          problems.push(
            `the README says ${expected.status}, the server answered ${ran.statuses.join(", ") || "nothing"}`,
          );
        if (expected.json && !showsJson(ran.stdout, expected.json))
          problems.push(`the README shows ${expected.json}, which the output does not contain`);
      } else {
        const refused = ran.statuses.filter((s) => s >= 400);
        if (refused.length > 0) problems.push(`HTTP ${refused.join(", ")}, and the README names no such status`);
        if (/"errors"\s*:\s*\[/.test(ran.stdout)) problems.push("the answer carries GraphQL errors");
      }
      for (const shown of command.shows) {
        const pattern = shownPattern(shown);
        const seen = await eventually(() => pattern.test(ran.stdout + alongside()), 5_000);
        if (!seen) problems.push(`the README shows "${shown}" below it, which the output does not contain`);
      }
      const transcript = [
        `command:\n${command.text}${command.remark ? `   # ${command.remark}` : ""}`,
        `exit: ${ran.code}, HTTP: ${ran.statuses.join(", ") || "none"}`,
        `stdout:\n${ran.stdout}`,
        `stderr:\n${ran.stderr}`,
        ...(background.length > 0 ? [`background output:\n${alongside()}`] : []),
      ].join("\n");
      expect(problems, transcript).toEqual([]);
    });
  }
});
