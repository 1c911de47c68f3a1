// Custom actions over REST (rest-dialect.md §27): the demo's POST /api/tickets/:id/close (a record
// mutation, agents only) and POST /api/tickets/stats (a collection query with a declared output), run
// through the runtime: the rule, the record inside the actor's tenant and scope, the input, one
// transaction whose writes leave revisions and change events, hooks that see the action's name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestHandler, type RestHandler } from "../../src/rest/handler.ts";
import type { Actor } from "../../src/runtime/context.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
let rest: RestHandler;
const unexpected: unknown[] = [];
const acmeAgent: Actor = { id: "agent-1", roles: ["agent"], tenantId: "acme" };
const globexAgent: Actor = { id: "agent-2", roles: ["agent"], tenantId: "globex" };
let acmeCustomer: Actor;
const actors: Record<string, Actor> = {};

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const reporter = await t.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme" }, orderBy: { id: "asc" } });
  acmeCustomer = { id: String(reporter.reporterId), roles: ["customer"], tenantId: "acme" };
  Object.assign(actors, { acmeAgent, globexAgent, acmeCustomer });
  rest = createRestHandler({
    runtime: t.runtime,
    contextFor: (request) => {
      const actor = actors[request.headers.get("x-actor") ?? ""];
      return t.runtime.context(actor ? { actor } : {});
    },
    onUnexpectedError: (error) => unexpected.push(error),
  });
});
afterAll(() => t?.close());

const post = (actor: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  rest.fetch(
    new Request(`http://test${path}`, {
      method: "POST",
      headers: { "x-actor": actor, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );

/** An open acme ticket of no customer in particular. */
async function openTicket(tenantId = "acme") {
  return t.db.prisma.ticket.findFirstOrThrow({
    where: { tenantId, status: { not: "closed" }, deletedAt: null },
    orderBy: { id: "desc" },
  });
}

const revisionsOf = (id: number) => t.db.prisma.revision.count({ where: { resource: "ticket", recordId: String(id) } });

describe("§27.1 a record action", () => {
  it("closes the ticket and adds the resolution reply in one transaction, with a revision and change events", async () => {
    const ticket = await openTicket();
    const revisionsBefore = await revisionsOf(ticket.id);
    const eventsBefore = await t.db.prisma.event.count({ where: { resource: "ticket", recordId: String(ticket.id) } });
    const response = await post("acmeAgent", `/api/tickets/${ticket.id}/close`, {
      resolution: "  Reset the password  ",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: ticket.id, status: "closed", version: ticket.version + 1 });
    expect(response.headers.get("etag")).toBe(`"${ticket.version + 1}"`);
    const row = await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect(row.status).toBe("closed");
    expect(row.updatedBy).toBe("agent-1");
    const reply = await t.db.prisma.ticketReply.findFirstOrThrow({
      where: { ticketId: ticket.id },
      orderBy: { createdAt: "desc" },
    });
    expect(reply.body).toBe("Resolution: Reset the password");
    expect(await revisionsOf(ticket.id)).toBe(revisionsBefore + 1);
    const events = await t.db.prisma.event.findMany({ where: { resource: "ticket", recordId: String(ticket.id) } });
    expect(events.length).toBe(eventsBefore + 1);
    expect(events.at(-1)).toMatchObject({ action: "patch", actorId: "agent-1" });
    expect(await t.db.prisma.event.count({ where: { resource: "ticketReply", recordId: reply.id } })).toBe(1);
  });

  it("a handler that throws after a write rolls every write back (§27.4)", async () => {
    const ticket = await openTicket();
    const hooks = t.runtime.on("ticketReply").before("create", () => {
      throw new Error("the mail server is down");
    });
    try {
      const response = await post("acmeAgent", `/api/tickets/${ticket.id}/close`, { resolution: "Fixed it" });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: "Internal server error", code: "INTERNAL" });
    } finally {
      hooks.off();
    }
    const row = await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect(row.status).toBe(ticket.status);
    expect(row.version).toBe(ticket.version);
    expect(
      await t.db.prisma.event.count({
        where: { resource: "ticket", recordId: String(ticket.id), createdAt: { gt: ticket.updatedAt } },
      }),
    ).toBe(0);
    // An AppError the handler throws reaches the client as it is (the demo refuses a closed ticket).
    await post("acmeAgent", `/api/tickets/${ticket.id}/close`, { resolution: "Fixed it" });
    const again = await post("acmeAgent", `/api/tickets/${ticket.id}/close`, { resolution: "Fixed it" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "CONFLICT", message: "This ticket is closed already." });
  });

  it("hooks of `action` see the action's name, input and record", async () => {
    const ticket = await openTicket();
    const seen: unknown[] = [];
    const hooks = t.runtime
      .on("ticket")
      .before("action", (op) => {
        seen.push(["before", op.name, op.id, op.input, op.existing?.status]);
      })
      .after("action", (op) => {
        seen.push(["after", op.name, (op.result as { status: string }).status]);
      })
      .onSuccess("action", (op) => {
        seen.push(["onSuccess", op.name]);
      });
    try {
      expect((await post("acmeAgent", `/api/tickets/${ticket.id}/close`, { resolution: "Done!" })).status).toBe(200);
    } finally {
      hooks.off();
    }
    expect(seen).toEqual([
      ["before", "close", ticket.id, { resolution: "Done!" }, ticket.status],
      ["after", "close", "closed"],
      ["onSuccess", "close"],
    ]);
  });
});

describe("§27.2 input", () => {
  it("an invalid input is a 400 with a message per field, and nothing is written", async () => {
    const ticket = await openTicket();
    const response = await post("acmeAgent", `/api/tickets/${ticket.id}/close`, { resolution: "x" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string; code: string; errors: Record<string, string> };
    expect(body.code).toBe("BAD_REQUEST");
    expect(body.message).toMatch(/^Invalid input of close: resolution: /);
    expect(Object.keys(body.errors)).toEqual(["resolution"]);
    const missing = await post("acmeAgent", `/api/tickets/${ticket.id}/close`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: Record<string, string> }).errors.resolution).toBeDefined();
    const notJson = await post("acmeAgent", `/api/tickets/${ticket.id}/close`, "[1]");
    expect(notJson.status).toBe(400);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).status).toBe(ticket.status);
  });

  it("a bad id, an unknown query parameter and If-Match are 400s; GET is a 405 naming the allowed method", async () => {
    expect((await post("acmeAgent", "/api/tickets/abc/close", { resolution: "Fixed" })).status).toBe(400);
    const ticket = await openTicket();
    expect((await post("acmeAgent", `/api/tickets/${ticket.id}/close?x=1`, { resolution: "Fixed" })).status).toBe(400);
    const ifMatch = await post(
      "acmeAgent",
      `/api/tickets/${ticket.id}/close`,
      { resolution: "Fixed" },
      { "If-Match": '"1"' },
    );
    expect(ifMatch.status).toBe(400);
    const get = await rest.fetch(
      new Request(`http://test/api/tickets/${ticket.id}/close`, { headers: { "x-actor": "acmeAgent" } }),
    );
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

describe("§27.3 access and scope", () => {
  it("a role the action's rule leaves out is a 403, anonymous a 401, before the record is looked at", async () => {
    const own = await t.db.prisma.ticket.findFirstOrThrow({ where: { reporterId: Number(acmeCustomer.id) } });
    const denied = await post("acmeCustomer", `/api/tickets/${own.id}/close`, { resolution: "Fixed" });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: "FORBIDDEN", message: "You may not close tickets." });
    expect((await post("anonymous", `/api/tickets/${own.id}/close`, { resolution: "Fixed" })).status).toBe(401);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: own.id } })).status).toBe(own.status);
  });

  it("a record of another tenant, a missing one and one in the trash are the same 404", async () => {
    const globex = await openTicket("globex");
    const other = await post("acmeAgent", `/api/tickets/${globex.id}/close`, { resolution: "Fixed" });
    expect(other.status).toBe(404);
    const missing = await post("acmeAgent", "/api/tickets/999999/close", { resolution: "Fixed" });
    expect(missing.status).toBe(404);
    expect(((await other.json()) as { message: string }).message).toBe(
      ((await missing.json()) as { message: string }).message.replace("999999", String(globex.id)),
    );
    const trashed = await openTicket();
    await t.runtime.service("ticket").delete(t.runtime.context({ actor: acmeAgent }), trashed.id);
    expect((await post("acmeAgent", `/api/tickets/${trashed.id}/close`, { resolution: "Fixed" })).status).toBe(404);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: globex.id } })).status).toBe(globex.status);
  });
});

describe("§27.5 a collection action with a declared output", () => {
  it("answers the output its schema declares, counted inside the actor's scope", async () => {
    const response = await post("acmeAgent", "/api/tickets/stats");
    expect(response.status).toBe(200);
    const stats = (await response.json()) as Record<string, number>;
    const count = (status: "open" | "pending" | "closed", where: object = {}) =>
      t.db.prisma.ticket.count({ where: { tenantId: "acme", deletedAt: null, status, ...where } });
    expect(stats).toEqual({
      open: await count("open"),
      pending: await count("pending"),
      closed: await count("closed"),
    });
    const mine = (await (await post("acmeCustomer", "/api/tickets/stats")).json()) as Record<string, number>;
    const reporterId = Number(acmeCustomer.id);
    expect(mine).toEqual({
      open: await count("open", { reporterId }),
      pending: await count("pending", { reporterId }),
      closed: await count("closed", { reporterId }),
    });
    expect((await post("anonymous", "/api/tickets/stats")).status).toBe(401);
    expect(unexpected.filter((e) => !String(e).includes("mail server"))).toEqual([]);
  });

  it("an unknown action is the router's 404", async () => {
    const ticket = await openTicket();
    expect((await post("acmeAgent", `/api/tickets/${ticket.id}/reopen`, {})).status).toBe(404);
  });
});
