// Full-text search: PostgreSQL tsvector over the searchable fields, websearch syntax,
// ranked by relevance unless sorted, served by the GIN indexes of the search migration.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { searchIndexStatements } from "../../src/storage/search-indexes.ts";
import { compileRead } from "../../src/storage/sql/read-sql.ts";
import { SqlModels } from "../../src/storage/sql/where-sql.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const author = await t.db.prisma.user.findFirstOrThrow();
  const post = (title: string, body: string) => ({ title, body, authorId: author.id, status: "published" as const });
  await t.db.prisma.post.createMany({
    data: [
      post("Zebra crossings", "Striped zebras cross the savanna."),
      post("Zebra databases", "A zebra index on striped storage."),
      post("Unrelated", "Nothing about zebras here except this one mention of a zebra."),
      post("Crossing guards", "Guards at the crossing wave."),
    ],
  });
});
afterAll(() => t?.close());

const posts = () => t.runtime.service("post");
const ctx = () => t.runtime.context({ actor: ADMIN });

/** The database's own answer: ids matching websearch_to_tsquery over title and body. */
async function sqlIds(text: string, extra = "TRUE"): Promise<number[]> {
  const rows = await t.db.prisma.$queryRawUnsafe<{ id: number }[]>(
    `select id from "Post" where to_tsvector('english', coalesce(title,'') || ' ' || coalesce(body,'')) @@ websearch_to_tsquery('english', $1) and ${extra} order by id`,
    text,
  );
  return rows.map((r) => r.id);
}

describe("full-text search", () => {
  it("matches stemmed words in websearch syntax: phrases, exclusion, or", async () => {
    for (const text of ["zebra", '"zebra crossings"', "zebra -striped", "zebra or guards", "crossing"]) {
      const { records, total } = await posts().list(ctx(), { filter: { search: text }, limit: 100, withTotal: true });
      const expected = await sqlIds(text);
      expect(
        records.map((r) => r.id as number).sort((a, b) => a - b),
        text,
      ).toEqual(expected);
      expect(total, text).toBe(expected.length);
      expect(expected.length, text).toBeGreaterThan(0);
    }
  });

  it("ranks by relevance when no sort is given, and obeys an explicit sort", async () => {
    const ranked = await posts().list(ctx(), { filter: { search: "zebra" }, limit: 10 });
    expect(ranked.records[0]?.title).toMatch(/^Zebra/);
    const sorted = await posts().list(ctx(), {
      filter: { search: "zebra" },
      sort: [{ field: "title", direction: "desc" }],
      limit: 10,
    });
    const titles = sorted.records.map((r) => r.title as string);
    expect(titles).toEqual([...titles].sort().reverse());
  });

  it("combines with field filters, relation filters and counts", async () => {
    const { records } = await posts().list(ctx(), {
      filter: { and: [{ search: "zebra" }, { field: "title", op: "startsWith", value: "zebra" }] },
      limit: 10,
    });
    expect(records.map((r) => r.title).sort()).toEqual(["Zebra crossings", "Zebra databases"]);
    const author = await t.db.prisma.user.findFirstOrThrow();
    const viaAuthor = await posts().count(ctx(), {
      and: [{ search: "zebra" }, { relation: "author", filter: { field: "email", op: "eq", value: author.email } }],
    });
    expect(viaAuthor).toBe((await sqlIds("zebra", `"authorId" = ${author.id}`)).length);
    const nested = await t.runtime.service("comment").count(ctx(), { relation: "post", filter: { search: "zebra" } });
    expect(nested).toBe(0);
  });

  it("never fails on odd input: websearch syntax has no parse errors", async () => {
    for (const text of ['"', "-", "or", "&|!:*()", '\'; drop table "Post"; --', "a".repeat(500)]) {
      await expect(posts().list(ctx(), { filter: { search: text }, limit: 5 })).resolves.toBeTruthy();
    }
    expect(await t.db.prisma.post.count()).toBeGreaterThan(300);
  });

  it("pages search results by cursor, in the sort's order", async () => {
    const sort = [{ field: "title", direction: "asc" as const }];
    const seen: unknown[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await posts().page(ctx(), {
        filter: { search: "zebra or crossing" },
        sort,
        first: 2,
        after,
        withTotal: true,
      });
      seen.push(...page.records.map((r) => r.id));
      expect(page.totalCount).toBe((await sqlIds("zebra or crossing")).length);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const expected = await t.db.prisma.post.findMany({
      where: { id: { in: await sqlIds("zebra or crossing") } },
      orderBy: [{ title: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    expect(seen).toEqual(expected.map((p) => p.id));
  });

  it("aggregates the rows a search matches, grouped, with having and sort (in SQL)", async () => {
    const matching = await sqlIds("zebra or crossing or pagination");
    const groups = await posts().aggregate(
      ctx(),
      { search: "zebra or crossing or pagination" },
      {
        groupBy: ["status"],
        sum: ["views"],
        max: ["publishedAt"],
        having: [{ fn: "count", op: "gte", value: 1 }],
        sort: [{ by: "count", direction: "desc" }],
      },
    );
    const expected = await t.db.prisma.post.groupBy({
      by: ["status"],
      where: { id: { in: matching } },
      _count: { _all: true },
      _sum: { views: true },
      _max: { publishedAt: true },
      orderBy: [{ _count: { id: "desc" } }, { status: "asc" }],
    });
    expect(
      groups.map((g) => [g.key.status, g.count, g.sum.views, (g.max.publishedAt as Date | null)?.valueOf() ?? null]),
    ).toEqual(expected.map((e) => [e.status, e._count._all, e._sum.views, e._max.publishedAt?.valueOf() ?? null]));
    const [all] = await posts().aggregate(ctx(), { search: "zebra" }, { avg: ["views"] });
    expect(all?.count).toBe((await sqlIds("zebra")).length);
  });

  it("the migration's GIN indexes are the ones the metadata asks for, and the planner uses them", async () => {
    const statements = searchIndexStatements(resolveResources(resources, datamodel), datamodel);
    const names = statements.map((s) => /INDEX "([^"]+)"/.exec(s)?.[1]);
    const present = await t.db.prisma.$queryRawUnsafe<{ indexname: string }[]>(
      `select indexname::text from pg_indexes where indexname like '%_search_idx' order by indexname`,
    );
    expect(present.map((p) => p.indexname).sort()).toEqual([...names].sort());
    const search = { text: "zebra", columns: ["title", "body"], language: "english" };
    const page = compileRead(new SqlModels(datamodel), {
      level: { model: "Post", fields: ["id"], relations: [] },
      where: { $search: search },
      orderBy: [],
      rank: search,
      offset: 0,
      limit: 10,
      total: true,
    });
    const plan = await t.db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("set local enable_seqscan = off");
      return tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`explain ${page.text}`, ...page.values);
    });
    expect(plan.map((p) => p["QUERY PLAN"]).join("\n")).toContain("Post_search_idx");
  });
});
