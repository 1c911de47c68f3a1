// The write path (docs/design/write-path.md): a create, update, patch or delete with no hook inside the
// transaction is BEGIN, one statement (the row with its audit fields and version, its revision, its
// outbox event), COMMIT — on the pool, without Prisma — and keeps every rule of the Prisma transaction
// it replaces: versions, unique and foreign-key violations, the tenant and scope, the rollback of all
// three rows together. Acted through the runtime, checked in the database.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import type { Actor } from "../../src/runtime/context.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { createStore } from "../../src/storage/store.ts";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
/** The demo, but posts leave their comments alone on delete and users restrict nothing in the runtime: their deletes need no relation rule. */
let flat: Runtime;
/** The same definitions, with a `before` hook on every write: the Prisma transaction. */
let viaPrisma: Runtime;

const flatDefinitions = resources.map((r) =>
  r.model === "Post"
    ? { ...r, relations: { ...r.relations, comments: { filter: true } } }
    : r.model === "User"
      ? { ...r, relations: { ...r.relations, posts: { views: ["one"] }, comments: { views: ["one"] } } }
      : r,
) as ResourceDefinition[];

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  flat = createRuntime({ schema: resolveResources(flatDefinitions, datamodel), store: createStore(t.db) });
  viaPrisma = createRuntime({ schema: resolveResources(flatDefinitions, datamodel), store: createStore(t.db) });
  viaPrisma.on("*").before(["create", "update", "patch", "delete"], () => {});
});
afterAll(() => t?.close());

const ada: Actor = { id: 7, roles: ["admin"] };
const revisionsOf = (resource: string, id: unknown) =>
  t.db.prisma.revision.findMany({ where: { resource, recordId: String(id) }, orderBy: { number: "asc" } });
const eventsOf = (resource: string, id: unknown) =>
  t.db.prisma.event.findMany({ where: { resource, recordId: String(id) }, orderBy: { id: "asc" } });

/** The SQL statements `work` sent through the app's pool (Prisma's and the compiled ones alike), in order. */
async function sent<T>(work: () => Promise<T>): Promise<{ result: T; log: string[] }> {
  t.db.statements.reset();
  const result = await work();
  return { result, log: [...t.db.statements.log] };
}

/** Whether `log` is a direct write: BEGIN, the compiled statement, then COMMIT (or ROLLBACK). */
function direct(log: readonly string[], end = "COMMIT"): boolean {
  return log.length === 3 && log[0] === "BEGIN" && /^WITH "written" AS /.test(log[1] ?? "") && log[2] === end;
}

describe("one statement between BEGIN and COMMIT", () => {
  it("create: the post with its audit fields and version, its revision and its event, in one statement", async () => {
    const before = new Date();
    const { result: created, log } = await sent(() =>
      flat.service("post").create(flat.context({ actor: ada }), { title: "One statement", body: "b", authorId: 1 }),
    );
    expect(direct(log), log.join("\n")).toBe(true);
    expect(log[1]).toContain('INSERT INTO "Post"');
    expect(log[1]).toContain('INSERT INTO "Revision"');
    expect(log[1]).toContain('INSERT INTO "Event"');

    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } });
    expect(row).toMatchObject({
      title: "One statement",
      body: "b",
      authorId: 1,
      status: "draft",
      views: 0,
      version: 1,
      createdBy: "7",
      updatedBy: "7",
      deletedAt: null,
    });
    expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 5);
    expect(row.updatedAt.getTime()).toBe(row.createdAt.getTime());
    expect(created).toMatchObject({
      id: row.id,
      title: row.title,
      version: 1,
      createdBy: "7",
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });

    const revisions = await revisionsOf("post", row.id);
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({
      number: 1,
      parentNumber: null,
      action: "create",
      actorId: "7",
      status: "stable",
      schemaVersion: 1,
    });
    expect(revisions[0]?.data).toMatchObject({
      id: row.id,
      title: "One statement",
      version: 1,
      createdBy: "7",
      createdAt: row.createdAt.toISOString(),
      deletedAt: null,
    });
    const events = await eventsOf("post", row.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: "create",
      revisionId: revisions[0]?.id,
      revisionNumber: 1,
      actorId: "7",
    });
    const data = revisions[0]?.data as Record<string, unknown>;
    expect(events[0]?.changed).toEqual(Object.keys(created).filter((k) => created[k] !== null && k in data));
  });

  it("patch and update: one read of the row and one of its lock, then the statement; the revision follows the last one, the event names what changed", async () => {
    const posts = flat.service("post");
    const created = await posts.create(flat.context({ actor: ada }), { title: "To change", authorId: 1 });
    const grace = flat.context({ actor: { id: "grace", roles: ["admin"] } });
    const { result: patched, log } = await sent(() =>
      posts.patch(grace, created.id, { views: 5 }, { expectedVersion: 1 }),
    );
    expect(log).toHaveLength(5);
    expect(log[0]).toContain('FROM "Post" t'); // the row before, through the read compiler
    expect(log[1]).toContain('from "RecordLock"'); // its lock (docs/guides/locks.md), by the unique index
    expect(direct(log.slice(2)), log.join("\n")).toBe(true);
    expect(patched).toMatchObject({ views: 5, version: 2, updatedBy: "grace", createdBy: "7" });
    const updated = await posts.update(
      grace,
      created.id,
      { title: "Changed", authorId: 2, body: "", views: 5, status: "draft" },
      { expectedVersion: 2 },
    );
    expect(updated).toMatchObject({ title: "Changed", authorId: 2, version: 3 });

    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } });
    expect(row).toMatchObject({ title: "Changed", authorId: 2, views: 5, version: 3, updatedBy: "grace" });
    const revisions = await revisionsOf("post", row.id);
    expect(revisions.map((r) => [r.number, r.parentNumber, r.action, r.actorId])).toEqual([
      [1, null, "create", "7"],
      [2, 1, "patch", "grace"],
      [3, 2, "update", "grace"],
    ]);
    expect(revisions[2]?.data).toMatchObject({
      title: "Changed",
      authorId: 2,
      version: 3,
      updatedAt: row.updatedAt.toISOString(),
    });
    const events = await eventsOf("post", row.id);
    expect(events.map((e) => [e.action, e.revisionNumber, e.revisionId])).toEqual(
      revisions.map((r) => [r.action, r.number, r.id]),
    );
    expect(events[1]?.changed).toEqual(["views", "version", "updatedAt", "updatedBy"]);
    expect(events[2]?.changed).toEqual(["title", "version", "authorId", "updatedAt"]);
  });

  it("delete: soft (the trash columns stamped, a revision, an event) and hard (the row gone, its last snapshot kept)", async () => {
    const posts = flat.service("post");
    const created = await posts.create(flat.context({ actor: ada }), { title: "To trash", authorId: 1 });
    const { result: deleted, log } = await sent(() =>
      posts.delete(flat.context({ actor: ada }), created.id, { expectedVersion: 1 }),
    );
    expect(direct(log.slice(-3)), log.join("\n")).toBe(true);
    expect(deleted).toMatchObject({ id: created.id, version: 2, deletedBy: "7" });
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(row).toMatchObject({ deletedBy: "7", version: 2 });
    expect((await revisionsOf("post", row.id)).map((r) => [r.number, r.action])).toEqual([
      [1, "create"],
      [2, "delete"],
    ]);
    const events = await eventsOf("post", row.id);
    expect(events.map((e) => e.action)).toEqual(["create", "delete"]);
    expect(events[1]?.changed).toEqual(["version", "updatedAt", "deletedAt", "deletedBy"]);

    // Tags have no trash: the row goes, its revision keeps the last snapshot.
    const tags = flat.service("tag");
    const tag = await tags.create(flat.context({ actor: ada }), { name: "gone-for-good" });
    const { log: hard } = await sent(() => tags.delete(flat.context({ actor: ada }), tag.id));
    expect(direct(hard.slice(-3)), hard.join("\n")).toBe(true);
    expect(hard.at(-2)).toMatch(/^WITH "written" AS \(DELETE FROM "Tag"/);
    expect(await t.db.prisma.tag.findUnique({ where: { id: tag.id as number } })).toBeNull();
    const tagRevisions = await revisionsOf("tag", tag.id);
    expect(tagRevisions.map((r) => [r.number, r.action, (r.data as { name: string }).name])).toEqual([
      [1, "create", "gone-for-good"],
      [2, "delete", "gone-for-good"],
    ]);
    expect((await eventsOf("tag", tag.id)).map((e) => [e.action, e.changed])).toEqual([
      ["create", ["id", "name", "version", "createdAt", "updatedAt"]],
      ["delete", []],
    ]);
  });

  it("the same writes through the Prisma transaction leave the same records, revisions and events", async () => {
    const history = async (runtime: Runtime) => {
      const posts = runtime.service("post");
      const c = runtime.context({ actor: ada });
      const records = [await posts.create(c, { title: "Parity", body: "b", authorId: 2, views: 3 })];
      const id = records[0]?.id;
      records.push(
        await posts.patch(
          c,
          id,
          { views: 4, status: "published", publishedAt: new Date("2024-05-01T10:00:00.123Z") },
          { expectedVersion: 1 },
        ),
      );
      records.push(
        await posts.update(
          c,
          id,
          { title: "Parity, again", authorId: 3, body: "", views: 4, status: "draft" },
          { expectedVersion: 2 },
        ),
      );
      records.push(await posts.delete(c, id, { expectedVersion: 3 }));
      const times = new Set(["id", "createdAt", "updatedAt", "deletedAt"]);
      const strip = (r: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(r).filter(([k]) => !times.has(k)));
      return {
        records: records.map(strip),
        revisions: (await revisionsOf("post", id)).map((r) => ({
          number: r.number,
          parent: r.parentNumber,
          action: r.action,
          actor: r.actorId,
          data: strip(r.data as Record<string, unknown>),
        })),
        events: (await eventsOf("post", id)).map((e) => ({
          action: e.action,
          number: e.revisionNumber,
          actor: e.actorId,
          changed: e.changed,
        })),
      };
    };
    const { log } = await sent(() =>
      viaPrisma.service("post").create(viaPrisma.context({ actor: ada }), { title: "Prisma's", authorId: 1 }),
    );
    expect(direct(log)).toBe(false);
    expect(await history(flat)).toEqual(await history(viaPrisma));
  });

  it("onSuccess runs after the commit, and the event dispatcher is woken; neither moves the write into Prisma", async () => {
    const runtime = createRuntime({ schema: resolveResources(resources, datamodel), store: createStore(t.db) });
    let woken = 0;
    runtime.onCommitted(() => woken++);
    const seen: unknown[] = [];
    runtime.on("tag").onSuccess("create", async (op) => {
      // Committed: another connection sees it.
      seen.push(await t.db.prisma.tag.findUnique({ where: { id: op.id as number }, select: { name: true } }));
    });
    const { log } = await sent(() =>
      runtime.service("tag").create(runtime.context({ actor: ada }), { name: "after-commit" }),
    );
    expect(direct(log.slice(0, 3)), log.join("\n")).toBe(true);
    expect(seen).toEqual([{ name: "after-commit" }]);
    expect(woken).toBe(1);
  });
});

describe("the rules hold on the direct path", () => {
  it("a stale version is a CONFLICT (412 with If-Match) with the current version, and writes nothing", async () => {
    const tags = t.runtime.service("tag");
    const c = t.runtime.context({ actor: ada });
    const tag = await tags.create(c, { name: "versioned" });
    await tags.patch(c, tag.id, { name: "versioned-2" }, { expectedVersion: 1 });
    const { result: stale, log } = await sent(() =>
      failure(tags.patch(c, tag.id, { name: "versioned-3" }, { expectedVersion: 1 })),
    );
    expect(stale).toMatchObject({ code: "CONFLICT", details: { currentVersion: 2 } });
    expect(log).toHaveLength(1); // the read found the version moved on: nothing else was sent
    expect((await failure(tags.delete(c, tag.id, { expectedVersion: 1, mismatch: "PRECONDITION_FAILED" }))).code).toBe(
      "PRECONDITION_FAILED",
    );
    expect(await t.db.prisma.tag.findUniqueOrThrow({ where: { id: tag.id as number } })).toMatchObject({
      name: "versioned-2",
      version: 2,
    });
    expect(await revisionsOf("tag", tag.id)).toHaveLength(2);
    expect(await eventsOf("tag", tag.id)).toHaveLength(2);
  });

  it("a version that moves on between the read and the statement: the statement writes nothing and the CONFLICT names the new version", async () => {
    const tags = t.runtime.service("tag");
    const tag = await tags.create(t.runtime.context({ actor: ada }), { name: "raced" });
    const other = new pg.Client({ connectionString: t.testDb.url });
    await other.connect();
    try {
      // Another writer holds the row: the statement (which read version 1) waits for it, then finds version 2.
      await other.query("BEGIN");
      await other.query(`UPDATE "Tag" SET "version" = "version" + 1 WHERE "id" = $1`, [tag.id]);
      const patch = failure(
        tags.patch(t.runtime.context({ actor: ada }), tag.id, { name: "raced-2" }, { expectedVersion: 1 }),
      );
      await waitForLockWait(other);
      await other.query("COMMIT");
      expect(await patch).toMatchObject({ code: "CONFLICT", details: { currentVersion: 2 } });
    } finally {
      await other.end();
    }
    expect(await t.db.prisma.tag.findUniqueOrThrow({ where: { id: tag.id as number } })).toMatchObject({
      name: "raced",
      version: 2,
    });
    expect(await revisionsOf("tag", tag.id)).toHaveLength(1);
    expect(await eventsOf("tag", tag.id)).toHaveLength(1);
  });

  it("a revision number a concurrent writer took: the statement runs again behind the row's lock, numbers stay gapless", async () => {
    const tags = t.runtime.service("tag");
    const tag = await tags.create(t.runtime.context({ actor: ada }), { name: "numbered" });
    const other = new pg.Client({ connectionString: t.testDb.url });
    await other.connect();
    try {
      // A writer of the same record (as the Prisma path writes): the row, then revision 2, committed while the statement waits.
      await other.query("BEGIN");
      await other.query(`UPDATE "Tag" SET "version" = "version" + 1 WHERE "id" = $1`, [tag.id]);
      await other.query(
        `INSERT INTO "Revision" ("id", "resource", "recordId", "number", "parentNumber", "action", "schemaVersion", "data") VALUES (gen_random_uuid(), 'tag', $1, 2, 1, 'patch', 1, '{}')`,
        [String(tag.id)],
      );
      const patch = tags.patch(t.runtime.context({ actor: ada }), tag.id, { name: "numbered-2" });
      await waitForLockWait(other);
      await other.query("COMMIT");
      expect(await patch).toMatchObject({ name: "numbered-2", version: 3 });
    } finally {
      await other.end();
    }
    expect((await revisionsOf("tag", tag.id)).map((r) => [r.number, r.parentNumber, r.action])).toEqual([
      [1, null, "create"],
      [2, 1, "patch"],
      [3, 2, "patch"],
    ]);
    expect((await eventsOf("tag", tag.id)).map((e) => e.revisionNumber)).toEqual([1, 3]);
  });

  it("unique and foreign-key violations are the same 409 and 422 as on the Prisma path, and write nothing", async () => {
    await t.runtime.service("tag").create(t.runtime.context({ actor: ada }), { name: "taken" });
    const referred = await t.db.prisma.post.findFirstOrThrow({ select: { authorId: true } });
    const events = await t.db.prisma.event.count();
    const revisions = await t.db.prisma.revision.count();
    const answers = async (runtime: Runtime) => {
      const c = runtime.context({ actor: ada });
      const { result: duplicate, log } = await sent(() => failure(runtime.service("tag").create(c, { name: "taken" })));
      expect(duplicate).toMatchObject({
        code: "CONFLICT",
        message: "A tag with this name already exists.",
        fields: { name: "must be unique" },
      });
      const orphan = await failure(runtime.service("post").create(c, { title: "Nobody's", authorId: 999_999 }));
      expect(orphan).toMatchObject({
        code: "VALIDATION_FAILED",
        message: "Invalid post: authorId refers to a user that does not exist.",
        fields: { authorId: "no user with this id" },
      });
      const restricted = await failure(runtime.service("user").delete(c, referred.authorId));
      expect(restricted.code).toBe("CONFLICT");
      expect(restricted.message).toMatch(
        /^Cannot delete this user: other records still refer to it \((Post|Comment) rows\)\.$/,
      );
      return {
        direct: direct(log, "ROLLBACK"),
        answers: [duplicate, orphan, restricted].map((e) => [e.code, e.message, e.fields]),
      };
    };
    const onePath = await answers(flat);
    const prismaPath = await answers(viaPrisma);
    expect([onePath.direct, prismaPath.direct]).toEqual([true, false]);
    expect(onePath.answers).toEqual(prismaPath.answers);
    expect(await t.db.prisma.event.count()).toBe(events);
    expect(await t.db.prisma.revision.count()).toBe(revisions);
  });

  it("the tenant and scope: a write that would leave the scope is a 403 and rolled back; another tenant's record is not found", async () => {
    const reporters = await t.db.prisma.ticket.groupBy({
      by: ["reporterId"],
      where: { tenantId: "acme" },
      orderBy: { reporterId: "asc" },
    });
    const customer: Actor = { id: String(reporters[0]?.reporterId), roles: ["customer"], tenantId: "acme" };
    const someoneElse = Number(reporters[1]?.reporterId);
    const tickets = t.runtime.service("ticket");
    const as = t.runtime.context({ actor: customer });
    const own = await tickets.create(as, { title: "Mine", reporterId: Number(customer.id) });
    expect(own).toMatchObject({ tenantId: "acme", createdBy: customer.id });

    const { result: away, log } = await sent(() =>
      failure(tickets.patch(as, own.id, { reporterId: someoneElse }, { expectedVersion: 1 })),
    );
    expect(away.code).toBe("FORBIDDEN");
    expect(direct(log.slice(-3), "ROLLBACK"), log.join("\n")).toBe(true);
    expect(await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: own.id as number } })).toMatchObject({
      reporterId: Number(customer.id),
      version: 1,
    });
    expect(await revisionsOf("ticket", own.id)).toHaveLength(1);
    expect(await eventsOf("ticket", own.id)).toHaveLength(1);

    const titles = await t.db.prisma.ticket.count({ where: { title: "Someone else's" } });
    expect((await failure(tickets.create(as, { title: "Someone else's", reporterId: someoneElse }))).code).toBe(
      "FORBIDDEN",
    );
    expect(await t.db.prisma.ticket.count({ where: { title: "Someone else's" } })).toBe(titles);

    const globexAgent = t.runtime.context({ actor: { id: "agent-2", roles: ["agent"], tenantId: "globex" } });
    expect(
      (await failure(tickets.patch(globexAgent, own.id, { title: "Taken over" }, { expectedVersion: 1 }))).code,
    ).toBe("NOT_FOUND");
    expect(await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: own.id as number } })).toMatchObject({
      title: "Mine",
    });
  });

  it("an outbox insert that fails rolls back the row and its revision with it", async () => {
    const admin = new pg.Client({ connectionString: t.testDb.url });
    await admin.connect();
    await admin.query(`ALTER TABLE "Event" ADD CONSTRAINT "refuse_actor" CHECK ("actorId" IS DISTINCT FROM 'refused')`);
    try {
      const posts = flat.service("post");
      const refused = flat.context({ actor: { id: "refused", roles: ["admin"] } });
      const revisions = await t.db.prisma.revision.count();
      const { result: error, log } = await sent(() =>
        posts.create(refused, { title: "Never written", authorId: 1 }).catch((e: unknown) => e),
      );
      expect(error).toMatchObject({ code: "23514", constraint: "refuse_actor" });
      expect(direct(log, "ROLLBACK"), log.join("\n")).toBe(true);
      expect(await t.db.prisma.post.count({ where: { title: "Never written" } })).toBe(0);
      expect(await t.db.prisma.revision.count()).toBe(revisions);

      const post = await posts.create(flat.context({ actor: ada }), { title: "Kept as it was", authorId: 1 });
      await expect(posts.patch(refused, post.id, { title: "Changed" })).rejects.toMatchObject({ code: "23514" });
      expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id as number } })).toMatchObject({
        title: "Kept as it was",
        version: 1,
        updatedBy: "7",
      });
      expect(await revisionsOf("post", post.id)).toHaveLength(1);
    } finally {
      await admin.query(`ALTER TABLE "Event" DROP CONSTRAINT "refuse_actor"`);
      await admin.end();
    }
  });
});

describe("writes that keep the Prisma transaction", () => {
  it("a hook inside the transaction, a delete with relation rules, a batch, a restore: not the one statement", async () => {
    const c = t.runtime.context({ actor: ada });
    const posts = t.runtime.service("post");
    const created = await posts.create(c, { title: "Cascading", authorId: 1 });
    const cases: [string, () => Promise<unknown>][] = [
      ["hook", () => viaPrisma.service("tag").create(viaPrisma.context({ actor: ada }), { name: "hooked" })],
      ["cascade", () => posts.delete(c, created.id)],
      ["restore", () => posts.restore(c, created.id)],
      ["batch", () => t.runtime.service("tag").batch(c, "create", [{ name: "batched-1" }, { name: "batched-2" }])],
    ];
    for (const [name, work] of cases) {
      const { log } = await sent(work);
      expect(
        log.some((sql) => sql.startsWith('WITH "written"')),
        `${name}: ${log.join("\n")}`,
      ).toBe(false);
    }
    expect(await revisionsOf("post", created.id)).toHaveLength(3);
  });
});

/** Resolves once a session of the test database waits for a lock held by `holder`'s transaction. */
async function waitForLockWait(holder: pg.Client): Promise<void> {
  const { rows } = await holder.query<{ pid: number }>("select pg_backend_pid() as pid");
  const pid = rows[0]?.pid;
  for (let i = 0; i < 500; i++) {
    const waiting = await holder.query(
      "select 1 from pg_stat_activity where datname = current_database() and $1 = any(pg_blocking_pids(pid))",
      [pid],
    );
    if (waiting.rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no session waited for the row lock");
}
