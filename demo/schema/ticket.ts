import { z } from "zod";
import { AppError, defineAction } from "../../src/definitions.ts";
import { actorUserId } from "./actor-user-id.ts";
import { defineResource } from "./define.ts";

const STATUSES = ["open", "pending", "closed"] as const;

// The multi-tenant help desk (docs/guides/security.md). Every ticket belongs to the tenant of whoever
// created it; agents see their tenant's tickets, customers only the ones they reported.
export default defineResource("Ticket", {
  description: "A help-desk ticket. Multi-tenant: each belongs to one tenant.",
  tenant: "tenantId",
  concurrency: { field: "version" },
  audit: true,
  softDelete: true,
  revisions: true,
  access: {
    read: "authenticated",
    create: ["agent", "customer"],
    update: ["agent", "customer"],
    delete: ["agent"],
    purge: false,
  },
  scope: (actor) => (actor.roles.includes("agent") ? undefined : { reporterId: actorUserId(actor.id) ?? { in: [] } }),
  // Customers may open and edit their own tickets (a write that would hand one to someone else is a 403).
  scopedWrites: true,
  fields: {
    tenantId: { filter: ["eq", "in"], sort: true, groupBy: true },
    title: { filter: true, sort: true, search: true, validate: { required: true, maxLength: 200 } },
    body: { filter: ["contains"], search: true },
    status: { filter: true, sort: true, groupBy: true },
    priority: { filter: true, sort: true, aggregate: true, validate: { min: 1, max: 5 } },
    internalNote: {
      hiddenWhenScoped: true,
      filter: ["contains"],
      search: true,
      description: "Agents only: never shown to customers.",
    },
    reporterId: { filter: ["eq", "in", "isNull"], sort: true },
    createdAt: { filter: ["gt", "gte", "lt", "lte"], sort: true },
    updatedAt: { sort: true },
    deletedAt: { sort: true },
  },
  relations: {
    reporter: { filter: true, sort: true },
    replies: { filter: true, onDelete: "cascade", nestedWrites: true },
  },
  // Custom operations (rest-dialect.md §27): POST /api/tickets/:id/close and POST /api/tickets/stats,
  // GraphQL closeTicket (a mutation) and statsTickets (a query).
  actions: {
    close: defineAction({
      description: "Close the ticket with a resolution, posted as a reply in the same transaction.",
      input: z.object({ resolution: z.string().trim().min(3).max(500) }),
      access: ["agent"],
      run: async ({ id, input, record, service }) => {
        if (record?.status === "closed") throw new AppError("CONFLICT", "This ticket is closed already.");
        await service("ticket").patch(id, { status: "closed" });
        await service("ticketReply").create({ ticketId: id, body: `Resolution: ${input.resolution}` });
      },
    }),
    stats: defineAction({
      description: "How many of the tickets you see are in each status.",
      record: false,
      kind: "query",
      output: z.object({ open: z.number().int(), pending: z.number().int(), closed: z.number().int() }),
      run: async ({ service }) => {
        const counts = await Promise.all(
          STATUSES.map(async (status) => {
            const { total } = await service("ticket").list({
              filter: { field: "status", op: "eq", value: status },
              limit: 1,
              withTotal: true,
            });
            return [status, total ?? 0] as const;
          }),
        );
        return Object.fromEntries(counts);
      },
    }),
  },
});
