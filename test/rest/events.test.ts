// REST event streams (rest-dialect.md §21) over real sockets: a started server, EventSource clients,
// writes through REST, and the outbox checked through Prisma.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRestHandler } from "../../src/rest/handler.ts";
import { AppError } from "../../src/runtime/errors.ts";
import type { RunningServer } from "../../src/server/server.ts";
import type { DemoDatabase } from "../support/demo-database.ts";
import { openStream, type StreamClient } from "../support/event-source.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";

let demo: TestServer;
let db: DemoDatabase;
let running: RunningServer;
let api: string;
let authorId: number;
const open: StreamClient[] = [];

beforeAll(async () => {
  // Requests without credentials act as the demo's admin: the tests write users, posts and tags.
  demo = await startTestServer({ env: { DEV_ACTOR: ADMIN_DEV_ACTOR } });
  ({ running, db } = demo);
  api = `${running.url}/api`;
  authorId = (await db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
  // A hook that fails after the row is written, inside the write's transaction (§21.6).
  running.runtime.on("tag").after("create", (op) => {
    if ((op.result as { name?: string } | undefined)?.name === "explodes-after-write")
      throw new AppError("CONFLICT", "The after hook refuses this tag.");
  });
});
afterEach(() => {
  for (const client of open.splice(0)) client.close();
});
afterAll(async () => {
  for (const client of open.splice(0)) client.close();
  await demo?.close(1000);
});

/** Opens a stream and waits until it is subscribed (its `ready` event). */
async function stream(path: string, options: { lastEventId?: string } = {}): Promise<StreamClient> {
  const client = openStream(`${api}${path}`, options);
  open.push(client);
  await client.ready;
  return client;
}

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

const outboxIds = async (resource: string, recordId: unknown) =>
  (await db.prisma.event.findMany({ where: { resource, recordId: String(recordId) }, orderBy: { id: "asc" } })).map(
    (e) => ({ id: e.id.toString(), action: e.action }),
  );

describe("a REST write reaches an EventSource client", () => {
  it("each event carries the record as that write left it, also on a resource without revisions", async () => {
    // Users keep no revisions and no trash: each event carries the snapshot its write left in the
    // outbox, so two patches in a row show two names, however late the first is delivered.
    const client = await stream("/users/events?actions=patch");
    const user = await send("POST", "/users", { email: "twice@example.com", name: "First", passwordHash: "x" });
    await send("PATCH", `/users/${user.json.id}`, { name: "Second" });
    await send("PATCH", `/users/${user.json.id}`, { name: "Third" });
    const [a, b] = await client.waitFor(2);
    expect([a?.data.record.name, b?.data.record.name]).toEqual(["Second", "Third"]);
  });

  it("streams create, update and delete of a tag with the record, ids as in the outbox", async () => {
    const client = await stream("/tags/events");
    const created = await send("POST", "/tags", { name: "live-one" });
    expect(created.status).toBe(201);
    const id = created.json.id as number;
    expect((await send("PUT", `/tags/${id}`, { name: "live-two" })).status).toBe(200);
    expect((await send("DELETE", `/tags/${id}`)).status).toBe(200);

    const [c, u, d] = await client.waitFor(3);
    const outbox = await outboxIds("tag", id);
    expect(outbox.map((e) => e.action)).toEqual(["create", "patch", "delete"]);
    expect([c, u, d].map((e) => [e?.id, e?.type])).toEqual(outbox.map((e) => [e.id, e.action]));
    expect(c?.data).toEqual({
      eventId: outbox[0]?.id,
      resource: "tags",
      action: "create",
      id,
      record: expect.objectContaining({ id, name: "live-one", version: 1 }),
      revisionId: expect.any(String),
      revisionNumber: 1,
      actorId: expect.any(String),
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      changed: expect.arrayContaining(["name"]),
    });
    expect(u?.data).toMatchObject({
      action: "patch",
      id,
      record: { id, name: "live-two", version: 2 },
      revisionNumber: 2,
    });
    expect(u?.data.changed).toContain("name");
    expect(d?.data).toMatchObject({ action: "delete", id, record: null });
    const revision = await db.prisma.revision.findFirstOrThrow({
      where: { resource: "tag", recordId: String(id), number: 1 },
    });
    expect(c?.data.revisionId).toBe(revision.id);
    expect(client.changes).toHaveLength(3);
  });

  it("never shows a hidden field: a user's passwordHash stays out of the record", async () => {
    const client = await stream("/users/events");
    const created = await send("POST", "/users", {
      name: "Eve Vent",
      email: `eve-${Date.now()}@example.com`,
      passwordHash: "secret-hash",
    });
    expect(created.status).toBe(201);
    const [event] = await client.waitFor(1);
    expect(event?.data.record).toMatchObject({ id: created.json.id, name: "Eve Vent" });
    expect(event?.data.record).not.toHaveProperty("passwordHash");
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: created.json.id } })).passwordHash).toBe(
      "secret-hash",
    );
  });

  it("shows a soft-deleted post's delete with record null and its restore with the record back", async () => {
    const post = (await send("POST", "/posts", { title: "Trash and back", authorId })).json;
    // The create's own event may still be on its way when the stream opens: ask for the two that matter.
    const client = await stream(`/posts/events?id=${post.id}&actions=delete,restore`);
    expect((await send("DELETE", `/posts/${post.id}`)).status).toBe(200);
    expect((await send("POST", `/posts/${post.id}/restore`)).status).toBe(200);
    const [deleted, restored] = await client.waitFor(2);
    expect(deleted?.data).toMatchObject({ action: "delete", id: post.id, record: null });
    expect(restored?.data).toMatchObject({
      action: "restore",
      id: post.id,
      record: { id: post.id, title: "Trash and back", deletedAt: null },
    });
  });
});

describe("filters", () => {
  it("actions= keeps only those actions; id= only that record; /events?resources= several resources", async () => {
    const before = await stream("/tags/events?actions=create");
    const a = (await send("POST", "/tags", { name: "filter-a" })).json;
    // a's create has been dispatched before the streams below open, so none of them starts before it.
    expect((await before.waitFor(1))[0]?.data).toMatchObject({ action: "create", id: a.id });
    const creates = await stream("/tags/events?actions=create");
    const onlyA = await stream(`/tags/events?id=${a.id}&actions=patch,delete`);
    const both = await stream("/events?resources=tags,posts");
    const everything = await stream("/events");

    const b = (await send("POST", "/tags", { name: "filter-b" })).json;
    await send("PUT", `/tags/${b.id}`, { name: "filter-b2" });
    await send("PUT", `/tags/${a.id}`, { name: "filter-a2" });
    const post = (await send("POST", "/posts", { title: "Filtered post", authorId })).json;
    const comment = (await send("POST", "/comments", { body: "filtered comment", postId: post.id, authorId })).json;
    await send("DELETE", `/tags/${a.id}`);

    const all = await everything.waitFor(6);
    expect(all.map((e) => `${e.data.resource} ${e.type} ${e.data.id}`)).toEqual([
      `tags create ${b.id}`,
      `tags patch ${b.id}`,
      `tags patch ${a.id}`,
      `posts create ${post.id}`,
      `comments create ${comment.id}`,
      `tags delete ${a.id}`,
    ]);
    expect((await both.waitFor(5)).map((e) => e.id)).toEqual(
      all.filter((e) => e.data.resource !== "comments").map((e) => e.id),
    );
    expect((await onlyA.waitFor(2)).map((e) => `${e.type} ${e.data.id}`)).toEqual([`patch ${a.id}`, `delete ${a.id}`]);
    // The filtered streams saw the last event, so anything they would have had before it is in.
    const [lastTagCreate] = await creates.waitFor(1);
    expect(lastTagCreate?.data).toMatchObject({ action: "create", id: b.id });
    await everything.waitFor(6);
    expect(creates.changes.map((e) => e.id)).toEqual([all[0]?.id]);
    expect(both.changes).toHaveLength(5);
    expect(onlyA.changes).toHaveLength(2);
  });
});

describe("resume", () => {
  it("Last-Event-ID replays what was missed exactly once, in order, then continues live", async () => {
    const first = await stream("/tags/events");
    const t1 = (await send("POST", "/tags", { name: "resume-1" })).json;
    const [seen] = await first.waitFor(1);
    first.close();
    // Missed while away.
    const t2 = (await send("POST", "/tags", { name: "resume-2" })).json;
    const t3 = (await send("POST", "/tags", { name: "resume-3" })).json;
    await send("PUT", `/tags/${t1.id}`, { name: "resume-1b" });

    const again = await stream("/tags/events", { lastEventId: seen?.id as string });
    const t4 = (await send("POST", "/tags", { name: "resume-4" })).json;
    const got = await again.waitFor(4);
    expect(got.map((e) => `${e.type} ${e.data.id}`)).toEqual([
      `create ${t2.id}`,
      `create ${t3.id}`,
      `patch ${t1.id}`,
      `create ${t4.id}`,
    ]);
    const outbox = (
      await db.prisma.event.findMany({
        where: { resource: "tag", id: { gt: BigInt(seen?.id as string) } },
        orderBy: { id: "asc" },
      })
    ).map((e) => e.id.toString());
    expect(got.map((e) => e.id)).toEqual(outbox);
    // A replayed event shows the record as that write left it (its revision), not as it is now.
    expect(got[0]?.data.record).toMatchObject({ name: "resume-2" });
    expect(t1.name).toBe("resume-1");
  });

  it("after= resumes too, and Last-Event-ID wins over it", async () => {
    const x = (await send("POST", "/tags", { name: "after-x" })).json;
    const y = (await send("POST", "/tags", { name: "after-y" })).json;
    const [ex, ey] = [await outboxIds("tag", x.id), await outboxIds("tag", y.id)];
    const byParam = await stream(`/tags/events?after=${ex[0]?.id}`);
    expect((await byParam.waitFor(1))[0]?.data).toMatchObject({ id: y.id, action: "create" });
    // The header names an earlier point than the parameter: the header counts.
    const before = (BigInt(ex[0]?.id as string) - 1n).toString();
    const both = await stream(`/tags/events?after=${ey[0]?.id}`, { lastEventId: before });
    expect((await both.waitFor(2)).map((e) => e.data.id)).toEqual([x.id, y.id]);
  });

  it("a fresh stream announces its starting point in a ready event, with the retry hint", async () => {
    const controller = new AbortController();
    const response = await fetch(`${api}/tags/events`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toContain("no-cache");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const latest = (await db.prisma.event.findFirst({ orderBy: { id: "desc" } }))?.id.toString() ?? "0";
    expect(text).toBe(`retry: 3000\nid: ${latest}\nevent: ready\ndata: {"after":"${latest}"}\n\n`);
  });
});

describe("rolled-back writes publish nothing", () => {
  it("a write failing validation, and one whose after hook throws, send no event", async () => {
    const client = await stream("/events?resources=tags,posts");
    const before = await db.prisma.event.count();
    const invalid = await send("POST", "/posts", { title: "no", authorId });
    expect(invalid.status).toBe(422);
    const hooked = await send("POST", "/tags", { name: "explodes-after-write" });
    expect(hooked.status).toBe(409);
    expect(hooked.json.message).toBe("The after hook refuses this tag.");
    expect(await db.prisma.tag.count({ where: { name: "explodes-after-write" } })).toBe(0);
    expect(await db.prisma.event.count()).toBe(before);
    // A write after them is the first thing the stream delivers: nothing came before it.
    const marker = (await send("POST", "/tags", { name: "after-the-failures" })).json;
    const [first] = await client.waitFor(1);
    expect(first?.data).toMatchObject({ resource: "tags", action: "create", id: marker.id });
    await running.events.settled();
    expect(client.changes).toHaveLength(1);
  });
});

describe("bad requests", () => {
  const cases: [string, RegExp][] = [
    ["/tags/events?nope=1", /Unknown query parameter "nope" on an event stream\. Allowed: actions, id, after/],
    [
      "/tags/events?actions=create,explode",
      /Unknown action "explode" in "actions"\. Actions: create, update, patch, delete/,
    ],
    ["/tags/events?actions=create,", /comma list without empty items/],
    ["/tags/events?after=abc", /Query parameter "after" must be an event id \(a whole number/],
    ["/tags/events?after=1&after=2", /"after" is given more than once/],
    ["/tags/events?id=abc", /.+/],
    ["/tags/events?resources=posts", /Unknown query parameter "resources"/],
    [
      "/events?resources=posts,nope",
      /Unknown resource "nope" in "resources"\. Resources: users, posts, comments, tags/,
    ],
    ["/events?id=3", /Unknown query parameter "id" on an event stream\. Allowed: resources, actions, after/],
  ];
  it.each(cases)("GET %s is a 400 JSON error before any stream", async (path, message) => {
    const response = await fetch(`${api}${path}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(message) });
  });

  it("a malformed Last-Event-ID header is a 400 naming the header", async () => {
    const response = await fetch(`${api}/tags/events`, { headers: { "Last-Event-ID": "12x" } });
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/Header Last-Event-ID must be an event id/);
  });

  it("a resume point older than the outbox keeps is a 400", async () => {
    // Retention removed the three oldest events: resuming after the first of them would skip two.
    const oldest = (await db.prisma.event.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
    await db.prisma.event.deleteMany({ where: { id: { lte: oldest + 2n } } });
    const response = await fetch(`${api}/tags/events?after=${oldest.toString()}`);
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/older than the outbox keeps/);
  });

  it("another method is a 405 naming GET", async () => {
    const response = await fetch(`${api}/posts/events`, { method: "POST" });
    expect(response.status).toBe(405);
    expect((await response.json()).message).toMatch(
      /Method POST is not allowed on \/api\/posts\/events\. Allowed: GET, OPTIONS/,
    );
  });

  it("without change events the streams answer 404 saying so", async () => {
    const rest = createRestHandler({ runtime: running.runtime, contextFor: () => running.runtime.context() });
    for (const path of ["/api/tags/events", "/api/events"]) {
      const response = await rest.fetch(new Request(`http://localhost${path}`));
      expect(response.status).toBe(404);
      expect((await response.json()).message).toMatch(/Event streams are off/);
    }
  });
});

describe("heartbeat and disconnect", () => {
  it("sends `: ping` comments while idle, and a client going away ends its stream", async () => {
    const rest = createRestHandler({
      runtime: running.runtime,
      contextFor: () => running.runtime.context(),
      events: running.events,
      eventStream: { heartbeatMs: 20, retryMs: 500 },
    });
    const streamsBefore = running.events.hub.size;
    const controller = new AbortController();
    const response = await rest.fetch(new Request("http://localhost/api/tags/events", { signal: controller.signal }));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes(": ping\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.startsWith("retry: 500\n")).toBe(true);
    // The stream joins the hub as its body starts; under load a first ping can come before that.
    await expect.poll(() => running.events.hub.size).toBe(streamsBefore + 1);
    controller.abort();
    await reader.cancel();
    // The hub drops the stream's listener once it is woken; a committed event wakes every stream.
    await send("POST", "/tags", { name: "wakes-the-streams" });
    await running.events.settled();
    await expect.poll(() => running.events.hub.size).toBe(streamsBefore);
  });
});
