/**
 * What a write costs, as PostgreSQL itself counts it (pg_stat_statements, not the app's own counter):
 * a create of a post with audit fields, a version, a revision and its outbox event is BEGIN, one
 * statement and COMMIT; an update or a delete adds the one read of the row before it, and, when the
 * schema has the RecordLock model (docs/guides/locks.md), one indexed read of the record's lock. On
 * GraphQL and on REST alike (docs/design/write-path.md).
 */
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extensions } from "../../demo/schema/extensions.ts";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createStore } from "../../src/storage/store.ts";
import { ADMIN } from "../support/actors.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type StatementStats, statementStats } from "../support/statement-stats.ts";

let t: TestRuntime;
let app: App;
let stats: StatementStats;

// The demo's posts, but trashing one leaves its comments alone: a delete with no relation rule to apply.
const definitions = resources.map((r) =>
  r.model === "Post" ? { ...r, relations: { ...r.relations, comments: { filter: true } } } : r,
) as ResourceDefinition[];

beforeAll(async () => {
  t = await createTestRuntime({ seed: true, resources: definitions });
  // As the demo's admin: its posts are written by signed-in actors with a role.
  app = createApp({
    runtime: t.runtime,
    logger: pino({ level: "silent" }),
    graphqlExtensions: extensions,
    resolveActor: async () => ADMIN,
  });
  stats = await statementStats(t.testDb.url);
});

afterAll(async () => {
  await stats?.close();
  await t?.close();
});

async function rest(method: string, path: string, body?: unknown, over = app): Promise<Record<string, unknown>> {
  const response = await over.fetch(
    new Request(`http://test${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(json)).toBe(method === "POST" ? 201 : 200);
  return json;
}

async function graphql(query: string): Promise<Record<string, Record<string, unknown>>> {
  const response = await app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    }),
  );
  const body = (await response.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data as Record<string, Record<string, unknown>>;
}

/**
 * The write's statements: BEGIN, the one statement writing the row, its revision and its event, COMMIT,
 * and `reads` reads before (one of them the record's lock when `lock`).
 */
function expectWrite(found: { count: number; texts: string[] }, table: string, reads: number, lock = reads > 0): void {
  expect(found.count, found.texts.join("\n")).toBe(3 + reads);
  expect(
    found.texts.filter((q) => q.includes('from "RecordLock"')),
    found.texts.join("\n"),
  ).toHaveLength(lock ? 1 : 0);
  const write = found.texts.filter((q) => q.startsWith('WITH "written"'));
  expect(write, found.texts.join("\n")).toHaveLength(1);
  expect(write[0]).toMatch(new RegExp(`^WITH "written" AS \\((INSERT INTO|UPDATE|DELETE FROM) "${table}"`));
  expect(write[0]).toContain('INSERT INTO "Revision"');
  expect(write[0]).toContain('INSERT INTO "Event"');
  expect(found.texts.map((q) => q.toUpperCase())).toEqual(expect.arrayContaining(["BEGIN", "COMMIT"]));
}

describe("one statement per write, counted by PostgreSQL", () => {
  it("needs pg_stat_statements on the test server (the embedded test cluster loads it)", () => {
    if (!stats.available && process.env.CI) throw new Error("pg_stat_statements is not loaded on the test server");
    expect(typeof stats.available).toBe("boolean");
  });

  it("REST: create, patch and delete a post with audit, version, revision and event", async (context) => {
    if (!stats.available) return context.skip();
    let id = 0;
    expectWrite(
      await stats.counted(async () => {
        id = (await rest("POST", "/api/posts", { title: "Counted over REST", authorId: 2 })).id as number;
      }),
      "Post",
      0,
    );
    expectWrite(
      await stats.counted(async () => void (await rest("PATCH", `/api/posts/${id}`, { views: 9, version: 1 }))),
      "Post",
      2,
    );
    expectWrite(await stats.counted(async () => void (await rest("DELETE", `/api/posts/${id}`))), "Post", 2);
    const revisions = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(id) },
      orderBy: { number: "asc" },
    });
    const events = await t.db.prisma.event.findMany({
      where: { resource: "post", recordId: String(id) },
      orderBy: { id: "asc" },
    });
    expect(revisions.map((r) => r.action)).toEqual(["create", "patch", "delete"]);
    expect(events.map((e) => [e.action, e.revisionId])).toEqual(revisions.map((r) => [r.action, r.id]));
  });

  it("GraphQL: create, update and delete a post with audit, version, revision and event", async (context) => {
    if (!stats.available) return context.skip();
    let id = "";
    expectWrite(
      await stats.counted(async () => {
        id = (
          await graphql(
            `mutation { createPost(data: { title: "Counted over GraphQL", authorId: 2 }) { id version createdBy } }`,
          )
        ).createPost?.id as string;
      }),
      "Post",
      0,
    );
    expectWrite(
      await stats.counted(
        async () =>
          void (await graphql(
            `mutation { updatePost(id: ${id}, expectedVersion: 1, data: { views: 4 }) { id version } }`,
          )),
      ),
      "Post",
      2,
    );
    expectWrite(
      await stats.counted(
        async () => void (await graphql(`mutation { deletePost(id: ${id}, expectedVersion: 2) { id deletedAt } }`)),
      ),
      "Post",
      2,
    );
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: Number(id) } });
    expect(row).toMatchObject({ views: 4, version: 3 });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(await t.db.prisma.revision.count({ where: { resource: "post", recordId: id } })).toBe(3);
    expect(await t.db.prisma.event.count({ where: { resource: "post", recordId: id } })).toBe(3);
  });

  it("without the RecordLock model a write reads no lock: the row alone before it", async (context) => {
    if (!stats.available) return context.skip();
    const withoutLocks = { ...datamodel, models: datamodel.models.filter((m) => m.name !== "RecordLock") };
    const plain = createApp({
      runtime: createRuntime({
        schema: resolveResources(definitions, withoutLocks),
        store: createStore({ ...t.db, datamodel: withoutLocks }),
      }),
      logger: pino({ level: "silent" }),
      resolveActor: async () => ADMIN,
    });
    const id = (await rest("POST", "/api/posts", { title: "Counted without locks", authorId: 2 }, plain)).id as number;
    expectWrite(
      await stats.counted(async () => void (await rest("PATCH", `/api/posts/${id}`, { views: 1 }, plain))),
      "Post",
      1,
      false,
    );
    expectWrite(
      await stats.counted(async () => void (await rest("DELETE", `/api/posts/${id}`, undefined, plain))),
      "Post",
      1,
      false,
    );
  });
});
