// ra-data-autograph's realtime methods (ra-realtime's subscribe / unsubscribe / publish) over a real
// server: the EventSource of the `eventsource` package on the REST event streams (rest-dialect.md §21),
// writes through the same data provider, the outbox checked through Prisma.
import { EventSource } from "eventsource";
import { fetchUtils, HttpError } from "ra-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type AutographDataProvider,
  autographDataProvider,
  type RealtimeEvent,
} from "../../clients/ra-data-autograph/index.ts";
import type { RunningServer } from "../../src/server/server.ts";
import type { DemoDatabase } from "../support/demo-database.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";

let demo: TestServer;
let db: DemoDatabase;
let running: RunningServer;
let dp: AutographDataProvider;
let authorId: number;

beforeAll(async () => {
  demo = await startTestServer({ env: { DEV_ACTOR: ADMIN_DEV_ACTOR } });
  ({ running, db } = demo);
  dp = autographDataProvider(`${running.url}/api`, fetchUtils.fetchJson, { EventSource });
  authorId = (await db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
});
afterAll(() => demo?.close(1000));

/** A callback collecting events, with a promise for the first `n`. */
function collector() {
  const events: RealtimeEvent[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  const callback = (event: RealtimeEvent) => {
    events.push(event);
    for (const w of waiting.filter((x) => events.length >= x.n)) w.resolve();
  };
  const first = (n: number) =>
    new Promise<RealtimeEvent[]>((resolve) => {
      const done = () => resolve(events.slice(0, n));
      if (events.length >= n) done();
      else waiting.push({ n, resolve: done });
    });
  return { events, callback, first };
}

describe("ra-realtime subscribe", () => {
  it("resource/posts receives created, updated and deleted with the ids, in commit order", async () => {
    const list = collector();
    await dp.subscribe("resource/posts", list.callback);
    const { data: post } = await dp.create("posts", { data: { title: "Live post", authorId } });
    await dp.update("posts", { id: post.id, data: { title: "Live post, edited" }, previousData: post });
    await dp.delete("posts", { id: post.id, previousData: post });

    const got = await list.first(3);
    expect(got.map((e) => [e.topic, e.type, e.payload.ids])).toEqual([
      ["resource/posts", "created", [post.id]],
      ["resource/posts", "updated", [post.id]],
      ["resource/posts", "deleted", [post.id]],
    ]);
    const outbox = await db.prisma.event.findMany({
      where: { resource: "post", recordId: String(post.id) },
      orderBy: { id: "asc" },
    });
    expect(got.map((e) => e.meta.eventId)).toEqual(outbox.map((e) => e.id.toString()));
    expect(got.map((e) => e.meta.action)).toEqual(["create", "patch", "delete"]);
    expect(got[1]?.meta.record).toMatchObject({ id: post.id, title: "Live post, edited" });
    expect(got[1]?.date).toEqual(outbox[1]?.createdAt);
    await dp.unsubscribe("resource/posts", list.callback);
  });

  it("resource/posts/<id> receives only that record's events; unsubscribe stops the callback", async () => {
    const before = collector();
    await dp.subscribe("resource/posts", before.callback);
    const { data: mine } = await dp.create("posts", { data: { title: "Watched post", authorId } });
    const { data: other } = await dp.create("posts", { data: { title: "Other post", authorId } });
    // Both creates are dispatched before the streams below open, so none of them starts before one.
    await vi.waitFor(() => expect(before.events.map((e) => e.payload.ids?.[0])).toContain(other.id));
    await dp.unsubscribe("resource/posts", before.callback);
    const one = collector();
    const all = collector();
    await dp.subscribe(`resource/posts/${mine.id}`, one.callback);
    await dp.subscribe("resource/posts", all.callback);

    await dp.update("posts", { id: other.id, data: { views: 5 }, previousData: other });
    await dp.update("posts", { id: mine.id, data: { views: 7 }, previousData: mine });
    const [event] = await one.first(1);
    expect(event).toMatchObject({ topic: `resource/posts/${mine.id}`, type: "updated", payload: { ids: [mine.id] } });
    await all.first(2);
    expect(one.events).toHaveLength(1);

    await dp.unsubscribe(`resource/posts/${mine.id}`, one.callback);
    await dp.delete("posts", { id: mine.id, previousData: mine });
    const third = await all.first(3);
    expect(third[2]).toMatchObject({ type: "deleted", payload: { ids: [mine.id] } });
    expect(one.events).toHaveLength(1);
    await dp.unsubscribe("resource/posts", all.callback);
  });

  it("two callbacks on one topic both receive each event", async () => {
    const a = collector();
    const b = collector();
    await dp.subscribe("resource/tags", a.callback);
    await dp.subscribe("resource/tags", b.callback);
    const { data: tag } = await dp.create("tags", { data: { name: "two-listeners" } });
    const [[ea], [eb]] = await Promise.all([a.first(1), b.first(1)]);
    expect(ea).toMatchObject({ type: "created", payload: { ids: [tag.id] } });
    expect(eb?.meta.eventId).toBe(ea?.meta.eventId);
    await dp.unsubscribe("resource/tags", a.callback);
    await dp.unsubscribe("resource/tags", b.callback);
  });

  it("refuses topics it cannot serve and publish, saying why", async () => {
    const nope = () => {};
    await expect(dp.subscribe("lock/posts/1", nope)).rejects.toThrow(
      /unsupported topic "lock\/posts\/1"; use resource\/<resource> or resource\/<resource>\/<id>/,
    );
    await expect(dp.subscribe("resource/nope", nope)).rejects.toThrow(/was refused/);
    await expect(dp.subscribe("resource/posts/not-a-number", nope)).rejects.toBeInstanceOf(HttpError);
    await expect(dp.publish("resource/posts", { type: "created", payload: { ids: [1] } })).rejects.toThrow(
      /publish: not supported/,
    );
  });
});
