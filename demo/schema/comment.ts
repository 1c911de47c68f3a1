import { defineResource } from "./define.ts";

export default defineResource("Comment", {
  description: "A reader's comment on a post.",
  id: "uuid",
  audit: true,
  softDelete: true,
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
