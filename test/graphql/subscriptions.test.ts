// GraphQL subscriptions over real sockets: a started server, graphql-ws clients (and raw sockets for
// the protocol limits), GraphQL over SSE read with plain fetch, writes through REST, and the outbox
// checked through Prisma. Nothing here sleeps: each test awaits the events it expects, and proves an
// absence by a later event that must come after it.
import { printSchema } from "graphql";
import { type Client, createClient } from "graphql-ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { extensions } from "../../demo/schema/extensions.ts";
import type { GraphQLExtension } from "../../src/graphql/handler.ts";
import { buildGraphQLSchema } from "../../src/graphql/schema.ts";
import { AppError } from "../../src/runtime/errors.ts";
import type { RunningServer } from "../../src/server/server.ts";
import type { DemoDatabase } from "../support/demo-database.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";

// Shows which request context an operation got: the WebSocket path must build it like HTTP does.
const requestIdExtension: GraphQLExtension = {
  typeDefs: "extend type Query { requestId: String! }",
  resolvers: { Query: { requestId: (_root, _args, ctx) => ctx.context.requestId } },
};

let demo: TestServer;
let db: DemoDatabase;
let running: RunningServer;
let authorId: number;
let wsUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  demo = await startTestServer({
    // Requests without credentials act as the demo's admin: the tests write posts and tags.
    env: { DEV_ACTOR: ADMIN_DEV_ACTOR },
    graphqlExtensions: [...extensions, requestIdExtension],
    webSocket: { connectionInitWaitTimeoutMs: 300 },
  });
  ({ running, db } = demo);
  wsUrl = `${running.url.replace("http", "ws")}/graphql`;
  authorId = (await db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
  // Fails after the row is written, inside the write's transaction: the write rolls back.
  running.runtime.on("tag").after("create", (op) => {
    if ((op.result as { name?: string } | undefined)?.name === "rolls-back")
      throw new AppError("CONFLICT", "The after hook refuses this tag.");
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await demo?.close(1000);
});

function client(connectionParams?: Record<string, unknown>): Client {
  const c = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    ...(connectionParams ? { connectionParams } : {}),
  });
  clients.push(c);
  return c;
}

interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string };
}

/** One subscription's items as they arrive, with promises to await a number of them. */
class Subscription {
  readonly items: any[] = [];
  readonly errors: GraphQLErrorBody[] = [];
  completed = false;
  #waiters: (() => void)[] = [];
  readonly stop: () => void;

  constructor(c: Client, query: string, variables: Record<string, unknown> = {}) {
    this.stop = c.subscribe<any>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...(result.errors as GraphQLErrorBody[]));
          if (result.data) this.items.push(Object.values(result.data)[0]);
          this.#wake();
        },
        error: (error) => {
          // graphql-ws hands the Error message's payload (an array of GraphQL errors), or a close event.
          if (Array.isArray(error)) this.errors.push(...(error as GraphQLErrorBody[]));
          else this.errors.push({ message: `socket closed: ${(error as { code?: number }).code}` });
          this.#wake();
        },
        complete: () => {
          this.completed = true;
          this.#wake();
        },
      },
    );
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves with the first `count` items (fails fast on an error). */
  async waitFor(count: number): Promise<any[]> {
    while (this.items.length < count) {
      if (this.errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(this.errors)}`);
      if (this.completed) throw new Error(`subscription completed after ${this.items.length} of ${count} items`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.items.slice(0, count);
  }

  /** Resolves with the errors once the subscription failed or completed with errors. */
  async failure(): Promise<GraphQLErrorBody[]> {
    while (this.errors.length === 0) {
      if (this.completed) throw new Error("subscription completed without an error");
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.errors;
  }
}

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${running.url}/api${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** The newest committed event id: subscribing `after` it sees every later write, with no race against the subscribe. */
async function now(): Promise<string> {
  await running.events.settled();
  return running.events.hub.latestId();
}

const outbox = async (resource: string, recordId: unknown) =>
  (await db.prisma.event.findMany({ where: { resource, recordId: String(recordId) }, orderBy: { id: "asc" } })).map(
    (e) => ({ id: e.id.toString(), action: e.action }),
  );

const POST_CHANGE = `eventId action id revisionId revisionNumber actorId at changed record { id title status version author { id name } }`;

describe("graphql-ws at /graphql", () => {
  it("delivers a REST create and patch of a post, with the record, its relation, and the outbox's ids", async () => {
    const sub = new Subscription(
      client(),
      `subscription ($after: ID) { postChanged(after: $after) { ${POST_CHANGE} } }`,
      { after: await now() },
    );
    const created = await send("POST", "/posts", { title: "Seen over a socket", authorId });
    expect(created.status).toBe(201);
    const id = created.json.id as number;
    expect((await send("PATCH", `/posts/${id}`, { title: "Seen twice", version: 1 })).status).toBe(200);

    const [c, p] = await sub.waitFor(2);
    const events = await outbox("post", id);
    expect(events.map((e) => e.action)).toEqual(["create", "patch"]);
    const author = await db.prisma.user.findUniqueOrThrow({ where: { id: authorId } });
    expect(c).toEqual({
      eventId: events[0]?.id,
      action: "create",
      id: String(id),
      revisionId: expect.any(String),
      revisionNumber: 1,
      actorId: expect.any(String),
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      changed: expect.arrayContaining(["title"]),
      record: {
        id: String(id),
        title: "Seen over a socket",
        status: "draft",
        version: 1,
        author: { id: String(authorId), name: author.name },
      },
    });
    expect(p).toMatchObject({
      eventId: events[1]?.id,
      action: "patch",
      revisionNumber: 2,
      record: { title: "Seen twice", version: 2 },
    });
    expect(p.changed).toContain("title");
    expect(p.changed).not.toContain("status");
    const revision = await db.prisma.revision.findFirstOrThrow({
      where: { resource: "post", recordId: String(id), number: 1 },
    });
    expect(c.revisionId).toBe(revision.id);
  });

  it("filters by where (the runtime's filter), by id, and by actions; a delete comes with record null", async () => {
    const after = await now();
    const c = client();
    const matching = new Subscription(
      c,
      `subscription ($after: ID) { postChanged(after: $after, where: { title: { startsWith: "match-" } }) { action record { title } } }`,
      { after },
    );
    const deletes = new Subscription(
      c,
      `subscription ($after: ID) { postChanged(after: $after, actions: [delete]) { action id record { id } } }`,
      { after },
    );

    const other = (await send("POST", "/posts", { title: "other-post", authorId })).json;
    const match = (await send("POST", "/posts", { title: "match-post", authorId })).json;
    const one = new Subscription(
      c,
      `subscription ($after: ID, $id: ID) { postChanged(after: $after, id: $id) { action id } }`,
      { after, id: other.id },
    );
    expect((await send("DELETE", `/posts/${other.id}`)).status).toBe(200);
    expect((await send("DELETE", `/posts/${match.id}`)).status).toBe(200);

    // The non-matching create would have come first: the matching one arriving first proves it was skipped.
    const [first, second] = await matching.waitFor(2);
    expect(first).toEqual({ action: "create", record: { title: "match-post" } });
    // Deletes always pass `where`: there is no live record left to test.
    expect(second).toEqual({ action: "delete", record: null });
    const [d1, d2] = await deletes.waitFor(2);
    expect([d1, d2]).toEqual([
      { action: "delete", id: String(other.id), record: null },
      { action: "delete", id: String(match.id), record: null },
    ]);
    expect(await one.waitFor(2)).toEqual([
      { action: "create", id: String(other.id) },
      { action: "delete", id: String(other.id) },
    ]);
    expect(await db.prisma.post.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({
      deletedAt: expect.any(Date),
    });
  });

  it("resourceChanged spans resources and gives the record as plain JSON, never a hidden field", async () => {
    const sdl = printSchema(buildGraphQLSchema(running.runtime));
    expect(sdl).toMatch(/type UserChange \{[^}]*record: User/);
    expect(sdl.match(/type User \{[^}]*\}/)?.[0]).not.toContain("passwordHash");

    const after = await now();
    const c = client();
    const any = new Subscription(
      c,
      `subscription ($after: ID) { resourceChanged(after: $after, resources: ["user", "tag"]) { eventId resource action id record } }`,
      { after },
    );
    const users = new Subscription(
      c,
      `subscription ($after: ID) { userChanged(after: $after) { record { id name } } }`,
      { after },
    );
    const user = await send("POST", "/users", {
      name: "Hidden Hash",
      email: `hash-${Date.now()}@example.com`,
      passwordHash: "secret-hash",
    });
    expect(user.status).toBe(201);
    await send("POST", "/posts", { title: "not in the list", authorId });
    const tag = (await send("POST", "/tags", { name: "spanning" })).json;

    const [u, t] = await any.waitFor(2);
    expect(u).toMatchObject({
      resource: "user",
      action: "create",
      id: String(user.json.id),
      record: { id: user.json.id, name: "Hidden Hash" },
    });
    expect(u.record).not.toHaveProperty("passwordHash");
    expect(typeof u.record.createdAt).toBe("string");
    expect(t).toMatchObject({ resource: "tag", action: "create", id: String(tag.id), record: { name: "spanning" } });
    expect(BigInt(t.eventId)).toBeGreaterThan(BigInt(u.eventId));
    expect(await users.waitFor(1)).toEqual([{ record: { id: String(user.json.id), name: "Hidden Hash" } }]);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.json.id } })).passwordHash).toBe("secret-hash");
  });

  it("resumes with after: the missed events exactly once, in order, then live ones", async () => {
    const start = await now();
    const c = client();
    const first = new Subscription(
      c,
      `subscription ($after: ID) { tagChanged(after: $after) { eventId record { name } } }`,
      { after: start },
    );
    for (const name of ["resume-1", "resume-2", "resume-3"])
      expect((await send("POST", "/tags", { name })).status).toBe(201);
    const seen = await first.waitFor(3);
    first.stop();
    // Written while nobody listens.
    for (const name of ["resume-4", "resume-5", "resume-6"])
      expect((await send("POST", "/tags", { name })).status).toBe(201);
    const lastSeen = seen[2].eventId as string;
    const resumed = new Subscription(
      c,
      `subscription ($after: ID) { tagChanged(after: $after) { eventId record { name } } }`,
      { after: lastSeen },
    );
    expect((await send("POST", "/tags", { name: "resume-7" })).status).toBe(201);

    const rest = await resumed.waitFor(4);
    expect([...seen, ...rest].map((e) => e.record.name)).toEqual([
      "resume-1",
      "resume-2",
      "resume-3",
      "resume-4",
      "resume-5",
      "resume-6",
      "resume-7",
    ]);
    const ids = [...seen, ...rest].map((e) => e.eventId as string);
    const committed = (
      await db.prisma.event.findMany({ where: { id: { gt: BigInt(start) }, resource: "tag" }, orderBy: { id: "asc" } })
    ).map((e) => e.id.toString());
    expect(ids).toEqual(committed);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("delivers nothing for a rolled-back write: the next committed one comes first", async () => {
    const sub = new Subscription(
      client(),
      `subscription ($after: ID) { tagChanged(after: $after) { action record { name } } }`,
      { after: await now() },
    );
    const refused = await send("POST", "/tags", { name: "rolls-back" });
    expect(refused.status).toBe(409);
    const invalid = await send("POST", "/tags", { name: "Not A Slug" });
    expect(invalid.status).toBe(422);
    expect((await send("POST", "/tags", { name: "after-rollback" })).status).toBe(201);
    expect(await sub.waitFor(1)).toEqual([{ action: "create", record: { name: "after-rollback" } }]);
    await running.events.settled();
    expect(sub.items).toHaveLength(1);
    expect(await db.prisma.tag.count({ where: { name: "rolls-back" } })).toBe(0);
  });

  it("answers bad input with BAD_REQUEST: a malformed or too old after, an unknown resource, a bad where", async () => {
    const c = client();
    const malformed = await new Subscription(
      c,
      `subscription { postChanged(after: "yesterday") { eventId } }`,
    ).failure();
    expect(malformed[0]).toMatchObject({
      message: expect.stringContaining('"yesterday"'),
      extensions: { code: "BAD_REQUEST" },
    });
    const unknown = await new Subscription(
      c,
      `subscription { resourceChanged(resources: ["post", "nope"]) { eventId } }`,
    ).failure();
    expect(unknown[0]).toMatchObject({
      message: expect.stringContaining('"nope"'),
      extensions: { code: "BAD_REQUEST" },
    });
    const badWhere = await new Subscription(
      c,
      `subscription { userChanged(where: { createdAt: { gt: "not a date" } }) { eventId } }`,
    ).failure();
    expect(badWhere[0]?.message).toMatch(/createdAt|DateTime/);

    // Retention removed the oldest events: resuming before them cannot be exact.
    const oldest = await db.prisma.event.findFirstOrThrow({ orderBy: { id: "asc" } });
    await db.prisma.event.deleteMany({ where: { id: { lte: oldest.id + 1n } } });
    const tooOld = await new Subscription(c, `subscription ($after: ID) { postChanged(after: $after) { eventId } }`, {
      after: oldest.id.toString(),
    }).failure();
    expect(tooOld[0]).toMatchObject({
      message: expect.stringContaining("older than the outbox keeps"),
      extensions: { code: "BAD_REQUEST" },
    });
  });

  it("refuses a 21st subscription on one socket with an Error message, and accepts one again after a complete", async () => {
    const after = await now();
    const c = client();
    const open = Array.from(
      { length: 20 },
      () =>
        new Subscription(c, `subscription ($after: ID) { tagChanged(after: $after) { record { name } } }`, { after }),
    );
    const extra = await new Subscription(c, `subscription { tagChanged { eventId } }`).failure();
    expect(extra[0]).toMatchObject({
      message: expect.stringContaining("At most 20 subscriptions"),
      extensions: { code: "RATE_LIMITED" },
    });
    open[0]?.stop();
    const again = new Subscription(c, `subscription ($after: ID) { tagChanged(after: $after) { record { name } } }`, {
      after,
    });
    expect((await send("POST", "/tags", { name: "twenty-one" })).status).toBe(201);
    expect(await again.waitFor(1)).toEqual([{ record: { name: "twenty-one" } }]);
    expect(await open[19]?.waitFor(1)).toEqual([{ record: { name: "twenty-one" } }]);
  });

  it("runs queries and mutations over the socket too (graphql-ws carries every operation)", async () => {
    const c = client();
    const result = await new Promise<any>((resolve, reject) => {
      c.subscribe(
        { query: `mutation { createTag(data: { name: "over-the-socket" }) { id name } }` },
        { next: resolve, error: reject, complete: () => {} },
      );
    });
    expect(result.errors).toBeUndefined();
    expect(result.data.createTag.name).toBe("over-the-socket");
    expect(await db.prisma.tag.count({ where: { name: "over-the-socket" } })).toBe(1);
  });

  it("builds the context through the HTTP path: connection params arrive as request headers", async () => {
    const c = client({ "x-request-id": "socket-request-7" });
    const result = await new Promise<any>((resolve, reject) => {
      c.subscribe({ query: "{ requestId }" }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result).toEqual({ data: { requestId: "socket-request-7" } });
    const http = await fetch(`${running.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "http-request-7" },
      body: JSON.stringify({ query: "{ requestId }" }),
    });
    expect(await http.json()).toEqual({ data: { requestId: "http-request-7" } });
  });

  it("ends the hub stream when a client completes its subscription", async () => {
    // The previous tests' clients were disposed: their streams end with their sockets.
    await expect.poll(() => running.events.hub.size).toBe(0);
    const before = running.events.hub.size;
    const sub = new Subscription(client(), `subscription ($after: ID) { tagChanged(after: $after) { eventId } }`, {
      after: await now(),
    });
    expect((await send("POST", "/tags", { name: "counted" })).status).toBe(201);
    await sub.waitFor(1);
    expect(running.events.hub.size).toBe(before + 1);
    sub.stop();
    await expect.poll(() => running.events.hub.size).toBe(before);
  });
});

/** A raw socket speaking graphql-transport-ws, to see the close codes. */
function rawSocket(): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, "graphql-transport-ws");
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.once("close", (code, reason) => done({ code, reason: String(reason) })),
    );
    socket.once("open", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

describe("graphql-ws limits", () => {
  it("closes a socket that sends an oversized message with 1009", async () => {
    const { socket, closed } = await rawSocket();
    const acked = new Promise((resolve) => socket.once("message", (data) => resolve(JSON.parse(String(data)))));
    socket.send(JSON.stringify({ type: "connection_init" }));
    expect(await acked).toEqual({ type: "connection_ack" });
    socket.send(
      JSON.stringify({
        id: "1",
        type: "subscribe",
        payload: { query: `subscription { tagChanged { eventId } } # ${"x".repeat(70_000)}` },
      }),
    );
    expect((await closed).code).toBe(1009);
  });

  it("closes a socket that never initialises with 4408", async () => {
    const { closed } = await rawSocket();
    expect(await closed).toEqual({ code: 4408, reason: "Connection initialisation timeout" });
  });

  it("closes a socket that subscribes before connection_init with 4401", async () => {
    const { socket, closed } = await rawSocket();
    socket.send(
      JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { tagChanged { eventId } }" } }),
    );
    expect((await closed).code).toBe(4401);
  });
});

/** Reads SSE frames from a fetch response until `count` `next` events arrived. */
async function readEvents(response: Response, count: number): Promise<any[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const out: any[] = [];
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if ((event === "next" || event === undefined) && data) out.push(JSON.parse(data));
      end = buffer.indexOf("\n\n");
    }
  }
  await reader.cancel();
  return out;
}

describe("GraphQL over SSE", () => {
  it("streams a REST write to a plain fetch at /graphql (distinct connections) and /graphql/stream", async () => {
    const after = await now();
    const open = (path: string) =>
      fetch(`${running.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({
          query: `subscription ($after: ID) { postChanged(after: $after) { action eventId record { title } } }`,
          variables: { after },
        }),
      });
    const yogaSse = await open("/graphql");
    const pluginSse = await open("/graphql/stream");
    for (const response of [yogaSse, pluginSse]) {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/event-stream");
    }
    const post = await send("POST", "/posts", { title: "Seen over SSE", authorId });
    expect(post.status).toBe(201);
    const [event] = await outbox("post", post.json.id);
    const expected = {
      data: { postChanged: { action: "create", eventId: event?.id, record: { title: "Seen over SSE" } } },
    };
    expect(await readEvents(yogaSse, 1)).toEqual([expected]);
    expect(await readEvents(pluginSse, 1)).toEqual([expected]);
  });

  it("answers a bad subscription over SSE with a BAD_REQUEST GraphQL error", async () => {
    const response = await fetch(`${running.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: `subscription { resourceChanged(resources: ["nope"]) { eventId } }` }),
    });
    const [result] = await readEvents(response, 1);
    expect(result.errors[0]).toMatchObject({
      message: expect.stringContaining('"nope"'),
      extensions: { code: "BAD_REQUEST" },
    });
  });
});

describe("shutdown", () => {
  it("closes WebSocket subscribers with 1001 and ends SSE streams", async () => {
    const { socket, closed } = await rawSocket();
    const acked = new Promise((resolve) => socket.once("message", resolve));
    socket.send(JSON.stringify({ type: "connection_init" }));
    await acked;
    socket.send(
      JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { tagChanged { eventId } }" } }),
    );
    const sse = await fetch(`${running.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: "subscription { tagChanged { eventId } }" }),
    });
    expect(sse.status).toBe(200);
    await expect.poll(() => running.events.hub.size).toBeGreaterThanOrEqual(2);
    await running.close(5_000);
    expect((await closed).code).toBe(1001);
    // The stream ended (rather than being cut): reading it to its end succeeds.
    expect(await sse.text()).toContain("complete");
    expect(running.events.hub.size).toBe(0);
  });
});
