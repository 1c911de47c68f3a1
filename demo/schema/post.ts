import type { AccessCheck } from "../../src/index.ts";
import { actorUserId } from "./actor-user-id.ts";
import { defineResource } from "./define.ts";

/** Editors change any post; authors their own. */
const editorOrAuthorOf = ({ actor, existing }: AccessCheck): boolean =>
  actor.roles.includes("editor") ||
  (actor.roles.includes("author") && existing !== undefined && existing.authorId === actorUserId(actor.id));

export default defineResource("Post", {
  concurrency: { field: "version" },
  // Who and when, the trash, and the history of every write (docs/guides/record-lifecycle.md).
  audit: true,
  softDelete: true,
  revisions: true,
  description: "A blog post.",
  // Anyone reads; editors and authors write (restore and purge follow delete, revert follows update).
  access: { read: true, create: ["editor", "author"], update: editorOrAuthorOf, delete: editorOrAuthorOf },
  maxPageSize: 1000,
  fields: {
    title: { filter: true, sort: true, search: true, validate: { required: true, minLength: 3, maxLength: 200 } },
    body: { filter: ["contains"], search: true },
    status: { filter: true, sort: true, default: "draft", groupBy: true },
    views: { filter: true, sort: true, aggregate: true, validate: { min: 0 } },
    publishedAt: { filter: true, sort: true, aggregate: ["min", "max"] },
    authorId: { filter: ["eq", "ne", "in", "notIn"], sort: true, groupBy: true },
    createdAt: { filter: ["gt", "gte", "lt", "lte"], sort: true, aggregate: ["min", "max"] },
    updatedAt: { filter: ["gt", "gte", "lt", "lte"], sort: true },
    deletedAt: { filter: ["gt", "gte", "lt", "lte"], sort: true },
    // A file: uploaded with the record (multipart POST/PUT/PATCH) or alone at PUT /api/posts/:id/cover; the record keeps its metadata (docs/guides/files.md).
    cover: { blob: { maxBytes: 5_000_000, contentTypes: ["image/png", "image/jpeg", "image/webp"] } },
  },
  // Publishing sets the status alone (react-admin's bulk "publish" sends { status }), so the rule runs
  // the other way: a draft cannot carry a publication date.
  validate: (post) =>
    post.status === "draft" && post.publishedAt != null
      ? { publishedAt: "must be empty while the post is a draft (publish it, or clear the date)" }
      : undefined,
  relations: {
    author: { filter: true, sort: true, nestedWrites: true },
    // Trashing a post trashes its comments; restoring it brings them back. Posts sort by their comments'
    // newest (comments.createdAt descending) or oldest (ascending) createdAt.
    comments: { filter: true, sort: true, onDelete: "cascade", nestedWrites: true },
    tags: { through: "tag", filter: true, nestedWrites: true },
  },
});
