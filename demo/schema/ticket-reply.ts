import { actorUserId } from "./actor-user-id.ts";
import { defineResource } from "./define.ts";

// Replies on help-desk tickets: the ticket's tenant, and for customers only the public replies on
// their own tickets.
export default defineResource("TicketReply", {
  description: "A reply on a ticket; internal replies are for agents only.",
  id: "uuid",
  tenant: "tenantId",
  audit: true,
  softDelete: true,
  access: { read: "authenticated", create: ["agent", "customer"], delete: ["agent"], purge: false },
  scope: (actor) =>
    actor.roles.includes("agent")
      ? undefined
      : { internal: false, ticket: { is: { reporterId: actorUserId(actor.id) ?? { in: [] }, deletedAt: null } } },
  scopedWrites: true,
  fields: {
    ticketId: { filter: ["eq", "in"], sort: true },
    body: { filter: ["contains"], search: true, validate: { required: true, maxLength: 5000 } },
    internal: { filter: ["eq"], access: { write: ["agent"] } },
    createdAt: { filter: ["gt", "gte", "lt", "lte"], sort: true },
  },
  relations: {
    ticket: { filter: true, nestedWrites: true },
  },
});
