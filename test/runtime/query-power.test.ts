// Query power in the runtime: relation filters and sorts, keyset pages, aggregates — checked against the
// database's own answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "../../src/runtime/service-types.ts";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
});
afterAll(() => t?.close());

const posts = () => t.runtime.service("post");
const ctx = () => t.runtime.context();
const ids = (records: Record<string, unknown>[]) => records.map((r) => r.id);

describe("relation filters", () => {
  it("to-one: posts whose author's role is admin or editor", async () => {
    const { records } = await posts().list(ctx(), {
      filter: { relation: "author", filter: { field: "role", op: "in", value: ["admin", "editor"] } },
      limit: 1000,
    });
    const expected = await t.db.prisma.post.findMany({
      where: { author: { role: { in: ["admin", "editor"] } } },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    expect(ids(records)).toEqual(expected.map((p) => p.id));
    expect(records.length).toBeGreaterThan(0);
  });

  it("to-many some / every / none, and many-to-many through the join model", async () => {
    for (const quantifier of ["some", "every", "none"] as const) {
      const { records } = await posts().list(ctx(), {
        filter: { relation: "comments", quantifier, filter: { field: "body", op: "contains", value: "agree" } },
        limit: 1000,
      });
      const expected = await t.db.prisma.post.findMany({
        where: { comments: { [quantifier]: { body: { contains: "agree", mode: "insensitive" } } } },
        orderBy: { id: "asc" },
        select: { id: true },
      });
      expect(ids(records), quantifier).toEqual(expected.map((p) => p.id));
    }
    const tagged = await posts().list(ctx(), {
      filter: { relation: "tags", quantifier: "some", filter: { field: "name", op: "eq", value: "postgres" } },
      limit: 1000,
    });
    const expected = await t.db.prisma.post.findMany({
      where: { tags: { some: { tag: { name: "postgres" } } } },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    expect(ids(tagged.records)).toEqual(expected.map((p) => p.id));
    expect(expected.length).toBeGreaterThan(0);
  });

  it("the related resource's rules apply: its hidden and non-filterable fields are refused", async () => {
    expect(
      (
        await failure(
          posts().list(ctx(), {
            filter: { relation: "author", filter: { field: "passwordHash", op: "eq", value: "x" } },
          }),
        )
      ).message,
    ).toContain('Unknown filter field "passwordHash" on users');
    expect(
      (
        await failure(
          posts().list(ctx(), {
            filter: { relation: "author", filter: { field: "updatedAt", op: "gt", value: "2020-01-01" } },
          }),
        )
      ).message,
    ).toContain("not filterable");
  });

  it("quantifiers must fit the relation, and only declared relations filter", async () => {
    expect(
      (
        await failure(
          posts().list(ctx(), {
            filter: { relation: "comments", filter: { field: "body", op: "contains", value: "x" } },
          }),
        )
      ).message,
    ).toContain("some, every or none");
    expect(
      (
        await failure(
          posts().list(ctx(), {
            filter: { relation: "author", quantifier: "some", filter: { field: "name", op: "eq", value: "x" } },
          }),
        )
      ).message,
    ).toContain("single record");
    expect(
      (
        await failure(
          t.runtime.service("tag").list(ctx(), {
            filter: { relation: "posts", quantifier: "some", filter: { field: "title", op: "eq", value: "x" } },
          }),
        )
      ).message,
    ).toContain("Cannot filter tags through");
  });
});

describe("relation and multi-field sorting", () => {
  it("sorts by the author's name, then newest first, with the id as tie-breaker", async () => {
    const { records } = await posts().list(ctx(), {
      sort: [
        { field: "author.name", direction: "asc" },
        { field: "createdAt", direction: "desc" },
      ],
      limit: 100,
    });
    const expected = await t.db.prisma.post.findMany({
      orderBy: [{ author: { name: "asc" } }, { createdAt: "desc" }, { id: "desc" }],
      take: 100,
      select: { id: true },
    });
    expect(ids(records)).toEqual(expected.map((p) => p.id));
  });

  it("refuses a to-many field not declared sortable, undeclared and hidden sort paths", async () => {
    expect(
      (await failure(posts().list(ctx(), { sort: [{ field: "comments.body", direction: "asc" }] }))).message,
    ).toContain('Cannot sort comments by "body"');
    expect(
      (await failure(posts().list(ctx(), { sort: [{ field: "author.passwordHash", direction: "asc" }] }))).message,
    ).toContain("Cannot sort users");
  });
});

describe("keyset pagination", () => {
  async function walk(sort: { field: string; direction: "asc" | "desc" }[], size: number): Promise<unknown[]> {
    const seen: unknown[] = [];
    let page: Page | undefined;
    do {
      page = await posts().page(ctx(), { sort, first: size, after: page?.pageInfo.endCursor });
      seen.push(...ids(page.records));
    } while (page.pageInfo.hasNextPage);
    return seen;
  }

  it("walks every row once, in order, for sorts on nullable, non-unique and descending fields", async () => {
    for (const sort of [
      [{ field: "publishedAt", direction: "desc" as const }],
      [
        { field: "status", direction: "asc" as const },
        { field: "views", direction: "desc" as const },
      ],
      [{ field: "publishedAt", direction: "asc" as const }],
    ]) {
      const all = await walk(sort, 37);
      // The id tie-breaker runs the way the last sort key does.
      const orderBy = [
        ...sort.map((s) => ({
          [s.field]:
            s.field === "publishedAt"
              ? { sort: s.direction, nulls: s.direction === "asc" ? "first" : "last" }
              : s.direction,
        })),
        { id: sort.at(-1)?.direction },
      ];
      const expected = await t.db.prisma.post.findMany({ orderBy: orderBy as never, select: { id: true } });
      expect(all).toEqual(expected.map((p) => p.id));
    }
  });

  it("walks pages sorted through a required to-one relation (author name), forward and back", async () => {
    const sort = [
      { field: "author.name", direction: "asc" as const },
      { field: "views", direction: "desc" as const },
    ];
    const all = await walk(sort, 45);
    const expected = await t.db.prisma.post.findMany({
      orderBy: [{ author: { name: "asc" } }, { views: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    expect(all).toEqual(expected.map((p) => p.id));
    const first = await posts().page(ctx(), { sort, first: 10 });
    const second = await posts().page(ctx(), { sort, first: 10, after: first.pageInfo.endCursor });
    expect(ids((await posts().page(ctx(), { sort, last: 10, before: second.pageInfo.startCursor })).records)).toEqual(
      ids(first.records),
    );
  });

  it("goes backward with last/before, and reports page info", async () => {
    const sort = [{ field: "views", direction: "desc" as const }];
    const first = await posts().page(ctx(), { sort, first: 10, withTotal: true });
    const second = await posts().page(ctx(), { sort, first: 10, after: first.pageInfo.endCursor });
    const back = await posts().page(ctx(), { sort, last: 10, before: second.pageInfo.startCursor });
    expect(ids(back.records)).toEqual(ids(first.records));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.totalCount).toBe(await t.db.prisma.post.count());
  });

  it("rejects a forged cursor, and a cursor used with another sort", async () => {
    const page = await posts().page(ctx(), { sort: [{ field: "views", direction: "desc" }], first: 5 });
    const cursor = page.pageInfo.endCursor as string;
    const [payload, mac] = cursor.split(".") as [string, string];
    const forged = `${Buffer.from(Buffer.from(payload, "base64url").toString().replace(/\d+\]/, "1]")).toString("base64url")}.${mac}`;
    expect(
      (await failure(posts().page(ctx(), { sort: [{ field: "views", direction: "desc" }], first: 5, after: forged })))
        .message,
    ).toContain("Invalid cursor");
    expect(
      (await failure(posts().page(ctx(), { sort: [{ field: "title", direction: "asc" }], first: 5, after: cursor })))
        .message,
    ).toContain("another sort");
    expect((await failure(posts().page(ctx(), { first: 5, after: "garbage" }))).code).toBe("BAD_REQUEST");
  });
});

describe("aggregates", () => {
  it("count, sum, avg, min, max over a filter", async () => {
    const [group] = await posts().aggregate(
      ctx(),
      { field: "status", op: "eq", value: "published" },
      { sum: ["views"], avg: ["views"], min: ["publishedAt"], max: ["views"] },
    );
    const expected = await t.db.prisma.post.aggregate({
      where: { status: "published" },
      _count: { _all: true },
      _sum: { views: true },
      _avg: { views: true },
      _min: { publishedAt: true },
      _max: { views: true },
    });
    expect(group).toMatchObject({
      key: {},
      count: expected._count._all,
      sum: { views: expected._sum.views },
      max: { views: expected._max.views },
      min: { publishedAt: expected._min.publishedAt },
    });
    expect(group?.avg.views).toBeCloseTo(expected._avg.views ?? 0);
  });

  it("group by with having and sort", async () => {
    const groups = await posts().aggregate(ctx(), undefined, {
      groupBy: ["authorId"],
      sum: ["views"],
      having: [{ fn: "count", op: "gte", value: 10 }],
      sort: [{ by: "sum.views", direction: "desc" }],
    });
    const expected = await t.db.prisma.post.groupBy({
      by: ["authorId"],
      _count: { _all: true },
      _sum: { views: true },
      having: { id: { _count: { gte: 10 } } },
      orderBy: [{ _sum: { views: "desc" } }, { authorId: "asc" }],
    });
    expect(groups.map((g) => [g.key.authorId, g.count, g.sum.views])).toEqual(
      expected.map((e) => [e.authorId, e._count._all, e._sum.views]),
    );
    expect(groups.length).toBeGreaterThan(0);
  });

  it("refuses undeclared fields and functions", async () => {
    expect((await failure(posts().aggregate(ctx(), undefined, { sum: ["title"] }))).message).toContain(
      "Cannot compute sum of posts.title",
    );
    expect((await failure(posts().aggregate(ctx(), undefined, { groupBy: ["title"] }))).message).toContain(
      'Cannot group posts by "title"',
    );
    expect((await failure(t.runtime.service("user").aggregate(ctx(), undefined, { min: ["passwordHash"] }))).code).toBe(
      "BAD_REQUEST",
    );
    expect(
      (await failure(posts().aggregate(ctx(), undefined, { having: [{ fn: "count", op: "gt", value: 1 }] }))).message,
    ).toContain("needs `groupBy`");
  });
});
