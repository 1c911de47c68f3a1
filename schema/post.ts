import { defineResource } from "./define.ts";

export default defineResource("Post", {
  description: "A blog post.",
  maxPageSize: 1000,
  fields: {
    title: { filter: true, sort: true, search: true },
    body: { filter: ["contains"], search: true },
    status: { filter: true, sort: true, default: "draft", groupBy: true },
    views: { filter: true, sort: true, aggregate: true },
    publishedAt: { filter: true, sort: true, aggregate: ["min", "max"] },
    authorId: { filter: ["eq", "ne", "in", "notIn"], sort: true, groupBy: true },
    createdAt: { readOnly: true, onCreate: "now", filter: ["gt", "gte", "lt", "lte"], sort: true, aggregate: ["min", "max"] },
    updatedAt: { readOnly: true, onCreate: "now", onUpdate: "now", filter: ["gt", "gte", "lt", "lte"], sort: true },
  },
  relations: {
    author: { filter: true, sort: true },
    comments: { filter: true },
    tags: { through: "tag", filter: true },
  },
});
