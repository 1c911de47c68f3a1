// Record locks (rest-dialect.md §24, docs/guides/locks.md) through the app as clients reach it: REST and
// GraphQL, actors from API keys. Each scenario acts over HTTP, then checks the RecordLock table and the
// records themselves.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createActorResolver, parseActor } from "../../src/server/auth.ts";
import { createStore } from "../../src/storage/store.ts";
import { resources } from "../../demo/schema/index.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
let app: App;

/** API keys of the actors: editors 3 and 4 write any post or comment, 1 is the admin, 25 a reader. */
const KEYS = {
  editorA: "3:editor",
  editorB: "4:editor",
  admin: "1:admin",
  reader: "25:reader",
} as Record<string, string>;
type Who = keyof typeof KEYS | "anonymous";

async function appOver(runtime: TestRuntime["runtime"], keys: Record<string, string>): Promise<App> {
  const resolveActor = await createActorResolver({
    apiKeys: Object.fromEntries(Object.entries(keys).map(([name, actor]) => [name, parseActor(actor)])),
  });
  return createApp({ runtime, logger: pino({ level: "silent" }), resolveActor });
}

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  // The help desk's actors: a customer of acme (who sees the tickets they reported) and an acme agent.
  const ticket = await t.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme" }, orderBy: { id: "asc" } });
  KEYS.customer = `${ticket.reporterId}:customer@acme`;
  KEYS.agent = "5:agent@acme";
  app = await appOver(t.runtime, KEYS);
});
afterAll(() => t?.close());

interface Answer {
  status: number;
  body: Record<string, unknown> & { message?: string; details?: Record<string, unknown> };
}

async function rest(app_: App, who: Who, method: string, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = who === "anonymous" ? {} : { "x-api-key": who };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await app_.fetch(
    new Request(`http://test${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : JSON.parse(text) };
}
const call = (who: Who, method: string, path: string, body?: unknown) => rest(app, who, method, path, body);

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string; details?: Record<string, unknown> } }[];
}
async function gql(app_: App, who: Who, query: string): Promise<GraphQLAnswer> {
  const response = await app_.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...(who === "anonymous" ? {} : { "x-api-key": who }) },
      body: JSON.stringify({ query }),
    }),
  );
  return (await response.json()) as GraphQLAnswer;
}

/** The lock row of a record, straight from the table. */
const row = (resource: string, recordId: unknown) =>
  t.db.prisma.recordLock.findUnique({ where: { resource_recordId: { resource, recordId: String(recordId) } } });

let serial = 0;
/** A fresh post, written by the admin, so each scenario has a record of its own. */
async function newPost(): Promise<number> {
  const created = await call("admin", "POST", "/api/posts", { title: `Locked post ${++serial}`, authorId: 3 });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as number;
}

describe("lock, renew, read, list and unlock over REST", () => {
  it("gives react-admin's lock, renews it for its owner, and releases it", async () => {
    const id = await newPost();
    const taken = await call("editorA", "POST", `/api/posts/${id}/lock`);
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    expect(taken.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      resource: "posts",
      recordId: id,
      identity: "3",
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const stored = await row("post", id);
    expect(stored).toMatchObject({ id: taken.body.id, ownerId: "3", tenantId: null });
    // The default ttl: 300 seconds.
    expect((stored?.expiresAt.getTime() ?? 0) - (stored?.createdAt.getTime() ?? 0)).toBe(300_000);
    expect(new Date(taken.body.expiresAt as string)).toEqual(stored?.expiresAt);

    // Locking again renews: same lock, later expiry.
    const renewed = await call("editorA", "POST", `/api/posts/${id}/lock`, { ttlSeconds: 600 });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ id: taken.body.id, createdAt: taken.body.createdAt });
    const after = await row("post", id);
    expect(after?.createdAt).toEqual(stored?.createdAt);
    expect((after?.expiresAt.getTime() ?? 0) - (stored?.expiresAt.getTime() ?? 0)).toBeGreaterThanOrEqual(300_000);

    // Anyone who reads posts reads the lock; the list holds it.
    expect(await call("reader", "GET", `/api/posts/${id}/lock`)).toMatchObject({ status: 200, body: renewed.body });
    const list = await call("reader", "GET", "/api/posts/locks");
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual(renewed.body);

    // The owner's own writes go through.
    expect((await call("editorA", "PATCH", `/api/posts/${id}`, { title: "Edited while locked" })).status).toBe(200);

    expect(await call("editorA", "DELETE", `/api/posts/${id}/lock`)).toEqual({ status: 204, body: {} });
    expect(await row("post", id)).toBeNull();
    const none = await call("editorA", "GET", `/api/posts/${id}/lock`);
    expect(none.status).toBe(404);
    expect(none.body.message).toMatch(/not locked/);
    // Unlocking what is not locked is no error.
    expect((await call("editorA", "DELETE", `/api/posts/${id}/lock`)).status).toBe(204);
  });

  it("answers 400 for a ttl out of bounds or any other body key, naming what it takes", async () => {
    const id = await newPost();
    for (const body of [{ ttlSeconds: 0 }, { ttlSeconds: 86_401 }, { ttlSeconds: "60" }, { ttlSeconds: 1.5 }]) {
      const answer = await call("editorA", "POST", `/api/posts/${id}/lock`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.message).toMatch(/ttlSeconds must be a whole number of seconds from 1 to 86400/);
    }
    const identity = await call("editorA", "POST", `/api/posts/${id}/lock`, { identity: "4" });
    expect(identity.status).toBe(400);
    expect(identity.body.message).toMatch(/may only be \{ "ttlSeconds": n \}.*signed-in actor/);
    expect(await row("post", id)).toBeNull();
    // "locks" is never taken for an id, and the lock path has its methods.
    expect((await call("editorA", "PUT", `/api/posts/${id}/lock`)).status).toBe(405);
    expect((await call("editorA", "GET", "/api/posts/locks?x=1")).status).toBe(400);
  });
});

describe("another actor's lock", () => {
  it("refuses their lock, update, delete and batch over REST, and their GraphQL mutations, with 409 naming the owner", async () => {
    const id = await newPost();
    const taken = await call("editorA", "POST", `/api/posts/${id}/lock`);
    const expiresAt = new Date(taken.body.expiresAt as string).toISOString();
    const conflict = { ownerId: "3", expiresAt };

    const lock = await call("editorB", "POST", `/api/posts/${id}/lock`);
    expect(lock.status).toBe(409);
    expect(lock.body.details).toEqual(conflict);
    expect(lock.body.message).toBe(
      `This post is locked by 3 until ${expiresAt}: you cannot lock it. Try again once they unlock it or the lock expires.`,
    );
    const update = await call("editorB", "PATCH", `/api/posts/${id}`, { title: "Not while locked" });
    expect(update.status).toBe(409);
    expect(update.body.details).toEqual(conflict);
    expect(update.body.message).toMatch(/locked by 3 .*you cannot change it/);
    expect((await call("editorB", "DELETE", `/api/posts/${id}`)).status).toBe(409);
    const batch = await call("editorB", "PATCH", "/api/posts/batch", [{ id, title: "Batch while locked" }]);
    expect(batch.status).toBe(409);

    const gqlUpdate = await gql(app, "editorB", `mutation { updatePost(id: ${id}, data: { title: "Nope" }) { id } }`);
    expect(gqlUpdate.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", details: conflict });
    const gqlLock = await gql(app, "editorB", `mutation { lockPost(id: ${id}) { id } }`);
    expect(gqlLock.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", details: conflict });
    const gqlUnlock = await gql(app, "editorB", `mutation { unlockPost(id: ${id}) }`);
    expect(gqlUnlock.errors?.[0]?.extensions?.code).toBe("CONFLICT");

    // Nothing changed, the lock still holds, and reads are not affected.
    const post = await t.db.prisma.post.findUniqueOrThrow({ where: { id } });
    expect(post).toMatchObject({ title: `Locked post ${serial}`, deletedAt: null, version: 1 });
    expect(await row("post", id)).toMatchObject({ ownerId: "3", id: taken.body.id });
    expect((await call("editorB", "GET", `/api/posts/${id}`)).status).toBe(200);
    const read = await gql(app, "editorB", `{ post(id: ${id}) { id } postLock(id: ${id}) { identity recordId } }`);
    expect(read).toEqual({ data: { post: { id: String(id) }, postLock: { identity: "3", recordId: String(id) } } });
  });

  it("holds on the records a delete cascades to: the post's delete is refused while a comment of it is locked", async () => {
    const id = await newPost();
    const comment = await call("admin", "POST", "/api/comments", { body: "Locked reply", postId: id, authorId: 4 });
    expect((await call("editorB", "POST", `/api/comments/${comment.body.id}/lock`)).status).toBe(200);
    const refused = await call("editorA", "DELETE", `/api/posts/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/^This comment is locked by 4/);
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).toMatchObject({ deletedAt: null });
    expect(await t.db.prisma.comment.findUniqueOrThrow({ where: { id: comment.body.id as string } })).toMatchObject({
      deletedAt: null,
    });
  });

  it("lets the admin break it; its owner's lock is gone and others may write again", async () => {
    const id = await newPost();
    await call("editorA", "POST", `/api/posts/${id}/lock`);
    expect((await call("editorB", "DELETE", `/api/posts/${id}/lock`)).status).toBe(409);
    expect(await row("post", id)).toMatchObject({ ownerId: "3" });
    expect((await call("admin", "DELETE", `/api/posts/${id}/lock`)).status).toBe(204);
    expect(await row("post", id)).toBeNull();
    expect((await call("editorB", "PATCH", `/api/posts/${id}`, { title: "After the break" })).status).toBe(200);
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).toMatchObject({ title: "After the break" });
  });

  it("holds no more once expired: the record is free, and the next lock replaces it", async () => {
    const id = await newPost();
    const taken = await call("editorA", "POST", `/api/posts/${id}/lock`, { ttlSeconds: 1 });
    const stored = await row("post", id);
    expect((stored?.expiresAt.getTime() ?? 0) - (stored?.createdAt.getTime() ?? 0)).toBe(1_000);
    // The clock moves on (rather than the test sleeping): the lock expired a second ago.
    await t.db.prisma.$executeRawUnsafe(
      `update "RecordLock" set "expiresAt" = (now() at time zone 'UTC') - interval '1 second' where "id" = $1::uuid`,
      taken.body.id,
    );
    expect((await call("editorB", "GET", `/api/posts/${id}/lock`)).status).toBe(404);
    expect(await call("editorB", "GET", "/api/posts/locks")).not.toMatchObject({
      body: expect.arrayContaining([expect.objectContaining({ recordId: id })]),
    });
    expect((await call("editorB", "PATCH", `/api/posts/${id}`, { title: "After expiry" })).status).toBe(200);
    const next = await call("editorB", "POST", `/api/posts/${id}/lock`);
    expect(next.status).toBe(200);
    expect(next.body.id).not.toBe(taken.body.id);
    expect(await row("post", id)).toMatchObject({ ownerId: "4", id: next.body.id });
  });
});

describe("who may lock", () => {
  it("anonymous: 401 on lock and unlock, on both transports", async () => {
    const id = await newPost();
    const lock = await call("anonymous", "POST", `/api/posts/${id}/lock`);
    expect(lock.status).toBe(401);
    expect(lock.body.message).toBe("Sign in to lock posts: a lock belongs to someone.");
    expect((await call("anonymous", "DELETE", `/api/posts/${id}/lock`)).status).toBe(401);
    const viaGraphQL = await gql(app, "anonymous", `mutation { lockPost(id: ${id}) { id } }`);
    expect(viaGraphQL.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await row("post", id)).toBeNull();
  });

  it("needs the right to update: a reader gets 403", async () => {
    const id = await newPost();
    const answer = await call("reader", "POST", `/api/posts/${id}/lock`);
    expect(answer.status).toBe(403);
    expect(await row("post", id)).toBeNull();
  });

  it("a record out of the actor's tenant or scope, or in the trash, is a 404; the list shows only what they see", async () => {
    const customer = parseActor(KEYS.customer as string);
    const [own, othersSameTenant, otherTenant] = await Promise.all([
      t.db.prisma.ticket.findFirstOrThrow({ where: { reporterId: Number(customer.id), tenantId: "acme" } }),
      t.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme", NOT: { reporterId: Number(customer.id) } } }),
      t.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "globex" } }),
    ]);
    const mine = await call("customer", "POST", `/api/tickets/${own.id}/lock`);
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(await row("ticket", own.id)).toMatchObject({ ownerId: customer.id, tenantId: "acme" });
    for (const other of [othersSameTenant, otherTenant]) {
      const answer = await call("customer", "POST", `/api/tickets/${other.id}/lock`);
      expect(answer.status, `ticket ${other.id}`).toBe(404);
      expect((await call("customer", "GET", `/api/tickets/${other.id}/lock`)).status).toBe(404);
      expect(await row("ticket", other.id)).toBeNull();
    }
    // The agent sees every acme ticket: their lock of another customer's is not in this customer's list.
    expect((await call("agent", "POST", `/api/tickets/${othersSameTenant.id}/lock`)).status).toBe(200);
    const listed = await call("customer", "GET", "/api/tickets/locks");
    expect((listed.body as unknown as { recordId: number }[]).map((l) => l.recordId)).toEqual([own.id]);
    const agents = await call("agent", "GET", "/api/tickets/locks");
    expect((agents.body as unknown as { recordId: number }[]).map((l) => l.recordId).sort()).toEqual(
      [own.id, othersSameTenant.id].sort(),
    );
    // A trashed post cannot be locked.
    const id = await newPost();
    await call("admin", "DELETE", `/api/posts/${id}`);
    expect((await call("editorA", "POST", `/api/posts/${id}/lock`)).status).toBe(404);
  });
});

describe("removing a record releases its lock", () => {
  it("a soft delete over REST (one statement) and a purge over GraphQL (a transaction)", async () => {
    const deleted = await newPost();
    await call("editorA", "POST", `/api/posts/${deleted}/lock`);
    expect((await call("editorA", "DELETE", `/api/posts/${deleted}`)).status).toBe(200);
    expect(await row("post", deleted)).toBeNull();

    const purged = await newPost();
    await call("editorA", "POST", `/api/posts/${purged}/lock`);
    const answer = await gql(app, "editorA", `mutation { purgePost(id: ${purged}) { id } }`);
    expect(answer.errors).toBeUndefined();
    expect(await row("post", purged)).toBeNull();
    expect(await t.db.prisma.post.findUnique({ where: { id: purged } })).toBeNull();
  });
});

describe("GraphQL", () => {
  it("locks, reads, lists and unlocks with the same rule and the same rows", async () => {
    const id = await newPost();
    const locked = await gql(
      app,
      "editorA",
      `mutation { lockPost(id: ${id}, ttlSeconds: 120) { id resource recordId identity createdAt expiresAt } }`,
    );
    expect(locked.errors).toBeUndefined();
    const lock = (locked.data as { lockPost: Record<string, string> }).lockPost;
    expect(lock).toMatchObject({ resource: "posts", recordId: String(id), identity: "3" });
    const stored = await row("post", id);
    expect(stored?.id).toBe(lock.id);
    expect((stored?.expiresAt.getTime() ?? 0) - (stored?.createdAt.getTime() ?? 0)).toBe(120_000);
    const viaRest = await call("editorA", "GET", `/api/posts/${id}/lock`);
    expect(viaRest.body).toEqual({ ...lock, recordId: id });
    const listed = await gql(app, "editorA", `{ postLocks { id } }`);
    expect((listed.data as { postLocks: { id: string }[] }).postLocks).toContainEqual({ id: lock.id });
    expect(await gql(app, "editorA", `mutation { unlockPost(id: ${id}) }`)).toEqual({ data: { unlockPost: true } });
    expect(await row("post", id)).toBeNull();
    expect(await gql(app, "editorA", `{ postLock(id: ${id}) { id } }`)).toEqual({ data: { postLock: null } });
  });
});

describe("a schema without the RecordLock model", () => {
  it("boots, writes as before, and answers 501 saying how to add the model", async () => {
    const withoutLocks = { ...datamodel, models: datamodel.models.filter((m) => m.name !== "RecordLock") };
    const runtime = createRuntime({
      schema: resolveResources(resources, withoutLocks),
      store: createStore({ ...t.db, datamodel: withoutLocks }),
    });
    const plain = await appOver(runtime, KEYS);
    const id = await newPost();
    for (const [method, path] of [
      ["POST", `/api/posts/${id}/lock`],
      ["GET", `/api/posts/${id}/lock`],
      ["DELETE", `/api/posts/${id}/lock`],
      ["GET", "/api/posts/locks"],
    ] as const) {
      const answer = await rest(plain, "editorA", method, path);
      expect(answer.status, `${method} ${path}`).toBe(501);
      expect(answer.body.message).toMatch(
        /^Record locks are off: the Prisma schema has no RecordLock model\. Copy the model RecordLock from Autograph's templates\/init\/prisma\/schema\.prisma/,
      );
    }
    const viaGraphQL = await gql(plain, "editorA", `mutation { lockPost(id: ${id}) { id } }`);
    expect(viaGraphQL.errors?.[0]?.extensions?.code).toBe("NOT_IMPLEMENTED");
    expect((await rest(plain, "editorA", "PATCH", `/api/posts/${id}`, { title: "No locks here" })).status).toBe(200);
    expect(await row("post", id)).toBeNull();
  });
});
