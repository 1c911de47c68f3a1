// External names (docs/reference/rest-dialect.md §31): a field's `apiName` is its name on every path,
// REST and GraphQL alike, while storage reads and writes the Prisma field's `@map`ped column of a
// `@@map`ped table. The models (Writer → "writers", Book → "books") are test models at the end of
// prisma/schema.prisma; every column of theirs is renamed, so raw SQL that used a field's name would fail.
import { PassThrough } from "node:stream";
import { gunzipSync } from "node:zlib";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { buildOpenApi } from "../../src/rest/openapi.ts";
import { dumpDatabase } from "../../src/storage/dump/dump-database.ts";
import { tablesOfResources } from "../../src/storage/dump/table-plan.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

const writer: ResourceDefinition = {
  model: "Writer",
  access: "public",
  fields: { fullName: { apiName: "name", filter: true, sort: true } },
  relations: { books: { filter: true, onDelete: "restrict" } },
};
const book: ResourceDefinition = {
  model: "Book",
  access: "public",
  // Column options name the Prisma field, like the keys of `fields`.
  concurrency: { field: "version" },
  softDelete: { field: "deletedAt", by: false },
  revisions: true,
  fields: {
    title: { apiName: "headline", filter: true, sort: true, search: true, validate: { minLength: 2 } },
    isbn: { apiName: "code", filter: ["eq", "in"] },
    pages: { apiName: "pageCount", filter: true, sort: true, aggregate: ["sum", "max"], groupBy: true },
    writerId: { apiName: "authorId", filter: ["eq", "in"], sort: true },
    version: { apiName: "revision" },
    updatedAt: { apiName: "changedAt" },
    deletedAt: { apiName: "trashedAt" },
  },
  relations: { writer: { filter: true, sort: true } },
};

let t: TestRuntime;
let app: App;
let ada: number;
let bob: number;
beforeAll(async () => {
  t = await createTestRuntime({ resources: [writer, book] });
  app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }) });
  const { rows } = await t.db.pool.query<{ writer_id: number }>(
    `insert into writers (full_name) values ('Ada Lovelace'), ('Bob Dylan') returning writer_id`,
  );
  [ada, bob] = rows.map((r) => r.writer_id) as [number, number];
  await t.db.pool.query(
    `insert into books (book_title, isbn_code, page_count, writer_fk, updated_at) values
       ('Notes on the engine', 'isbn-1', 120, $1, now()), ('Sketches', 'isbn-2', 40, $1, now()),
       ('Chronicles', 'isbn-3', 300, $2, now())`,
    [ada, bob],
  );
});
afterAll(() => t?.close());

async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await app.fetch(
    new Request(`http://test/api${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function gql(query: string, variables?: Record<string, unknown>): Promise<any> {
  const response = await app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return response.json();
}

const titles = (records: { headline: string }[]) => records.map((r) => r.headline);

describe("§31.1 records, filters and sorts speak API names", () => {
  it("REST lists show API names, filter and sort by them (filter JSON, suffixes, qb), and search the mapped column", async () => {
    const list = await rest("GET", `/books?sort=${encodeURIComponent('["pageCount","DESC"]')}`);
    expect(list.status).toBe(200);
    expect(titles(list.json)).toEqual(["Chronicles", "Notes on the engine", "Sketches"]);
    expect(Object.keys(list.json[0]).sort()).toEqual([
      "authorId",
      "changedAt",
      "code",
      "headline",
      "id",
      "pageCount",
      "revision",
      "trashedAt",
    ]);
    const filtered = await rest(
      "GET",
      `/books?filter=${encodeURIComponent(`{"pageCount_gte":100,"authorId":${ada}}`)}`,
    );
    expect(titles(filtered.json)).toEqual(["Notes on the engine"]);
    expect(titles((await rest("GET", "/books?headline_like=sketch")).json)).toEqual(["Sketches"]);
    const qb = await rest("GET", `/books?qb=${encodeURIComponent("(QB['pageCount'] < 200).sort('-pageCount')")}`);
    expect(titles(qb.json)).toEqual(["Notes on the engine", "Sketches"]);
    expect(titles((await rest("GET", "/books?q=chronicles")).json)).toEqual(["Chronicles"]);
    // A keyset page (§14) seeks by the renamed sort key's column.
    const first = await app.fetch(new Request("http://test/api/books?sort=pageCount&per_page=2&cursor="));
    expect(titles((await first.json()) as { headline: string }[])).toEqual(["Sketches", "Notes on the engine"]);
    const next = first.headers.get("link")?.match(/<([^>]+)>;\s*rel="next"/)?.[1] as string;
    const second = await app.fetch(new Request(new URL(next, "http://test")));
    expect(titles((await second.json()) as { headline: string }[])).toEqual(["Chronicles"]);
  });

  it("REST relation paths, embeds and partial responses use API names on both sides", async () => {
    const through = await rest("GET", `/books?writer.name_like=dylan&embed=writer&fields=headline,writer.name`);
    expect(through.status).toBe(200);
    expect(through.json).toEqual([
      { id: expect.any(Number), headline: "Chronicles", writer: { id: bob, name: "Bob Dylan" } },
    ]);
    const sorted = await rest("GET", "/books?sort=-writer.name,headline");
    expect(titles(sorted.json)).toEqual(["Chronicles", "Notes on the engine", "Sketches"]);
    const writers = await rest("GET", `/writers?embed=books&books.pageCount_gt=200`);
    expect(writers.json).toMatchObject([{ name: "Bob Dylan", books: [{ headline: "Chronicles", authorId: bob }] }]);
  });

  it("the Prisma names are unknown to clients (§3.6 400)", async () => {
    const byPrismaName = await rest("GET", "/books?title=Sketches");
    expect(byPrismaName.status).toBe(400);
    expect(byPrismaName.json.message).toContain("title");
    const sortByColumn = await rest("GET", `/books?sort=${encodeURIComponent('["page_count","ASC"]')}`);
    expect(sortByColumn.status).toBe(400);
  });

  it("GraphQL types, filters, orders and nested relations use API names", async () => {
    const body = await gql(
      `{ books(where: { pageCount: { lt: 200 }, writer: { name: { contains: "Ada" } } }, orderBy: [{ pageCount: desc }]) { headline pageCount authorId writer { name } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.books).toEqual([
      // A key is an ID in GraphQL, a string like the id it points to.
      { headline: "Notes on the engine", pageCount: 120, authorId: String(ada), writer: { name: "Ada Lovelace" } },
      { headline: "Sketches", pageCount: 40, authorId: String(ada), writer: { name: "Ada Lovelace" } },
    ]);
    const unknown = await gql(`{ books { title } }`);
    expect(unknown.errors?.[0]?.message).toContain('Cannot query field "title"');
  });

  it("aggregates group and sum by API names, through both transports", async () => {
    const r = await rest("GET", "/books/aggregate?sum=pageCount&max=pageCount");
    expect(r.status).toBe(200);
    expect(r.json.groups).toEqual([
      { key: {}, count: 3, sum: { pageCount: 460 }, avg: {}, min: {}, max: { pageCount: 300 } },
    ]);
    const grouped = await rest("GET", "/books/aggregate?groupBy=pageCount&sort=-pageCount&limit=1");
    expect(grouped.json.groups).toMatchObject([{ key: { pageCount: 300 }, count: 1 }]);
    const body = await gql(`{ booksAggregate { count sum { pageCount } max { pageCount } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.booksAggregate).toEqual([{ count: 3, sum: { pageCount: 460 }, max: { pageCount: 300 } }]);
  });
});

describe("§31.2 writes, errors, revisions and events", () => {
  it("a compiled REST create writes the mapped columns and answers with API names", async () => {
    const created = await rest("POST", "/books", {
      headline: "Tarantula",
      code: "isbn-4",
      pageCount: 137,
      authorId: bob,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      headline: "Tarantula",
      code: "isbn-4",
      pageCount: 137,
      authorId: bob,
      revision: 1,
    });
    const { rows } = await t.db.pool.query(
      `select book_title, isbn_code, page_count, writer_fk from books where book_id = $1`,
      [created.json.id],
    );
    expect(rows).toEqual([{ book_title: "Tarantula", isbn_code: "isbn-4", page_count: 137, writer_fk: bob }]);
    // The revision and the outbox event keep the record as clients see it: API names.
    const revision = await t.db.pool.query(`select data from "Revision" where resource = 'book' and "recordId" = $1`, [
      String(created.json.id),
    ]);
    expect(Object.keys(revision.rows[0].data)).toContain("headline");
    expect(Object.keys(revision.rows[0].data)).not.toContain("title");
    const event = await t.db.pool.query(
      `select changed, record from "Event" where resource = 'book' and "recordId" = $1`,
      [String(created.json.id)],
    );
    expect(event.rows[0].changed).toEqual(expect.arrayContaining(["headline", "code", "pageCount", "authorId"]));
    expect(event.rows[0].record).toMatchObject({ headline: "Tarantula", pageCount: 137 });
  });

  it("a write through Prisma (a `before` hook makes it transactional) maps its data, condition and row", async () => {
    const seen: unknown[] = [];
    t.runtime.on("book").before(["update", "patch"], (op) => {
      seen.push({ ...op.input });
    });
    const [{ book_id: id }] = (await t.db.pool.query(`select book_id from books where isbn_code = 'isbn-2'`)).rows;
    const updated = await rest("PUT", `/books/${id}`, { headline: "Sketches, revised", pageCount: 44, revision: 1 });
    expect(updated.status, JSON.stringify(updated.json)).toBe(200);
    expect(updated.json).toMatchObject({ headline: "Sketches, revised", pageCount: 44, revision: 2 });
    expect(seen).toEqual([expect.objectContaining({ headline: "Sketches, revised", pageCount: 44 })]);
    const { rows } = await t.db.pool.query(`select book_title, page_count, row_version from books where book_id = $1`, [
      id,
    ]);
    expect(rows).toEqual([{ book_title: "Sketches, revised", page_count: 44, row_version: 2 }]);
    const stale = await rest("PUT", `/books/${id}`, { headline: "Stale", revision: 1 });
    expect(stale.status).toBe(409);
    const history = await rest("GET", `/books/${id}/revisions`);
    expect(history.json.map((r: { data: { headline: string } }) => r.data.headline)).toEqual(["Sketches, revised"]);
    const diff = await rest("GET", `/books/${id}/revisions/1/diff`);
    expect(diff.json.changes.map((c: { field: string }) => c.field)).toContain("headline");
  });

  it("GraphQL creates and updates with API names", async () => {
    const created = await gql(
      `mutation($data: BookCreateInput!) { createBook(data: $data) { id headline pageCount authorId } }`,
      { data: { headline: "Ada's second", code: "isbn-5", pageCount: 12, authorId: ada } },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createBook).toMatchObject({ headline: "Ada's second", pageCount: 12 });
    const { rows } = await t.db.pool.query(`select book_title, writer_fk from books where isbn_code = 'isbn-5'`);
    expect(rows).toEqual([{ book_title: "Ada's second", writer_fk: ada }]);
    const duplicate = await gql(`mutation($data: BookCreateInput!) { createBook(data: $data) { id } }`, {
      data: { headline: "Again", code: "isbn-5", authorId: ada },
    });
    expect(duplicate.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", fields: { code: "must be unique" } });
  });

  it("a unique or foreign key refused by the database names the API field (columns translated)", async () => {
    const duplicate = await rest("POST", "/books", { headline: "Copy", code: "isbn-1", authorId: ada });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.errors).toEqual({ code: "must be unique" });
    const orphan = await rest("POST", "/books", { headline: "Orphan", authorId: 999_999 });
    expect(orphan.status).toBe(422);
    expect(Object.keys(orphan.json.errors)).toEqual(["authorId"]);
    const invalid = await rest("POST", "/books", { headline: "x", authorId: ada });
    expect(invalid.status).toBe(422);
    expect(Object.keys(invalid.json.errors)).toEqual(["headline"]);
  });

  it("soft delete and a restrict rule run through the mapped columns", async () => {
    const refused = await rest("DELETE", `/writers/${ada}`);
    expect(refused.status).toBe(409);
    const [{ book_id: id }] = (await t.db.pool.query(`select book_id from books where isbn_code = 'isbn-3'`)).rows;
    expect((await rest("DELETE", `/books/${id}`)).status).toBe(200);
    const { rows } = await t.db.pool.query(`select deleted_at is not null as trashed from books where book_id = $1`, [
      id,
    ]);
    expect(rows).toEqual([{ trashed: true }]);
    const trash = await rest("GET", "/books?deleted=only");
    expect(trash.json).toMatchObject([{ headline: "Chronicles", trashedAt: expect.any(String) }]);
  });
});

describe("§31.3 dumps keep the database's names", () => {
  it("a dump's rows are the table's columns, while the revisions it carries keep API names", async () => {
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on("data", (c: Buffer) => chunks.push(c));
    await dumpDatabase(t.testDb.url, out, {
      datamodel,
      tables: tablesOfResources(t.runtime.schema, ["books"]),
    });
    const text = gunzipSync(Buffer.concat(chunks)).toString("utf8");
    expect(text).toContain("tables/Book.ndjson");
    // The row: columns, not API names.
    const row = text.split("\n").find((line) => line.includes('"book_title":"Tarantula"'));
    expect(row).toContain('"page_count":137');
    expect(row).not.toContain("headline");
    expect(text).toMatch(/"data":\{[^}]*"headline":\s?"Tarantula"/); // its revision: the record as clients saw it
  });
});

describe("§31.4 contracts and boot checks", () => {
  it("OpenAPI and the SDL name API fields only", async () => {
    const doc = buildOpenApi(t.runtime.schema) as { components: { schemas: Record<string, { properties?: object }> } };
    expect(Object.keys(doc.components.schemas.Book?.properties ?? {})).toEqual(
      expect.arrayContaining(["headline", "code", "pageCount", "authorId"]),
    );
    for (const schema of ["Book", "BookCreate", "BookUpdate"])
      expect(Object.keys(doc.components.schemas[schema]?.properties ?? {})).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^(title|isbn|pages|writerId|book_title|writer_fk)$/)]),
      );
    const sdl = await gql(`{ __type(name: "Book") { fields { name } } }`);
    const names = sdl.data.__type.fields.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(["headline", "code", "pageCount", "authorId", "writer"]));
    expect(names).not.toContain("title");
    const meta = await rest("GET", "/_meta");
    const books = meta.json.resources.find((r: { path: string }) => r.path === "books");
    expect(books.fields.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(["headline", "code", "pageCount", "authorId"]),
    );
    expect(books.features.search?.fields).toEqual(["headline"]);
  });

  const resolve = (fields: ResourceDefinition["fields"]) => () =>
    resolveResources([writer, { ...book, fields: { ...book.fields, ...fields } }], datamodel);

  it("an apiName taking another field's or a relation's name is a boot error with the path", () => {
    expect(resolve({ isbn: { apiName: "id" } })).toThrow(MetadataError);
    expect(resolve({ isbn: { apiName: "id" } })).toThrow(/book\.fields\.isbn\.apiName.*collides with field id/);
    // A Prisma name given up by its own apiName is free to take.
    expect(
      resolve({ isbn: { apiName: "pages" } })()
        .resource.get("book")
        ?.field.get("pages")?.prismaName,
    ).toBe("isbn");
    expect(resolve({ isbn: { apiName: "writer" } })).toThrow(
      /book\.fields\.isbn\.apiName.*collides with relation writer/,
    );
    expect(resolve({ isbn: { apiName: "headline" } })).toThrow(
      /apiName "headline" collides with field title of Book \(its apiName\)/,
    );
  });

  it("every resolved name that points at a column is an API name: relation keys, soft delete, version", () => {
    const schema = t.runtime.schema;
    const b = schema.resource.get("book");
    expect(b?.softDelete?.field).toBe("trashedAt");
    expect(b?.version?.field).toBe("revision");
    expect(b?.relation.get("writer")).toMatchObject({ localField: "authorId", targetField: "id" });
    expect(schema.resource.get("writer")?.relation.get("books")).toMatchObject({ foreignField: "authorId" });
    expect(b?.field.get("headline")).toMatchObject({ prismaName: "title", column: "book_title" });
  });

  it("an apiName that is not a GraphQL name is a boot error", () => {
    expect(resolve({ isbn: { apiName: "isbn-code" } })).toThrow(/book\.fields\.isbn\.apiName.*letters and digits/);
  });

  it("two fields may swap names", () => {
    const schema = resolve({ isbn: { apiName: "pages" }, pages: { apiName: "isbn" } })();
    const fields = schema.resource.get("book")?.fields.map((f) => [f.prismaName, f.name]);
    expect(fields).toEqual(
      expect.arrayContaining([
        ["isbn", "pages"],
        ["pages", "isbn"],
      ]),
    );
  });
});

describe("§31.1 a renamed id", () => {
  it("is the record's key on both transports, and the path's id still finds it", async () => {
    const own = await createTestRuntime({
      resources: [
        { ...writer, fields: { ...writer.fields, id: { apiName: "key" } } },
        { ...book, relations: { writer: true } },
      ],
    });
    try {
      const ownApp = createApp({ runtime: own.runtime, logger: pino({ level: "silent" }) });
      const call = async (path: string, init?: RequestInit) => {
        const response = await ownApp.fetch(new Request(`http://test${path}`, init));
        return { status: response.status, json: await response.json() };
      };
      const created = await call("/api/writers", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Le Guin" }),
      });
      expect(created).toEqual({ status: 201, json: { key: expect.any(Number), name: "Le Guin" } });
      expect((await call(`/api/writers/${created.json.key}`)).json).toEqual(created.json);
      const body = await call("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ writers { key name } }" }),
      });
      expect(body.json.data.writers).toEqual([{ key: String(created.json.key), name: "Le Guin" }]);
    } finally {
      await own.close();
    }
  });
});
