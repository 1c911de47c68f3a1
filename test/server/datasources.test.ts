// Several databases (docs/guides/datasources.md): the demo schema with `tag` redefined on the datasource
// "analytics", served by one server over two real databases. Every operation over REST and GraphQL lands
// in the database of its resource's datasource (checked with pg on each), the other stays untouched; the
// boot migrates the second database and refuses what cannot work.
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { demoOptions } from "../../demo/options.ts";
import comment from "../../demo/schema/comment.ts";
import post from "../../demo/schema/post.ts";
import tag from "../../demo/schema/tag.ts";
import ticket from "../../demo/schema/ticket.ts";
import ticketReply from "../../demo/schema/ticket-reply.ts";
import user from "../../demo/schema/user.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import { createApp } from "../../src/server/app.ts";
import { ConfigError, loadConfig } from "../../src/server/config.ts";
import { type RunningServer, startServer } from "../../src/server/server.ts";
import { tablesOfResources } from "../../src/storage/dump/table-plan.ts";
import { createStore } from "../../src/storage/store.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";

const { tags: _tags, ...postRelations } = post.relations ?? {};
/** The demo's resources, tags on "analytics" (their relation to posts dropped: it would cross databases). */
const resources: ResourceDefinition[] = [
  user,
  { ...post, relations: postRelations },
  comment,
  { ...tag, datasource: "analytics", access: "public", relations: {} },
  ticket,
  ticketReply,
];

let main: TestDatabase;
let analytics: TestDatabase;
let mainSql: pg.Client;
let analyticsSql: pg.Client;
let running: RunningServer;

beforeAll(async () => {
  main = await createTestDatabase();
  // Without tables: the boot migrates it.
  analytics = await createTestDatabase({ empty: true });
  running = await startServer({
    ...demoOptions,
    resources,
    config: loadConfig({ PORT: "0", DATABASE_URL: main.url, DATASOURCE_ANALYTICS_URL: analytics.url, SEED: "false" }),
    logger: pino({ level: "silent" }),
  });
  mainSql = new pg.Client({ connectionString: main.url });
  analyticsSql = new pg.Client({ connectionString: analytics.url });
  await mainSql.connect();
  await analyticsSql.connect();
  // A tag only the default database holds: no read of tags may ever see it.
  await mainSql.query(`insert into "Tag" (name, "updatedAt") values ('only-in-main', now())`);
}, 120_000);

afterAll(async () => {
  await mainSql?.end();
  await analyticsSql?.end();
  await running?.close();
  await main?.drop();
  await analytics?.drop();
});

async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${running.url}/api${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function gql(query: string, variables?: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${running.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

const names = async (sql: pg.Client) =>
  (await sql.query<{ name: string }>(`select name from "Tag" order by name`)).rows.map((r) => r.name);
const count = async (sql: pg.Client, text: string, values: unknown[] = []) =>
  Number((await sql.query<{ n: string }>(`select count(*) as n from (${text}) q`, values)).rows[0]?.n);

describe("a resource on a second datasource, served by one server", () => {
  it("the boot migrated the second database: it holds the schema's tables", async () => {
    expect(
      await count(analyticsSql, `select 1 from "_prisma_migrations" where finished_at is not null`),
    ).toBeGreaterThan(0);
    expect(await names(analyticsSql)).toEqual([]);
  });

  it("REST: create, get, list, filter, update and delete land in the analytics database only", async () => {
    const created = await rest("POST", "/tags", { name: "rest-alpha" });
    expect(created.status).toBe(201);
    await rest("POST", "/tags", { name: "rest-beta" });
    expect(await names(analyticsSql)).toEqual(["rest-alpha", "rest-beta"]);
    expect(await names(mainSql)).toEqual(["only-in-main"]);

    const id = created.json.id;
    expect((await rest("GET", `/tags/${id}`)).json.name).toBe("rest-alpha");
    const list = await rest("GET", "/tags?sort=%5B%22name%22%2C%22ASC%22%5D");
    expect(list.json.map((t: { name: string }) => t.name)).toEqual(["rest-alpha", "rest-beta"]);
    const filtered = await rest("GET", `/tags?filter=${encodeURIComponent(JSON.stringify({ name: "rest-beta" }))}`);
    expect(filtered.json.map((t: { name: string }) => t.name)).toEqual(["rest-beta"]);

    const updated = await rest("PUT", `/tags/${id}`, { name: "rest-gamma" });
    expect(updated.status).toBe(200);
    expect(updated.json.version).toBe(2);
    expect(await names(analyticsSql)).toEqual(["rest-beta", "rest-gamma"]);
    // Revisions are written in the write's transaction: in its database.
    expect(
      await count(analyticsSql, `select 1 from "Revision" where resource = 'tag' and "recordId" = $1`, [String(id)]),
    ).toBe(2);
    expect(await count(mainSql, `select 1 from "Revision" where resource = 'tag'`)).toBe(0);
    expect((await rest("GET", `/tags/${id}/revisions`)).json).toHaveLength(2);

    expect((await rest("DELETE", `/tags/${id}`)).status).toBe(200);
    expect(await names(analyticsSql)).toEqual(["rest-beta"]);
    expect(await names(mainSql)).toEqual(["only-in-main"]);
    // Change events are the default datasource's: no outbox row in either database.
    expect(await count(analyticsSql, `select 1 from "Event"`)).toBe(0);
    expect(await count(mainSql, `select 1 from "Event" where resource = 'tag'`)).toBe(0);
  });

  it("GraphQL: the same operations on the same database", async () => {
    const created = await gql(`mutation { createTag(data: { name: "gql-one" }) { id name version } }`);
    expect(created.errors).toBeUndefined();
    const id = created.data.createTag.id;
    const read = await gql(
      `query ($id: ID!) { tag(id: $id) { name } tags(where: { name: { eq: "gql-one" } }) { id } }`,
      {
        id,
      },
    );
    expect(read.data).toEqual({ tag: { name: "gql-one" }, tags: [{ id }] });
    const updated = await gql(
      `mutation ($id: ID!) { updateTag(id: $id, data: { name: "gql-two" }) { name version } }`,
      {
        id,
      },
    );
    expect(updated.data.updateTag).toEqual({ name: "gql-two", version: 2 });
    expect(await names(analyticsSql)).toContain("gql-two");
    expect((await gql(`mutation ($id: ID!) { deleteTag(id: $id) { id } }`, { id })).data.deleteTag.id).toBe(id);
    expect(await names(analyticsSql)).not.toContain("gql-two");
    expect(await names(mainSql)).toEqual(["only-in-main"]);
  });

  it("resources of the default datasource stay on DATABASE_URL", async () => {
    await mainSql.query(
      `insert into "User" (email, name, "passwordHash", "updatedAt") values ('ada@example.com', 'Ada', '-', now())`,
    );
    const users = await gql(`{ users { name } }`);
    expect(users.data.users).toEqual([{ name: "Ada" }]);
    expect(await count(analyticsSql, `select 1 from "User"`)).toBe(0);
  });

  it("a write joining a transaction of another datasource is refused whole: 501 with the reason, nothing committed", async () => {
    running.runtime.on("tag").after("create", async (op) => {
      if (op.input.name === "crossing") await op.service("user").create({ email: "x@example.com", name: "X" });
    });
    const refused = await rest("POST", "/tags", { name: "crossing" });
    expect(refused.status).toBe(501);
    expect(refused.json.message).toMatch(/A write of user .* cannot join a transaction on datasource "analytics"/);
    expect(await names(analyticsSql)).not.toContain("crossing");
    expect(await count(mainSql, `select 1 from "User" where email = 'x@example.com'`)).toBe(0);
  });

  it("no change events for it: its REST stream and subscription say so", async () => {
    const stream = await rest("GET", "/tags/events");
    expect(stream.status).toBe(404);
    expect(stream.json.message).toMatch(
      /tags live on datasource "analytics": change events are published for the default/,
    );
    const all = await rest("GET", "/events?resources=tags");
    expect(all.status).toBe(400);
    expect(all.json.message).toMatch(/^tags live on datasource "analytics"/);
    const subscription = await gql(`subscription { resourceChanged(resources: ["tag"]) { eventId } }`);
    expect(subscription.errors[0].message).toMatch(/^tags live on datasource "analytics": change events are published/);
  });

  it("/readyz checks every datasource; /metrics shows the second one", async () => {
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/^autograph_datasource_up\{datasource="analytics"\} 1$/m);
    expect(metrics).toMatch(/^autograph_datasource_pool_connections\{datasource="analytics"\} [1-9]\d*$/m);
  });
});

describe("statements per datasource (counted on each pool)", () => {
  let one: TestDatabase;
  let two: TestDatabase;
  let dbOne: DemoDatabase;
  let dbTwo: DemoDatabase;
  beforeAll(async () => {
    one = await createTestDatabase();
    two = await createTestDatabase();
    dbOne = createDemoDatabase(one.url);
    dbTwo = createDemoDatabase(two.url);
  });
  afterAll(async () => {
    await dbOne?.close();
    await dbTwo?.close();
    await one?.drop();
    await two?.drop();
  });

  it("a list, a get and a create of tags run on the analytics pool alone, one statement each", async () => {
    const schema = resolveResources(resources, datamodel);
    const runtime = createRuntime({ schema, store: createStore(dbOne, schema), datasources: { analytics: dbTwo } });
    const app = createApp({ runtime, logger: pino({ level: "silent" }) });
    const call = async (method: string, path: string, body?: unknown) => {
      dbOne.statements.reset();
      dbTwo.statements.reset();
      const response = await app.fetch(
        new Request(`http://test/api${path}`, {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      const json = await response.json();
      return { status: response.status, json, main: dbOne.statements.count, analytics: dbTwo.statements.count };
    };
    const created = await call("POST", "/tags", { name: "counted" });
    expect(created).toMatchObject({ status: 201, main: 0 });
    // The compiled write: BEGIN, the statement (row, revision), COMMIT.
    expect(created.analytics).toBe(3);
    expect(await call("GET", "/tags")).toMatchObject({ status: 200, main: 0, analytics: 1 });
    expect(await call("GET", `/tags/${created.json.id}`)).toMatchObject({ status: 200, main: 0, analytics: 1 });
    expect(await dbOne.prisma.tag.count()).toBe(0);
    expect(await dbTwo.prisma.tag.count()).toBe(1);
  });

  it("inside a write, reads of another datasource go to its pool; a write there is refused and nothing commits", async () => {
    const schema = resolveResources(resources, datamodel);
    const runtime = createRuntime({ schema, store: createStore(dbOne, schema), datasources: { analytics: dbTwo } });
    const admin = () => runtime.context({ actor: { id: "root", roles: ["admin"] } });
    await runtime.service("tag").create(admin(), { name: "seen-from-main" });
    let seen: unknown;
    runtime.on("user").after("create", async (op) => {
      seen = (await op.service("tag").list({})).records.map((r) => r.name);
      if (op.input.name === "Crossing") await op.service("tag").create({ name: "crossing" });
    });
    const user = { email: "reader@example.com", name: "Reader", passwordHash: "-" };
    await runtime.service("user").create(admin(), user);
    expect(seen).toContain("seen-from-main");
    await expect(
      runtime.service("user").create(admin(), { ...user, email: "crossing@example.com", name: "Crossing" }),
    ).rejects.toMatchObject({ code: "NOT_IMPLEMENTED" });
    expect((await dbOne.prisma.user.findMany()).map((u) => u.email)).toEqual(["reader@example.com"]);
    expect(await dbTwo.prisma.tag.count({ where: { name: "crossing" } })).toBe(0);
  });

  it("a runtime given no database for a datasource a resource names refuses to start", () => {
    const schema = resolveResources(resources, datamodel);
    expect(() => createRuntime({ schema, store: createStore(dbOne, schema) })).toThrow(
      /datasources the runtime was given no database for: "analytics" \(tag\)/,
    );
  });
});

describe("boot errors for what cannot work", () => {
  const issues = (definitions: ResourceDefinition[]) => {
    try {
      resolveResources(definitions, datamodel);
    } catch (error) {
      if (error instanceof MetadataError) return error.message;
      throw error;
    }
    return "";
  };

  it("a many-to-many relation across datasources", () => {
    const message = issues([user, post, { ...tag, datasource: "analytics" }]);
    expect(message).toMatch(
      /many-to-many relation "tags" joins post \(datasource "default"\) to tag \(datasource "analytics"\)/,
    );
  });

  it("a foreign key across datasources, exposed as a relation or not; file fields off the default datasource", () => {
    // Post's relation to its author left out: the foreign key alone is refused all the same.
    const { author: _author, ...rest } = postRelations;
    const message = issues([user, { ...post, relations: rest, datasource: "analytics" }, comment]);
    expect(message).toMatch(
      /user \(datasource "default"\) and post \(datasource "analytics"\) are related through User\.posts/,
    );
    expect(message).toMatch(
      /post \(datasource "analytics"\) and comment \(datasource "default"\) are related through Post\.comments/,
    );
    expect(message).toMatch(/post\.datasource: file fields \(cover\) are served on the default datasource only/);
  });

  it("a datasource name that is not a lowercase identifier", () => {
    expect(issues([{ ...tag, datasource: "Analytics-DB", relations: {} }])).toMatch(/tag\.datasource/);
  });

  it("a datasource without its URL: the boot fails naming the variable to set", async () => {
    const db = await createTestDatabase();
    try {
      await expect(
        startServer({
          ...demoOptions,
          resources,
          config: loadConfig({ PORT: "0", DATABASE_URL: db.url, SEED: "false" }),
          logger: pino({ level: "silent" }),
        }),
      ).rejects.toThrow(/DATASOURCE_ANALYTICS_URL is not set: tag declares `datasource: "analytics"`/);
    } finally {
      await db.drop();
    }
  });

  it("a datasource whose database cannot be migrated (here: it does not exist): the boot fails naming it", async () => {
    const db = await createTestDatabase();
    const missing = new URL(db.url);
    missing.pathname = `/${db.name}_missing`;
    try {
      await expect(
        startServer({
          ...demoOptions,
          resources,
          config: loadConfig({
            PORT: "0",
            DATABASE_URL: db.url,
            DATASOURCE_ANALYTICS_URL: missing.toString(),
            SEED: "false",
          }),
          logger: pino({ level: "silent" }),
        }),
      ).rejects.toThrow("datasource analytics (DATASOURCE_ANALYTICS_URL): applying the migrations failed");
    } finally {
      await db.drop();
    }
  });

  it("a backup of a resource off the default datasource (it reads the default database)", () => {
    const schema = resolveResources(resources, datamodel);
    expect(() => tablesOfResources(schema, ["tags"])).toThrow(
      /tags live on datasource "analytics": a backup holds the default database; back that one up with pg_dump/,
    );
    expect(tablesOfResources(schema, ["posts"]).map((t) => t.name)).toEqual(["Post", "Revision", "Event"]);
  });

  it("a malformed DATASOURCE_<NAME>_URL is a configuration error naming it", () => {
    expect(() => loadConfig({ DATASOURCE_ANALYTICS_URL: "mysql://x/y" })).toThrow(ConfigError);
    expect(() => loadConfig({ "DATASOURCE_bad-name_URL": "postgres://x/y" })).toThrow(/DATASOURCE_bad-name_URL/);
    expect(loadConfig({ DATASOURCE_SALES_EU_URL: "postgres://h/sales" }).datasources).toEqual({
      sales_eu: "postgres://h/sales",
    });
  });
});
