// The server over real sockets: boot on DATABASE_URL, health and readiness, JSON 404s, graceful
// shutdown that lets an in-flight request finish and then closes the database.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { demoPrisma } from "../support/demo-database.ts";
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
      "/api/ticket-replies",
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

  it("seeds every record of a resource keeping revisions with its first revision", async () => {
    const current = await (await fetch(`${running.url}/api/posts/1`)).json();
    const revisions = (await (await fetch(`${running.url}/api/posts/1/revisions`)).json()) as Record<string, unknown>[];
    expect(revisions).toMatchObject([{ number: 1, parentNumber: null, action: "create", status: "stable" }]);
    const asOf = await fetch(`${running.url}/api/posts/1?asOf=1`);
    expect(asOf.status).toBe(200);
    expect(await asOf.json()).toEqual(current);
    const reverted = await fetch(`${running.url}/api/posts/2/revert/1`, { method: "POST" });
    expect(reverted.status).toBe(200);
    const after = (await (await fetch(`${running.url}/api/posts/2/revisions`)).json()) as { action: string }[];
    expect(after.map((r) => r.action)).toEqual(["create", "revert"]);
    const [revisionRows, revisedRecords] = await Promise.all([
      demo.db.prisma.revision.count({ where: { number: 1, action: "create" } }),
      Promise.all([demo.db.prisma.post.count(), demo.db.prisma.tag.count(), demo.db.prisma.ticket.count()]),
    ]);
    expect(revisionRows).toBe(revisedRecords.reduce((a, b) => a + b, 0));
  });

  it("refuses to boot on a schema without Autograph's own tables, naming them", async () => {
    const models = demoPrisma.datamodel.models.filter((m) => m.name !== "Event");
    await expect(
      startServer({
        ...demoPrisma,
        datamodel: { ...demoPrisma.datamodel, models },
        resources,
        config: loadConfig({ PORT: "0", DATABASE_URL: testDb.url }),
        logger: pino({ level: "silent" }),
      }),
    ).rejects.toThrow(/lacks Autograph's own tables: model Event is missing\. Copy the models Revision, Event/);
  });

  it("answers an unknown route with a JSON 404", async () => {
    const response = await fetch(`${running.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("/nope") });
  });

  it("refuses to boot on bad definitions, naming the path", async () => {
    await expect(
      startServer({
        ...demoPrisma,
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
      ...demoPrisma,
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
