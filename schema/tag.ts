import { defineResource } from "./define.ts";

export default defineResource("Tag", {
  searchLanguage: "simple",
  fields: {
    name: { filter: ["eq", "in", "contains", "startsWith"], sort: true, search: true },
    createdAt: { readOnly: true, onCreate: "now", sort: true },
    updatedAt: { readOnly: true, onCreate: "now", onUpdate: "now", sort: true },
  },
  relations: {
    posts: { through: "post", views: ["one"] },
  },
});
