import type { AccessCheck } from "../../src/index.ts";
import { actorUserId } from "./actor-user-id.ts";
import { defineResource } from "./define.ts";

/** Editors moderate any comment; everyone else changes their own. */
const editorOrAuthorOf = ({ actor, existing }: AccessCheck): boolean =>
  actor.roles.includes("editor") || (existing !== undefined && existing.authorId === actorUserId(actor.id));

export default defineResource("Comment", {
  description: "A reader's comment on a post.",
  id: "uuid",
  audit: true,
  softDelete: true,
  // Anyone reads; anyone signed in comments.
  access: { read: true, create: "authenticated", update: editorOrAuthorOf, delete: editorOrAuthorOf },
  fields: {
    body: { filter: ["contains"], search: true },
    postId: { filter: ["eq", "in"], sort: true },
    authorId: { filter: ["eq", "in"], sort: true },
    parentId: { filter: ["eq", "in", "isNull"] },
    createdAt: { filter: ["gt", "gte", "lt", "lte"], sort: true },
    updatedAt: { sort: true },
    deletedAt: { filter: ["gt", "gte", "lt", "lte"], sort: true },
  },
  relations: {
    post: { filter: true, sort: true },
    author: { filter: true, sort: true },
    parent: true,
    // Purging a comment leaves its replies, unthreaded.
    replies: { views: ["one"], onDelete: "setNull" },
  },
});
