import { defineResource } from "./define.ts";

export default defineResource("Post", {
  concurrency: { field: "version" },
  description: "A blog post.",
  maxPageSize: 1000,
  fields: {
    title: { filter: true, sort: true, search: true, validate: { required: true, minLength: 3, maxLength: 200 } },
    body: { filter: ["contains"], search: true },
    status: { filter: true, sort: true, default: "draft", groupBy: true },
    views: { filter: true, sort: true, aggregate: true, validate: { min: 0 } },
    publishedAt: { filter: true, sort: true, aggregate: ["min", "max"] },
    authorId: { filter: ["eq", "ne", "in", "notIn"], sort: true, groupBy: true },
    createdAt: { readOnly: true, onCreate: "now", filter: ["gt", "gte", "lt", "lte"], sort: true, aggregate: ["min", "max"] },
    updatedAt: { readOnly: true, onCreate: "now", onUpdate: "now", filter: ["gt", "gte", "lt", "lte"], sort: true },
  },
  // Publishing sets the status alone (react-admin's bulk "publish" sends { status }), so the rule runs
  // the other way: a draft cannot carry a publication date.
  validate: (post) => (post.status === "draft" && post.publishedAt != null ? { publishedAt: "must be empty while the post is a draft (publish it, or clear the date)" } : undefined),
  relations: {
    author: { filter: true, sort: true },
    comments: { filter: true },
    tags: { through: "tag", filter: true },
  },
});
