// GET /<resource>/aggregate (§15): counts and sum / avg / min / max of declared fields, grouped or not,
// with having, sort and limit, under the same filters as lists; checked against Prisma's aggregate and
// groupBy on the seeded database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchIds } from "../support/search.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture();
});
afterAll(() => t?.close());

interface Group {
  key: Record<string, unknown>;
  count: number;
  sum: Record<string, number | null>;
  avg: Record<string, number | null>;
  min: Record<string, unknown>;
  max: Record<string, unknown>;
}

async function groups(params: string): Promise<Group[]> {
  const response = await t.get(`/api/posts/aggregate?${params}`);
  const body = (await response.json()) as { groups: Group[]; message?: string };
  expect(response.status, body.message).toBe(200);
  expect(Object.keys(body)).toEqual(["groups"]);
  return body.groups;
}

async function failure(path: string): Promise<{ status: number; message: string }> {
  const response = await t.get(path);
  return { status: response.status, message: ((await response.json()) as { message: string }).message };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

describe("§15 aggregates", () => {
  it("without groupBy: one group over the filtered rows, with count, sum, avg, min and max", async () => {
    const [group, ...rest] = await groups(
      "status=published&sum=views&avg=views&min=publishedAt,views&max=views,createdAt",
    );
    expect(rest).toEqual([]);
    const want = await t.db.prisma.post.aggregate({
      where: { status: "published" },
      _count: { _all: true },
      _sum: { views: true },
      _avg: { views: true },
      _min: { publishedAt: true, views: true },
      _max: { views: true, createdAt: true },
    });
    expect(group).toEqual({
      key: {},
      count: want._count._all,
      sum: { views: want._sum.views },
      avg: { views: expect.closeTo(want._avg.views as number, 6) },
      min: { publishedAt: iso(want._min.publishedAt), views: want._min.views },
      max: { views: want._max.views, createdAt: iso(want._max.createdAt) },
    });
    expect(group?.count).toBeGreaterThan(0);
  });

  it("a bare request counts every row", async () => {
    expect(await groups("")).toEqual([
      { key: {}, count: await t.db.prisma.post.count(), sum: {}, avg: {}, min: {}, max: {} },
    ]);
  });

  it("groupBy two fields with having, sort by an aggregate and limit, as Prisma's groupBy", async () => {
    const having = JSON.stringify([{ fn: "count", op: "gte", value: 3 }]);
    const got = await groups(
      `groupBy=status,authorId&sum=views&avg=views&max=views&having=${encodeURIComponent(having)}&sort=-sum.views&limit=10`,
    );
    const want = await t.db.prisma.post.groupBy({
      by: ["status", "authorId"],
      _count: { _all: true },
      _sum: { views: true },
      _avg: { views: true },
      _max: { views: true },
      having: { id: { _count: { gte: 3 } } },
      orderBy: [{ _sum: { views: "desc" } }, { status: "asc" }, { authorId: "asc" }],
      take: 10,
    });
    expect(want.length).toBe(10);
    expect(got.map((g) => [g.key, g.count, g.sum.views, g.max.views])).toEqual(
      want.map((w) => [{ status: w.status, authorId: w.authorId }, w._count._all, w._sum.views, w._max.views]),
    );
    for (const [i, g] of got.entries()) expect(g.avg.views).toBeCloseTo(want[i]?._avg.views as number, 6);
  });

  it("having on sum and min, sort by count then a group-by field descending, offset", async () => {
    const having = JSON.stringify([
      { fn: "sum", field: "views", op: "gt", value: 500 },
      { fn: "min", field: "views", op: "lt", value: 100 },
    ]);
    const got = await groups(
      `groupBy=authorId&sum=views&min=views&having=${encodeURIComponent(having)}&sort=-count,-authorId&offset=2&limit=5`,
    );
    const want = await t.db.prisma.post.groupBy({
      by: ["authorId"],
      _count: { _all: true },
      _sum: { views: true },
      _min: { views: true },
      having: { AND: [{ views: { _sum: { gt: 500 } } }, { views: { _min: { lt: 100 } } }] },
      orderBy: [{ _count: { id: "desc" } }, { authorId: "desc" }],
      skip: 2,
      take: 5,
    });
    expect(want.length).toBeGreaterThan(0);
    expect(got.map((g) => [g.key.authorId, g.count, g.sum.views, g.min.views])).toEqual(
      want.map((w) => [w.authorId, w._count._all, w._sum.views, w._min.views]),
    );
  });

  it("takes the filters of lists: filter JSON, suffix params and dot paths", async () => {
    const got = await groups(
      `groupBy=status&views_gte=10&author.role_in=admin,editor&${query({ filter: { "comments.body_like": "thanks", title_like: "guide" } })}`,
    );
    const want = await t.db.prisma.post.groupBy({
      by: ["status"],
      where: {
        views: { gte: 10 },
        author: { role: { in: ["admin", "editor"] } },
        comments: { some: { body: { contains: "thanks", mode: "insensitive" } } },
        title: { contains: "guide", mode: "insensitive" },
      },
      _count: { _all: true },
      orderBy: { status: "asc" },
    });
    expect(want.length).toBeGreaterThan(0);
    expect(got.map((g) => [g.key.status, g.count])).toEqual(want.map((w) => [w.status, w._count._all]));
  });

  it("aggregates the rows a full-text q matches", async () => {
    const response = await t.get(`/api/posts/aggregate?groupBy=status&sum=views&${query({ q: "guide" })}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { groups: Group[] };
    const matching = (await searchIds(t.db, "post", "guide")) as number[];
    const want = await t.db.prisma.post.groupBy({
      by: ["status"],
      where: { id: { in: matching } },
      _count: { _all: true },
      _sum: { views: true },
      orderBy: { status: "asc" },
    });
    expect(want.length).toBeGreaterThan(0);
    expect(body.groups.map((g) => [g.key.status, g.count, g.sum.views])).toEqual(
      want.map((w) => [w.status, w._count._all, w._sum.views]),
    );
  });

  it("groups users by role (another resource, count only)", async () => {
    const response = await t.get("/api/users/aggregate?groupBy=role&sort=-count");
    const body = (await response.json()) as { groups: Group[] };
    const want = await t.db.prisma.user.groupBy({
      by: ["role"],
      _count: { _all: true },
      orderBy: [{ _count: { id: "desc" } }, { role: "asc" }],
    });
    expect(body.groups.map((g) => [g.key.role, g.count])).toEqual(want.map((w) => [w.role, w._count._all]));
  });

  it("undeclared fields and functions, and malformed parameters are 400s naming the fault", async () => {
    for (const [params, text] of [
      ["sum=title", "Cannot compute sum of posts.title"],
      ["avg=publishedAt", "Cannot compute avg of posts.publishedAt"],
      ["groupBy=title", 'Cannot group posts by "title"'],
      ["max=updatedAt", "Cannot compute max of posts.updatedAt"],
      ["sum=", 'Query parameter "sum" must be a comma list'],
      ["having=[{}]", 'Condition 0 of "having" must be'],
      ["having=%7B%7D", '"having" must be a JSON array'],
      ["having=[", '"having" is not valid JSON'],
      [
        `groupBy=status&having=${encodeURIComponent('[{"fn":"count","op":"gte","value":1,"extra":1}]')}`,
        'Condition 0 of "having" must be',
      ],
      [
        `groupBy=status&having=${encodeURIComponent('[{"fn":"sum","field":"title","op":"gt","value":1}]')}`,
        "in having on posts",
      ],
      [`having=${encodeURIComponent('[{"fn":"count","op":"gt","value":1}]')}`, "needs `groupBy`"],
      [
        `groupBy=status&having=${encodeURIComponent('[{"fn":"count","field":"views","op":"gt","value":1}]')}`,
        "having count takes no field",
      ],
      [`groupBy=status&having=${encodeURIComponent('[{"fn":"count","op":"gt","value":[3]}]')}`, "expected a number"],
      [
        `groupBy=status&having=${encodeURIComponent('[{"fn":"max","field":"publishedAt","op":"gt","value":"soon"}]')}`,
        "having max(publishedAt) gt",
      ],
      ["groupBy=status&sort=-sum.views", "Cannot sort groups by"],
      ["groupBy=status&limit=0", "Group limit must be 1 to 1000"],
      ["groupBy=status&limit=many", 'Query parameter "limit" must be a whole number'],
      ["limit=5", "need `groupBy`"],
      ["range=[0,9]", 'Unknown query parameter "range" for posts/aggregate'],
      ["embed=author&cursor=", 'Unknown query parameters "embed", "cursor"'],
      ["nosuch=1", 'Unknown query parameter "nosuch"'],
      ["views_between=1", 'Unknown filter operator "_between"'],
      ["author.passwordHash=x", 'Unknown filter field "passwordHash" on users'],
      ["groupBy=status&groupBy=authorId", "more than once"],
    ] as const) {
      const got = await failure(`/api/posts/aggregate?${params}`);
      expect({ params, status: got.status }).toEqual({ params, status: 400 });
      expect(got.message, params).toContain(text);
    }
    const hidden = await failure("/api/users/aggregate?min=passwordHash");
    expect(hidden).toMatchObject({
      status: 400,
      message: expect.stringContaining("Cannot compute min of users.passwordHash"),
    });
  });

  it("obeys the list limits: values in a list, size of a value", async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, k) => k + 1).join(",");
    expect((await t.get(`/api/posts/aggregate?id_in=${ids(1000)}`)).status).toBe(200);
    expect(await failure(`/api/posts/aggregate?id_in=${ids(1001)}`)).toEqual({
      status: 400,
      message: expect.stringContaining("at most 1000"),
    });
    const fits = "x".repeat(10_240 - 2);
    expect((await t.get(`/api/posts/aggregate?author.name=${fits}`)).status).toBe(200);
    expect(await failure(`/api/posts/aggregate?author.name=${fits}x`)).toEqual({
      status: 400,
      message: expect.stringContaining("too large"),
    });
  });

  it("does not take the place of a record's route: /posts/aggregate is the aggregate, /posts/5 a post; other methods are 405 with Allow", async () => {
    const one = await t.get("/api/posts/5");
    expect(((await one.json()) as { id: number }).id).toBe(5);
    for (const method of ["PUT", "PATCH", "DELETE", "POST"]) {
      const response = await t.send(method, "/api/posts/aggregate", method === "DELETE" ? undefined : {});
      expect({ method, status: response.status }).toEqual({ method, status: 405 });
      expect(response.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    }
    const head = await t.rest.fetch(new Request("http://test/api/posts/aggregate?groupBy=status", { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect((await failure("/api/posts/aggregate/1")).status).toBe(404);
  });

  it("is one SQL statement", async () => {
    const path = "/api/posts/aggregate?groupBy=status&sum=views&author.role=admin";
    await t.get(path);
    t.db.statements.reset();
    expect((await t.get(path)).status).toBe(200);
    expect(t.db.statements.count).toBe(1);
  });
});
