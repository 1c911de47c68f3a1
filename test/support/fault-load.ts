/**
 * Load for the fault tests (test/faults/): connections that write and read tags over keep-alive, each
 * request's outcome counted, every acknowledged write remembered so the test can look for it in the
 * database afterwards.
 *
 * How an outcome is counted:
 * - `acked`: a write answered 201 (its tag must be in the database), `reads`: a read answered 200;
 * - `unavailable`: 503 with `Retry-After` (the database is down: refused, not lost);
 * - `refused`: ECONNREFUSED, which Node reports only when the TCP connect itself failed, before a byte
 *   of the request was sent: the server was not listening any more, so nothing was lost;
 * - `failed`: anything else (a reset or "socket hang up" on a sent request, a timeout, a 500, a 503
 *   without `Retry-After`), with its reasons in `failures`. The tests assert it is 0.
 */
import { Agent, request } from "node:http";

/** What a {@link runLoad} saw. */
export interface LoadResult {
  acked: number;
  reads: number;
  unavailable: number;
  refused: number;
  failed: number;
  /** Up to 20 reasons of failures, for the assertion message. */
  failures: string[];
  /** The names of the tags whose creation was acknowledged. */
  ackedNames: string[];
  /** Responses that said `Connection: close`. */
  connectionClose: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:4000. */
  url: string;
  /** Concurrent keep-alive connections (one worker each). @default 10 */
  connections?: number;
  /** Prefix of the tag names, unique per run. */
  prefix: string;
  /** Aborted: every worker stops after its current request. */
  signal: AbortSignal;
  /** A worker stops at its first refused connect (the server is gone). @default false */
  stopWhenRefused?: boolean;
  /** Each request's time limit: one not answered in time counts as a failure (a hang). @default 10000 */
  timeoutMs?: number;
  /** Called once every worker has had its first answer: all its connections are open. */
  onConnected?: () => void;
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  connection: string | undefined;
}

function send(agent: Agent, url: URL, method: string, body: string | undefined, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method,
        headers:
          body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.once("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers["retry-after"],
            connection: res.headers.connection,
          }),
        );
        res.once("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.once("error", (error: Error) => {
      // Whether the request went out on a kept-alive connection or a new one says which race it met.
      error.message += req.reusedSocket ? " (on a reused connection)" : " (on a new connection)";
      reject(error);
    });
    req.end(body);
  });
}

/** Runs the load until `signal` aborts (or, with `stopWhenRefused`, until the server refuses connections). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const connections = options.connections ?? 10;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const result: LoadResult = {
    acked: 0,
    reads: 0,
    unavailable: 0,
    refused: 0,
    failed: 0,
    failures: [],
    ackedNames: [],
    connectionClose: 0,
  };
  const fail = (reason: string) => {
    result.failed++;
    if (result.failures.length < 20) result.failures.push(reason);
  };
  const tags = new URL("/api/tags", options.url);
  const list = new URL("/api/tags?range=[0,4]", options.url);

  let connected = 0;
  const worker = async (n: number) => {
    for (let i = 0; !options.signal.aborted; i++) {
      if (i === 1 && ++connected === connections) options.onConnected?.();
      const write = i % 2 === 0;
      const name = `${options.prefix}-${n}-${i}`;
      try {
        const answer = write
          ? await send(agent, tags, "POST", JSON.stringify({ name }), timeoutMs)
          : await send(agent, list, "GET", undefined, timeoutMs);
        if (answer.connection === "close") result.connectionClose++;
        if (write && answer.status === 201) {
          result.acked++;
          result.ackedNames.push(name);
        } else if (!write && answer.status === 200) result.reads++;
        else if (answer.status === 503 && answer.retryAfter !== undefined) {
          result.unavailable++;
          // As a client honouring Retry-After would, if a little less patiently.
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else fail(`${write ? "POST" : "GET"} answered ${answer.status}`);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ECONNREFUSED") {
          result.refused++;
          if (options.stopWhenRefused) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else fail(`${write ? "POST" : "GET"}: ${code ?? ""} ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, n) => worker(n)));
  agent.destroy();
  return result;
}

/** The names among `names` that are not tags in the database at `query` (a pg query function). */
export async function missingTags(
  query: (sql: string, values: unknown[]) => Promise<{ rows: { name: string }[] }>,
  names: readonly string[],
): Promise<string[]> {
  const found = new Set(
    (await query('select name from "Tag" where name = any($1)', [[...names]])).rows.map((r) => r.name),
  );
  return names.filter((name) => !found.has(name));
}
