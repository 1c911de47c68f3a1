import { defineResource } from "./define.ts";

export default defineResource("Post", {
  description: "A blog post.",
  maxPageSize: 1000,
  fields: {
    title: { filter: true, sort: true, search: true },
    body: { filter: ["contains"], search: true },
    status: { filter: true, sort: true, default: "draft" },
    views: { filter: true, sort: true },
    publishedAt: { filter: true, sort: true },
    authorId: { filter: ["eq", "ne", "in", "notIn"], sort: true },
    createdAt: { readOnly: true, onCreate: "now", filter: ["gt", "gte", "lt", "lte"], sort: true },
    updatedAt: { readOnly: true, onCreate: "now", onUpdate: "now", filter: ["gt", "gte", "lt", "lte"], sort: true },
  },
  relations: {
    author: true,
    comments: true,
    tags: { through: "tag" },
  },
});
