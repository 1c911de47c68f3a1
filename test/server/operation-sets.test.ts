// Operation sets (rest-dialect.md §26, resource `operations` / `readOnly`): an operation a resource leaves
// out does not exist on any path. Tags are read-only and comments append-only (list, get, create) here;
// each test asks through one transport (REST, GraphQL, OpenAPI, _meta, the runtime) and checks the
// database where a write could have slipped through.
import { printSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources as demoResources } from "../../demo/schema/index.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { buildGraphQLSchema } from "../../src/graphql/schema.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { buildOpenApi } from "../../src/rest/openapi.ts";
import { createRestHandler, type RestHandler } from "../../src/rest/handler.ts";
import { isAppError } from "../../src/runtime/errors.ts";
import { EDITOR } from "../support/actors.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLTestClient, graphqlClient } from "../graphql/client.ts";

const resources: ResourceDefinition[] = demoResources.map((d) =>
  d.model === "Tag"
    ? { ...d, readOnly: true }
    : d.model === "Comment"
      ? { ...d, operations: ["list", "get", "create"] }
      : d,
);

let t: TestRuntime;
let rest: RestHandler;
let gql: GraphQLTestClient;
const unexpected: unknown[] = [];

beforeAll(async () => {
  t = await createTestRuntime({ seed: true, resources });
  rest = createRestHandler({
    runtime: t.runtime,
    contextFor: () => t.runtime.context({ actor: EDITOR }),
    onUnexpectedError: (e) => unexpected.push(e),
  });
  gql = graphqlClient(t, { actor: EDITOR, extensions: [] });
});
afterAll(() => t?.close());

const call = (method: string, path: string, body?: unknown) =>
  rest.fetch(
    new Request(`http://test${path}`, {
      method,
      headers: { Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );

async function firstTag(): Promise<{ id: number; name: string; version: number }> {
  return t.db.prisma.tag.findFirstOrThrow({ orderBy: { id: "asc" } });
}

describe("metadata (§26.1)", () => {
  it("resolves readOnly to the reads; lifecycle operations follow their parent, delete by filter list and delete", () => {
    const schema = resolveResources(resources, datamodel);
    expect([...(schema.resource.get("tag")?.operations ?? [])].sort()).toEqual(["get", "list"]);
    expect([...(schema.resource.get("comment")?.operations ?? [])].sort()).toEqual(["create", "get", "list"]);
    expect([...(schema.resource.get("post")?.operations ?? [])].sort()).toEqual(
      ["create", "delete", "deleteWhere", "get", "list", "publish", "purge", "restore", "revert", "update"].sort(),
    );
  });

  it("refuses an unknown operation, readOnly with a write, and an empty set at boot, with the path and the fix", () => {
    const bad = (patch: Record<string, unknown>) => {
      try {
        resolveResources(
          demoResources.map((d) => (d.model === "Tag" ? ({ ...d, ...patch } as ResourceDefinition) : d)),
          datamodel,
        );
      } catch (error) {
        expect(error).toBeInstanceOf(MetadataError);
        return (error as MetadataError).issues;
      }
      throw new Error("resolved");
    };
    const [unknown] = bad({ operations: ["list", "destroy"] });
    expect(unknown?.path).toBe("tag.operations.1");
    expect(unknown?.fix).toContain("operations are: list, get, create, update, delete");
    const [both] = bad({ readOnly: true, operations: ["list", "create"] });
    expect(both).toMatchObject({ path: "tag.operations" });
    expect(both?.message).toContain("create");
    expect(both?.fix).toContain("remove `readOnly`");
    const [empty] = bad({ operations: [] });
    expect(empty).toMatchObject({ path: "tag.operations" });
  });
});

describe("REST (§26.2)", () => {
  it("answers a left-out method with 405 and an Allow listing exactly the served ones; the reads still work", async () => {
    const tag = await firstTag();
    const list = await call("GET", "/api/tags");
    expect(list.status).toBe(200);
    expect(((await list.json()) as unknown[]).length).toBeGreaterThan(0);
    expect((await call("GET", `/api/tags/${tag.id}`)).status).toBe(200);

    const create = await call("POST", "/api/tags", { name: "never-made" });
    expect(create.status).toBe(405);
    expect(create.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    expect(await create.json()).toMatchObject({ message: expect.stringContaining("POST is not allowed") });
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const response = await call(method, `/api/tags/${tag.id}`, method === "DELETE" ? undefined : { name: "x" });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    }
    expect(await t.db.prisma.tag.findFirst({ where: { name: "never-made" } })).toBeNull();
    expect(await firstTag()).toMatchObject({ name: tag.name, version: tag.version });
  });

  it("leaves no lifecycle, batch or lock route of a left-out write: each is a 405 with Allow", async () => {
    const tag = await firstTag();
    for (const [method, path] of [
      ["POST", `/api/tags/${tag.id}/revert/1`],
      ["POST", "/api/tags/batch"],
      ["DELETE", "/api/tags/batch"],
      ["POST", `/api/tags/${tag.id}/lock`],
      ["GET", "/api/tags/locks"],
    ] as const) {
      const response = await call(
        method,
        path,
        method === "POST" && path.endsWith("batch") ? [{ name: "x" }] : undefined,
      );
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("Allow"), `${method} ${path}`).toBe("OPTIONS");
    }
    // Reads of a record's history follow `get`, which tags serve.
    expect((await call("GET", `/api/tags/${tag.id}/revisions`)).status).toBe(200);
    expect(await t.db.prisma.recordLock.count()).toBe(0);
  });

  it("an append-only resource creates and reads, but neither changes nor deletes", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ orderBy: { id: "asc" } });
    const created = await call("POST", "/api/comments", { body: "append only", postId: post.id, authorId: 3 });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await call("GET", `/api/comments/${id}`)).status).toBe(200);
    const remove = await call("DELETE", `/api/comments/${id}`);
    expect(remove.status).toBe(405);
    expect(remove.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    expect((await call("POST", `/api/comments/${id}/purge`)).status).toBe(405);
    const collection = await call("PUT", "/api/comments", {});
    expect(collection.headers.get("Allow")).toBe("GET, HEAD, POST, OPTIONS");
    expect(await t.db.prisma.comment.findUniqueOrThrow({ where: { id } })).toMatchObject({ deletedAt: null });
    expect(unexpected).toEqual([]);
  });
});

describe("GraphQL (§26.3)", () => {
  it("has no field or input type of a left-out operation", () => {
    const sdl = printSchema(buildGraphQLSchema(t.runtime));
    for (const absent of [
      "createTag(",
      "updateTag(",
      "deleteTag(",
      "createTags(",
      "updateTags(",
      "deleteTags(",
      "revertTag(",
      "lockTag(",
      "input TagCreateInput",
      "input TagUpdateInput",
      "input TagBatchUpdateInput",
      "type TagBatchResult",
      "deleteComment(",
      "updateComment(",
      "purgeComment(",
      "restoreComment(",
      "input CommentUpdateInput",
    ])
      expect(sdl, absent).not.toContain(absent);
    for (const present of [
      "tags(",
      "tag(",
      "tagsConnection(",
      "tagRevisions(",
      "createComment(",
      "comments(",
      "tagChanged(",
    ])
      expect(sdl, present).toContain(present);
  });

  it("asking for a left-out field is a validation error, and nothing is written", async () => {
    const { body } = await gql.post(`mutation { createTag(data: { name: "via-graphql" }) { id } }`);
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(body.errors?.[0]?.message).toContain("createTag");
    expect(await t.db.prisma.tag.findFirst({ where: { name: "via-graphql" } })).toBeNull();
    const data = await gql.data<{ tags: unknown[] }>("{ tags { id name } }");
    expect(data.tags.length).toBeGreaterThan(0);
  });
});

describe("OpenAPI and _meta (§26.4)", () => {
  it("OpenAPI documents only the served methods and schemas", () => {
    const doc = buildOpenApi(t.runtime.schema) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths["/tags"] ?? {})).toEqual(["get"]);
    expect(Object.keys(doc.paths["/tags/{id}"] ?? {}).sort()).toEqual(["get", "parameters"]);
    for (const gone of ["/tags/batch", "/tags/{id}/revert/{rev}", "/tags/{id}/lock", "/tags/locks"])
      expect(doc.paths[gone], gone).toBeUndefined();
    expect(doc.paths["/tags/{id}/revisions"]).toBeDefined();
    expect(doc.components.schemas.TagCreate).toBeUndefined();
    expect(doc.components.schemas.TagUpdate).toBeUndefined();
    expect(Object.keys(doc.paths["/comments/{id}"] ?? {}).sort()).toEqual(["get", "parameters"]);
    expect(Object.keys(doc.paths["/comments"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(doc.paths["/comments/{id}/restore"]).toBeUndefined();
  });

  it("_meta tells even an editor only the served operations (the admin shows no create, edit or delete)", async () => {
    const meta = (await (await call("GET", "/api/_meta")).json()) as {
      resources: { path: string; operations: Record<string, unknown>; features: { locks: boolean } }[];
    };
    const tags = meta.resources.find((r) => r.path === "tags");
    expect(Object.keys(tags?.operations ?? {}).sort()).toEqual(["aggregate", "get", "history", "list"]);
    expect(tags?.features.locks).toBe(false);
    const comments = meta.resources.find((r) => r.path === "comments");
    expect(Object.keys(comments?.operations ?? {}).sort()).toEqual(["aggregate", "batch", "create", "get", "list"]);
  });
});

describe("the runtime (§26.5)", () => {
  it("a service refuses a left-out operation with METHOD_NOT_ALLOWED, whoever calls it", async () => {
    const tags = t.runtime.service("tag");
    const ctx = t.runtime.context({ actor: EDITOR });
    const tag = await firstTag();
    const refused = async (run: () => Promise<unknown>) => {
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAppError(error) && error.code).toBe("METHOD_NOT_ALLOWED");
      return error as Error;
    };
    const error = await refused(() => tags.create(ctx, { name: "from-a-script" }));
    expect(error.message).toBe("tags do not serve create: their operations are list, get.");
    await refused(() => tags.patch(ctx, tag.id, { name: "renamed" }));
    await refused(() => tags.delete(ctx, tag.id));
    await refused(() => tags.batch(ctx, "delete", [tag.id]));
    await refused(() => tags.lock(ctx, tag.id));
    await refused(() => t.runtime.service("comment").restore(ctx, "00000000-0000-4000-8000-000000000000"));
    expect(await t.db.prisma.tag.findFirst({ where: { name: { in: ["from-a-script", "renamed"] } } })).toBeNull();
    expect((await tags.get(ctx, tag.id)).name).toBe(tag.name);
  });
});
