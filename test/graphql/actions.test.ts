// Custom actions over GraphQL (the REST side is rest-dialect.md §27, test/rest/actions.test.ts): the
// demo's closeTicket mutation and statsTickets query, run through the runtime like every write: the
// rule, the record inside the actor's tenant and scope, the input, one transaction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/runtime/context.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { graphqlClient } from "./client.ts";

let t: TestRuntime;
const acmeAgent: Actor = { id: "agent-1", roles: ["agent"], tenantId: "acme" };
let acmeCustomer: Actor;

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const first = await t.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme" }, orderBy: { id: "asc" } });
  acmeCustomer = { id: String(first.reporterId), roles: ["customer"], tenantId: "acme" };
});
afterAll(() => t?.close());

const CLOSE = `mutation ($id: ID!, $input: CloseTicketInput!) {
  closeTicket(id: $id, input: $input) { id status version internalNote replies { body } }
}`;

const openTicket = (tenantId = "acme") =>
  t.db.prisma.ticket.findFirstOrThrow({
    where: { tenantId, status: { not: "closed" }, deletedAt: null },
    orderBy: { id: "desc" },
  });

describe("closeTicket (a record mutation)", () => {
  it("closes the ticket, adds the reply, and answers the record read back with its relations", async () => {
    const ticket = await openTicket();
    const revisions = await t.db.prisma.revision.count({ where: { resource: "ticket", recordId: String(ticket.id) } });
    const data = await graphqlClient(t, { actor: acmeAgent }).data<{ closeTicket: Record<string, unknown> }>(CLOSE, {
      id: String(ticket.id),
      input: { resolution: "Replaced the cable" },
    });
    expect(data.closeTicket).toMatchObject({ id: String(ticket.id), status: "closed", version: ticket.version + 1 });
    expect(data.closeTicket.replies).toContainEqual({ body: "Resolution: Replaced the cable" });
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).status).toBe("closed");
    expect(await t.db.prisma.revision.count({ where: { resource: "ticket", recordId: String(ticket.id) } })).toBe(
      revisions + 1,
    );
    expect(
      await t.db.prisma.event.count({ where: { resource: "ticket", recordId: String(ticket.id), action: "patch" } }),
    ).toBe(1);
  });

  it("an invalid input is BAD_REQUEST with a message per field; GraphQL's own types are checked first", async () => {
    const ticket = await openTicket();
    const client = graphqlClient(t, { actor: acmeAgent });
    const error = await client.error(CLOSE, { id: String(ticket.id), input: { resolution: "ok" } });
    expect(error.extensions?.code).toBe("BAD_REQUEST");
    expect(Object.keys(error.extensions?.fields ?? {})).toEqual(["resolution"]);
    const typed = await client.error(CLOSE, { id: String(ticket.id), input: { resolution: 42 } });
    expect(typed.message).toMatch(/String cannot represent a non string value/);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).status).toBe(ticket.status);
  });

  it("a role the rule leaves out is FORBIDDEN; another tenant's ticket is NOT_FOUND; nothing is written", async () => {
    const own = await t.db.prisma.ticket.findFirstOrThrow({ where: { reporterId: Number(acmeCustomer.id) } });
    const denied = await graphqlClient(t, { actor: acmeCustomer }).error(CLOSE, {
      id: String(own.id),
      input: { resolution: "Fixed" },
    });
    expect(denied.extensions?.code).toBe("FORBIDDEN");
    const globex = await openTicket("globex");
    const hidden = await graphqlClient(t, { actor: acmeAgent }).error(CLOSE, {
      id: String(globex.id),
      input: { resolution: "Fixed" },
    });
    expect(hidden.extensions?.code).toBe("NOT_FOUND");
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: own.id } })).status).toBe(own.status);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: globex.id } })).status).toBe(globex.status);
  });

  it("a handler that fails after its first write rolls it back, and the client sees INTERNAL", async () => {
    const ticket = await openTicket();
    const hooks = t.runtime.on("ticketReply").before("create", () => {
      throw new Error("the mail server is down");
    });
    const client = graphqlClient(t, { actor: acmeAgent });
    try {
      const error = await client.error(CLOSE, { id: String(ticket.id), input: { resolution: "Fixed it" } });
      expect(error.extensions?.code).toBe("INTERNAL");
      expect(error.message).toBe("Unexpected error.");
    } finally {
      hooks.off();
    }
    const row = await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect([row.status, row.version]).toEqual([ticket.status, ticket.version]);
    expect(client.unexpected).toHaveLength(1);
  });
});

describe("statsTickets (a collection query with a declared output)", () => {
  it("answers the declared object, counted inside the actor's tenant", async () => {
    const data = await graphqlClient(t, { actor: acmeAgent }).data<{ statsTickets: Record<string, number> }>(
      "{ statsTickets { open pending closed } }",
    );
    const count = (status: "open" | "pending" | "closed") =>
      t.db.prisma.ticket.count({ where: { tenantId: "acme", deletedAt: null, status } });
    expect(data.statsTickets).toEqual({
      open: await count("open"),
      pending: await count("pending"),
      closed: await count("closed"),
    });
    const anonymous = await graphqlClient(t).error("{ statsTickets { open } }");
    expect(anonymous.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
