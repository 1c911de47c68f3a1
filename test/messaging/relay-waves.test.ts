// A page of events goes out in waves with at most one event per record, in outbox order: the waves
// are what keeps a record's later event off the broker while an earlier one is unconfirmed.
import { expect, test } from "vitest";
import { waves } from "../../src/messaging/relay.ts";
import type { ChangeEvent } from "../../src/storage/outbox.ts";

const event = (id: number, resource: string, recordId: string): ChangeEvent => ({
  id: String(id),
  resource,
  recordId,
  action: "update",
  revisionId: null,
  revisionNumber: null,
  actorId: null,
  at: "2026-01-01T00:00:00.000Z",
  changed: [],
});
const ids = (page: ChangeEvent[][]) => page.map((wave) => wave.map((e) => Number(e.id)));

test("distinct records: one wave, in order", () => {
  expect(ids(waves([event(1, "tag", "1"), event(2, "tag", "2"), event(3, "post", "1")]))).toEqual([[1, 2, 3]]);
});

test("a record seen again starts a new wave; the same id in two resources is two records", () => {
  const page = [
    event(1, "tag", "1"),
    event(2, "post", "1"),
    event(3, "tag", "2"),
    event(4, "tag", "1"),
    event(5, "tag", "3"),
    event(6, "tag", "1"),
  ];
  expect(ids(waves(page))).toEqual([[1, 2, 3], [4, 5], [6]]);
  expect(waves([])).toEqual([]);
});
