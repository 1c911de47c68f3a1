// GET /api/_meta (docs/reference/meta.md) over HTTP against the demo server: each actor is told exactly
// what the runtime lets them do (operations, fields, relations), and what it tells them is checked
// against what the server then does: an absent operation is refused, the readable fields are the keys
// of the records they get. Then anonymous under the production lock-down, and the route's own rules.
import { SignJWT } from "jose";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOptions } from "../../demo/options.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import type { ResourceDescription, SchemaDescription } from "../../src/runtime/describe.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const SECRET = "meta-endpoint-test-secret-0123456789abcdef";
const sign = (sub: string, roles: string[], tenant?: string) =>
  new SignJWT({ sub, roles, ...(tenant ? { tenant } : {}) })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));

/** The demo's actors (demo/seed.ts: users 1-2 admin, 3-8 editor, 25-40 reader; the help desk's acme tenant). */
const ACTORS: Record<string, [sub: string, roles: string[], tenant?: string]> = {
  admin: ["1", ["admin"]],
  editor: ["3", ["editor"]],
  reader: ["25", ["reader"]],
  customer: ["25", ["customer"], "acme"],
  agent: ["2", ["agent"], "acme"],
};
type Who = "admin" | "editor" | "reader" | "customer" | "agent" | "anonymous";

let demo: TestServer;
let prodDb: TestDatabase;
let prod: RunningServer;
const tokens = new Map<Who, string>();

beforeAll(async () => {
  demo = await startTestServer({ env: { JWT_SECRET: SECRET } });
  for (const [who, [sub, roles, tenant]] of Object.entries(ACTORS))
    tokens.set(who as Who, await sign(sub, roles, tenant));
  // The production lock-down of test/server/secure-default.test.ts: tags declare no rules, comments are public.
  prodDb = await createTestDatabase();
  const resources: ResourceDefinition[] = demoOptions.resources.map((r) => {
    if (r.model !== "Tag" && r.model !== "Comment") return r;
    const { access: _rules, ...rest } = r;
    return r.model === "Comment" ? { ...rest, access: "public" } : rest;
  });
  prod = await startServer({
    ...demoOptions,
    resources,
    config: loadConfig({
      PORT: "0",
      DATABASE_URL: prodDb.url,
      SEED: "true",
      JWT_SECRET: SECRET,
      NODE_ENV: "production",
    }),
    logger: pino({ level: "silent" }),
  });
}, 120_000);
afterAll(async () => {
  await prod?.close(1000);
  await prodDb?.drop();
  await demo?.close();
});

const call = (who: Who, path: string, init: RequestInit = {}, server = demo.running.url) => {
  const headers = new Headers(init.headers);
  const token = tokens.get(who);
  if (token) headers.set("authorization", `Bearer ${token}`);
  return fetch(`${server}${path}`, { ...init, headers });
};

async function meta(who: Who, server = demo.running.url): Promise<SchemaDescription> {
  const response = await call(who, "/api/_meta", {}, server);
  expect(response.status).toBe(200);
  return (await response.json()) as SchemaDescription;
}

/** The description of one resource; fails when it is absent. */
function resource(described: SchemaDescription, path: string): ResourceDescription {
  const found = described.resources.find((r) => r.path === path);
  if (!found) throw new Error(`${path} is not described (${described.resources.map((r) => r.path).join(", ")})`);
  return found;
}

const fieldNames = (r: ResourceDescription) => r.fields.map((f) => f.name);
const field = (r: ResourceDescription, name: string) => r.fields.find((f) => f.name === name);
const ops = (r: ResourceDescription) => Object.keys(r.operations);

describe("operations per actor", () => {
  it("the admin sees every demo resource with every operation it has, none of them conditional", async () => {
    const described = await meta("admin");
    expect(described.actor).toEqual({ id: "1", roles: ["admin"], tenant: null, admin: true, authenticated: true });
    expect(described.endpoints).toEqual({
      rest: "/api",
      openapi: "/api/openapi.json",
      docs: "/api/docs",
      events: "/api/events",
    });
    const crud = ["list", "get", "aggregate", "create", "update", "delete"];
    const trash = ["restore", "purge"];
    const history = ["history", "revert"];
    expect(Object.fromEntries(described.resources.map((r) => [r.path, ops(r)]))).toEqual({
      users: [...crud, "batch"],
      posts: [...crud, ...trash, ...history, "batch"],
      comments: [...crud, ...trash, "batch"],
      tags: [...crud, ...history, "batch"],
      tickets: [...crud, ...trash, ...history, "batch"],
      "ticket-replies": [...crud, ...trash, "batch"],
    });
    for (const r of described.resources) for (const grant of Object.values(r.operations)) expect(grant).toBe(true);
  });

  it("a reader: no create on users, posts or tags, per-record rules are conditional, tickets read-only", async () => {
    const described = await meta("reader");
    expect(described.actor).toMatchObject({ id: "25", roles: ["reader"], admin: false, authenticated: true });
    expect(resource(described, "users").operations).toEqual({
      list: true,
      get: true,
      aggregate: true,
      update: "conditional", // a user edits their own profile
      batch: "conditional",
    });
    expect(ops(resource(described, "posts"))).not.toContain("create");
    expect(resource(described, "posts").operations.update).toBe("conditional");
    expect(ops(resource(described, "tags"))).toEqual(["list", "get", "aggregate", "history"]);
    expect(resource(described, "comments").operations.create).toBe(true);
    expect(ops(resource(described, "tickets"))).toEqual(["list", "get", "aggregate", "history"]);
    // Locks need the right to update: tags the reader may not lock, posts (their own) they may.
    expect(resource(described, "tags").features.locks).toBe(false);
    expect(resource(described, "posts").features.locks).toBe(true);
  });

  it("an acme customer may open and edit tickets but not delete them, and only reply on them; an agent deletes", async () => {
    const customer = await meta("customer");
    expect(customer.actor).toMatchObject({ tenant: "acme", admin: false });
    expect(ops(resource(customer, "tickets"))).toEqual([
      "list",
      "get",
      "aggregate",
      "create",
      "update",
      "history",
      "revert",
      "batch",
    ]);
    expect(ops(resource(customer, "ticket-replies"))).toEqual(["list", "get", "aggregate", "create", "batch"]);
    const agent = await meta("agent");
    expect(ops(resource(agent, "tickets"))).toEqual(expect.arrayContaining(["delete", "restore"]));
    expect(ops(resource(agent, "tickets"))).not.toContain("purge"); // purge: false, for everyone but the admin
    expect(ops(resource(agent, "ticket-replies"))).toEqual(expect.arrayContaining(["delete", "restore"]));
  });

  it("lists the custom actions (§27) each actor may run, with their schemas; what it leaves out is refused", async () => {
    const names = (d: SchemaDescription) => resource(d, "tickets").actions.map((a) => a.name);
    const customer = await meta("customer");
    expect(names(customer)).toEqual(["stats"]); // close is for agents
    expect(names(await meta("agent"))).toEqual(["close", "stats"]);
    expect(names(await meta("admin"))).toEqual(["close", "stats"]);
    const [close, stats] = resource(await meta("agent"), "tickets").actions;
    expect(close).toMatchObject({
      record: true,
      kind: "mutation",
      graphqlField: "closeTicket",
      url: "/api/tickets/:id/close",
      output: "record",
      grant: true,
    });
    expect(close?.input).toMatchObject({ type: "object", required: ["resolution"] });
    expect(stats).toMatchObject({
      record: false,
      kind: "query",
      graphqlField: "statsTickets",
      url: "/api/tickets/stats",
    });
    expect(stats?.output).toMatchObject({ type: "object", required: ["open", "pending", "closed"] });
    const ticket = await demo.db.prisma.ticket.findFirstOrThrow({ where: { tenantId: "acme", reporterId: 25 } });
    const refused = await call("customer", `/api/tickets/${ticket.id}/close`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ resolution: "Fixed" }),
    });
    expect(refused.status).toBe(403);
  });

  it("the internal note of tickets is withheld from the customer, and described to the agent and the admin", async () => {
    const note = (d: SchemaDescription) => field(resource(d, "tickets"), "internalNote");
    expect(note(await meta("customer"))).toBeUndefined();
    expect(resource(await meta("customer"), "tickets").features.search?.fields).toEqual(["title", "body"]);
    for (const who of ["agent", "admin"] as const) {
      expect(note(await meta(who))).toMatchObject({
        type: "string",
        readable: { one: true, list: true },
        filter: ["contains"],
        searchable: true,
        description: "Agents only: never shown to customers.",
      });
    }
    expect(resource(await meta("agent"), "tickets").features.search?.fields).toEqual(["title", "body", "internalNote"]);
    // ticket-replies.internal: the customer reads it, only agents write it (replies are never updated).
    const internal = (d: SchemaDescription) => field(resource(d, "ticket-replies"), "internal")?.writable;
    expect(internal(await meta("customer"))).toEqual({ create: false, update: false });
    expect(internal(await meta("agent"))).toEqual({ create: true, update: false });
    expect(field(resource(await meta("customer"), "ticket-replies"), "body")?.writable).toEqual({
      create: true,
      update: false,
    });
  });

  it("anonymous: signed-in-only fields and resources are absent, and so are relations to them", async () => {
    const described = await meta("anonymous");
    expect(described.actor).toEqual({ id: null, roles: [], tenant: null, admin: false, authenticated: false });
    expect(described.resources.map((r) => r.path)).toEqual(["users", "posts", "comments", "tags"]);
    const users = resource(described, "users");
    expect(fieldNames(users)).not.toContain("email");
    expect(users.features.search?.fields).toEqual(["name"]);
    expect(users.relations.map((r) => r.name)).toEqual(["posts", "comments"]); // not tickets
    expect(fieldNames(resource(await meta("reader"), "users"))).toContain("email");
    expect(resource(await meta("reader"), "users").relations.map((r) => r.name)).toContain("tickets");
    expect(ops(resource(described, "comments"))).not.toContain("create");
  });
});

describe("what is described is what the server does", () => {
  it("a resource, operation or field the description leaves out is refused; the readable fields are the records' keys", async () => {
    for (const who of ["anonymous", "reader", "customer", "agent"] as const) {
      const described = await meta(who);
      for (const path of ["users", "posts", "tags", "tickets", "ticket-replies"]) {
        const r = described.resources.find((x) => x.path === path);
        const list = await call(who, `/api/${path}?range=[0,4]`);
        if (!r?.operations.list) {
          expect([401, 403], `${who} GET ${path}`).toContain(list.status);
          continue;
        }
        expect(list.status, `${who} GET ${path}`).toBe(200);
        const keys = new Set(((await list.json()) as Record<string, unknown>[]).flatMap((x) => Object.keys(x)));
        const listed = r.fields.filter((f) => f.readable.list).map((f) => f.name);
        if (keys.size > 0) expect([...keys].sort(), `${who} ${path}`).toEqual([...listed].sort());
        if (!r.operations.create) {
          const created = await call(who, `/api/${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{}",
          });
          expect([401, 403], `${who} POST ${path}`).toContain(created.status);
        }
      }
    }
  });

  it("an unreadable field is refused in a filter the way an unknown one is", async () => {
    const email = await call("anonymous", "/api/users?email=ada@example.com");
    expect(email.status).toBe(400);
    const note = await call("customer", "/api/tickets?internalNote_like=x");
    expect(note.status).toBe(400);
  });
});

describe("fields", () => {
  it("enum values, validation rules and file limits are described", async () => {
    const described = await meta("editor");
    const posts = resource(described, "posts");
    expect(field(posts, "status")).toMatchObject({
      type: "enum",
      enum: { name: "PostStatus", values: ["draft", "published", "archived"] },
      default: "draft",
      filter: ["eq", "ne", "in", "notIn"],
      sortable: true,
      groupable: true,
    });
    expect(field(posts, "title")).toMatchObject({
      required: true,
      validation: { required: true, minLength: 3, maxLength: 200 },
    });
    expect(field(posts, "views")?.validation).toEqual({ min: 0 });
    expect(field(posts, "views")?.aggregates).toEqual(["sum", "avg", "min", "max"]);
    expect(field(resource(described, "users"), "email")?.validation).toEqual({ email: true });
    expect(field(resource(described, "tags"), "name")?.validation).toEqual({
      maxLength: 40,
      pattern: { source: "^[a-z0-9]+(?:-[a-z0-9]+)*$", flags: "" },
      messages: { pattern: "use lowercase letters, digits and single dashes, e.g. open-source" },
    });
    expect(new RegExp(field(resource(described, "tags"), "name")?.validation?.pattern?.source ?? "").test("a-b")).toBe(
      true,
    );
    expect(field(posts, "cover")).toMatchObject({
      type: "file",
      nullable: true,
      blob: {
        maxBytes: 5_000_000,
        contentTypes: ["image/png", "image/jpeg", "image/webp"],
        path: "/api/posts/{id}/cover",
      },
    });
    expect(posts.features.files).toEqual(["cover"]);
  });

  it("read-only and server-filled fields are not writable; the id, its type and who makes it", async () => {
    const described = await meta("editor");
    const posts = resource(described, "posts");
    for (const name of ["id", "version", "createdAt", "createdBy", "deletedAt"])
      expect(field(posts, name), name).toMatchObject({ readOnly: true, writable: { create: false, update: false } });
    expect(field(posts, "title")?.writable).toEqual({ create: true, update: true });
    expect(posts.id).toEqual({ field: "id", type: "integer", generated: "database" });
    expect(resource(described, "comments").id).toEqual({ field: "id", type: "uuid", generated: "uuid" });
  });

  it("a write-only field is described only to whoever may write it (users.passwordHash, to the admin on create)", async () => {
    expect(field(resource(await meta("admin"), "users"), "passwordHash")).toMatchObject({
      readable: { one: false, list: false },
      writable: { create: true, update: false },
      required: true,
      filter: [],
      sortable: false,
    });
    for (const who of ["anonymous", "reader", "editor"] as const)
      expect(field(resource(await meta(who), "users"), "passwordHash"), who).toBeUndefined();
  });
});

describe("resources, relations and features", () => {
  it("names, paths, labels, page sizes and lifecycle features", async () => {
    const described = await meta("editor");
    const posts = resource(described, "posts");
    expect(posts).toMatchObject({
      name: "post",
      plural: "posts",
      path: "posts",
      url: "/api/posts",
      graphqlType: "Post",
      label: { singular: "Post", plural: "Posts" },
      description: "A blog post.",
      defaultSort: { field: "id", order: "ASC" },
      pageSize: { default: 25, max: 1000 },
      maxBatchSize: 100,
    });
    expect(posts.features).toEqual({
      softDelete: { field: "deletedAt", by: "deletedBy" },
      revisions: { draft: false },
      concurrency: { field: "version", required: false },
      events: { path: "/api/posts/events" },
      search: { param: "q", fields: ["title", "body"] },
      tenant: null,
      audit: { createdAt: "createdAt", createdBy: "createdBy", updatedAt: "updatedAt", updatedBy: "updatedBy" },
      files: ["cover"],
      locks: true,
    });
    expect(resource(described, "ticket-replies").label).toEqual({ singular: "Ticket reply", plural: "Ticket replies" });
    expect(resource(described, "users").features).toMatchObject({
      softDelete: null,
      revisions: null,
      concurrency: null,
    });
    expect(resource(described, "tickets").features.tenant).toEqual({ field: "tenantId" });
  });

  it("relations: kind, target, the fields that link them, embedding, filtering and sorting", async () => {
    const posts = resource(await meta("editor"), "posts");
    expect(posts.relations).toEqual([
      {
        name: "author",
        label: "Author",
        kind: "belongsTo",
        target: { name: "user", path: "users" },
        localField: "authorId",
        required: true,
        embed: { one: true, list: true },
        filterable: true,
        sortable: true,
      },
      {
        name: "comments",
        label: "Comments",
        kind: "hasMany",
        target: { name: "comment", path: "comments" },
        foreignField: "postId",
        embed: { one: true, list: true },
        filterable: true,
        sortable: true, // by the least or greatest value of a comment's field (rest-dialect.md §3.3)
      },
      {
        name: "tags",
        label: "Tags",
        kind: "manyToMany",
        target: { name: "tag", path: "tags" },
        through: "PostTag",
        embed: { one: true, list: true },
        filterable: true,
        sortable: false,
      },
    ]);
  });
});

describe("under the production lock-down", () => {
  it("anonymous sees what anonymous may do: no locked resource, every operation of a public one", async () => {
    const described = await meta("anonymous", prod.url);
    expect(described.resources.map((r) => r.path)).toEqual(["users", "posts", "comments"]);
    expect(ops(resource(described, "comments"))).toEqual([
      "list",
      "get",
      "aggregate",
      "create",
      "update",
      "delete",
      "restore",
      "purge",
      "batch",
    ]);
    expect(ops(resource(described, "posts"))).not.toContain("create");
    // The locked resource is a 401 indeed, and the public one takes anonymous writes.
    expect((await fetch(`${prod.url}/api/tags`)).status).toBe(401);
    const reader = await meta("reader", prod.url);
    expect(ops(resource(reader, "tags"))).toEqual(["list", "get", "aggregate", "history"]);
    expect(ops(resource(await meta("admin", prod.url), "tags"))).toContain("create");
  });
});

describe("the route", () => {
  it("answers an ETag, and 304 to a client that holds it; each actor has their own", async () => {
    const first = await call("reader", "/api/_meta");
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("cache-control")).toBe("private, no-cache");
    expect(first.headers.get("vary")).toMatch(/Authorization/);
    const head = await call("reader", "/api/_meta", { method: "HEAD" });
    expect([head.status, head.headers.get("etag"), await head.text()]).toEqual([200, etag, ""]);
    const again = await call("reader", "/api/_meta", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const other = await call("customer", "/api/_meta", { headers: { "if-none-match": etag } });
    expect(other.status).toBe(200);
    expect(other.headers.get("etag")).not.toBe(etag);
  });

  it("refuses query parameters (secure profile) with a 400 and other methods with a 405", async () => {
    const unknown = await call("reader", "/api/_meta?resource=posts");
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/Unknown query parameter "resource"/);
    const post = await call("admin", "/api/_meta", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await (await call("anonymous", "/api/openapi.json")).json()) as Record<string, any>;
    expect(doc.paths["/_meta"].get.operationId).toBe("describeSchema");
    expect(doc.paths["/_meta"].get.security).toEqual([]);
    const schema = doc.paths["/_meta"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(schema.properties)).toEqual(["version", "actor", "endpoints", "resources"]);
  });
});
