// The /graphql body limit (GRAPHQL_MAX_BODY_BYTES; docs/guides/security.md, "Timeouts and limits"),
// over the network on a real port: every entry answers 413 with a GraphQL-shaped PAYLOAD_TOO_LARGE
// error (a declared length before the body is read, a chunked body as soon as it grows past the
// limit, a batch, the spliced fast path), and the next request, on a new connection, is answered.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

const LIMIT = 2048;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { GRAPHQL_MAX_BODY_BYTES: String(LIMIT), GRAPHQL_BATCH_LIMIT: "5" } });
});
afterAll(() => server?.close());

interface Answer {
  status: number;
  body: string;
  /** How many bytes of body the client had sent when the answer came. */
  sent: number;
}

/**
 * POSTs to /graphql on a connection of its own. `declared` is the Content-Length to announce (none:
 * chunked). `chunks` are written one by one, each after the last was flushed, until the answer comes;
 * with `unfinished` the body is left open after them (the client still "sending").
 */
function post(chunks: string[], declared?: number, unfinished = false): Promise<Answer> {
  const { port } = new URL(server.running.url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers: Record<string, string | number> = { "content-type": "application/json", accept: "application/json" };
    if (declared !== undefined) headers["content-length"] = declared;
    const request = httpRequest(
      { host: "127.0.0.1", port, method: "POST", path: "/graphql", headers, agent: false },
      (response) => {
        answered = true;
        const parts: Buffer[] = [];
        response.on("data", (part: Buffer) => parts.push(part));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8"), sent }),
        );
        response.on("error", reject);
      },
    );
    // Once answered, the server may close the connection under a body still being written.
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const write = (i: number) => {
      if (answered) return;
      const chunk = chunks[i];
      if (chunk === undefined) {
        // A declared length not reached yet, or an unfinished chunked body: the answer must come anyway.
        if (declared === undefined && !unfinished) request.end();
        return;
      }
      request.write(chunk, () => {
        sent += Buffer.byteLength(chunk);
        write(i + 1);
      });
    };
    // The headers go now, even when no byte of the body follows.
    request.flushHeaders();
    write(0);
  });
}

const tooLarge = (got: string) => ({
  errors: [
    {
      message: `Request body too large: at most ${LIMIT} bytes, got ${got}.`,
      extensions: { code: "PAYLOAD_TOO_LARGE", details: { maxBytes: LIMIT } },
    },
  ],
});

/** A query that works, sent whole on a new connection: the server is answering after whatever came before. */
async function stillServes(): Promise<void> {
  const body = JSON.stringify({ query: "{ postsCount }" });
  const answer = await post([body], Buffer.byteLength(body));
  expect(answer).toMatchObject({ status: 200, body: JSON.stringify({ data: { postsCount: 320 } }) });
}

describe("GRAPHQL_MAX_BODY_BYTES", () => {
  it("a Content-Length over the limit is answered 413 before any of the body is sent", async () => {
    const answer = await post([], 10_000_000);
    expect(answer.status).toBe(413);
    expect(answer.sent).toBe(0);
    expect(JSON.parse(answer.body)).toEqual(tooLarge("10000000"));
    await stillServes();
  });

  it("a chunked body is read until it passes the limit, then answered 413 without waiting for its end", async () => {
    const kilobyte = " ".repeat(1024);
    const answer = await post(['{"query":"{ postsCount }"', kilobyte, kilobyte, kilobyte], undefined, true);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual(tooLarge(`more than ${LIMIT}`));
    await stillServes();
  });

  it("a body within the limit is answered, chunked or not", async () => {
    const body = JSON.stringify({ query: "{ postsCount }" }) + " ".repeat(LIMIT - 100);
    expect(await post([body], Buffer.byteLength(body))).toMatchObject({ status: 200 });
    expect(await post([body.slice(0, 10), body.slice(10)])).toMatchObject({ status: 200 });
  });

  it("a batch is one body: within the limit it runs, over it 413 (declared or chunked)", async () => {
    const batch = (n: number, padding: number) =>
      JSON.stringify(Array.from({ length: n }, () => ({ query: `{ postsCount }${" ".repeat(padding)}` })));
    const small = batch(3, 10);
    const ok = await post([small], Buffer.byteLength(small));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual(Array.from({ length: 3 }, () => ({ data: { postsCount: 320 } })));
    const large = batch(5, 600);
    expect(Buffer.byteLength(large)).toBeGreaterThan(LIMIT);
    const declared = await post([large], Buffer.byteLength(large));
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual(tooLarge(String(Buffer.byteLength(large))));
    const chunked = await post([large.slice(0, 1000), large.slice(1000)]);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toEqual(tooLarge(`more than ${LIMIT}`));
    await stillServes();
  });

  it("holds on the spliced fast path: a query it would answer without yoga, padded past the limit, is 413", async () => {
    const query = '{"query":"{ posts(take: 1) { id } }"}';
    // Answered once by yoga: the same text is now answered spliced (server/app.ts).
    expect((await post([query], query.length)).status).toBe(200);
    expect((await post([query], query.length)).status).toBe(200);
    // The same parameters (JSON whitespace is nothing), over the limit but small enough to splice.
    const padded = `${query.slice(0, -1)}${" ".repeat(LIMIT)}}`;
    const answer = await post([padded], padded.length);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual(tooLarge(String(padded.length)));
    await stillServes();
  });
});
