// `conditions` over HTTP (rest-dialect.md §11.7, querying.md "Conditions"): AutoCRUD's JSON array, every
// operator compared with the same query run by Prisma, relation paths, the parameters it combines with
// and the 400s / 422s of bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../../demo/generated/client.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";

let t: RestFixture;
let published: Date;
beforeAll(async () => {
  t = await createRestFixture();
  published = (
    await t.db.prisma.post.findFirstOrThrow({ where: { publishedAt: { not: null } }, orderBy: { id: "asc" } })
  ).publishedAt as Date;
});
afterAll(() => t?.close());

type Condition = { field_path: string; operator: string; value: unknown };

async function list(
  conditions: unknown,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; ids: number[]; range: string | null; body: unknown }> {
  const response = await t.get(`/api/posts?${query({ conditions, range: [0, 999], ...extra })}`);
  const body = (await response.json()) as unknown;
  return {
    status: response.status,
    ids: Array.isArray(body) ? body.map((p: { id: number }) => p.id) : [],
    range: response.headers.get("content-range"),
    body,
  };
}

async function expected(where: Prisma.PostWhereInput): Promise<number[]> {
  return (await t.db.prisma.post.findMany({ where, select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
}

const i = "insensitive" as const;

describe("§11.7 conditions: every operator, against the database", () => {
  it.each<[Condition, () => Prisma.PostWhereInput]>([
    [{ field_path: "status", operator: "equals", value: "published" }, () => ({ status: "published" })],
    [{ field_path: "status", operator: "not_equals", value: "draft" }, () => ({ status: { not: "draft" } })],
    [{ field_path: "views", operator: "greater_than", value: 500 }, () => ({ views: { gt: 500 } })],
    [{ field_path: "views", operator: "greater_than_or_equal", value: "500" }, () => ({ views: { gte: 500 } })],
    [{ field_path: "views", operator: "less_than", value: 20 }, () => ({ views: { lt: 20 } })],
    [{ field_path: "views", operator: "less_than_or_equal", value: 20 }, () => ({ views: { lte: 20 } })],
    [
      { field_path: "title", operator: "contains", value: "PITFALLS" },
      () => ({ title: { contains: "pitfalls", mode: i } }),
    ],
    [
      { field_path: "title", operator: "starts_with", value: "notes" },
      () => ({ title: { startsWith: "notes", mode: i } }),
    ],
    [
      { field_path: "title", operator: "ends_with", value: "production" },
      () => ({ title: { endsWith: "production", mode: i } }),
    ],
    [
      { field_path: "status", operator: "in_list", value: ["draft", "archived"] },
      () => ({ status: { in: ["draft", "archived"] } }),
    ],
    [{ field_path: "status", operator: "not_in_list", value: ["draft"] }, () => ({ status: { notIn: ["draft"] } })],
    [{ field_path: "publishedAt", operator: "equals", value: null }, () => ({ publishedAt: null })],
    [
      { field_path: "publishedAt", operator: "greater_than", value: "2025-03-01" },
      () => ({ publishedAt: { gt: new Date("2025-03-01T00:00:00Z") } }),
    ],
    [
      { field_path: "createdAt", operator: "greater_than", value: "2025-02-01T00:00:00Z" },
      () => ({ createdAt: { gt: new Date("2025-02-01T00:00:00Z") } }),
    ],
    [
      { field_path: "author.name", operator: "starts_with", value: "Ada" },
      () => ({ author: { is: { name: { startsWith: "Ada", mode: i } } } }),
    ],
    [
      { field_path: "comments.body", operator: "contains", value: "benchmark" },
      () => ({ comments: { some: { body: { contains: "benchmark", mode: i } } } }),
    ],
    [
      { field_path: "tags.name", operator: "equals", value: "postgres" },
      () => ({ tags: { some: { tag: { name: "postgres" } } } }),
    ],
  ])("%o", async (condition, where) => {
    const answer = await list([condition]);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const ids = await expected(where());
    expect(ids.length).toBeGreaterThan(0);
    expect(answer.ids).toEqual(ids);
  });

  it("not_equals on a nullable field includes the nulls, as ne does everywhere (§3.1)", async () => {
    const answer = await list([{ field_path: "publishedAt", operator: "not_equals", value: published.toISOString() }]);
    expect(answer.ids).toEqual(await expected({ OR: [{ publishedAt: { not: published } }, { publishedAt: null }] }));
  });

  it("all conditions must hold; [] is every record", async () => {
    const answer = await list([
      { field_path: "status", operator: "equals", value: "published" },
      { field_path: "views", operator: "greater_than", value: 300 },
      { field_path: "author.role", operator: "in_list", value: ["author", "editor"] },
    ]);
    expect(answer.ids).toEqual(
      await expected({
        status: "published",
        views: { gt: 300 },
        author: { is: { role: { in: ["author", "editor"] } } },
      }),
    );
    expect((await list([])).range).toBe(
      `posts 0-${(await t.db.prisma.post.count()) - 1}/${await t.db.prisma.post.count()}`,
    );
  });
});

describe("§11.7 conditions: what it combines with", () => {
  const busy = [{ field_path: "views", operator: "greater_than", value: 100 }];

  it("sort, range, page/per_page and embed apply as on any list", async () => {
    const total = await t.db.prisma.post.count({ where: { views: { gt: 100 } } });
    const sorted = await list(busy, { sort: ["views", "DESC"], range: [5, 9] });
    const ids = (
      await t.db.prisma.post.findMany({
        where: { views: { gt: 100 } },
        orderBy: [{ views: "desc" }, { id: "desc" }],
        skip: 5,
        take: 5,
        select: { id: true },
      })
    ).map((p) => p.id);
    expect(sorted.ids).toEqual(ids);
    expect(sorted.range).toBe(`posts 5-9/${total}`);
    const paged = await t.get(`/api/posts?${query({ conditions: busy, page: 2, per_page: 10, embed: "author" })}`);
    expect(paged.status).toBe(200);
    expect(paged.headers.get("content-range")).toBe(`posts 10-19/${total}`);
    expect(paged.headers.get("link")).toContain('rel="next"');
    expect(((await paged.json()) as { author: unknown }[])[0]?.author).toBeTruthy();
  });

  it("filter, q or field parameters alongside are a 422 naming them; qb alongside too", async () => {
    for (const extra of [{ filter: { status: "draft" } }, { q: "guide" }, { status: "draft" }, { views_gt: 3 }]) {
      const answer = await list(busy, extra);
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        code: "VALIDATION_FAILED",
        message: expect.stringContaining(
          `Query parameter "conditions" cannot be combined with "${Object.keys(extra)[0]}"`,
        ),
      });
    }
    expect((await list(busy, { qb: "QB.all()" })).body).toMatchObject({
      code: "VALIDATION_FAILED",
      message: expect.stringContaining('"qb" and "conditions" cannot be combined'),
    });
  });
});

describe("§11.7 conditions: bad input", () => {
  it("malformed JSON or shapes are a 400 naming the index and the problem", async () => {
    const raw = await t.get(`/api/posts?conditions=${encodeURIComponent("[{")}`);
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { message: string }).message).toContain(
      'Query parameter "conditions" is not valid JSON',
    );
    const cases: [unknown, string][] = [
      [{ field_path: "views" }, "must be a JSON array"],
      [[{ field_path: "views", operator: "equals", value: 1 }, null], "conditions[1] must be an object"],
      [
        [{ field_path: "views", operator: "greater", value: 1 }],
        "conditions[0].operator must be one of equals, not_equals",
      ],
      [[{ field_path: "views", operator: "equals" }], 'conditions[0] has no "value"'],
      [[{ field: "views", operator: "equals", value: 1 }], 'conditions[0] has unknown key "field"'],
      [
        [{ field_path: "status", operator: "in_list", value: "draft" }],
        "conditions[0].value must be a JSON array for in_list",
      ],
    ];
    for (const [conditions, message] of cases) {
      const answer = await list(conditions);
      expect(answer.status).toBe(400);
      expect((answer.body as { message: string }).message).toContain(message);
    }
  });

  it("unknown fields, operators a field does not allow and bad values are the runtime's 400s", async () => {
    const message = async (c: Condition) => ((await list([c])).body as { message: string }).message;
    expect(await message({ field_path: "colour", operator: "equals", value: "red" })).toContain(
      'Unknown filter field "colour"',
    );
    expect(await message({ field_path: "body", operator: "equals", value: "x" })).toContain(
      'Operator "eq" is not allowed on posts.body',
    );
    expect(await message({ field_path: "views", operator: "greater_than", value: "many" })).toContain("posts.views");
    expect(await message({ field_path: "nope.name", operator: "equals", value: "x" })).toContain(
      'Cannot filter posts through "nope"',
    );
  });
});
