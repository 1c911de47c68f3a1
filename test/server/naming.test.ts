// rest-dialect.md §25 naming conventions, through the demo server: the demo sets kebab-case once
// (demo/schema/define.ts), so TicketReply is served at /api/ticket-replies and named so everywhere a
// REST client meets it (routes, Content-Range, /api/_meta, OpenAPI, event streams, backups), while its
// GraphQL names stay ticketReplies / TicketReply. Then a per-resource override and a function, over the
// same database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { resources } from "../../demo/schema/index.ts";
import { createGraphQLHandler } from "../../src/graphql/handler.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRestHandler } from "../../src/rest/handler.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import type { SchemaDescription } from "../../src/runtime/describe.ts";
import { createStore } from "../../src/storage/store.ts";
import { openStream } from "../support/event-source.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let demo: TestServer;
let url: string;
let acmeTicket: number;
beforeAll(async () => {
  // Anonymous requests act as an admin of tenant acme (replies take the writer's tenant).
  demo = await startTestServer({ env: { DEV_ACTOR: "1:admin@acme" } });
  url = demo.running.url;
  acmeTicket = (await demo.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme" }, orderBy: { id: "asc" } }))
    .id;
});
afterAll(() => demo?.close());

const json = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${url}${path}`, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
};
const graphql = (query: string) =>
  json("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
const post = (path: string, body: unknown) =>
  json(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("§25 the demo's kebab-case paths", () => {
  it("serves TicketReply at /api/ticket-replies: list, create, read; the old path is a 404 naming the new one", async () => {
    const live = await demo.db.prisma.ticketReply.count({ where: { deletedAt: null } });
    const list = await json("/api/ticket-replies?range=[0,4]");
    expect(list.status).toBe(200);
    expect(list.headers.get("content-range")).toBe(`ticket-replies 0-4/${live}`);

    const created = await post("/api/ticket-replies", { ticketId: acmeTicket, body: "kebab reply" });
    expect(created.status).toBe(201);
    const row = await demo.db.prisma.ticketReply.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row).toMatchObject({ ticketId: acmeTicket, body: "kebab reply", tenantId: "acme" });
    expect((await json(`/api/ticket-replies/${row.id}`)).body).toMatchObject({ id: row.id, body: "kebab reply" });

    const old = await json("/api/ticketReplies");
    expect(old.status).toBe(404);
    expect(old.body.message).toContain("/api/ticket-replies");
  });

  it("keeps the GraphQL names: ticketReplies, ticketRepliesCount, TicketReply, createTicketReply", async () => {
    const { body } = await graphql(
      `{ ticketReplies(where: { body: { contains: "kebab" } }) { body } ticketRepliesCount(where: { body: { contains: "kebab" } }) __type(name: "TicketReply") { name } }`,
    );
    expect(body).toEqual({
      data: { ticketReplies: [{ body: "kebab reply" }], ticketRepliesCount: 1, __type: { name: "TicketReply" } },
    });
    const created = await graphql(
      `mutation { createTicketReply(data: { ticketId: ${acmeTicket}, body: "graphql reply" }) { id body } }`,
    );
    expect(created.body.data?.createTicketReply?.body).toBe("graphql reply");
    expect(await demo.db.prisma.ticketReply.count({ where: { body: "graphql reply" } })).toBe(1);
  });

  it("describes it in /api/_meta by its path; relations to it name the path too", async () => {
    const meta = (await json("/api/_meta")).body as SchemaDescription;
    const reply = meta.resources.find((r) => r.name === "ticketReply");
    expect(reply).toMatchObject({
      name: "ticketReply",
      plural: "ticketReplies",
      path: "ticket-replies",
      url: "/api/ticket-replies",
      graphqlType: "TicketReply",
      label: { singular: "Ticket reply", plural: "Ticket replies" },
      features: { events: { path: "/api/ticket-replies/events" } },
    });
    const replies = meta.resources.find((r) => r.name === "ticket")?.relations.find((r) => r.name === "replies");
    expect(replies?.target).toEqual({ name: "ticketReply", path: "ticket-replies" });
  });

  it("documents it in OpenAPI under the path, never the plural", async () => {
    const doc = (await json("/api/openapi.json")).body as { paths: Record<string, unknown>; tags: { name: string }[] };
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(expect.arrayContaining(["/ticket-replies", "/ticket-replies/{id}", "/ticket-replies/batch"]));
    expect(paths.filter((p) => p.includes("ticketReplies"))).toEqual([]);
    expect(doc.tags.map((t) => t.name)).toContain("ticket-replies");
  });

  it("names it by its path in event streams, their `resources` filter and backups", async () => {
    const stream = openStream(`${url}/api/events?resources=ticket-replies`);
    try {
      await stream.ready;
      const created = await post("/api/ticket-replies", { ticketId: acmeTicket, body: "streamed reply" });
      const [change] = await stream.waitFor(1);
      expect(change?.data).toMatchObject({ resource: "ticket-replies", action: "create", id: created.body.id });
    } finally {
      stream.close();
    }
    const events = await json("/api/events?resources=ticketReplies");
    expect(events.status).toBe(400);
    expect(events.body.message).toContain("Resources: users, posts, comments, tags, tickets, ticket-replies.");
    const dump = await json("/api/_dump?resources=ticketReplies");
    expect(dump.status).toBe(400);
    expect(dump.body.message).toContain("users, posts, comments, tags, tickets, ticket-replies");
  });
});

describe("§25 a resource's own naming and a naming function", () => {
  it("overrides the project's convention per resource; a function names the path; GraphQL stays", async () => {
    const definitions = resources.map((r) =>
      r.model === "TicketReply"
        ? { ...r, naming: "snake" as const }
        : r.model === "Tag"
          ? { ...r, naming: ({ model }: { model: string }) => `${model.toLowerCase()}-list` }
          : r,
    );
    const runtime = createRuntime({ schema: resolveResources(definitions, datamodel), store: createStore(demo.db) });
    const actor = { id: "1", roles: ["admin"], tenantId: "acme" };
    const rest = createRestHandler({ runtime, contextFor: () => runtime.context({ actor }) });
    const get = (path: string) => rest.fetch(new Request(`http://test${path}`));

    const tags = await demo.db.prisma.tag.count();
    const list = await get("/api/tag-list?range=[0,0]");
    expect(list.status).toBe(200);
    expect(list.headers.get("content-range")).toBe(`tag-list 0-0/${tags}`);
    expect((await get("/api/ticket_replies?range=[0,0]")).status).toBe(200);
    expect((await get("/api/ticket-replies")).status).toBe(404);
    const meta = (await (await get("/api/_meta")).json()) as SchemaDescription;
    expect(meta.resources.map((r) => r.path)).toEqual([
      "users",
      "posts",
      "comments",
      "tag-list",
      "tickets",
      "ticket_replies",
    ]);

    const gql = createGraphQLHandler({ runtime, contextFor: () => runtime.context({ actor }) });
    const answer = await gql.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: '{ tagsCount ticketRepliesCount(where: { body: { contains: "kebab" } }) }' }),
      }),
    );
    expect(await answer.json()).toEqual({ data: { tagsCount: tags, ticketRepliesCount: 1 } });
  });

  it("a path the facade uses itself (§1.4) stops the REST handler at boot, saying to set naming", () => {
    const definitions = resources.map((r) => (r.model === "Tag" ? { ...r, naming: () => "events" } : r));
    const runtime = createRuntime({ schema: resolveResources(definitions, datamodel), store: createStore(demo.db) });
    expect(() => createRestHandler({ runtime, contextFor: () => runtime.context() })).toThrow(
      'REST: resource "tag" has the path "events", which the REST facade uses itself; set `naming` or `plural` on the resource.',
    );
  });
});
