// Parity of qb (rest-dialect.md §11, §30): AutoCRUD's regex, like, truthiness, date helpers, datetime(),
// QB.resource_id() and QB.is_deleted() asked through REST's `qb` parameter and GraphQL's `qb` argument
// (list, count, connection) give the same records, and the ones PostgreSQL itself finds; bad input is
// the same 400 on both. Also REST's data_conditions, sorts and filter $or / $not against GraphQL's where.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
let app: App;
/** Ids of this file's posts, by a short name. */
const id: Record<string, number> = {};
const PREFIX = "QB['title'].starts_with('qbp ')";
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  app = createApp({ runtime: t.runtime, logger: pino({ level: "silent" }) });
  const rows = [
    { key: "alpha", title: "qbp Alpha", views: 0, status: "draft" as const, publishedAt: null },
    { key: "beta", title: "qbp beta_1", views: 5, status: "published" as const, publishedAt: new Date() },
    {
      key: "gamma",
      title: "qbp Gamma 50%",
      views: 12,
      status: "published" as const,
      publishedAt: new Date("2020-01-01"),
    },
    { key: "delta", title: "qbp delta", views: 3, status: "draft" as const, publishedAt: null, deletedAt: new Date() },
  ];
  for (const { key, ...data } of rows) id[key] = (await t.db.prisma.post.create({ data: { ...data, authorId: 1 } })).id;
});
afterAll(() => t?.close());

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await app.fetch(
    new Request(`http://test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, body: await response.json() };
}
type Gql = { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] };
const gql = async (query: string, variables: Record<string, unknown>) =>
  (await post("/graphql", { query, variables })).body as Gql;
async function rest(params: string): Promise<{ status: number; body: unknown; total: string | null }> {
  const response = await app.fetch(new Request(`http://test/api/posts?${params}`));
  return { status: response.status, body: await response.json(), total: response.headers.get("x-total-count") };
}
const names = (ids: number[]) => ids.map((n) => Object.keys(id).find((k) => id[k] === n) ?? n).sort();

/** The posts `qb` finds through REST and through GraphQL's list, count and connection; all must agree. */
async function both(qb: string, deleted = "exclude"): Promise<(string | number)[]> {
  const text = `(${PREFIX} & (${qb})).sort('id')`;
  const r = await rest(`qb=${encodeURIComponent(text)}&deleted=${deleted}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const restIds = (r.body as { id: number }[]).map((p) => p.id);
  const g = await gql(
    "query($qb: String, $c: String, $d: DeletedRecords) { posts(qb: $qb, deleted: $d) { id } postsCount(qb: $c, deleted: $d) postsConnection(qb: $qb, deleted: $d, first: 100) { edges { node { id } } } }",
    { qb: text, c: `${PREFIX} & (${qb})`, d: deleted.toUpperCase() },
  );
  expect(g.errors, JSON.stringify(g.errors)).toBeUndefined();
  const data = g.data as {
    posts: { id: string }[];
    postsCount: number;
    postsConnection: { edges: { node: { id: string } }[] };
  };
  expect(data.posts.map((p) => Number(p.id))).toEqual(restIds);
  expect(data.postsConnection.edges.map((e) => Number(e.node.id))).toEqual(restIds);
  expect(data.postsCount).toBe(restIds.length);
  expect(Number(r.total)).toBe(restIds.length);
  return names(restIds);
}

/** The ids PostgreSQL finds for a condition on this file's live posts. */
async function sql(condition: string, ...values: unknown[]): Promise<(string | number)[]> {
  const rows = await t.db.prisma.$queryRawUnsafe<{ id: number }[]>(
    `SELECT id FROM "Post" WHERE title LIKE 'qbp %' AND "deletedAt" IS NULL AND (${condition}) ORDER BY id`,
    ...values,
  );
  return names(rows.map((r) => r.id));
}

describe("§11 qb on both transports, against PostgreSQL", () => {
  it("regex (% and .regex/.match): PostgreSQL's ~, case-sensitive unless (?i)", async () => {
    expect(await both("QB['title'] % '^qbp [A-Z]'")).toEqual(await sql("title ~ $1", "^qbp [A-Z]"));
    expect(await both("QB['title'] % '^qbp [A-Z]'")).toEqual(["alpha", "gamma"]);
    expect(await both("QB['title'].match('(?i)^qbp [a-b]')")).toEqual(["alpha", "beta"]);
    expect(await both("QB['title'].regex('[0-9]+%$')")).toEqual(["gamma"]);
  });

  it("like: % and _ are wildcards, backslash escapes them, case-insensitive", async () => {
    expect(await both("QB['title'].like('QBP A%')")).toEqual(await sql("title ILIKE $1", "QBP A%"));
    expect(await both("QB['title'].like('qbp beta\\\\_%')")).toEqual(["beta"]);
    expect(await both("QB['title'].like('%50\\\\%')")).toEqual(["gamma"]);
    expect(await both("QB['title'].like('qbp _____')")).toEqual(["alpha"]);
  });

  it("truthiness: a bare field, ~field, is_truthy() and is_falsy() by column type", async () => {
    expect(await both("QB['views'].is_truthy()")).toEqual(await sql("views <> 0"));
    expect(await both("QB['views']")).toEqual(["beta", "gamma"]);
    expect(await both("~QB['views']")).toEqual(["alpha"]);
    expect(await both("QB['publishedAt']")).toEqual(["beta", "gamma"]);
    expect(await both("QB['publishedAt'].is_falsy()")).toEqual(["alpha"]);
  });

  it("datetime() literals and the date helpers", async () => {
    expect(await both("QB['publishedAt'] >= datetime(2021, 1, 1)")).toEqual(["beta"]);
    expect(await both("QB['publishedAt'] < datetime('2020-01-01T00:00:01+00:00')")).toEqual(["gamma"]);
    for (const helper of ["today()", "this_week()", "this_month()", "this_year()", "last_n_days(1)", "today(14)"])
      expect(await both(`QB['publishedAt'].${helper}`), helper).toEqual(
        helper === "today(14)"
          ? await sql(
              `"publishedAt" >= date_trunc('day', now() AT TIME ZONE 'UTC' + interval '14 hours') - interval '14 hours'`,
            )
          : ["beta"],
      );
    expect(await both("QB['publishedAt'].yesterday()")).toEqual([]);
  });

  it("QB.resource_id() is the id; QB.is_deleted() looks at the trash within the records the list sees (§18)", async () => {
    expect(await both(`QB.resource_id() << [${id.alpha}, ${id.gamma}]`)).toEqual(["alpha", "gamma"]);
    expect(await both("QB.is_deleted()")).toEqual([]);
    expect(await both("QB.is_deleted()", "include")).toEqual(["delta"]);
    expect(await both("QB.is_deleted() == False", "include")).toEqual(["alpha", "beta", "gamma"]);
    expect(await both("~QB.is_deleted()", "only")).toEqual([]);
  });

  it("bad input is the same 400 on both, never a 5xx; a hidden field cannot be named", async () => {
    const cases: [string, string][] = [
      ["QB['title'] % '(unclosed'", "Invalid regular expression in a filter of posts"],
      ["QB['title'] % 'a'.repeat(3)", "expected"],
      [`QB['title'].regex('${"a".repeat(257)}')`, "at most 256"],
      ["QB['title'].regex('(a)\\\\1')", "back-references"],
      ["QB['title'].like('x\\\\')", 'ends with a lone "\\"'],
      ["QB['views'] % '1'", 'Operator "regex" is not allowed on posts.views'],
      ["QB['views'] > datetime(2024, 2, 30)", "day 30 at column 33 does not exist in 2024-02"],
    ];
    for (const [qb, message] of cases) {
      const r = await rest(`qb=${encodeURIComponent(qb)}`);
      expect(r.status, qb).toBe(400);
      expect((r.body as { message: string }).message).toContain(message);
      const g = await gql("query($qb: String) { posts(qb: $qb) { id } }", { qb });
      expect(g.errors?.[0]?.message).toBe((r.body as { message: string }).message);
      expect(g.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    }
    for (const qb of ["QB['passwordHash'] % 'x'", "QB['passwordHash']"]) {
      const response = await app.fetch(new Request(`http://test/api/users?qb=${encodeURIComponent(qb)}`));
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain('Unknown filter field "passwordHash"');
      const g = await gql("query($qb: String) { users(qb: $qb) { id } }", { qb });
      expect(g.errors?.[0]?.message).toContain('Unknown filter field "passwordHash"');
    }
  });

  it("GraphQL: qb beside where/orderBy/skip is refused (422 code), and counts and connections take no page from qb", async () => {
    const beside = await gql('query { posts(qb: "QB.all()", take: 5) { id } }', {});
    expect(beside.errors?.[0]?.extensions?.code).toBe("VALIDATION_FAILED");
    expect(beside.errors?.[0]?.message).toContain('Argument "qb" of posts cannot be combined with "take"');
    const counted = await gql(`query { postsCount(qb: "QB.all().limit(2)") }`, {});
    expect(counted.errors?.[0]?.message).toContain("postsCount takes a filter only from qb");
    const paged = await gql(`query { postsConnection(qb: "QB.all().sort('-views').limit(2)") { totalCount } }`, {});
    expect(paged.errors?.[0]?.message).toContain("postsConnection takes a filter and a sort from qb");
  });
});

describe("§2.3 filter $or / $not, §11.7 data_conditions and §30 sorts, against GraphQL's where", () => {
  const gqlIds = async (where: unknown, orderBy: unknown = [{ id: "asc" }]) =>
    names(
      (
        (
          await gql(
            "query($w: PostWhereInput, $o: [PostOrderByInput!]) { posts(where: $w, orderBy: $o, take: 1000) { id } }",
            {
              w: { AND: [{ title: { startsWith: "qbp " } }, where] },
              o: orderBy,
            },
          )
        ).data as { posts: { id: string }[] }
      ).posts.map((p) => Number(p.id)),
    );
  const restNames = async (params: string) => {
    const r = await rest(`${params}&range=${encodeURIComponent("[0,999]")}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return names((r.body as { id: number }[]).map((p) => p.id));
  };
  const filter = (f: object) =>
    `filter=${encodeURIComponent(JSON.stringify({ title_startswith: "qbp ", ...f }))}&sort=id`;

  it("$or and $not nest and combine with AND", async () => {
    const or = { $or: [{ status: "draft" }, { views_gte: 10 }] };
    expect(await restNames(filter(or))).toEqual(
      await gqlIds({ OR: [{ status: { eq: "draft" } }, { views: { gte: 10 } }] }),
    );
    expect(await restNames(filter(or))).toEqual(["alpha", "gamma"]);
    expect(await restNames(filter({ $not: or }))).toEqual(["beta"]);
    expect(await restNames(filter({ $not: { $or: [{ status: "draft" }, { $not: { views_gte: 10 } }] } }))).toEqual([
      "gamma",
    ]);
    expect(await restNames(filter({ ...or, views_gt: 0 }))).toEqual(["gamma"]);
  });

  it("$or / $not of the wrong shape, or another $ key, is a 400 naming it", async () => {
    for (const [f, message] of [
      [{ $or: {} }, "filter.$or must be a non-empty JSON array"],
      [{ $or: [] }, "filter.$or must be a non-empty JSON array"],
      [{ $or: [1] }, "filter.$or[0] must be a JSON object"],
      [{ $not: [] }, "filter.$not must be a JSON object"],
      [{ $and: [] }, 'unknown key "$and"'],
    ] as const) {
      const r = await rest(filter(f));
      expect(r.status).toBe(400);
      expect((r.body as { message: string }).message).toContain(message);
    }
  });

  it("data_conditions is conditions' older name (both ANDed); sorts is AutoCRUD's sort", async () => {
    const dc = JSON.stringify([{ field_path: "views", operator: "gt", value: 1 }]);
    const c = JSON.stringify([{ field_path: "title", operator: "starts_with", value: "qbp " }]);
    expect(
      await restNames(`data_conditions=${encodeURIComponent(dc)}&conditions=${encodeURIComponent(c)}&sort=id`),
    ).toEqual(["beta", "gamma"]);
    const sorts = JSON.stringify([
      { type: "data", field_path: "views", direction: "-" },
      { type: "meta", key: "resource_id" },
    ]);
    const sorted = await rest(`conditions=${encodeURIComponent(c)}&sorts=${encodeURIComponent(sorts)}`);
    expect((sorted.body as { id: number }[]).map((p) => p.id)).toEqual(
      await gql(
        'query { posts(where: { title: { startsWith: "qbp " } }, orderBy: [{ views: desc }, { id: asc }]) { id } }',
        {},
      ).then((g) => (g.data as { posts: { id: string }[] }).posts.map((p) => Number(p.id))),
    );
    const clash = await rest(`sorts=${encodeURIComponent(sorts)}&sort=id`);
    expect(clash.status).toBe(422);
    const withQb = await rest(`qb=QB.all()&data_conditions=${encodeURIComponent(dc)}`);
    expect(withQb.status).toBe(422);
  });
});
