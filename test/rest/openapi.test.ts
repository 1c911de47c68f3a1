// OpenAPI 3.1 from the resolved metadata: it agrees with what the runtime enforces, lists no hidden field
// (but for the write-only passwordHash on create), matches the committed copy, and its docs page works
// offline.
import { readFileSync } from "node:fs";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { buildOpenApi, openApiText } from "../../src/rest/openapi.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { createRestFixture, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

type Json = Record<string, any>;

let t: RestFixture;
let doc: Json;
beforeAll(async () => {
  t = await createRestFixture({ seed: false, actor: ADMIN });
  const response = await t.get("/api/openapi.json");
  expect(response.status).toBe(200);
  doc = (await response.json()) as Json;
});
afterAll(() => t?.close());

/** Every place a string occurs in the document, as key or value, by dotted path. */
function occurrences(value: unknown, needle: string, path = ""): string[] {
  if (typeof value === "string") return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => occurrences(v, needle, `${path}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(k.includes(needle) ? [`${path}.${k}`] : []),
      ...occurrences(v, needle, `${path}.${k}`),
    ]);
  }
  return [];
}

function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => (k === "$ref" && typeof v === "string" ? [v] : refs(v)));
  return [];
}

const params = (path: string, method = "get") =>
  (doc.paths[path][method].parameters as Json[]).map((p) => p.name as string);

describe("§10 OpenAPI", () => {
  it("is OpenAPI 3.1 with every route of every resource", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "/api" }]);
    for (const path of ["users", "posts", "comments", "tags"]) {
      expect(Object.keys(doc.paths[`/${path}`])).toEqual(["get", "post", "delete"]);
      expect(Object.keys(doc.paths[`/${path}/{id}`])).toEqual(["parameters", "get", "put", "patch", "delete"]);
    }
    expect(doc.paths["/posts"].post.responses["201"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Post",
    });
    expect(doc.paths["/posts"].get.responses["200"].headers["Content-Range"]).toEqual({
      $ref: "#/components/headers/ContentRange",
    });
    expect(doc.paths["/comments/{id}"].parameters[0].schema).toEqual({ type: "string", format: "uuid" });
  });

  it("guarded resources answer 401 and 403 and name the ways to authenticate; open ones say they need none; withheld fields are optional", () => {
    for (const [path, method] of [
      ["/tickets", "get"],
      ["/tickets", "post"],
      ["/tickets/{id}", "patch"],
      ["/tickets/{id}/revisions", "get"],
      ["/ticket-replies/batch", "post"],
    ] as const) {
      expect(Object.keys(doc.paths[path][method].responses)).toEqual(expect.arrayContaining(["401", "403"]));
      expect(doc.paths[path][method].security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    }
    // Every operation declares its security (redocly's security-defined rule), and the server's own
    // refusals: the rate limit's 429 and the database's 503, each with Retry-After.
    for (const item of Object.values(doc.paths) as Record<string, { security?: unknown; responses?: unknown }>[]) {
      for (const op of Object.values(item))
        if (typeof op === "object" && op && "responses" in op) {
          expect(op.security).toBeDefined();
          expect(op.responses).toMatchObject({
            "429": { $ref: "#/components/responses/TooManyRequests" },
            "503": { $ref: "#/components/responses/Unavailable" },
          });
        }
    }
    // A resource declared `access: "public"` is open to anonymous callers, and says so; one declaring no
    // rules is too outside production, and guarded in production (the metadata's one fact).
    const posts = (options: { access?: "public"; production?: boolean }) =>
      buildOpenApi(
        resolveResources(
          resources.map((r) => {
            if (r.model !== "Post") return r;
            const { access: _rules, ...rest } = r;
            return options.access ? { ...rest, access: options.access } : rest;
          }),
          datamodel,
          { production: Boolean(options.production) },
        ),
      ).paths as Json;
    for (const open of [posts({ access: "public", production: true }), posts({})]) {
      expect(open["/posts"].get.responses).not.toHaveProperty("403");
      expect(open["/posts"].get.security).toEqual([]);
    }
    const locked = posts({ production: true });
    expect(Object.keys(locked["/posts"].post.responses)).toEqual(expect.arrayContaining(["401", "403"]));
    expect(locked["/posts"].get.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(doc.info.license).toEqual({ name: "MIT", identifier: "MIT" });
    const tagNames = (doc.tags as { name: string; description?: string }[]).map((tag) => [
      tag.name,
      Boolean(tag.description),
    ]);
    expect(tagNames).toContainEqual(["tags", true]);
    expect(tagNames).toContainEqual(["events", true]);
    expect(Object.keys(doc.components.securitySchemes)).toEqual(["bearer", "apiKey"]);
    expect(doc.components.schemas.Ticket.properties).toHaveProperty("internalNote");
    expect(doc.components.schemas.Ticket.required).not.toContain("internalNote");
    expect(doc.components.schemas.Ticket.required).toContain("title");
  });

  it("passes redocly's recommended lint with no problem at all (errors and warnings)", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: "openapi.json", config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? "?"}`)).toEqual(
      [],
    );
  });

  it("every $ref resolves", () => {
    for (const ref of new Set(refs(doc))) {
      const target = ref
        .replace(/^#\//, "")
        .split("/")
        .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it("passwordHash appears only as a write-only property of UserCreate", () => {
    expect(occurrences(doc, "passwordHash")).toEqual([
      ".components.schemas.UserCreate.properties.passwordHash",
      ".components.schemas.UserCreate.required[2]",
    ]);
    expect(doc.components.schemas.UserCreate.properties.passwordHash.writeOnly).toBe(true);
    expect(doc.components.schemas.User.properties).not.toHaveProperty("passwordHash");
    expect(doc.components.schemas.UserListItem.properties).not.toHaveProperty("passwordHash");
  });

  it("output schemas carry the visible fields with formats, enums and embeddable relations", () => {
    const post = doc.components.schemas.Post;
    expect(post.required).toEqual([
      "id",
      "title",
      "body",
      "status",
      "views",
      "version",
      "publishedAt",
      "cover",
      "authorId",
      "createdAt",
      "updatedAt",
      "createdBy",
      "updatedBy",
      "deletedAt",
      "deletedBy",
    ]);
    expect(post.properties.createdAt).toEqual({ type: "string", format: "date-time", readOnly: true });
    expect(post.properties.publishedAt).toEqual({ type: ["string", "null"], format: "date-time" });
    expect(post.properties.status).toEqual({ $ref: "#/components/schemas/PostStatus" });
    expect(doc.components.schemas.PostStatus).toEqual({ type: "string", enum: ["draft", "published", "archived"] });
    expect(post.properties.author.$ref).toBe("#/components/schemas/User");
    // Comment.replies is only embeddable on a single comment, so embedded comments have the list-item schema.
    expect(post.properties.comments).toMatchObject({
      type: "array",
      items: { $ref: "#/components/schemas/CommentListItem" },
    });
    expect(doc.components.schemas.Comment.properties.id).toEqual({ type: "string", format: "uuid", readOnly: true });
    // users.posts is only embeddable on a single user, so list items have their own schema.
    expect(doc.components.schemas.User.properties).toHaveProperty("posts");
    expect(doc.components.schemas.UserListItem.properties).not.toHaveProperty("posts");
    expect(doc.paths["/users"].get.responses["200"].content["application/json"].schema.items).toEqual({
      $ref: "#/components/schemas/UserListItem",
    });
  });

  it("input required lists are exactly what the runtime rejects as missing", async () => {
    for (const [path, schema, method] of [
      ["/api/posts", "PostCreate", "POST"],
      ["/api/users", "UserCreate", "POST"],
      ["/api/comments", "CommentCreate", "POST"],
    ] as const) {
      const response = await t.send(method, path, {});
      const missing = Object.keys(((await response.json()) as { errors: Record<string, string> }).errors).sort();
      // A foreign key a nested write may set instead (§28) is required as one of two: `anyOf` its field or its relation.
      const component = doc.components.schemas[schema];
      const either = [component.anyOf, ...(component.allOf ?? []).map((c: { anyOf: unknown }) => c.anyOf)]
        .filter(Boolean)
        .map((anyOf: { required: string[] }[]) => anyOf[0]?.required[0]);
      expect({ schema, required: [...(component.required ?? []), ...either].sort() }).toEqual({
        schema,
        required: missing,
      });
    }
    // PUT and PATCH change only the fields sent (§6.3): nothing is required.
    expect(doc.components.schemas.PostUpdate.required).toBeUndefined();
    expect(doc.components.schemas.PostCreate.properties.createdAt.readOnly).toBe(true);
    expect(doc.components.schemas.PostUpdate.properties.createdAt.readOnly).toBe(true);
  });

  it("lists per-field operator parameters, only the ones each field allows", () => {
    const posts = params("/posts");
    expect(posts).toEqual(
      expect.arrayContaining([
        "filter",
        "sort",
        "order",
        "range",
        "page",
        "per_page",
        "q",
        "embed",
        "Range",
        "views_gte",
        "status_in",
        "title_like",
        "publishedAt_isnull",
        "title",
      ]),
    );
    expect(posts).not.toContain("title_isnull");
    expect(posts).not.toContain("body");
    expect(posts).toContain("body_like");
    const statusIn = (doc.paths["/posts"].get.parameters as Json[]).find((p) => p.name === "status_in");
    expect(statusIn).toMatchObject({
      in: "query",
      style: "form",
      explode: false,
      schema: { type: "array", items: { $ref: "#/components/schemas/PostStatus" } },
    });
    expect(params("/tags")).not.toContain("q_like");
    expect(params("/comments")).not.toContain("updatedAt_gt");
    expect(params("/users")).not.toContain("embed");
  });

  it("documents the trash, revisions, batches and files only where the resource has them, locks everywhere (§18-§20, §24)", async () => {
    const paths = Object.keys(doc.paths);
    const under = (prefix: string) => paths.filter((p) => p.startsWith(`/${prefix}/`)).sort();
    expect(under("posts")).toEqual(
      [
        "aggregate",
        "batch",
        "batch/purge",
        "batch/restore",
        "events",
        "locks",
        "{id}",
        "{id}/cover",
        "{id}/lock",
        "{id}/purge",
        "{id}/restore",
        "{id}/revert/{rev}",
        "{id}/revisions",
        "{id}/revisions/{rev}",
        "{id}/revisions/{rev}/diff",
      ]
        .map((p) => `/posts/${p}`)
        .sort(),
    );
    expect(under("comments")).toEqual(
      [
        "aggregate",
        "batch",
        "batch/purge",
        "batch/restore",
        "events",
        "locks",
        "{id}",
        "{id}/lock",
        "{id}/purge",
        "{id}/restore",
      ]
        .map((p) => `/comments/${p}`)
        .sort(),
    );
    expect(under("tags")).toEqual(
      [
        "aggregate",
        "batch",
        "events",
        "locks",
        "{id}",
        "{id}/lock",
        "{id}/revert/{rev}",
        "{id}/revisions",
        "{id}/revisions/{rev}",
        "{id}/revisions/{rev}/diff",
      ]
        .map((p) => `/tags/${p}`)
        .sort(),
    );
    expect(under("users")).toEqual([
      "/users/aggregate",
      "/users/batch",
      "/users/events",
      "/users/locks",
      "/users/{id}",
      "/users/{id}/lock",
    ]);
    expect(Object.keys(doc.paths["/posts/{id}/lock"])).toEqual(["parameters", "get", "post", "delete"]);
    expect(doc.paths["/posts/locks"].get.responses["200"].content["application/json"].schema).toEqual({
      type: "array",
      items: { $ref: "#/components/schemas/RecordLock" },
    });
    expect(doc.components.schemas.RecordLock.required).toEqual([
      "id",
      "resource",
      "recordId",
      "identity",
      "createdAt",
      "expiresAt",
    ]);
    expect(params("/posts")).toContain("deleted");
    expect(params("/tags")).not.toContain("deleted");
    expect(params("/posts/{id}")).toEqual(expect.arrayContaining(["deleted", "asOf"]));
    expect(params("/tags/{id}")).toContain("asOf");
    expect(params("/users/{id}")).not.toContain("asOf");
    const batch = doc.paths["/posts/batch"];
    expect(Object.keys(batch)).toEqual(["post", "put", "patch", "delete"]);
    expect(batch.post.responses["207"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/PostBatchResult",
    });
    expect(batch.post.requestBody.content["application/json"].schema).toEqual({
      type: "array",
      items: { $ref: "#/components/schemas/PostCreate" },
      maxItems: 100,
    });
    expect(doc.components.schemas.PostBatchUpdateItem.required).toEqual(["id"]);
    expect(doc.paths["/posts/{id}/revisions/{rev}"].get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/PostRevision",
    });
    // Publish only in draft mode.
    expect(paths.some((p) => p.endsWith("/publish"))).toBe(false);
    const drafts = resources.map((r) =>
      r.model === "Post" ? { ...r, revisions: { draft: true } } : r,
    ) as typeof resources;
    expect(Object.keys(buildOpenApi(resolveResources(drafts, datamodel)).paths as Json)).toContain(
      "/posts/{id}/publish",
    );
  });

  it("every documented lifecycle and batch operation is routed (answers anything but a missing route)", async () => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      if (!/\/(batch|restore|purge|revert|revisions|close|stats)/.test(path)) continue;
      const id = path.startsWith("/comments") ? "00000000-0000-4000-8000-000000000000" : "999999";
      const url = `/api${path.replace("{id}", id).replace("{rev}", "1")}`;
      for (const method of Object.keys(item).filter((k) => k !== "parameters")) {
        const response = await t.send(method.toUpperCase(), url, method === "get" ? undefined : []);
        const body = (await response.json()) as { message?: string };
        expect(body.message ?? "", `${method} ${url}`).not.toMatch(/No REST route|not allowed/);
      }
    }
  });

  it("§27 documents each custom action from the zod schemas it is declared with", () => {
    const ticket = t.runtime.schema.resource.get("ticket");
    const close = ticket?.action.get("close");
    const stats = ticket?.action.get("stats");
    if (!close || !stats || stats.output === "record") throw new Error("the demo's ticket actions are missing");
    const closeOp = doc.paths["/tickets/{id}/close"].post;
    expect(closeOp.operationId).toBe("closeTicket");
    expect(doc.paths["/tickets/{id}/close"].parameters.map((p: Json) => p.name)).toEqual(["id"]);
    expect(closeOp.requestBody).toEqual({
      required: true,
      content: { "application/json": { schema: close.input.json } },
    });
    expect(closeOp.requestBody.content["application/json"].schema.properties.resolution).toEqual({
      type: "string",
      minLength: 3,
      maxLength: 500,
    });
    expect(closeOp.responses["200"].content["application/json"].schema).toEqual({
      anyOf: [{ $ref: "#/components/schemas/Ticket" }, { type: "null" }],
    });
    expect(Object.keys(closeOp.responses)).toEqual(["200", "400", "401", "403", "404", "409", "429", "503"]);
    const statsOp = doc.paths["/tickets/stats"].post;
    expect(statsOp.requestBody.required).toBe(false);
    expect(statsOp.responses["200"].content["application/json"].schema).toEqual(stats.output.json);
    expect(stats.output.json).toMatchObject({ type: "object", required: ["open", "pending", "closed"] });
    expect(doc.paths["/posts/{id}/close"]).toBeUndefined();
  });

  it("demo/schema/openapi.json is up to date", () => {
    const committed = readFileSync(new URL("../../demo/schema/openapi.json", import.meta.url), "utf8");
    const fresh = openApiText(resolveResources(resources, datamodel));
    expect(committed === fresh, "demo/schema/openapi.json is stale: run npm run generate:openapi").toBe(true);
    expect(JSON.parse(committed)).toEqual(doc);
    expect(JSON.stringify(buildOpenApi(t.runtime.schema))).toBe(JSON.stringify(buildOpenApi(t.runtime.schema)));
  });
});

describe("§10 OpenAPI docs page", () => {
  it("serves Swagger UI with no URL off the server", async () => {
    const response = await t.get("/api/docs");
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets).toEqual(
      expect.arrayContaining(["/api/docs/swagger-ui.css", "/api/docs/swagger-ui-bundle.js", "/api/docs/init.js"]),
    );
    for (const asset of assets) {
      const file = await t.get(asset);
      expect(file.status, asset).toBe(200);
      expect((await file.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    const init = await (await t.get("/api/docs/init.js")).text();
    expect(init).toContain('url: "/api/openapi.json"');
    expect(init).toContain("validatorUrl: null");
    expect(init).not.toMatch(/https?:\/\//);
    expect((await t.get("/api/docs/swagger-ui-bundle.js")).headers.get("content-type")).toMatch(/javascript/);
  });

  it("serves only its fixed list of files", async () => {
    for (const path of [
      "/api/docs/package.json",
      "/api/docs/..%2Fpackage.json",
      "/api/docs/index.html",
      "/api/docs/swagger-ui-bundle.js.map",
    ]) {
      expect((await t.get(path)).status, path).toBe(404);
    }
  });
});

describe("file fields", () => {
  it("documents upload, download and clearing of posts.cover, and the cover's shape", async () => {
    const path = (doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)[
      "/posts/{id}/cover"
    ];
    expect(Object.keys(path ?? {}).sort()).toEqual(["delete", "get", "parameters", "put"]);
    expect(Object.keys(path?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "206", "304", "307", "404"]),
    );
    expect(path?.put?.responses).toHaveProperty("413");
    expect(path?.put?.responses).toHaveProperty("415");
    const cover = (doc.components as { schemas: Record<string, { properties: Record<string, unknown> }> }).schemas.Post
      ?.properties.cover as { type?: string[]; properties?: Record<string, unknown> };
    expect(cover.type).toEqual(["object", "null"]);
    expect(Object.keys(cover.properties ?? {})).toEqual(["id", "size", "contentType", "filename", "url"]);
  });

  it("§6.8 the writes of posts also take multipart/form-data: data (the record as JSON) and a cover part", () => {
    for (const [path, method, schema] of [
      ["/posts", "post", "PostCreate"],
      ["/posts/{id}", "put", "PostUpdate"],
      ["/posts/{id}", "patch", "PostUpdate"],
    ] as const) {
      const operation = doc.paths[path][method];
      expect(Object.keys(operation.requestBody.content)).toEqual(["application/json", "multipart/form-data"]);
      const multipart = operation.requestBody.content["multipart/form-data"];
      expect(multipart.schema).toMatchObject({
        additionalProperties: false,
        properties: {
          data: { $ref: `#/components/schemas/${schema}` },
          cover: { type: "string", format: "binary" },
        },
      });
      expect(multipart.encoding).toEqual({
        data: { contentType: "application/json" },
        cover: { contentType: "image/png, image/jpeg, image/webp" },
      });
      expect(operation.responses).toHaveProperty("415");
    }
    // A resource without file fields takes JSON only.
    expect(Object.keys(doc.paths["/tags"].post.requestBody.content)).toEqual(["application/json"]);
    expect(doc.paths["/tags"].post.responses).not.toHaveProperty("415");
  });
});
