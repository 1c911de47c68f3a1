// The server over real sockets: boot on DATABASE_URL, health and readiness, JSON 404s, graceful
// shutdown that lets an in-flight request finish and then closes the database.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../schema/index.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";

let demo: TestServer;
let testDb: TestDatabase;
let running: RunningServer;
beforeAll(async () => {
  demo = await startTestServer({ env: { DEV_ACTOR: ADMIN_DEV_ACTOR } });
  ({ testDb, running } = demo);
});
afterAll(() => demo?.close());

describe("server", () => {
  it("answers health, readiness and an index of the API", async () => {
    expect(await (await fetch(`${running.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    const index = (await (await fetch(`${running.url}/`)).json()) as { resources: string[] };
    expect(index.resources).toEqual([
      "/api/users",
      "/api/posts",
      "/api/comments",
      "/api/tags",
      "/api/tickets",
      "/api/ticketReplies",
    ]);
  });

  it("serves GraphQL and REST from the seeded database", async () => {
    const rest = await fetch(`${running.url}/api/users?range=[0,4]`);
    expect(rest.headers.get("content-range")).toBe("users 0-4/40");
    const gql = await fetch(`${running.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ usersCount postsCount }" }),
    });
    expect(await gql.json()).toEqual({ data: { usersCount: 40, postsCount: 320 } });
  });

  it("answers an unknown route with a JSON 404", async () => {
    const response = await fetch(`${running.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("/nope") });
  });

  it("refuses to boot on bad definitions, naming the path", async () => {
    await expect(
      startServer({
        resources: [{ model: "Post", fields: { titel: {} } }],
        config: loadConfig({ PORT: "0", DATABASE_URL: testDb.url }),
        logger: pino({ level: "silent" }),
      }),
    ).rejects.toThrow(/post\.fields\.titel: model Post has no field "titel"/);
  });

  it("shuts down gracefully: an in-flight request finishes, new connections are refused", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    running.runtime.on("tag").before("create", async () => {
      entered();
      await gate;
    });
    const inFlight = fetch(`${running.url}/api/tags`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "in-flight" }),
    });
    await inside;
    const closing = running.close();
    release();
    const response = await inFlight;
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ name: "in-flight" });
    await closing;
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  });

  it("ends open event streams at shutdown instead of waiting out the grace period", async () => {
    const db = await createTestDatabase();
    const server = await startServer({
      resources,
      config: loadConfig({ PORT: "0", DATABASE_URL: db.url, SEED: "false" }),
      logger: pino({ level: "silent" }),
    });
    try {
      const response = await fetch(`${server.url}/api/posts/events`, { headers: { accept: "text/event-stream" } });
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("event: ready");
      // A grace far beyond the test's timeout: only ending the stream lets close() resolve in time.
      await server.close(600_000);
      let ended = false;
      while (!ended) ended = (await reader.read()).done;
      expect(ended).toBe(true);
    } finally {
      await server.close();
      await db.drop();
    }
  }, 30_000);
});
