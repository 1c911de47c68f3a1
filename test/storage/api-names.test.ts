// The store's Prisma delegates speak API names (docs/reference/rest-dialect.md §31): conditions through
// relations, nested writes, selects of related rows and their rows come back renamed, over the test
// models whose tables and columns are all `@map`ped (Writer → "writers", Book → "books").
import { afterAll, beforeAll, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createStore, type Store } from "../../src/storage/store.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";

let testDb: TestDatabase;
let db: DemoDatabase;
let store: Store;
beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDemoDatabase(testDb.url);
  const schema = resolveResources(
    [
      { model: "Writer", access: "public", fields: { fullName: { apiName: "name" } }, relations: { books: true } },
      {
        model: "Book",
        access: "public",
        fields: { title: { apiName: "headline" }, pages: { apiName: "pageCount" }, writerId: { apiName: "authorId" } },
        relations: { writer: true },
      },
    ],
    datamodel,
  );
  store = createStore(db, schema);
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

it("a nested create, a condition through a relation and a select of related rows, in API names", async () => {
  const created = await store.model("writer").create({
    data: {
      name: "Ursula",
      books: {
        create: [
          { headline: "The Dispossessed", pageCount: 387 },
          { headline: "Lathe", pageCount: 184 },
        ],
      },
    },
    select: { id: true, name: true, books: { select: { headline: true }, orderBy: { pageCount: "asc" } } },
  });
  expect(created).toEqual({
    id: expect.any(Number),
    name: "Ursula",
    books: [{ headline: "Lathe" }, { headline: "The Dispossessed" }],
  });
  const { rows } = await db.pool.query(`select book_title, page_count, writer_fk from books order by page_count`);
  expect(rows).toEqual([
    { book_title: "Lathe", page_count: 184, writer_fk: created.id },
    { book_title: "The Dispossessed", page_count: 387, writer_fk: created.id },
  ]);

  const found = await store.model("book").findMany({
    where: { writer: { is: { name: "Ursula" } }, pageCount: { gt: 200 } },
    select: { headline: true, authorId: true, writer: { select: { name: true } } },
  });
  expect(found).toEqual([{ headline: "The Dispossessed", authorId: created.id, writer: { name: "Ursula" } }]);

  const updated = await store.model("writer").update({
    where: { id: created.id },
    data: { books: { updateMany: { where: { pageCount: { lt: 200 } }, data: { headline: "The Lathe of Heaven" } } } },
    select: { books: { where: { headline: { startsWith: "The L" } }, select: { headline: true, pageCount: true } } },
  });
  expect(updated).toEqual({ books: [{ headline: "The Lathe of Heaven", pageCount: 184 }] });
  expect(await store.model("book").count({ where: { OR: [{ headline: "Lathe" }, { authorId: -1 }] } })).toBe(0);
});
