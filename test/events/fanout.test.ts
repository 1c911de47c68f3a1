// Shared streams (events/fanout.ts), on their own: what a subscriber that joins a group gets, and what
// it never gets — an item of an event from before its start, or a gap; leaving, falling behind and a
// failing source each touch only whom they should.
import { describe, expect, it } from "vitest";
import { MAX_QUEUE, SharedStreams } from "../../src/events/fanout.ts";
import { failure } from "../support/failure.ts";

/** A live source: items tagged with the event they are of, as a change subscription yields them. */
function source(start: string | undefined) {
  const position = { start, current: undefined as string | undefined };
  const waiting: { resolve: (result: IteratorResult<string>) => void; reject: (error: unknown) => void }[] = [];
  const queued: { id: string; item: string }[] = [];
  let failed: unknown;
  const state = { returned: false };
  const iterator: AsyncIterator<string> = {
    next: () =>
      new Promise((resolve, reject) => {
        if (failed) return reject(failed);
        if (state.returned) return resolve({ done: true, value: undefined });
        const next = queued.shift();
        if (!next) return void waiting.push({ resolve, reject });
        position.current = next.id;
        resolve({ done: false, value: next.item });
      }),
    return: async () => {
      state.returned = true;
      for (const { resolve } of waiting.splice(0)) resolve({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  return {
    iterator,
    position,
    state,
    emit(id: string, item = `item ${id}`) {
      const waiter = waiting.shift();
      if (!waiter) return void queued.push({ id, item });
      position.current = id;
      waiter.resolve({ done: false, value: item });
    },
    fail(error: unknown) {
      failed = error;
      for (const { reject } of waiting.splice(0)) reject(error);
    },
  };
}

/** Reads `count` items. */
async function take(iterator: AsyncIterator<string>, count: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("shared streams", () => {
  it("one source for every member; a member joining later gets the items of the events after its start only", async () => {
    const streams = new SharedStreams<string>();
    const first = source("10");
    const a = streams.join("view", first.iterator, first.position);
    first.emit("11");
    expect(await take(a, 1)).toEqual(["item 11"]);
    // B started after 11: its own source is closed unread, and it joins.
    const second = source("11");
    const b = streams.join("view", second.iterator, second.position);
    expect(second.state.returned).toBe(true);
    expect(streams.size).toBe(1);
    first.emit("12");
    first.emit("13");
    expect(await take(a, 2)).toEqual(["item 12", "item 13"]);
    expect(await take(b, 2)).toEqual(["item 12", "item 13"]);
  });

  it("an item in flight when a member joins goes to that member only if its event is after the member's start", async () => {
    const streams = new SharedStreams<string>();
    const first = source("10");
    const a = streams.join("view", first.iterator, first.position);
    const aNext = a.next();
    await tick();
    // B subscribed once the hub had handed out 11 (the group is still working on it): it started after 11.
    const b = streams.join("view", source("11").iterator, { start: "11", current: undefined });
    first.emit("11");
    first.emit("12");
    expect((await aNext).value).toBe("item 11");
    expect(await take(b, 1)).toEqual(["item 12"]);
  });

  it("a subscriber the group would owe a gap keeps its own stream", async () => {
    const streams = new SharedStreams<string>();
    const first = source("10");
    const a = streams.join("view", first.iterator, first.position);
    first.emit("11");
    first.emit("12");
    expect(await take(a, 2)).toEqual(["item 11", "item 12"]);
    // C started after 11 but the group handed out 12 already: joining would skip 12 for C.
    const own = source("11");
    const c = streams.join("view", own.iterator, own.position);
    expect(own.state.returned).toBe(false);
    own.emit("12");
    expect(await take(c, 1)).toEqual(["item 12"]);
    // And a subscriber that started before the group did, likewise.
    const early = source("9");
    streams.join("view", early.iterator, early.position);
    expect(early.state.returned).toBe(false);
  });

  it("different keys never share; the source ends with its last member, and a member leaving ends nobody else", async () => {
    const streams = new SharedStreams<string>();
    const one = source("10");
    const two = source("10");
    const a = streams.join("actor 1", one.iterator, one.position);
    const b = streams.join("actor 2", two.iterator, two.position);
    expect(two.state.returned).toBe(false);
    const c = streams.join("actor 1", source("10").iterator, { start: "10", current: undefined });
    await a.return?.();
    one.emit("11");
    expect(await take(c, 1)).toEqual(["item 11"]);
    expect(one.state.returned).toBe(false);
    await c.return?.();
    expect(one.state.returned).toBe(true);
    expect(streams.size).toBe(1);
    // A new subscriber of that key starts a new group on its own source.
    const fresh = source("11");
    streams.join("actor 1", fresh.iterator, fresh.position);
    expect(fresh.state.returned).toBe(false);
    two.emit("11", "for actor 2");
    expect(await take(b, 1)).toEqual(["for actor 2"]);
  });

  it("a member that falls too far behind ends with UNAVAILABLE; the others go on", async () => {
    const streams = new SharedStreams<string>();
    const first = source("0");
    const slow = streams.join("view", first.iterator, first.position);
    const fast = streams.join("view", source("0").iterator, { start: "0", current: undefined });
    const read: string[] = [];
    const reading = (async () => {
      for await (const item of fast) {
        read.push(item);
        if (read.length === MAX_QUEUE + 1) return;
      }
    })();
    for (let i = 1; i <= MAX_QUEUE + 1; i++) {
      first.emit(String(i));
      await tick();
    }
    await reading;
    expect(read.at(-1)).toBe(`item ${MAX_QUEUE + 1}`);
    // What was queued still arrives, then the error (the client resumes from its last event id).
    expect(await take(slow, MAX_QUEUE)).toHaveLength(MAX_QUEUE);
    expect((await failure(slow.next())).code).toBe("UNAVAILABLE");
  });

  it("a failing source fails every member", async () => {
    const streams = new SharedStreams<string>();
    const first = source("0");
    const a = streams.join("view", first.iterator, first.position);
    const b = streams.join("view", source("0").iterator, { start: "0", current: undefined });
    const waits = [a.next(), b.next()];
    first.fail(new Error("the database went away"));
    for (const wait of waits) await expect(wait).rejects.toThrow("the database went away");
  });
});
