import { defineResource } from "./define.ts";

export default defineResource("Comment", {
  description: "A reader's comment on a post.",
  id: "uuid",
  fields: {
    body: { filter: ["contains"], search: true },
    postId: { filter: ["eq", "in"], sort: true },
    authorId: { filter: ["eq", "in"], sort: true },
    createdAt: { readOnly: true, onCreate: "now", filter: ["gt", "gte", "lt", "lte"], sort: true },
    updatedAt: { readOnly: true, onCreate: "now", onUpdate: "now", sort: true },
  },
  relations: {
    post: { filter: true, sort: true },
    author: { filter: true, sort: true },
  },
});
