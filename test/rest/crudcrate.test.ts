// CRUDCrate conventions (suffix operators, page/per_page, sort=-a,b, q) and every operator, each spelled
// as a query parameter and as a react-admin filter key, compared with the same query run by Prisma.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../../demo/generated/client.ts";
import { searchIds } from "../support/search.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";

let t: RestFixture;
let date: Date;
let views: number;
beforeAll(async () => {
  t = await createRestFixture();
  // Literal wildcard characters for §4.2; no seeded title has either.
  await t.db.prisma.post.createMany({
    data: [
      { title: "100% coverage, really", authorId: 1 },
      { title: "snake_case or camelCase", authorId: 2 },
      { title: "Backslash \\ escapes", authorId: 3 },
    ],
  });
  views = (await t.db.prisma.post.findFirstOrThrow({ orderBy: { id: "asc" } })).views;
  date = (await t.db.prisma.post.findFirstOrThrow({ where: { publishedAt: { not: null } }, orderBy: { id: "asc" } }))
    .publishedAt as Date;
});
afterAll(() => t?.close());

/** Ids and Content-Range total of a list request over every post (posts allow pages of 1000). */
async function ids(params: string): Promise<{ status: number; ids: number[]; total: number; body: unknown }> {
  const response = await t.get(`/api/posts?${params}${params ? "&" : ""}range=${encodeURIComponent("[0,999]")}`);
  const body = (await response.json()) as { id: number }[];
  const total = Number(response.headers.get("content-range")?.split("/").pop());
  return {
    status: response.status,
    ids: Array.isArray(body) ? body.map((p) => p.id).sort((a, b) => a - b) : [],
    total,
    body,
  };
}

async function expected(where: Prisma.PostWhereInput): Promise<number[]> {
  return (await t.db.prisma.post.findMany({ where, select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
}

const i = "insensitive" as const;
/** [query parameter, filter JSON, equivalent Prisma where], one row per operator and alias. */
const cases = (): [string, Record<string, unknown>, Prisma.PostWhereInput][] => [
  ["status=published", { status: "published" }, { status: "published" }],
  [`views_eq=${views}`, { views_eq: views }, { views }],
  ["status_ne=draft", { status_ne: "draft" }, { status: { not: "draft" } }],
  [
    `publishedAt_ne=${date.toISOString()}`,
    { publishedAt_ne: date.toISOString() },
    { OR: [{ publishedAt: { not: date } }, { publishedAt: null }] },
  ],
  ["views_gt=500", { views_gt: 500 }, { views: { gt: 500 } }],
  ["views_gte=500", { views_gte: 500 }, { views: { gte: 500 } }],
  ["views_lt=20", { views_lt: 20 }, { views: { lt: 20 } }],
  ["views_lte=20", { views_lte: 20 }, { views: { lte: 20 } }],
  [`publishedAt_gte=${date.toISOString()}`, { publishedAt_gte: date.toISOString() }, { publishedAt: { gte: date } }],
  ["status_in=draft,archived", { status_in: ["draft", "archived"] }, { status: { in: ["draft", "archived"] } }],
  ["authorId_in=1,2,3", { authorId_in: [1, "2", 3] }, { authorId: { in: [1, 2, 3] } }],
  ["status_nin=draft", { status_nin: ["draft"] }, { status: { notIn: ["draft"] } }],
  [
    "status_not_in=draft,published",
    { status_not_in: ["draft", "published"] },
    { status: { notIn: ["draft", "published"] } },
  ],
  ["status_notIn=archived", { status_notIn: "archived" }, { status: { notIn: ["archived"] } }],
  ["title_like=GUIDE", { title_like: "GUIDE" }, { title: { contains: "guide", mode: i } }],
  ["title_contains=pitfalls", { title_contains: "pitfalls" }, { title: { contains: "pitfalls", mode: i } }],
  ["title_startswith=notes", { title_startswith: "notes" }, { title: { startsWith: "notes", mode: i } }],
  ["title_startsWith=Why", { title_startsWith: "Why" }, { title: { startsWith: "why", mode: i } }],
  ["title_endswith=PRODUCTION", { title_endswith: "PRODUCTION" }, { title: { endsWith: "production", mode: i } }],
  ["title_endsWith=step", { title_endsWith: "step" }, { title: { endsWith: "step", mode: i } }],
  ["publishedAt_isnull=true", { publishedAt_isnull: true }, { publishedAt: null }],
  ["publishedAt_isnull=true", { publishedAt: null }, { publishedAt: null }],
  ["publishedAt_isNull=false", { publishedAt_isNull: "false" }, { publishedAt: { not: null } }],
  ["id=3", { id: 3 }, { id: 3 }],
];

describe("§3 CRUDCrate params and §4 operators per type", () => {
  it("every operator and alias as a query parameter matches the database", async () => {
    for (const [param, , where] of cases()) {
      const got = await ids(param);
      const want = await expected(where);
      expect(want.length, `${param} should select some rows, not all`).toBeGreaterThan(0);
      expect(want.length, param).toBeLessThan(await t.db.prisma.post.count());
      expect({ param, status: got.status, ids: got.ids, total: got.total }).toEqual({
        param,
        status: 200,
        ids: want,
        total: want.length,
      });
    }
  });

  it("every operator and alias as a filter key (react-admin filter JSON) matches the database", async () => {
    for (const [param, filter, where] of cases()) {
      const got = await ids(query({ filter }));
      const want = await expected(where);
      expect({ param, status: got.status, ids: got.ids }).toEqual({ param, status: 200, ids: want });
    }
  });

  it("combines query conditions and filter conditions with AND", async () => {
    const got = await ids(`views_gte=300&${query({ filter: { status: "published" } })}&title_like=in`);
    expect(got.ids).toEqual(
      await expected({ views: { gte: 300 }, status: "published", title: { contains: "in", mode: i } }),
    );
  });

  it("an empty _in list matches nothing", async () => {
    const got = await ids("status_in=");
    expect(got).toMatchObject({ status: 200, ids: [], total: 0 });
  });

  it("page/per_page is 1-based, answers Content-Range and a Link header", async () => {
    const response = await t.get("/api/posts?page=3&per_page=7&sort=id");
    const total = await t.db.prisma.post.count();
    expect(response.headers.get("content-range")).toBe(`posts 14-20/${total}`);
    expect(((await response.json()) as { id: number }[]).map((p) => p.id)).toEqual(
      await expected({}).then((all) => all.slice(14, 21)),
    );
    const link = response.headers.get("link") ?? "";
    expect(link).toContain('</api/posts?page=1&per_page=7&sort=id>; rel="first"');
    expect(link).toContain('</api/posts?page=2&per_page=7&sort=id>; rel="prev"');
    expect(link).toContain('</api/posts?page=4&per_page=7&sort=id>; rel="next"');
    expect(link).toContain(`</api/posts?page=${Math.ceil(total / 7)}&per_page=7&sort=id>; rel="last"`);
  });

  it("page alone uses the resource's default page size", async () => {
    const response = await t.get("/api/posts?page=2");
    expect(response.headers.get("content-range")).toBe(`posts 25-49/${await t.db.prisma.post.count()}`);
  });

  it("sort=-views,title sorts by views descending, then title, then id", async () => {
    const response = await t.get("/api/posts?sort=-views,title&per_page=40");
    const want = await t.db.prisma.post.findMany({
      orderBy: [{ views: "desc" }, { title: "asc" }, { id: "asc" }],
      take: 40,
      select: { id: true },
    });
    expect(((await response.json()) as { id: number }[]).map((p) => p.id)).toEqual(want.map((p) => p.id));
  });

  it("sort=title&order=DESC", async () => {
    const response = await t.get("/api/posts?sort=title&order=DESC&per_page=30");
    const want = await t.db.prisma.post.findMany({
      orderBy: [{ title: "desc" }, { id: "desc" }],
      take: 30,
      select: { id: true },
    });
    expect(((await response.json()) as { id: number }[]).map((p) => p.id)).toEqual(want.map((p) => p.id));
  });

  it("q is a full-text search over the searchable fields (any case); q and filter.q both apply", async () => {
    const got = await ids("q=ROUND%20TRIPS");
    const want = await searchIds(t.db, "post", "round trips");
    expect(want.length).toBeGreaterThan(0);
    expect([...got.ids].sort((a, b) => a - b)).toEqual(want);
    const both = await ids(`q=round%20trips&${query({ filter: { q: "pagination" } })}`);
    const wantBoth = (await searchIds(t.db, "post", "round trips")).filter((id) => new Set(want).has(id));
    const pagination = new Set(await searchIds(t.db, "post", "pagination"));
    expect([...both.ids].sort((a, b) => a - b)).toEqual(wantBoth.filter((id) => pagination.has(id)));
  });

  it("rejects order without sort, order with JSON sort, and range with page", async () => {
    for (const params of [
      "order=DESC",
      `order=DESC&${query({ sort: ["title", "ASC"] })}`,
      `page=1&${query({ range: [0, 9] })}`,
    ]) {
      const response = await t.get(`/api/posts?${params}`);
      expect(response.status, params).toBe(400);
    }
  });

  it("rejects a parameter given twice", async () => {
    const response = await t.get("/api/posts?status=draft&status=published");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain('"status" is given more than once');
  });

  it("rejects page 0 and non-numeric page sizes, naming the parameter", async () => {
    for (const [params, name] of [
      ["page=0", "page"],
      ["per_page=ten", "per_page"],
      ["page=-1", "page"],
    ] as const) {
      const response = await t.get(`/api/posts?${params}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain(`"${name}"`);
    }
  });
});

describe("§4 operators per type: literal text matching", () => {
  it("title_like=% matches only titles containing a literal %", async () => {
    const got = await ids(`title_like=${encodeURIComponent("%")}`);
    const want = await t.db.prisma.post.findMany({ select: { id: true, title: true } });
    expect(got.ids).toEqual(want.filter((p) => p.title.includes("%")).map((p) => p.id));
    expect(got.ids).toHaveLength(1);
  });

  it("_ and \\ are literal too, in every text operator; q is a word search, so % alone matches nothing", async () => {
    const all = await t.db.prisma.post.findMany({ select: { id: true, title: true }, orderBy: { id: "asc" } });
    const having = (c: string) => all.filter((p) => p.title.includes(c)).map((p) => p.id);
    expect((await ids("title_contains=_")).ids).toEqual(having("_"));
    expect((await ids(`title_like=${encodeURIComponent("\\")}`)).ids).toEqual(having("\\"));
    expect((await ids(`title_startswith=${encodeURIComponent("100%")}`)).ids).toEqual(having("100%"));
    expect((await ids("title_endswith=_")).ids).toEqual([]);
    expect(having("%").length).toBeGreaterThan(0);
    expect((await ids(`q=${encodeURIComponent("%")}`)).ids).toEqual([]);
    expect((await ids(query({ filter: { title_like: "_" } }))).ids).toEqual(having("_"));
  });
});

describe("§4 operators per type: what a field does not allow is a 400", () => {
  const cases: [string, string, string][] = [
    ["/api/posts?title_isnull=true", "isNull", "operator not allowed (title is required)"],
    ["/api/posts?body_startswith=We", "startsWith", "operator not in the field's list"],
    [`/api/posts?${query({ filter: { status_gt: "draft" } })}`, "gt", "ordering operator on an enum"],
    ["/api/comments?updatedAt_gt=2025-01-01", "not filterable", "field without operators"],
    ["/api/posts?views_gte=many", "integer", "value that is not the field's type"],
    ["/api/posts?status=bogus", "draft, published, archived", "enum value that does not exist"],
    ["/api/posts?publishedAt_lt=yesterday", "ISO 8601", "date that does not parse"],
    ["/api/posts?publishedAt_isnull=maybe", "true or false", "isnull that is not a boolean"],
    [`/api/posts?${query({ filter: { views_in: 5 } })}`, "list", "_in with a non-list JSON value"],
  ];
  for (const [path, needle, what] of cases) {
    it(`${what}: ${decodeURIComponent(path)}`, async () => {
      const response = await t.get(path);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { message: string; code: string };
      expect(body.code).toBe("BAD_REQUEST");
      expect(body.message).toContain(needle);
    });
  }
});
