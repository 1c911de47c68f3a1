import { defineResource } from "./define.ts";

export default defineResource("Tag", {
  concurrency: { field: "version" },
  revisions: true,
  searchLanguage: "simple",
  // Anyone reads; editors and authors tag.
  access: { read: true, create: ["editor", "author"], update: ["editor", "author"], delete: ["editor", "author"] },
  fields: {
    name: {
      filter: ["eq", "in", "contains", "startsWith"],
      sort: true,
      search: true,
      validate: {
        pattern: [/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "use lowercase letters, digits and single dashes, e.g. open-source"],
        maxLength: 40,
      },
    },
    createdAt: { readOnly: true, onCreate: "now", sort: true },
    updatedAt: { readOnly: true, onCreate: "now", onUpdate: "now", sort: true },
  },
  relations: {
    posts: { through: "post", views: ["one"] },
  },
});
