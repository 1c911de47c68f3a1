// Timeouts over the network (docs/guides/security.md, "Timeouts and limits"; rest-dialect.md §7):
// a statement PostgreSQL cancels for running past DB_STATEMENT_TIMEOUT_MS is TIMEOUT (REST 503 with
// Retry-After, GraphQL extensions.code), logged once at warn; a handler running past
// REQUEST_TIMEOUT_MS answers TIMEOUT and its uncommitted write rolls back.
import pg from "pg";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ResourceHooks } from "../../src/runtime/hooks.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
/** A connection of the test's own, to hold locks and install a slow trigger: no statement timeout on it. */
let admin: pg.Client;
const logged: { level: number; msg: string; [key: string]: unknown }[] = [];

beforeAll(async () => {
  server = await startTestServer({
    env: { DB_STATEMENT_TIMEOUT_MS: "300", REQUEST_TIMEOUT_MS: "1500", DEV_ACTOR: "1:admin" },
    logger: pino({ level: "warn" }, { write: (line: string) => void logged.push(JSON.parse(line)) }),
  });
  admin = new pg.Client({ connectionString: server.testDb.url });
  await admin.connect();
  // Inserting a tag named slow… takes a second: a statement the API sends that runs past its timeout.
  await admin.query(`
    create function slow_tag() returns trigger language plpgsql as $$
    begin
      if new.name like 'slow%' then perform pg_sleep(1); end if;
      return new;
    end $$;
    create trigger slow_tag before insert on "Tag" for each row execute function slow_tag()`);
});
afterAll(async () => {
  await admin?.end();
  await server?.close();
});
afterEach(() => {
  logged.length = 0;
});

const url = (path: string) => `${server.running.url}${path}`;
const json = { "content-type": "application/json", accept: "application/json" };
const rest = (method: string, path: string, body?: unknown) =>
  fetch(url(path), { method, headers: json, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const graphql = (query: string) =>
  fetch(url("/graphql"), { method: "POST", headers: json, body: JSON.stringify({ query }) });

/** Runs `work` while another session holds `table` locked, so that every statement reading it waits. */
async function whileLocked<T>(table: string, work: () => Promise<T>): Promise<T> {
  await admin.query(`begin; lock table "${table}" in access exclusive mode`);
  try {
    return await work();
  } finally {
    await admin.query("rollback");
  }
}

const timeoutWarnings = () => logged.filter((l) => /^statement timeout/.test(l.msg));

describe("statement timeout (DB_STATEMENT_TIMEOUT_MS)", () => {
  it("REST: a compiled read cancelled by it answers 503 TIMEOUT with Retry-After, logged once at warn", async () => {
    const response = await whileLocked("Post", () => rest("GET", "/api/posts"));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    const body = (await response.json()) as { message: string; code: string };
    expect(body.code).toBe("TIMEOUT");
    expect(body.message).toMatch(/took too long to read posts/);
    expect(timeoutWarnings()).toEqual([
      expect.objectContaining({ level: 40, resource: "post", operation: "read", statementTimeoutMs: 300 }),
    ]);
    // Expected under load: no error line, no stack.
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    // The same read answers again once the lock is gone.
    expect((await rest("GET", "/api/posts")).status).toBe(200);
  });

  it("GraphQL: a cancelled read is an error with extensions.code TIMEOUT, on yoga's and the spliced path", async () => {
    const query = "{ posts(take: 2) { id title } }";
    const first = await whileLocked("Post", () => graphql(query));
    const firstBody = (await first.json()) as { errors?: { extensions: { code: string } }[] };
    expect(firstBody.errors?.map((e) => e.extensions.code)).toEqual(["TIMEOUT"]);
    // Answered once without the lock: the text is now answered spliced (app.ts), without yoga.
    expect((await graphql(query)).status).toBe(200);
    const spliced = await whileLocked("Post", () => graphql(query));
    const splicedBody = (await spliced.json()) as { errors?: { extensions: { code: string } }[] };
    expect(splicedBody.errors?.map((e) => e.extensions.code)).toEqual(["TIMEOUT"]);
    expect(timeoutWarnings()).toHaveLength(2);
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });

  it("a write whose statement runs past it is TIMEOUT on both transports and writes nothing", async () => {
    const viaRest = await rest("POST", "/api/tags", { name: "slow-rest" });
    expect(viaRest.status).toBe(503);
    expect(viaRest.headers.get("retry-after")).toBe("5");
    expect(((await viaRest.json()) as { code: string }).code).toBe("TIMEOUT");
    const viaGraphQL = await graphql('mutation { createTag(data: { name: "slow-graphql" }) { id } }');
    const body = (await viaGraphQL.json()) as { errors?: { message: string; extensions: { code: string } }[] };
    expect(body.errors?.map((e) => e.extensions.code)).toEqual(["TIMEOUT"]);
    expect(body.errors?.[0]?.message).toMatch(/took too long to create this tag/);
    expect(await server.db.prisma.tag.count({ where: { name: { startsWith: "slow" } } })).toBe(0);
    expect(timeoutWarnings().map((l) => [l.resource, l.operation])).toEqual([
      ["tag", "create"],
      ["tag", "create"],
    ]);
    // A tag that is not slow to insert goes in.
    expect((await rest("POST", "/api/tags", { name: "quick" })).status).toBe(201);
  });
});

describe("request timeout (REQUEST_TIMEOUT_MS)", () => {
  const chains: ResourceHooks[] = [];
  afterEach(() => {
    for (const chain of chains.splice(0)) chain.off();
  });

  /** Holds every tag create inside its transaction (an `after` hook) until released; resolves `failed` with its error. */
  function holdTagCreates() {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let failed: (error: unknown) => void = () => {};
    const failure = new Promise<unknown>((resolve) => {
      failed = resolve;
    });
    const chain = server.running.runtime.on("tag");
    chains.push(chain);
    chain.after("create", () => held).onFailure("create", (op) => failed(op.error));
    return { release, failure };
  }

  it("REST: a handler still running answers 503 TIMEOUT; its write, not committed yet, rolls back", async () => {
    const hold = holdTagCreates();
    const response = await rest("POST", "/api/tags", { name: "late-rest" });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toEqual({
      code: "TIMEOUT",
      message: expect.stringMatching(/longer than the 1500 ms the server allows/),
    });
    hold.release();
    expect(await hold.failure).toMatchObject({ code: "TIMEOUT" });
    expect(await server.db.prisma.tag.count({ where: { name: "late-rest" } })).toBe(0);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 40, msg: "request timeout: answered 503 TIMEOUT", path: "/api/tags" }),
    );
  });

  it("GraphQL: 503 with a TIMEOUT error; the mutation rolls back", async () => {
    const hold = holdTagCreates();
    const response = await graphql('mutation { createTag(data: { name: "late-graphql" }) { id } }');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      errors: [{ message: expect.stringMatching(/longer than the 1500 ms/), extensions: { code: "TIMEOUT" } }],
    });
    hold.release();
    expect(await hold.failure).toMatchObject({ code: "TIMEOUT" });
    expect(await server.db.prisma.tag.count({ where: { name: "late-graphql" } })).toBe(0);
  });

  it("a request answered in time is not affected, and a write then commits", async () => {
    const response = await rest("POST", "/api/tags", { name: "in-time" });
    expect(response.status).toBe(201);
    expect(await server.db.prisma.tag.count({ where: { name: "in-time" } })).toBe(1);
  });
});
