// Access control, at the runtime: operation permissions (roles, admin bypass,
// checker functions), field read/write access, row scopes with hiddenWhenScoped fields and scoped
// writes, and multi-tenancy — checked against the database. The demo's help desk (schema/ticket.ts,
// schema/ticket-reply.ts) is the subject: tenants acme and globex; customers see their own tickets,
// agents their tenant's, the admin role everything.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import type { Actor } from "../../src/runtime/context.ts";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
let acmeCustomer: Actor;
let otherAcmeCustomer: Actor;
const acmeAgent: Actor = { id: "agent-1", roles: ["agent"], tenantId: "acme" };
const globexAgent: Actor = { id: "agent-2", roles: ["agent"], tenantId: "globex" };
const admin: Actor = { id: "root", roles: ["admin"] };
const anonymous: Actor = { id: undefined, roles: [] };

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const reporters = await t.db.prisma.ticket.groupBy({
    by: ["reporterId"],
    where: { tenantId: "acme" },
    orderBy: { reporterId: "asc" },
  });
  acmeCustomer = { id: String(reporters[0]?.reporterId), roles: ["customer"], tenantId: "acme" };
  otherAcmeCustomer = { id: String(reporters[1]?.reporterId), roles: ["customer"], tenantId: "acme" };
});
afterAll(() => t?.close());

const ctx = (actor: Actor) => t.runtime.context({ actor });
const tickets = () => t.runtime.service("ticket");

describe("operation permissions", () => {
  it("anonymous is a 401, a role without the permission a 403, and nothing is written", async () => {
    expect((await failure(tickets().list(ctx(anonymous)))).code).toBe("UNAUTHENTICATED");
    expect((await failure(tickets().count(ctx(anonymous)))).code).toBe("UNAUTHENTICATED");
    const own = await t.db.prisma.ticket.findFirstOrThrow({ where: { reporterId: Number(acmeCustomer.id) } });
    const denied = await failure(tickets().delete(ctx(acmeCustomer), own.id));
    expect(denied.code).toBe("FORBIDDEN");
    expect(denied.message).toBe("You may not delete tickets.");
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: own.id } })).deletedAt).toBeNull();
    // purge: false — not even agents; the admin role passes every rule.
    expect((await failure(tickets().purge(ctx(acmeAgent), own.id))).code).toBe("FORBIDDEN");
    expect(
      (
        await failure(
          t.runtime
            .service("ticketReply")
            .update(ctx(acmeAgent), "00000000-0000-4000-8000-000000000000", { body: "x" }),
        )
      ).code,
    ).toBe("FORBIDDEN");
  });

  it("a checker function sees the actor and the existing record", async () => {
    const seen: unknown[] = [];
    const definitions = resources.map(
      (d): ResourceDefinition =>
        d.model === "Post"
          ? {
              ...d,
              access: {
                read: true,
                create: "authenticated",
                update: ({ actor, existing }) => {
                  seen.push(existing?.authorId);
                  return String(existing?.authorId) === String(actor.id);
                },
                delete: ["editor"],
              },
            }
          : d,
    );
    const own = await createTestRuntime({ seed: true, resources: definitions });
    try {
      const posts = own.runtime.service("post");
      const post = await own.db.prisma.post.findFirstOrThrow({ where: { deletedAt: null }, orderBy: { id: "asc" } });
      const author: Actor = { id: String(post.authorId), roles: [] };
      const stranger: Actor = { id: "99999", roles: ["reader"] };
      expect((await failure(posts.patch(own.runtime.context({ actor: stranger }), post.id, { views: 1 }))).code).toBe(
        "FORBIDDEN",
      );
      await posts.patch(own.runtime.context({ actor: author }), post.id, { views: 12345 });
      expect(seen).toEqual([post.authorId, post.authorId]);
      expect((await own.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).views).toBe(12345);
      // revert follows update's rule; restore and purge follow delete's.
      expect((await failure(posts.revert(own.runtime.context({ actor: stranger }), post.id, 1))).code).toBe(
        "FORBIDDEN",
      );
      expect((await failure(posts.purge(own.runtime.context({ actor: author }), post.id))).code).toBe("FORBIDDEN");
      expect(
        (await failure(posts.create(own.runtime.context(), { title: "anon", authorId: post.authorId }))).code,
      ).toBe("UNAUTHENTICATED");
    } finally {
      await own.close();
    }
  });
});

describe("field access", () => {
  it("a field the actor may not read is absent and refused in filters, sorts, search and aggregates; one they may not write is a 403", async () => {
    const definitions = resources.map(
      (d): ResourceDefinition =>
        d.model === "User"
          ? {
              ...d,
              fields: {
                ...d.fields,
                email: {
                  ...d.fields?.email,
                  aggregate: ["min"],
                  access: { read: ["admin", "support"], write: ["admin"] },
                },
              },
            }
          : d,
    );
    const own = await createTestRuntime({ seed: true, resources: definitions });
    try {
      const users = own.runtime.service("user");
      const reader = own.runtime.context({ actor: { id: "5", roles: ["reader"] } });
      const support = own.runtime.context({ actor: { id: "6", roles: ["support"] } });
      const { records } = await users.list(reader, { limit: 3 });
      expect(records.every((r) => !("email" in r) && "name" in r)).toBe(true);
      expect((await users.list(support, { limit: 1 })).records[0]).toHaveProperty("email");
      const user = await own.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } });
      expect(
        (await failure(users.list(reader, { filter: { field: "email", op: "eq", value: user.email } }))).message,
      ).toMatch(/Unknown filter field "email"/);
      expect((await failure(users.list(reader, { sort: [{ field: "email", direction: "asc" }] }))).code).toBe(
        "BAD_REQUEST",
      );
      expect((await failure(users.aggregate(reader, undefined, { min: ["email"] }))).code).toBe("BAD_REQUEST");
      // Search leaves out what the actor cannot see: an address finds nobody for the reader.
      expect((await users.list(reader, { filter: { search: user.email } })).records).toHaveLength(0);
      expect((await users.list(support, { filter: { search: user.email } })).records.map((u) => u.id)).toEqual([
        user.id,
      ]);
      // Users edit their own record (schema/user.ts), but not a field withheld from their roles.
      const self = await own.db.prisma.user.findUniqueOrThrow({ where: { id: 6 } });
      const denied = await failure(users.patch(support, self.id, { email: "moved@example.org" }));
      expect(denied.code).toBe("FORBIDDEN");
      expect(denied.fields).toEqual({ email: "you may not write this field" });
      expect((await own.db.prisma.user.findUniqueOrThrow({ where: { id: self.id } })).email).toBe(self.email);
    } finally {
      await own.close();
    }
  });
});

describe("multi-tenancy", () => {
  it("every read is confined to the actor's tenant; the admin role sees all", async () => {
    const acmeLive = await t.db.prisma.ticket.count({ where: { tenantId: "acme", deletedAt: null } });
    const allLive = await t.db.prisma.ticket.count({ where: { deletedAt: null } });
    expect(acmeLive).toBeGreaterThan(0);
    expect(allLive).toBeGreaterThan(acmeLive);
    const listed = await tickets().list(ctx(acmeAgent), { limit: 100, withTotal: true });
    expect(listed.total).toBe(acmeLive);
    expect(new Set(listed.records.map((r) => r.tenantId))).toEqual(new Set(["acme"]));
    expect(await tickets().count(ctx(acmeAgent))).toBe(acmeLive);
    expect(await tickets().count(ctx(admin))).toBe(allLive);
    const groups = await tickets().aggregate(ctx(acmeAgent), undefined, { groupBy: ["tenantId"] });
    expect(groups.map((g) => g.key)).toEqual([{ tenantId: "acme" }]);
    // Asking for the other tenant by filter finds nothing rather than crossing over.
    expect(await tickets().count(ctx(acmeAgent), { field: "tenantId", op: "eq", value: "globex" })).toBe(0);
  });

  it("another tenant's record is a 404 on every operation, and stays untouched", async () => {
    const theirs = await t.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "globex", deletedAt: null } });
    const as = ctx(acmeAgent);
    for (const attempt of [
      () => tickets().get(as, theirs.id),
      () => tickets().patch(as, theirs.id, { title: "hijacked" }),
      () => tickets().update(as, theirs.id, { title: "hijacked" }),
      () => tickets().delete(as, theirs.id),
      () => tickets().revisions(as, theirs.id),
      () => tickets().get(as, theirs.id, { asOf: 1 }),
    ]) {
      expect((await failure(attempt())).code).toBe("NOT_FOUND");
    }
    const batch = await tickets().batch(as, "delete", [theirs.id], { partial: true });
    expect(batch.failed[0]?.error.code).toBe("NOT_FOUND");
    expect(await tickets().getMany(as, [theirs.id])).toEqual([]);
    const after = await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: theirs.id } });
    expect(after).toEqual(theirs);
  });

  it("create takes the tenant from the actor; clients cannot write it; no tenant, no create", async () => {
    const created = await tickets().create(ctx(globexAgent), { title: "Printer on fire" });
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: created.id as number } })).tenantId).toBe(
      "globex",
    );
    const forged = await failure(tickets().create(ctx(globexAgent), { title: "Forged", tenantId: "acme" }));
    expect(forged.code).toBe("BAD_REQUEST");
    expect(forged.message).toMatch(/tenantId/);
    expect((await failure(tickets().create(ctx({ id: "x", roles: ["agent"] }), { title: "Nowhere" }))).code).toBe(
      "FORBIDDEN",
    );
    expect((await failure(tickets().create(ctx(admin), { title: "Admin without a tenant" }))).code).toBe("FORBIDDEN");
    expect(
      await t.db.prisma.ticket.count({ where: { title: { in: ["Forged", "Nowhere", "Admin without a tenant"] } } }),
    ).toBe(0);
    // An actor without a tenant sees no rows at all.
    expect(await tickets().count(ctx({ id: "x", roles: ["agent"] }))).toBe(0);
  });
});

describe("row scopes", () => {
  it("a customer sees only the tickets they reported, without internal notes, on every path", async () => {
    const mine = await t.db.prisma.ticket.findMany({
      where: { reporterId: Number(acmeCustomer.id), deletedAt: null },
      orderBy: { id: "asc" },
    });
    const as = ctx(acmeCustomer);
    const listed = await tickets().list(as, { limit: 100, withTotal: true });
    expect(listed.records.map((r) => r.id)).toEqual(mine.map((m) => m.id));
    expect(listed.total).toBe(mine.length);
    expect(listed.records.every((r) => !("internalNote" in r))).toBe(true);
    expect((await tickets().page(as, { first: 100 })).records.map((r) => r.id)).toEqual(mine.map((m) => m.id));
    const notMine = await t.db.prisma.ticket.findFirstOrThrow({
      where: { tenantId: "acme", reporterId: Number(otherAcmeCustomer.id) },
    });
    expect((await failure(tickets().get(as, notMine.id))).code).toBe("NOT_FOUND");
    // The agent of the same tenant sees the note.
    expect(await tickets().get(ctx(acmeAgent), notMine.id)).toHaveProperty("internalNote", notMine.internalNote);
  });

  it("hidden-when-scoped fields cannot be used as an oracle: filter, sort and aggregate refuse them, search skips them", async () => {
    const as = ctx(acmeCustomer);
    expect(
      (await failure(tickets().list(as, { filter: { field: "internalNote", op: "contains", value: "refund" } }))).code,
    ).toBe("BAD_REQUEST");
    expect(
      (await failure(tickets().count(as, { not: { field: "internalNote", op: "contains", value: "a" } }))).code,
    ).toBe("BAD_REQUEST");
    const noted = await t.db.prisma.ticket
      .findFirstOrThrow({ where: { reporterId: Number(acmeCustomer.id), internalNote: { contains: "billing" } } })
      .catch(() => undefined);
    const searchFor = "escalated";
    const seen = await tickets().list(as, { filter: { search: searchFor } });
    // No title or body says "escalated": any hit would come from the withheld note.
    expect(seen.records).toHaveLength(0);
    expect((await tickets().list(ctx(acmeAgent), { filter: { search: searchFor } })).records.length).toBeGreaterThan(0);
    void noted;
  });

  it("scopes apply through relations at every depth: nested loads and relation filters", async () => {
    const users = t.runtime.service("user");
    const as = ctx(acmeCustomer);
    const me = await users.get(as, acmeCustomer.id);
    const myTickets = (await users.related(as, me, "tickets")) as Record<string, unknown>[];
    expect(myTickets.length).toBeGreaterThan(0);
    expect(myTickets.every((x) => String(x.reporterId) === acmeCustomer.id && !("internalNote" in x))).toBe(true);
    const someoneElse = await users.get(as, otherAcmeCustomer.id);
    expect(await users.related(as, someoneElse, "tickets")).toEqual([]);
    // Which users have a ticket? For this customer: themself only.
    const withTickets = await users.list(as, {
      filter: { relation: "tickets", quantifier: "some", filter: { field: "title", op: "ne", value: "" } },
      limit: 100,
    });
    expect(withTickets.records.map((u) => String(u.id))).toEqual([acmeCustomer.id]);
    // Replies: a customer sees the public replies on their own tickets only.
    const replies = await t.runtime.service("ticketReply").list(as, { limit: 100 });
    const expected = await t.db.prisma.ticketReply.count({
      where: { internal: false, deletedAt: null, ticket: { reporterId: Number(acmeCustomer.id), deletedAt: null } },
    });
    expect(replies.records).toHaveLength(expected);
    expect(replies.records.every((r) => r.internal === false)).toBe(true);
  });

  it("scoped writes stay inside the scope: handing a ticket to someone else or writing a withheld field is refused", async () => {
    const as = ctx(acmeCustomer);
    const created = await tickets().create(as, { title: "My own", reporterId: Number(acmeCustomer.id) });
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: created.id as number } })).tenantId).toBe("acme");
    const away = await failure(tickets().patch(as, created.id, { reporterId: Number(otherAcmeCustomer.id) }));
    expect(away.code).toBe("FORBIDDEN");
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { id: created.id as number } })).reporterId).toBe(
      Number(acmeCustomer.id),
    );
    expect(
      (await failure(tickets().create(as, { title: "For someone else", reporterId: Number(otherAcmeCustomer.id) })))
        .code,
    ).toBe("FORBIDDEN");
    expect(await t.db.prisma.ticket.count({ where: { title: "For someone else" } })).toBe(0);
    expect((await failure(tickets().patch(as, created.id, { internalNote: "sneaky" }))).code).toBe("FORBIDDEN");
    const reply = await failure(
      t.runtime.service("ticketReply").create(as, { ticketId: created.id, body: "psst", internal: true }),
    );
    expect(reply.code).toBe("FORBIDDEN");
  });

  it("a write cannot point at a record outside the actor's tenant or scope, and cannot tell it exists", async () => {
    const replies = t.runtime.service("ticketReply");
    const globexTicket = await t.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "globex" } });
    const othersTicket = await t.db.prisma.ticket.findFirstOrThrow({
      where: { tenantId: "acme", reporterId: Number(otherAcmeCustomer.id) },
    });
    const missing = await failure(replies.create(ctx(acmeAgent), { ticketId: 999_999, body: "hello?" }));
    for (const [actor, ticketId] of [
      [acmeAgent, globexTicket.id],
      [acmeCustomer, othersTicket.id],
      [acmeCustomer, globexTicket.id],
    ] as const) {
      const refused = await failure(replies.create(ctx(actor), { ticketId, body: "psst" }));
      expect({ code: refused.code, message: refused.message, fields: refused.fields }).toEqual({
        code: missing.code,
        message: missing.message,
        fields: missing.fields,
      });
    }
    expect(missing.code).toBe("VALIDATION_FAILED");
    expect(await t.db.prisma.ticketReply.count({ where: { body: "psst" } })).toBe(0);
  });

  it("revisions of a scoped record leave the withheld fields out", async () => {
    const own = await t.db.prisma.ticket.findFirstOrThrow({
      where: { reporterId: Number(acmeCustomer.id), deletedAt: null },
    });
    await tickets().patch(ctx(acmeAgent), own.id, { internalNote: "VIP customer" });
    const revisions = await tickets().revisions(ctx(acmeCustomer), own.id);
    expect(revisions.length).toBeGreaterThan(0);
    expect(revisions.every((r) => !("internalNote" in r.data))).toBe(true);
    const diff = await tickets().diff(ctx(acmeCustomer), own.id, revisions.at(-1)?.number);
    expect(diff.changes.map((c) => c.field)).not.toContain("internalNote");
    expect((await tickets().revisions(ctx(acmeAgent), own.id)).at(-1)?.data).toHaveProperty(
      "internalNote",
      "VIP customer",
    );
  });
});

describe("cost of the rules", () => {
  it("scoped relations still batch: the tickets of 10 users, then their replies, are one statement each", async () => {
    const as = ctx(acmeAgent);
    const users = t.runtime.service("user");
    const page = await users.list(as, { limit: 10, sort: [{ field: "id", direction: "desc" }] });
    t.db.statements.reset();
    const nested = (await Promise.all(
      page.records.map((u) => users.get(as, u.id).then((one) => users.related(as, one, "tickets"))),
    )) as Record<string, unknown>[][];
    const afterTickets = t.db.statements.count;
    const ticketService = tickets();
    await Promise.all(nested.flat().map((ticket) => ticketService.related(as, ticket, "replies")));
    // One for the 10 users by id, one for their tickets (tenant condition included), one for the replies.
    expect(afterTickets).toBe(2);
    expect(t.db.statements.count).toBe(3);
    expect(t.db.statements.log.join("\n")).toContain('"tenantId"');
    expect(nested.flat().every((ticket) => ticket.tenantId === "acme")).toBe(true);
  });
});
