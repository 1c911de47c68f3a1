// Secure by default, over HTTP with the production configuration (NODE_ENV=production, JWT credentials),
// the three findings of the black-box audit kept fixed (docs/guides/security.md):
// 1. a resource declaring no access rules is locked down in production (and `access: "public"` opens one
//    on purpose); the demo's users, posts, comments and tags have rules of their own;
// 2. change events are checked against the record as their own write left it;
// 3. a body naming a field the client may not set is refused, naming the field.
import { Writable } from "node:stream";
import { SignJWT } from "jose";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../demo/options.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";
import { readSseBlocks } from "../support/sse-blocks.ts";

const SECRET = "secure-default-secret-of-32-characters-or-more";

/** The demo, but tags declare no rules and comments are public: the two defaults to test. */
const definitions: ResourceDefinition[] = demoOptions.resources.map((r) => {
  if (r.model !== "Tag" && r.model !== "Comment") return r;
  const { access: _rules, ...rest } = r;
  return r.model === "Comment" ? { ...rest, access: "public" } : rest;
});

interface Booted {
  readonly running: RunningServer;
  readonly logs: { msg: string; level: number; resources?: string[] }[];
}

let testDb: TestDatabase;
let db: DemoDatabase;
const servers: RunningServer[] = [];

async function boot(env: Record<string, string>): Promise<Booted> {
  const logs: Booted["logs"] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const running = await startServer({
    ...demoOptions,
    resources: definitions,
    config: loadConfig({ PORT: "0", DATABASE_URL: testDb.url, SEED: "true", JWT_SECRET: SECRET, ...env }),
    logger: pino({ level: "info" }, sink),
  });
  servers.push(running);
  return { running, logs };
}

const sign = (sub: string, roles: string[], tenant?: string) =>
  new SignJWT({ sub, roles, ...(tenant ? { tenant } : {}) })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));

let prod: Booted;
let api: string;
const token = new Map<string, string>();

beforeAll(async () => {
  testDb = await createTestDatabase();
  prod = await boot({ NODE_ENV: "production" });
  api = `${prod.running.url}/api`;
  db = createDemoDatabase(testDb.url);
  token.set("admin", await sign("1", ["admin"]));
  token.set("editor", await sign("3", ["editor"]));
  token.set("reader", await sign("25", ["reader"]));
  token.set("agent", await sign("2", ["agent"], "acme"));
});
afterAll(async () => {
  await db?.close();
  for (const running of servers.splice(0)) await running.close(1000);
  await testDb?.drop();
});

/** A request as `who` (a key of `token`, or anonymous). */
async function call(
  who: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(who ? { authorization: `Bearer ${token.get(who)}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

async function graphql(who: string | undefined, query: string): Promise<any> {
  const response = await fetch(`${prod.running.url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(who ? { authorization: `Bearer ${token.get(who)}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

describe("HIGH: a resource without access rules is locked down in production", () => {
  it("the boot says which resources the default locks down, in one line", () => {
    const lines = prod.logs.filter((l) => /without access rules/.test(l.msg));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.resources).toEqual(["tags"]);
    expect(lines[0]?.msg).toMatch(/locked down/);
  });

  it("anonymous reads are a 401, signed-in reads pass; writes are a 401/403 but for the admin role, on every path", async () => {
    expect(await call(undefined, "GET", "/tags")).toMatchObject({
      status: 401,
      json: { code: "UNAUTHENTICATED", message: expect.stringMatching(/^Sign in to read tags\./) },
    });
    expect((await call("reader", "GET", "/tags?range=[0,1]")).status).toBe(200);
    const before = await db.prisma.tag.count();
    expect((await call(undefined, "POST", "/tags", { name: "anonymous" })).status).toBe(401);
    expect(await call("editor", "POST", "/tags", { name: "edited" })).toMatchObject({
      status: 403,
      json: { code: "FORBIDDEN", message: expect.stringMatching(/^You may not create tags\. tags declare no access/) },
    });
    expect((await call("editor", "PATCH", "/tags/1", { name: "renamed" })).status).toBe(403);
    expect((await call(undefined, "DELETE", "/tags/1")).status).toBe(401);
    expect((await call("editor", "POST", "/tags/batch", [{ name: "batched" }])).status).toBe(403);
    const gql = await graphql("editor", 'mutation { createTag(data: { name: "over-graphql" }) { id } }');
    expect(gql.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await graphql(undefined, "{ tags(take: 1) { id } }")).errors?.[0]?.extensions?.code).toBe(
      "UNAUTHENTICATED",
    );
    expect((await fetch(`${api}/tags/events`)).status).toBe(401);
    expect(await db.prisma.tag.count()).toBe(before);
    expect((await call("admin", "POST", "/tags", { name: "by-the-admin" })).status).toBe(201);
  });

  it('`access: "public"` opens a resource to everyone on purpose, in production too', async () => {
    const created = await call(undefined, "POST", "/comments", { body: "Open to all", postId: 1, authorId: 1 });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ body: "Open to all", createdBy: "system" });
  });

  it("OpenAPI reads the same fact: the locked resource's operations name 401 and 403", async () => {
    const doc = (await (await fetch(`${api}/openapi.json`)).json()) as any;
    expect(Object.keys(doc.paths["/tags"].get.responses)).toEqual(expect.arrayContaining(["401", "403"]));
    expect(doc.paths["/comments"].get.security).toEqual([]);
  });

  it("the demo's own rules: anonymous callers write no user and see no email; a reader edits only themselves", async () => {
    expect((await call(undefined, "PATCH", "/users/1", { name: "Mallory" })).status).toBe(401);
    expect((await call(undefined, "DELETE", "/users/41")).status).toBe(401);
    expect((await call("reader", "DELETE", "/users/25")).status).toBe(403);
    const listed = await call(undefined, "GET", "/users?range=[0,4]");
    expect(listed.status).toBe(200);
    expect(listed.json.every((u: Record<string, unknown>) => "name" in u && !("email" in u))).toBe(true);
    expect((await call(undefined, "GET", '/users?filter={"email":"x@example.com"}')).status).toBe(400);
    expect((await call("reader", "GET", "/users/1")).json).toHaveProperty("email");
    expect((await call("reader", "PATCH", "/users/1", { name: "Not me" })).status).toBe(403);
    expect((await call("reader", "PATCH", "/users/25", { name: "Myself" })).json).toMatchObject({ name: "Myself" });
    expect((await call("reader", "PATCH", "/users/25", { role: "admin" })).status).toBe(403);
    expect((await call(undefined, "PATCH", "/posts/1", { title: "Anonymous edit" })).status).toBe(401);
    expect((await call("reader", "POST", "/posts", { title: "A reader's post", authorId: 25 })).status).toBe(403);
    const gql = await graphql(undefined, 'mutation { createPost(data: { title: "Anonymous", authorId: 1 }) { id } }');
    expect(gql.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: 1 } })).name).not.toBe("Mallory");
  });

  it("outside production the same resource stays open, and the boot warns, naming it", async () => {
    const dev = await boot({});
    const lines = dev.logs.filter((l) => /without access rules/.test(l.msg));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, resources: ["tags"] });
    const response = await fetch(`${dev.running.url}/api/tags`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "open-in-development" }),
    });
    expect(response.status).toBe(201);
  });
});

/** An SSE stream of ticket changes as `who`, collecting the data of each change. */
async function ticketStream(who: string) {
  const controller = new AbortController();
  const response = await fetch(`${api}/tickets/events`, {
    headers: { authorization: `Bearer ${token.get(who)}` },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const changes: { id: number; action: string; record: Record<string, unknown> | null }[] = [];
  const waiting: { test: () => boolean; resolve: () => void }[] = [];
  let ready!: () => void;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  void readSseBlocks(response, (block) => {
    if (/^event: ready$/m.test(block)) ready();
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (data && /^event: (?!ready)/m.test(block)) changes.push(JSON.parse(data));
    for (const w of waiting.filter((x) => x.test())) w.resolve();
  }).catch(() => {});
  await subscribed;
  return {
    changes,
    close: () => controller.abort(),
    until: (test: () => boolean) =>
      new Promise<void>((resolve) => {
        if (test()) resolve();
        else waiting.push({ test, resolve });
      }),
  };
}

describe("MEDIUM: change events are checked against the record as their own write left it", () => {
  it("a ticket handed from customer A to customer B: A hears of it up to the hand-over, B from it on", async () => {
    const [first, second] = await db.prisma.ticket.findMany({
      where: { tenantId: "acme", reporterId: { not: null } },
      orderBy: { id: "asc" },
      distinct: ["reporterId"],
      take: 2,
    });
    const a = first?.reporterId as number;
    const b = second?.reporterId as number;
    const ticket = first?.id as number;
    // Another ticket of A's: its change, written last, tells when A has been told everything.
    const other = await db.prisma.ticket.findFirstOrThrow({
      where: { tenantId: "acme", reporterId: a, id: { not: ticket } },
    });
    token.set("a", await sign(String(a), ["customer"], "acme"));
    token.set("b", await sign(String(b), ["customer"], "acme"));
    const streamA = await ticketStream("a");
    const streamB = await ticketStream("b");
    try {
      // One batch, one transaction: every event is delivered after the last write, when the ticket is
      // B's. Each is still checked against the ticket as its own write left it.
      const batch = await call("agent", "PATCH", "/tickets/batch", [
        { id: ticket, priority: 2 },
        { id: ticket, reporterId: b },
        { id: ticket, priority: 4 },
        { id: other.id, priority: 5 },
      ]);
      expect(batch.status).toBe(200);
      await streamA.until(() => streamA.changes.some((c) => c.id === other.id));
      await streamB.until(() => streamB.changes.filter((c) => c.id === ticket).length >= 2);
      expect(streamA.changes.map((c) => [c.id, c.record?.priority, c.record?.reporterId])).toEqual([
        [ticket, 2, a],
        [other.id, 5, a],
      ]);
      expect(streamB.changes.map((c) => [c.id, c.record?.priority, c.record?.reporterId])).toEqual([
        [ticket, 2, b],
        [ticket, 4, b],
      ]);
      // Neither customer sees the agents' notes in an event.
      expect([...streamA.changes, ...streamB.changes].every((c) => !("internalNote" in (c.record ?? {})))).toBe(true);
    } finally {
      streamA.close();
      streamB.close();
    }
  });
});

describe("LOW: a field the client may not set is refused, naming it", () => {
  it("the tenant, audit fields and a customer's internal note: 400 or 403 on REST and GraphQL, nothing written", async () => {
    const own = await db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme", reporterId: { not: null } } });
    token.set("owner", await sign(String(own.reporterId), ["customer"], "acme"));
    const before = await db.prisma.ticket.count();
    const base = { title: "Forged", body: "x" };
    for (const [field, value] of [
      ["tenantId", "globex"],
      ["createdBy", "mallory"],
    ] as const) {
      const refused = await call("owner", "POST", "/tickets", { ...base, [field]: value });
      expect(refused, field).toMatchObject({
        status: 400,
        json: { code: "BAD_REQUEST", errors: { [field]: "is read-only" } },
      });
      expect(refused.json.message).toContain(`"${field}"`);
    }
    const note = await call("owner", "POST", "/tickets", { ...base, internalNote: "let me in" });
    expect(note).toMatchObject({
      status: 403,
      json: { code: "FORBIDDEN", errors: { internalNote: expect.any(String) } },
    });
    expect(await db.prisma.ticket.count()).toBe(before);

    const patched = await call("owner", "PATCH", `/tickets/${own.id}`, { internalNote: "let me in" });
    expect(patched).toMatchObject({ status: 403, json: { errors: { internalNote: expect.any(String) } } });
    expect((await call("owner", "PATCH", `/tickets/${own.id}`, { tenantId: "globex" })).status).toBe(400);
    const gql = await graphql("owner", `mutation { updateTicket(id: ${own.id}, data: { internalNote: "x" }) { id } }`);
    expect(gql.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(await db.prisma.ticket.findUniqueOrThrow({ where: { id: own.id } })).toMatchObject({
      tenantId: own.tenantId,
      internalNote: own.internalNote,
    });
  });

  it("react-admin's whole-record PUT still passes: what it sends back unchanged is ignored", async () => {
    const own = await db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme", reporterId: { not: null } } });
    const record = (await call("agent", "GET", `/tickets/${own.id}`)).json as Record<string, unknown>;
    const saved = await call("agent", "PUT", `/tickets/${own.id}`, { ...record, title: "Edited in the admin" });
    expect(saved).toMatchObject({ status: 200, json: { title: "Edited in the admin", tenantId: "acme" } });
    const forged = await call("agent", "PUT", `/tickets/${own.id}`, {
      ...saved.json,
      createdAt: "2000-01-01T00:00:00Z",
    });
    expect(forged).toMatchObject({ status: 400, json: { errors: { createdAt: "is read-only" } } });
  });
});
