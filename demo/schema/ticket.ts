import { actorUserId } from "./actor-user-id.ts";
import { defineResource } from "./define.ts";

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
});
