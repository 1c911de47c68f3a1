// `qb` over HTTP (rest-dialect.md §11, querying.md "QB expressions"): every method and shortcut, the
// precedence of ~ & |, helpers and modifiers, each answer compared with the same query run by Prisma on
// the real database, and the 400s and 422s of bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../../demo/generated/client.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";

let t: RestFixture;
const DAY = 86_400_000;
/** Posts created by this file, with timestamps the helpers can find. */
const MARK = "qb-timed";
beforeAll(async () => {
  t = await createRestFixture();
  const now = Date.now();
  const today = Math.floor(now / DAY) * DAY;
  const at = (ms: number) => new Date(ms);
  await t.db.prisma.post.createMany({
    data: [
      { title: `${MARK} one day ago`, authorId: 1, createdAt: at(now - 1 * DAY), updatedAt: at(now - 1 * DAY) },
      { title: `${MARK} six days ago`, authorId: 1, createdAt: at(now - 6 * DAY), updatedAt: at(now - 2 * DAY) },
      { title: `${MARK} eight days ago`, authorId: 2, createdAt: at(now - 8 * DAY), updatedAt: at(now - 8 * DAY) },
      { title: `${MARK} start of today`, authorId: 2, createdAt: at(today), updatedAt: at(today) },
      { title: `${MARK} end of yesterday`, authorId: 3, createdAt: at(today - 1), updatedAt: at(today - 1) },
      { title: `${MARK} start of tomorrow`, authorId: 3, createdAt: at(today + DAY), updatedAt: at(today + DAY) },
    ],
  });
  await t.db.prisma.post.create({ data: { title: "qb 100% literal", authorId: 4 } });
});
afterAll(() => t?.close());

interface ListAnswer {
  status: number;
  ids: number[];
  total: number;
  range: string | null;
  body: unknown;
}

/** `GET /api/posts?qb=<text>` (plus `extra` parameters). */
async function list(qb: string, extra = "", path = "/api/posts"): Promise<ListAnswer> {
  const response = await t.get(`${path}?qb=${encodeURIComponent(qb)}${extra ? `&${extra}` : ""}`);
  const body = (await response.json()) as unknown;
  const range = response.headers.get("content-range");
  return {
    status: response.status,
    ids: Array.isArray(body) ? body.map((p: { id: number }) => p.id) : [],
    total: Number(range?.split("/").pop()),
    range,
    body,
  };
}

/** Ids Prisma finds for `where`, in `orderBy` order (id ascending by default). */
async function expected(
  where: Prisma.PostWhereInput,
  page: { orderBy?: Prisma.PostOrderByWithRelationInput[]; skip?: number; take?: number } = {},
): Promise<number[]> {
  const rows = await t.db.prisma.post.findMany({
    where,
    select: { id: true },
    orderBy: page.orderBy ?? [{ id: "asc" }],
    skip: page.skip,
    take: page.take ?? 1000,
  });
  return rows.map((p) => p.id);
}

/** Every match of `qb` (sorted by id, as a page of 1000) and the ids Prisma finds for `where`. */
async function same(qb: string, where: Prisma.PostWhereInput): Promise<void> {
  const answer = await list(`(${qb}).sort('id').limit(1000)`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const ids = await expected(where);
  expect(ids.length, `${qb} should match some posts and not all`).toBeGreaterThan(0);
  expect(ids.length).toBeLessThan(await t.db.prisma.post.count());
  expect(answer.ids).toEqual(ids);
  expect(answer.total).toBe(ids.length);
}

async function refused(
  qb: string,
  status: number,
  extra = "",
): Promise<{ message: string; code: string; details?: Record<string, unknown> }> {
  const answer = await list(qb, extra);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body as { message: string; code: string; details?: Record<string, unknown> };
}

const i = "insensitive" as const;

describe("§11.1 qb: every method and shortcut, against the database", () => {
  it.each<[string, Prisma.PostWhereInput]>([
    ["QB['status'].eq('published')", { status: "published" }],
    ["QB['status'] == 'published'", { status: "published" }],
    ["QB['status'].ne('draft')", { status: { not: "draft" } }],
    ["QB['status'] != 'draft'", { status: { not: "draft" } }],
    ["QB['views'].gt(500)", { views: { gt: 500 } }],
    ["QB['views'] > 500", { views: { gt: 500 } }],
    ["QB['views'].gte(500)", { views: { gte: 500 } }],
    ["QB['views'] >= 500", { views: { gte: 500 } }],
    ["QB['views'].lt(20)", { views: { lt: 20 } }],
    ["QB['views'] < 20", { views: { lt: 20 } }],
    ["QB['views'].lte(20)", { views: { lte: 20 } }],
    ["QB['views'] <= 20", { views: { lte: 20 } }],
    ["QB['status'].in_(['draft', 'archived'])", { status: { in: ["draft", "archived"] } }],
    ["QB['status'] << ['draft', 'archived']", { status: { in: ["draft", "archived"] } }],
    ["QB['authorId'].in_([1, '2', 3])", { authorId: { in: [1, 2, 3] } }],
    ["QB['status'].not_in(['draft'])", { status: { notIn: ["draft"] } }],
    ["QB['title'].contains('pitfalls')", { title: { contains: "pitfalls", mode: i } }],
    ["QB['title'] >> 'PITFALLS'", { title: { contains: "pitfalls", mode: i } }],
    ["QB['title'].icontains('GUIDE')", { title: { contains: "guide", mode: i } }],
    ["QB['title'].starts_with('notes')", { title: { startsWith: "notes", mode: i } }],
    ["QB['title'].ends_with('PRODUCTION')", { title: { endsWith: "production", mode: i } }],
    ["QB['views'].between(100, 200)", { views: { gte: 100, lte: 200 } }],
    ["QB['publishedAt'].is_null()", { publishedAt: null }],
    ["QB['publishedAt'].is_null(true)", { publishedAt: null }],
    ["QB['publishedAt'].is_null(False)", { publishedAt: { not: null } }],
    ["QB['publishedAt'] == None", { publishedAt: null }],
    ["QB['publishedAt'] != None", { publishedAt: { not: null } }],
    ["QB['publishedAt'] >= '2025-03-01T00:00:00Z'", { publishedAt: { gte: new Date("2025-03-01T00:00:00Z") } }],
  ])("%s", async (qb, where) => {
    await same(qb, where);
  });

  it("is_true() / is_false() compare with true / false; the runtime refuses them on a field that is not Boolean, naming it", async () => {
    // The demo has no Boolean field: what reaches the runtime is `views eq true`, refused with the field's name.
    const body = await refused("QB['views'].is_true()", 400);
    expect(body.message).toContain("posts.views");
    expect(body.message).toContain("integer");
    expect((await refused("QB['views'].is_false()", 400)).message).toContain("posts.views");
  });

  it("text operators match their value literally (% and _ are ordinary characters)", async () => {
    const answer = await list("QB['title'] >> '0%'");
    expect(answer.status).toBe(200);
    const titles = (
      await t.db.prisma.post.findMany({ select: { id: true, title: true }, orderBy: { id: "asc" } })
    ).filter((p) => p.title.includes("0%"));
    expect(titles.map((p) => p.title)).toEqual(["qb 100% literal"]);
    expect(answer.ids).toEqual(titles.map((p) => p.id));
  });
});

describe("§11.2 qb: precedence (~ binds tightest, then &, then |) and grouping", () => {
  it.each<[string, Prisma.PostWhereInput]>([
    [
      "QB['status'] == 'draft' | QB['status'] == 'archived' & QB['views'] > 500",
      { OR: [{ status: "draft" }, { status: "archived", views: { gt: 500 } }] },
    ],
    [
      "(QB['status'] == 'draft' | QB['status'] == 'archived') & QB['views'] > 500",
      { status: { in: ["draft", "archived"] }, views: { gt: 500 } },
    ],
    ["~QB['status'] == 'draft' & QB['views'] > 500", { NOT: { status: "draft" }, views: { gt: 500 } }],
    ["~(QB['status'] == 'published' & QB['views'] > 500)", { NOT: { status: "published", views: { gt: 500 } } }],
    ["~~QB['status'] == 'draft'", { status: "draft" }],
    [
      "QB.all(QB['views'] > 100, QB['views'] < 300, QB['status'] != 'archived')",
      { views: { gt: 100, lt: 300 }, status: { not: "archived" } },
    ],
    [
      "QB.any(QB['views'] < 10, QB['views'] > 900, QB['title'].starts_with('why'))",
      { OR: [{ views: { lt: 10 } }, { views: { gt: 900 } }, { title: { startsWith: "why", mode: i } }] },
    ],
    [
      "QB.any(QB['views'] < 10) & ~QB.any(QB['status'] == 'draft', QB['status'] == 'archived')",
      { views: { lt: 10 }, status: "published" },
    ],
  ])("%s", async (qb, where) => {
    await same(qb, where);
  });

  it("QB.all() matches every record; ~QB.all() none", async () => {
    const every = await list("QB.all()");
    expect(every.status).toBe(200);
    expect(every.total).toBe(await t.db.prisma.post.count());
    const none = await list("~QB.all()");
    expect(none.status).toBe(200);
    expect(none.total).toBe(0);
    expect(none.range).toBe("posts */0");
    expect((await list("~~QB.all()")).total).toBe(every.total);
    expect((await list("QB['views'] > 100 | ~QB.all()")).total).toBe(
      await t.db.prisma.post.count({ where: { views: { gt: 100 } } }),
    );
  });
});

describe("§11.3 qb: meta helpers and dates", () => {
  const timed = (where: Prisma.PostWhereInput) => ({ title: { startsWith: MARK }, ...where });

  it("QB.created_time().last_n_days(7) finds the rows created in the last 7 days", async () => {
    const answer = await list("(QB.created_time().last_n_days(7) & QB['title'].starts_with('qb-timed')).sort('id')");
    const titles = (answer.body as { title: string }[]).map((p) => p.title).sort();
    expect(titles).toEqual(
      [
        `${MARK} end of yesterday`,
        `${MARK} one day ago`,
        `${MARK} six days ago`,
        `${MARK} start of today`,
        `${MARK} start of tomorrow`,
      ].sort(),
    );
    expect(answer.ids).toEqual(await expected(timed({ createdAt: { gte: new Date(Date.now() - 7 * DAY) } })));
  });

  it("QB.created_time().today() is [today 00:00 UTC, tomorrow 00:00 UTC)", async () => {
    const answer = await list("(QB.created_time().today() & QB['title'].starts_with('qb-timed')).sort('id')");
    const today = Math.floor(Date.now() / DAY) * DAY;
    expect(answer.ids).toEqual(
      await expected(timed({ createdAt: { gte: new Date(today), lt: new Date(today + DAY) } })),
    );
    expect((answer.body as { title: string }[]).map((p) => p.title)).toContain(`${MARK} start of today`);
    expect((answer.body as { title: string }[]).map((p) => p.title)).not.toContain(`${MARK} end of yesterday`);
  });

  it("QB.updated_time() is updatedAt and takes every comparison", async () => {
    const since = new Date(Date.now() - 3 * DAY).toISOString();
    const answer = await list(`(QB.updated_time() >= '${since}' & QB['title'] >> 'qb-timed').sort('id')`);
    expect(answer.ids).toEqual(await expected(timed({ updatedAt: { gte: new Date(since) } })));
    expect(answer.ids.length).toBeGreaterThan(0);
  });

  it("QB.created_by() / QB.updated_by() name createdBy / updatedBy; until audit fields exist the runtime refuses them by name", async () => {
    expect((await refused("QB.created_by().eq(1)", 400)).message).toContain('"createdBy"');
    expect((await refused("QB.updated_by() == 'guest'", 400)).message).toContain('"updatedBy"');
  });
});

describe("§11.4 qb: result modifiers and Content-Range", () => {
  const busy: Prisma.PostWhereInput = { views: { gt: 100 } };

  // The runtime appends the id as tie-breaker, in the direction of the last key (keyset pages need it).
  it(".sort('-views').limit(5): the first five by views, descending, id as tie-breaker", async () => {
    const total = await t.db.prisma.post.count({ where: busy });
    const answer = await list("(QB['views'] > 100).sort('-views').limit(5)");
    expect(answer.ids).toEqual(await expected(busy, { orderBy: [{ views: "desc" }, { id: "desc" }], take: 5 }));
    expect(answer.range).toBe(`posts 0-4/${total}`);
  });

  it(".order_by() with several keys, .offset() and .limit()", async () => {
    const total = await t.db.prisma.post.count({ where: busy });
    const answer = await list("QB['views'].gt(100).order_by('status', '-title').offset(5).limit(5)");
    expect(answer.ids).toEqual(
      await expected(busy, { orderBy: [{ status: "asc" }, { title: "desc" }, { id: "desc" }], skip: 5, take: 5 }),
    );
    expect(answer.range).toBe(`posts 5-9/${total}`);
  });

  it(".page(p, size) is 1-based; .page(p) takes the resource's default page size", async () => {
    const total = await t.db.prisma.post.count({ where: busy });
    const answer = await list("(QB['views'] > 100).sort('views').page(3, 10)");
    expect(answer.ids).toEqual(
      await expected(busy, { orderBy: [{ views: "asc" }, { id: "asc" }], skip: 20, take: 10 }),
    );
    expect(answer.range).toBe(`posts 20-29/${total}`);
    const size = t.runtime.schema.resource.get("post")!.defaultPageSize;
    expect((await list("QB.page(2)")).range).toBe(`posts ${size}-${2 * size - 1}/${await t.db.prisma.post.count()}`);
  });

  it(".first() is a page of one", async () => {
    const answer = await list("QB['status'].eq('draft').sort('-views').first()");
    expect(answer.ids).toEqual(
      await expected({ status: "draft" }, { orderBy: [{ views: "desc" }, { id: "desc" }], take: 1 }),
    );
    expect(answer.range).toBe(`posts 0-0/${await t.db.prisma.post.count({ where: { status: "draft" } })}`);
  });

  it("QB.all().limit(n) / QB.sort(...) page without a filter; past the end the range is *", async () => {
    const all = await t.db.prisma.post.count();
    expect((await list("QB.all().limit(3)")).range).toBe(`posts 0-2/${all}`);
    const sorted = await list("QB.sort('-id').limit(2)");
    expect(sorted.ids).toEqual(await expected({}, { orderBy: [{ id: "desc" }], take: 2 }));
    expect((await list(`QB.offset(${all + 10})`)).range).toBe(`posts */${all}`);
  });

  it(".sort() follows a to-one relation declared sortable; a to-many one's field that is not sortable is the runtime's 400", async () => {
    const answer = await list("(QB['views'] > 100).sort('author.name', '-views').limit(10)");
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.ids).toEqual(
      await expected(busy, { orderBy: [{ author: { name: "asc" } }, { views: "desc" }, { id: "desc" }], take: 10 }),
    );
    expect((await refused("QB.sort('comments.body')", 400)).message).toContain('Cannot sort comments by "body"');
  });

  it("the runtime's page limits apply: a page over maxPageSize or an unsortable field is a 400", async () => {
    expect((await refused("QB.limit(1001)", 400)).message).toContain("at most 1000");
    expect((await refused("QB.offset(1000001)", 400)).message).toContain("Offset");
    expect((await refused("QB.sort('body')", 400)).message).toContain('Cannot sort posts by "body"');
  });

  it("embed stays available and the Link header of page/per_page is not sent", async () => {
    const response = await t.get(`/api/posts?qb=${encodeURIComponent("QB.page(2, 3)")}&embed=author`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { authorId: number; author: { id: number } }[];
    expect(body).toHaveLength(3);
    for (const post of body) expect(post.author.id).toBe(post.authorId);
    expect(response.headers.get("link")).toBeNull();
  });
});

describe("§11.5 qb: relation paths", () => {
  it.each<[string, Prisma.PostWhereInput]>([
    ["QB['author.name'].starts_with('Ada')", { author: { is: { name: { startsWith: "Ada", mode: i } } } }],
    ["QB['author.role'] << ['admin', 'editor']", { author: { is: { role: { in: ["admin", "editor"] } } } }],
    ["QB['comments.body'] >> 'benchmark'", { comments: { some: { body: { contains: "benchmark", mode: i } } } }],
    ["QB['comments.none.body'] >> 'typo'", { comments: { none: { body: { contains: "typo", mode: i } } } }],
    ["QB['tags.name'] == 'postgres'", { tags: { some: { tag: { name: "postgres" } } } }],
  ])("%s", async (qb, where) => {
    await same(qb, where);
  });
});

describe("§11.6 qb: bad input", () => {
  it("every parse error is a 400 naming the column, also in details", async () => {
    const body = await refused("(QB['views'] > 10", 400);
    expect(body).toMatchObject({
      code: "BAD_REQUEST",
      message: 'qb: expected ")" at column 18, found end of input (the "(" at column 1 is not closed).',
      details: { parameter: "qb", column: 18 },
    });
    expect((await refused("QB['title'] % '(a'", 400)).message).toContain(
      "Invalid regular expression in a filter of posts",
    );
    expect((await refused("QB['views'] == 1 & QB['views'].eq(2).limit(3)", 400)).message).toContain("must come last");
    expect((await refused("", 400)).message).toContain("expected an expression at column 1");
    expect((await refused("x".repeat(4097), 400)).message).toContain("at most 4096");
  });

  it("unknown, hidden and unfilterable fields and bad values are the runtime's 400s, naming the field", async () => {
    expect((await refused("QB['colour'] == 'red'", 400)).message).toContain('Unknown filter field "colour"');
    expect((await list("QB['passwordHash'] == 'x'", "", "/api/users")).status).toBe(400);
    expect(
      ((await list("QB['passwordHash'] == 'x'", "", "/api/users")).body as { message: string }).message.split(
        "Filterable fields:",
      )[1],
    ).not.toContain("passwordHash");
    expect((await refused("QB['views'] >> 'x'", 400)).message).toContain(
      'Operator "contains" is not allowed on posts.views',
    );
    expect((await refused("QB['views'] == 'many'", 400)).message).toContain("posts.views");
    expect((await refused("QB['status'] == 'lost'", 400)).message).toContain("one of draft, published, archived");
    expect((await refused("QB['title'] == '\\0'", 400)).message).toContain("NUL");
  });

  it("more conditions than the runtime allows is its 400", async () => {
    const many = `QB.all(${Array.from({ length: 101 }, (_, n) => `QB['views']!=${n}`).join(",")})`;
    expect((await refused(many, 400)).message).toContain("at most 100");
  });

  it("qb with any filter, sort or page parameter is a 422 naming them; with conditions too", async () => {
    const qb = "QB['views'] > 10";
    for (const extra of [
      query({ filter: { status: "draft" } }),
      query({ sort: ["title", "ASC"] }),
      query({ range: [0, 9] }),
      "page=2",
      "per_page=5",
      "q=guide",
      "status=draft",
      "views_gt=3",
      "order=DESC",
    ]) {
      const body = await refused(qb, 422, extra);
      expect(body.code).toBe("VALIDATION_FAILED");
      expect(body.message).toContain(`Query parameter "qb" cannot be combined with "${extra.split("=")[0]}"`);
    }
    const both = await refused(qb, 422, query({ conditions: [] }));
    expect(both.message).toContain('"qb" and "conditions" cannot be combined');
    expect((await t.get(`/api/posts?qb=${encodeURIComponent(qb)}&qb=${encodeURIComponent(qb)}`)).status).toBe(400);
  });
});
