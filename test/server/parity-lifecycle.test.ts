// Parity of the record lifecycle: the same questions about the trash, revisions, time travel
// and batches asked through REST and through GraphQL get the same answers, and they are the database's.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extensions } from "../../demo/schema/extensions.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let app: App;
let postId: number;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  app = createApp({
    runtime: t.runtime,
    logger: pino({ level: "silent" }),
    graphqlExtensions: extensions,
    // The demo's back office: writes need a signed-in actor with a role.
    resolveActor: async () => ADMIN,
  });
  // One history, written through both transports: created over REST, changed over GraphQL, trashed over REST.
  const created = await rest("POST", "/api/posts", { title: "Parity of lives", authorId: 3 });
  postId = (created.body as { id: number }).id;
  await gql(`mutation { updatePost(id: ${postId}, data: { title: "Parity of lives, edited", views: 7 }) { id } }`);
  await rest("DELETE", `/api/posts/${postId}`);
});
afterAll(() => t?.close());

async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await app.fetch(
    new Request(`http://test${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  return { status: response.status, body: await response.json() };
}

async function gql<T = Record<string, unknown>>(query: string): Promise<T> {
  const response = await app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    }),
  );
  const body = (await response.json()) as { data?: T; errors?: unknown };
  expect(body.errors, query).toBeUndefined();
  return body.data as T;
}

describe("the same lifecycle answers on both transports", () => {
  it("custom actions (§27): a record action and a collection query answer the same, and write the same", async () => {
    // The help desk's actions act as an agent of one tenant (the admin role has no tenant for the reply).
    const agent = { id: "agent-1", roles: ["agent"], tenantId: "acme" };
    const helpDesk = createApp({
      runtime: t.runtime,
      logger: pino({ level: "silent" }),
      resolveActor: async () => agent,
    });
    const send = async (path: string, body: unknown) => {
      const response = await helpDesk.fetch(
        new Request(`http://test${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const rest = (_method: string, path: string, body?: unknown) => send(path, body ?? {});
    const gql = async <T>(query: string) => {
      const { body } = await send("/graphql", { query });
      expect(body.errors, query).toBeUndefined();
      return body.data as T;
    };
    const [a, b] = await t.db.prisma.ticket.findMany({
      where: { tenantId: "acme", status: { not: "closed" }, deletedAt: null },
      orderBy: { id: "asc" },
      take: 2,
    });
    if (!a || !b) throw new Error("the seed has open tickets");
    const viaRest = await rest("POST", `/api/tickets/${a.id}/close`, { resolution: "Same on both" });
    const viaGraphQL = await gql<{ closeTicket: Record<string, unknown> }>(
      `mutation { closeTicket(id: ${b.id}, input: { resolution: "Same on both" }) { id status version tenantId title } }`,
    );
    expect(viaRest.status).toBe(200);
    const restRecord = viaRest.body as Record<string, unknown>;
    const pick = (r: Record<string, unknown>) => [r.status, r.version, r.tenantId, r.title];
    const row = (id: number) => t.db.prisma.ticket.findUniqueOrThrow({ where: { id } });
    expect(pick(restRecord)).toEqual(pick(await row(a.id)));
    expect(pick(viaGraphQL.closeTicket)).toEqual(pick(await row(b.id)));
    expect([restRecord.status, viaGraphQL.closeTicket.status]).toEqual(["closed", "closed"]);
    for (const id of [a.id, b.id]) {
      const events = await t.db.prisma.event.findMany({ where: { resource: "ticket", recordId: String(id) } });
      expect(events.map((e) => e.action)).toEqual(["patch"]);
      const reply = await t.db.prisma.ticketReply.findFirstOrThrow({
        where: { ticketId: id },
        orderBy: { createdAt: "desc" },
      });
      expect(reply.body).toBe("Resolution: Same on both");
    }
    const stats = (await rest("POST", "/api/tickets/stats")).body;
    const statsGql = (await gql<{ statsTickets: unknown }>("{ statsTickets { open pending closed } }")).statsTickets;
    const count = (status: "open" | "pending" | "closed") =>
      t.db.prisma.ticket.count({ where: { tenantId: "acme", status, deletedAt: null } });
    expect(stats).toEqual(statsGql);
    expect(stats).toEqual({
      open: await count("open"),
      pending: await count("pending"),
      closed: await count("closed"),
    });
  });

  it("the trash", async () => {
    const viaRest = await rest("GET", "/api/posts?deleted=only&range=[0,999]");
    const viaGraphQL = await gql<{ posts: { id: string }[]; postsCount: number }>(
      `{ posts(deleted: ONLY, take: 1000) { id } postsCount(deleted: ONLY) }`,
    );
    const inDb = await t.db.prisma.post.findMany({
      where: { deletedAt: { not: null } },
      select: { id: true },
      orderBy: { id: "asc" },
    });
    const ids = inDb.map((p) => p.id);
    expect((viaRest.body as { id: number }[]).map((p) => p.id).sort((a, b) => a - b)).toEqual(ids);
    expect(viaGraphQL.posts.map((p) => Number(p.id)).sort((a, b) => a - b)).toEqual(ids);
    expect(viaGraphQL.postsCount).toBe(ids.length);
    expect(ids).toContain(postId);
  });

  it("revisions, one revision and time travel", async () => {
    const viaRest = (await rest("GET", `/api/posts/${postId}/revisions`)).body as {
      number: number;
      action: string;
      actorId: string;
      data: { title: string };
    }[];
    const viaGraphQL = (
      await gql<{ postRevisions: { number: number; action: string; actorId: string; data: { title: string } }[] }>(
        `{ postRevisions(id: ${postId}) { number action actorId data { title } } }`,
      )
    ).postRevisions;
    const inDb = await t.db.prisma.revision.findMany({
      where: { resource: "post", recordId: String(postId) },
      orderBy: { number: "asc" },
    });
    const shape = (r: { number: number; action: string; actorId: string | null; data: unknown }) => [
      r.number,
      r.action,
      r.actorId,
      (r.data as { title: string }).title,
    ];
    expect(viaRest.map(shape)).toEqual(inDb.map(shape));
    expect(viaGraphQL.map(shape)).toEqual(inDb.map(shape));
    expect(inDb.map((r) => r.action)).toEqual(["create", "patch", "delete"]);

    const asOfRest = (await rest("GET", `/api/posts/${postId}?asOf=1&deleted=include`)).body as { title: string };
    const asOfGraphQL = (
      await gql<{ postAsOf: { title: string } }>(
        `{ postAsOf(id: ${postId}, deleted: INCLUDE, asOf: { revision: 1 }) { title } }`,
      )
    ).postAsOf;
    expect(asOfRest.title).toBe("Parity of lives");
    expect(asOfGraphQL.title).toBe(asOfRest.title);
  });

  it("restore through one transport is seen by the other; the revision says so", async () => {
    const restored = await gql<{ restorePost: { id: string; deletedAt: string | null } }>(
      `mutation { restorePost(id: ${postId}) { id deletedAt } }`,
    );
    expect(restored.restorePost.deletedAt).toBeNull();
    expect((await rest("GET", `/api/posts/${postId}`)).status).toBe(200);
    const revisions = (await rest("GET", `/api/posts/${postId}/revisions`)).body as { action: string }[];
    expect(revisions.at(-1)?.action).toBe("restore");
  });

  it("a partial batch reports the same outcome per item on both, and writes the same rows", async () => {
    const items = [{ name: "parity-rest-ok" }, { name: "Not A Slug" }];
    const viaRest = await rest("POST", "/api/tags/batch?partial=true", items);
    expect(viaRest.status).toBe(207);
    const viaGraphQL = await gql<{
      createTags: { succeeded: { index: number }[]; failed: { index: number; code: string }[] };
    }>(
      `mutation { createTags(data: [{ name: "parity-graphql-ok" }, { name: "Not A Slug" }], partial: true) { succeeded { index } failed { index code } } }`,
    );
    const restBody = viaRest.body as {
      succeeded: { index: number }[];
      failed: { index: number; error: { code: string } }[];
    };
    expect(restBody.succeeded.map((s) => s.index)).toEqual(viaGraphQL.createTags.succeeded.map((s) => s.index));
    expect(restBody.failed.map((f) => [f.index, f.error.code])).toEqual(
      viaGraphQL.createTags.failed.map((f) => [f.index, f.code]),
    );
    expect(await t.db.prisma.tag.count({ where: { name: { in: ["parity-rest-ok", "parity-graphql-ok"] } } })).toBe(2);
  });

  it("§28 a nested create writes the same rows through either transport", async () => {
    const viaRest = await rest("POST", "/api/posts", {
      title: "Parity nested REST",
      author: { connect: { id: 3 } },
      tags: { connect: [{ id: 1 }], create: [{ name: "parity-nested-rest" }] },
    });
    expect(viaRest.status).toBe(201);
    const viaGraphQL = await gql<{ createPost: { id: string } }>(
      `mutation { createPost(data: { title: "Parity nested GraphQL", author: { connect: { id: "3" } }, tags: { connect: [{ id: "1" }], create: [{ name: "parity-nested-graphql" }] } }) { id } }`,
    );
    const shape = async (id: number) => {
      const post = await t.db.prisma.post.findUniqueOrThrow({
        where: { id },
        include: { tags: { include: { tag: true } } },
      });
      const event = await t.db.prisma.event.findFirstOrThrow({ where: { resource: "post", recordId: String(id) } });
      return {
        authorId: post.authorId,
        tags: post.tags.map((l) => l.tag.name.replace(/-(rest|graphql)$/, "")).sort(),
        changed: event.changed.includes("tags"),
      };
    };
    const fromRest = await shape((viaRest.body as { id: number }).id);
    expect(fromRest).toEqual({ authorId: 3, tags: expect.arrayContaining(["parity-nested"]), changed: true });
    expect(await shape(Number(viaGraphQL.createPost.id))).toEqual(fromRest);
  });
});
