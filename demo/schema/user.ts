import { actorUserId } from "./actor-user-id.ts";
import { defineResource } from "./define.ts";

export default defineResource("User", {
  description: "A person who writes posts and comments.",
  searchLanguage: "simple",
  maxPageSize: 200,
  // Anyone reads the public profile; a user edits their own (the admin role passes every rule and
  // alone creates and deletes users).
  access: {
    read: true,
    create: false,
    update: ({ actor, existing }) => existing !== undefined && existing.id === actorUserId(actor.id),
    delete: false,
  },
  fields: {
    email: {
      // Signed-in actors only: anonymous callers never see (or filter, sort, search by) an address.
      access: { read: "authenticated" },
      filter: ["eq", "in", "contains", "startsWith", "endsWith"],
      sort: true,
      search: true,
      validate: { email: true },
    },
    name: {
      filter: ["eq", "contains", "startsWith"],
      sort: true,
      search: true,
      validate: { required: true, maxLength: 100 },
    },
    // Users may edit their profile, not promote themselves.
    role: { filter: ["eq", "ne", "in", "notIn"], sort: true, groupBy: true, access: { write: false } },
    passwordHash: { hidden: ["one", "list", "update"], description: "Accepted on create, never returned." },
    createdAt: { readOnly: true, onCreate: "now", filter: ["gt", "gte", "lt", "lte"], sort: true },
    updatedAt: { readOnly: true, onCreate: "now", onUpdate: "now", sort: true },
  },
  relations: {
    // A user with live posts or comments cannot be deleted (trashed ones still block the database's own rule).
    posts: { views: ["one"], filter: true, onDelete: "restrict" },
    comments: { views: ["one"], onDelete: "restrict" },
    // Only the tickets the reader may see (their tenant, their scope) appear here.
    tickets: { views: ["one"], filter: true },
  },
});
