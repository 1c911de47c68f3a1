// OpenAPI of the query features of §12-§16: cursor, before and fields parameters, relation paths in the
// filter and sort descriptions, and the aggregate route with its parameters and response schema, which
// real answers fit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestFixture, type RestFixture } from "./harness.ts";

type Json = Record<string, any>;

let t: RestFixture;
let doc: Json;
beforeAll(async () => {
  t = await createRestFixture();
  doc = (await (await t.get("/api/openapi.json")).json()) as Json;
});
afterAll(() => t?.close());

const param = (path: string, name: string) =>
  (doc.paths[path].get.parameters as Json[]).find((p) => p.name === name) as Json;

describe("§10 OpenAPI of §12-§16", () => {
  it("lists cursor, before and fields on lists, and fields on single records", () => {
    for (const path of ["/posts", "/users", "/comments", "/tags"]) {
      for (const name of ["cursor", "before", "fields"])
        expect(param(path, name), `${path} ${name}`).toMatchObject({ in: "query", schema: { type: "string" } });
      expect(param(`${path}/{id}`, "fields"), path).toBeDefined();
    }
    expect(param("/users", "fields").description).not.toContain("passwordHash");
    expect(param("/users/{id}", "fields").description).toContain("posts");
    expect(param("/users", "fields").description).not.toContain("relations: posts");
  });

  it("describes relation paths in filter and sort", () => {
    const filter = param("/posts", "filter").description as string;
    expect(filter).toContain("author.<field> (id, email, name, role, createdAt)");
    expect(filter).toContain(
      "comments[.some|.every|.none].<field> (id, body, postId, authorId, parentId, createdAt, deletedAt)",
    );
    expect(filter).toContain("tags[.some|.every|.none].<field> (id, name)");
    expect(param("/tags", "filter").description).not.toContain("Through relations");
    expect(param("/posts", "sort").description).toContain(
      "author.<field> (id, email, name, role, createdAt, updatedAt)",
    );
    expect(param("/posts", "sort").description).toContain('[["a","ASC"],["b","DESC"]]');
  });

  it("documents GET /<resource>/aggregate with its parameters", () => {
    for (const path of ["users", "posts", "comments", "tags"])
      expect(Object.keys(doc.paths[`/${path}/aggregate`]), path).toEqual(["get"]);
    const names = (doc.paths["/posts/aggregate"].get.parameters as Json[]).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "groupBy",
        "sum",
        "avg",
        "min",
        "max",
        "having",
        "sort",
        "limit",
        "offset",
        "filter",
        "q",
        "views_gte",
        "status_in",
      ]),
    );
    expect(names).not.toEqual(expect.arrayContaining(["range"]));
    expect(param("/posts/aggregate", "groupBy").schema).toEqual({
      type: "array",
      items: { type: "string", enum: ["status", "authorId"] },
    });
    expect(param("/posts/aggregate", "sum").schema.items.enum).toEqual(["views"]);
    expect(param("/posts/aggregate", "min").schema.items.enum).toEqual(["views", "publishedAt", "createdAt"]);
    expect(param("/posts/aggregate", "limit").schema).toMatchObject({ minimum: 1, maximum: 1000 });
    expect((doc.paths["/tags/aggregate"].get.parameters as Json[]).map((p) => p.name)).not.toContain("groupBy");
    expect(doc.paths["/posts/aggregate"].get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/PostAggregate",
    });
  });

  it("real aggregate answers fit the response schema", async () => {
    const group = doc.components.schemas.PostAggregateGroup as Json;
    const response = await t.get(
      "/api/posts/aggregate?groupBy=status,authorId&sum=views&avg=views&min=publishedAt,views,createdAt&max=views,publishedAt,createdAt&limit=5",
    );
    const { groups } = (await response.json()) as { groups: Json[] };
    expect(Object.keys(doc.components.schemas.PostAggregate.properties)).toEqual(["groups"]);
    expect(groups.length).toBe(5);
    for (const g of groups) {
      expect(Object.keys(g).sort()).toEqual([...group.required].sort());
      for (const part of ["key", "sum", "avg", "min", "max"]) {
        for (const name of Object.keys(g[part]))
          expect(group.properties[part].properties, `${part}.${name}`).toHaveProperty(name);
      }
      expect(typeof g.count).toBe("number");
    }
    expect(group.properties.key.properties.status).toEqual({ $ref: "#/components/schemas/PostStatus" });
    expect(group.properties.min.properties.publishedAt).toEqual({ type: ["string", "null"], format: "date-time" });
    expect(doc.components.schemas.HavingCondition.required).toEqual(["fn", "op", "value"]);
  });
});
