// Replay (docs/guides/replay.md): a database written through REST and GraphQL (create, update, patch,
// trash, restore, purge with its cascade, batches, a nested write with many-to-many links, a revert, a
// hidden field), rebuilt from its outbox alone into empty databases: to "now", row for row, and to an
// earlier event, record for record against the live database's as-of reads; a non-empty target and a
// pruned log are refused.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { resources } from "../../demo/schema/index.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRestHandler, type RestHandler } from "../../src/rest/handler.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import { planTables } from "../../src/storage/dump/table-plan.ts";
import { parseReplayPoint, replay, type ReplaySummary } from "../../src/storage/replay/replay.ts";
import { createStore } from "../../src/storage/store.ts";
import { type GraphQLTestClient, graphqlClient } from "../graphql/client.ts";
import { createRestFixture, type RestFixture } from "../rest/harness.ts";
import { ADMIN } from "../support/actors.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";

const schema = resolveResources(resources, datamodel);
/** Tables replay does not write: the consumers' cursors and dead letters, locks, and the test-only models. */
const NOT_REPLAYED = new Set(["EventCursor", "EventDeadLetter", "RecordLock", "Writer", "Book"]);

let t: RestFixture;
let gql: GraphQLTestClient;
const replicas: TestDatabase[] = [];
const opened: DemoDatabase[] = [];
beforeAll(async () => {
  t = await createRestFixture({ seed: false, actor: ADMIN });
  gql = graphqlClient(t, { actor: ADMIN });
});
afterAll(async () => {
  for (const db of opened) await db.close();
  for (const r of replicas) await r.drop();
  await t?.close();
});

type Row = Record<string, unknown>;

async function json<T = Row>(response: Response, status = 200): Promise<T> {
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  replicas.push(db);
  return db;
}

/**
 * Replays the fixture's log into `into`. The first replay applies the migrations the way the command
 * does (`prisma migrate deploy`, a no-op on these databases but seconds of CLI); the others skip it.
 */
let migrated = false;
function replayInto(into: string, until?: string, from = t.testDb.url): Promise<ReplaySummary> {
  const migrate = migrated ? { migrate: async () => {} } : {};
  migrated = true;
  return replay({
    from,
    into,
    datamodel,
    schema,
    until: until === undefined ? undefined : parseReplayPoint(until),
    // Small batches, so the scenario spans several and a record's events fall in different ones.
    batchSize: 7,
    ...migrate,
  });
}

/** Every row of every replayed table, as JSON in primary key order. */
async function tables(url: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of planTables(datamodel)) {
      if (NOT_REPLAYED.has(table.name)) continue;
      const order = table.primaryKey.map((c) => `t."${c}"`).join(", ");
      const { rows } = await client.query<{ rows: unknown[] }>(
        `select coalesce(jsonb_agg(to_jsonb(t) order by ${order}), '[]') as rows from "${table.table}" t`,
      );
      out[table.name] = rows[0]?.rows ?? [];
    }
    return out;
  } finally {
    await client.end();
  }
}

/** A REST handler on a replica, acting as the admin. */
function restOn(url: string): RestHandler {
  const db = createDemoDatabase(url);
  opened.push(db);
  const runtime = createRuntime({ schema, store: createStore(db, schema) });
  return createRestHandler({ runtime, contextFor: () => runtime.context({ actor: ADMIN }) });
}

/** The ids of what the scenario wrote, and the outbox id after which its second half starts. */
let midpoint = "";

describe("replay", () => {
  beforeAll(async () => {
    const users: number[] = [];
    for (const name of ["Ada", "Brian"])
      users.push(
        (
          await json<{ id: number }>(
            await t.send("POST", "/api/users", {
              email: `${name.toLowerCase()}@example.com`,
              name,
              role: "editor",
              passwordHash: `hash-of-${name}`,
            }),
            201,
          )
        ).id,
      );
    const [ada, brian] = users as [number, number];
    const tag = await json<{ id: number }>(await t.send("POST", "/api/tags", { name: "first" }), 201);
    const post = await json<{ id: number }>(
      await t.send("POST", "/api/posts", { title: "Replayed post", authorId: ada }),
      201,
    );
    await json(await t.send("PUT", `/api/posts/${post.id}`, { title: "Replayed post, edited", body: "Some text" }));
    await json(await t.send("PATCH", `/api/posts/${post.id}`, { views: 5 }));
    // A nested write: its tags connected and created (join rows), comments created, in one transaction.
    const nested = await json<{ id: number }>(
      await t.send("POST", "/api/posts", {
        title: "Nested post",
        author: { connect: { id: brian } },
        tags: { connect: [{ id: tag.id }], create: [{ name: "nested" }] },
        comments: { create: [{ body: "First!", authorId: ada }] },
      }),
      201,
    );
    const comment = await json<{ id: string }>(
      await t.send("POST", "/api/comments", { body: "A comment", postId: post.id, authorId: brian }),
      201,
    );
    const reply = await json<{ id: string }>(
      await t.send("POST", "/api/comments", { body: "A reply", postId: post.id, authorId: ada, parentId: comment.id }),
      201,
    );
    midpoint = (await t.db.prisma.event.findFirstOrThrow({ orderBy: { id: "desc" } })).id.toString();
    // The second half: trash and restore, a revert, batches, purges (a comment with a reply, a post
    // with its comments), a tag removed (its join rows go with it), links changed by a nested update.
    await json(await t.send("DELETE", `/api/posts/${post.id}`));
    await json(await t.send("POST", `/api/posts/${post.id}/restore`));
    await json(await t.send("POST", `/api/posts/${post.id}/revert/1`));
    const batch = await json<{ succeeded: { record: { id: number } }[] }>(
      await t.send("POST", "/api/posts/batch", [
        { title: "Batch one", authorId: ada },
        { title: "Batch two", authorId: brian, status: "published", publishedAt: new Date().toISOString() },
      ]),
    );
    const [one, two] = batch.succeeded.map((s) => s.record.id) as [number, number];
    await json(await t.send("PATCH", "/api/posts/batch", [{ id: one, views: 9 }]));
    await json(await t.send("DELETE", "/api/posts/batch", [two]));
    await json(await t.send("POST", `/api/comments/${comment.id}/purge`));
    await json(await t.send("POST", `/api/posts/${nested.id}/purge`));
    await json(await t.send("PATCH", `/api/posts/${one}`, { tags: { set: [{ id: tag.id }] } }));
    await json(await t.send("PATCH", `/api/users/${ada}`, { name: "Ada L." }));
    // GraphQL writes go through the same runtime, so into the same log.
    await gql.data(`mutation($id: ID!) { updateTag(id: $id, data: { name: "renamed" }) { id } }`, {
      id: String(tag.id),
    });
    await gql.data(`mutation($data: CommentCreateInput!) { createComment(data: $data) { id } }`, {
      data: { body: "Over GraphQL", postId: one, authorId: brian },
    });
    const gone = await json<{ id: number }>(await t.send("POST", "/api/tags", { name: "gone" }), 201);
    await json(await t.send("PATCH", `/api/posts/${post.id}`, { tags: { connect: [{ id: gone.id }] } }));
    await json(await t.send("DELETE", `/api/tags/${gone.id}`));
    // The reply outlived its parent: the database cleared its link, with no event of its own.
    expect((await t.db.prisma.comment.findUniqueOrThrow({ where: { id: reply.id } })).parentId).toBeNull();
    expect(await t.db.prisma.postTag.count()).toBe(1);
  }, 60_000);

  it("to now: every replayed table equals the live one, row for row; ids continue past the largest", async () => {
    const replica = await emptyDatabase();
    const summary = await replayInto(replica.url);
    const live = await tables(t.testDb.url);
    const rebuilt = await tables(replica.url);
    expect(summary.events).toBe(live.Event?.length);
    expect(summary.skipped).toBe(0);
    expect(summary.revisions).toBe(live.Revision?.length);
    // The scenario left rows in each of these: a comparison of empty tables would prove nothing.
    for (const name of ["User", "Post", "Comment", "Tag", "PostTag", "Revision", "Event"])
      expect(live[name]?.length, name).toBeGreaterThan(0);
    expect(rebuilt).toEqual(live);
    // The hidden field is in the replica too (the outbox keeps it), but never in an event's answer.
    expect((await tables(replica.url)).User?.map((u) => (u as Row).passwordHash)).toEqual([
      "hash-of-Ada",
      "hash-of-Brian",
    ]);
    // Sequences: the next post on the replica gets a new id.
    const rest = restOn(replica.url);
    const next = await json<{ id: number }>(
      await rest.fetch(
        new Request("http://test/api/posts", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ title: "After replay", authorId: 1 }),
        }),
      ),
      201,
    );
    const maxId = Math.max(...(live.Post as Row[]).map((p) => p.id as number));
    expect(next.id).toBe(maxId + 1);
  }, 120_000);

  it("to an earlier event: each post and tag is what the live database's asOf read says it was then", async () => {
    const replica = await emptyDatabase();
    const summary = await replayInto(replica.url, midpoint);
    expect(summary.lastEventId).toBe(midpoint);
    const events = await t.db.prisma.event.findMany({
      where: { id: { lte: BigInt(midpoint) } },
      orderBy: { id: "asc" },
    });
    const state = new Map<string, { resource: string; id: string; action: string; revision: number | null }>();
    for (const e of events)
      state.set(`${e.resource}/${e.recordId}`, {
        resource: e.resource,
        id: e.recordId,
        action: e.action,
        revision: e.revisionNumber,
      });
    const rest = restOn(replica.url);
    const paths: Record<string, string> = { post: "posts", tag: "tags" };
    let compared = 0;
    for (const { resource, id, action, revision } of state.values()) {
      const path = paths[resource];
      if (!path) continue;
      const rebuilt = await rest.fetch(new Request(`http://test/api/${path}/${id}?deleted=include`));
      if (action === "purge") {
        expect(rebuilt.status).toBe(404);
        continue;
      }
      // Purged since: the live database answers no asOf read of it any more (its revisions stay).
      if ((await t.get(`/api/${path}/${id}?deleted=include`)).status === 404) {
        expect(rebuilt.status).toBe(200);
        continue;
      }
      const asOf = await json(await t.get(`/api/${path}/${id}?asOf=${revision}&deleted=include`));
      expect(await json(rebuilt), `${resource} ${id}`).toEqual(asOf);
      compared++;
    }
    // Post 1 and both tags; post 2 was purged since.
    expect(compared).toBe(3);
    // Records born after the point are not there.
    const live = await t.db.prisma.post.count();
    const rebuiltPosts = await json<unknown[]>(await rest.fetch(new Request("http://test/api/posts?deleted=include")));
    expect(rebuiltPosts.length).toBeLessThan(live);
  }, 120_000);

  it("to a time: the events committed up to then", async () => {
    const point = await t.db.prisma.event.findUniqueOrThrow({ where: { id: BigInt(midpoint) } });
    const expected = await t.db.prisma.event.findFirstOrThrow({
      where: { createdAt: { lte: point.createdAt } },
      orderBy: { id: "desc" },
    });
    const replica = await emptyDatabase();
    const summary = await replayInto(replica.url, point.createdAt.toISOString());
    expect(summary.lastEventId).toBe(expected.id.toString());
  }, 120_000);

  it("refuses a target with rows, a pruned log and an until that is neither an id nor a time, saying why", async () => {
    const empty = await emptyDatabase();
    await expect(replayInto(t.testDb.url)).rejects.toThrow(/the target database is not empty \(table \w+ has rows\)/);
    // A copy of the log whose first events are gone, as retention leaves it.
    const pruned = await emptyDatabase();
    await replayInto(pruned.url);
    const client = new pg.Client({ connectionString: pruned.url });
    await client.connect();
    await client.query(`delete from "Event" where "id" < 4`);
    await client.end();
    await expect(replayInto(empty.url, undefined, pruned.url)).rejects.toThrow(
      /the log does not reach back to the first event: it starts at event 4 \(\d{4}-.*\), the events before were pruned/,
    );
    expect(() => parseReplayPoint("yesterday")).toThrow(
      '--until must be an event id (digits) or an ISO 8601 time such as 2026-12-07T10:00:00Z, got "yesterday"',
    );
    // The refused target was left as it was: empty.
    expect(Object.values(await tables(empty.url)).every((rows) => rows.length === 0)).toBe(true);
  }, 120_000);
});
