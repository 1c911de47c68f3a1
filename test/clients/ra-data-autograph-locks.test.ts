// clients/ra-data-autograph's record lock methods (ra-realtime's lock, unlock, getLock, getLocks) over
// real HTTP: the app listens on a socket, react-admin's own fetchUtils.fetchJson carries every call, two
// users each have their provider (an API key each), and each step checks the RecordLock table.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { fetchUtils, HttpError } from "ra-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AutographDataProvider, autographDataProvider } from "../../clients/ra-data-autograph/index.ts";
import { createApp } from "../../src/server/app.ts";
import { createActorResolver, parseActor } from "../../src/server/auth.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
let server: Server;
/** Editors 3 (julien) and 4 (ada), each with their own provider. */
let julien: AutographDataProvider;
let ada: AutographDataProvider;

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const resolveActor = await createActorResolver({
    apiKeys: { "key-julien": parseActor("3:editor"), "key-ada": parseActor("4:editor") },
  });
  const app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), resolveActor });
  server = createServer(app.requestListener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  const as = (key: string) =>
    autographDataProvider(apiUrl, (url, options = {}) => {
      const headers = new Headers(options.headers as HeadersInit | undefined);
      headers.set("X-API-Key", key);
      return fetchUtils.fetchJson(url, { ...options, headers });
    });
  julien = as("key-julien");
  ada = as("key-ada");
});
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await t?.close();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const lockRow = (id: unknown) =>
  t.db.prisma.recordLock.findUnique({ where: { resource_recordId: { resource: "post", recordId: String(id) } } });

async function httpError(call: Promise<unknown>): Promise<HttpError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpError)) throw new Error(`Expected an HttpError, got ${String(error)}`);
  return error;
}

describe("lock, getLock, getLocks and unlock", () => {
  it("answer ra-realtime's lock shapes, with the record's id as react-admin compares it", async () => {
    const post = (await julien.create("posts", { data: { title: "Locked through the provider", authorId: 3 } })).data;
    // identity is not sent: the owner is the signed-in user.
    const { data: lock } = await julien.lock("posts", { id: post.id, identity: "someone-else" });
    expect(lock).toEqual({
      id: expect.any(String),
      resource: "posts",
      recordId: post.id,
      identity: "3",
      createdAt: expect.stringMatching(ISO),
      expiresAt: expect.stringMatching(ISO),
    });
    const row = await lockRow(post.id);
    expect(row).toMatchObject({ id: lock.id, ownerId: "3" });
    expect(row?.expiresAt.toISOString()).toBe(lock.expiresAt);

    expect(await ada.getLock("posts", { id: post.id })).toEqual({ data: lock });
    const { data: locks } = await ada.getLocks("posts");
    expect(locks.find((l) => l.recordId === post.id)).toEqual(lock);

    // Another user cannot lock it, nor change it: a 409 naming the owner.
    const refused = await httpError(ada.lock("posts", { id: post.id, identity: "4" }));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ details: { ownerId: "3", expiresAt: lock.expiresAt } });
    const update = await httpError(
      ada.update("posts", { id: post.id, data: { title: "Not yours" }, previousData: post }),
    );
    expect(update.status).toBe(409);

    // meta.ttlSeconds renews with another lifetime.
    const { data: renewed } = await julien.lock("posts", { id: post.id, identity: "3", meta: { ttlSeconds: 30 } });
    expect(renewed.id).toBe(lock.id);
    const after = await lockRow(post.id);
    expect((after?.expiresAt.getTime() ?? 0) - Date.parse(lock.createdAt)).toBeGreaterThan(0);

    expect(await julien.unlock("posts", { id: post.id, identity: "3" })).toEqual({
      data: { resource: "posts", recordId: post.id },
    });
    expect(await lockRow(post.id)).toBeNull();
    expect(await ada.getLock("posts", { id: post.id })).toEqual({ data: undefined });
    expect((await ada.getLocks("posts")).data.some((l) => l.recordId === post.id)).toBe(false);
    expect(
      (await ada.update("posts", { id: post.id, data: { title: "Now mine to edit" }, previousData: post })).data,
    ).toMatchObject({ title: "Now mine to edit" });
  });
});
