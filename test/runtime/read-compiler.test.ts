// The read compiler against an independent reading of the same request: every declared operator of
// every resource, every sort key (through relations too), offset and keyset pages, and projections with
// relations, each compared with what Prisma's own query engine answers for the same condition on the
// same database (Prisma no longer serves any read of the runtime, so it is an independent oracle).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Operator } from "../../src/metadata/definition.ts";
import type { ResolvedField, ResolvedResource } from "../../src/metadata/resolved.ts";
import {
  both,
  compileFilter,
  compileSort,
  DEFAULT_QUERY_LIMITS,
  type Filter,
  liveCondition,
} from "../../src/runtime/query.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { compileRead, type ReadLevel, type ReadQuery } from "../../src/storage/sql/read-sql.ts";
import { searchVectorSql } from "../../src/storage/sql/search.ts";
import { SqlModels } from "../../src/storage/sql/where-sql.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

let t: TestRuntime;
const admin = () => t.runtime.context({ actor: { id: 1, roles: ["admin"] } });
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  // Rows in the trash, nulls, and text with LIKE's special characters.
  const posts = t.runtime.service("post");
  const [first] = await t.db.prisma.post.findMany({ take: 1, orderBy: { id: "asc" } });
  await posts.delete(admin(), first?.id);
  await t.db.prisma.post.updateMany({ where: { id: { lte: 6 } }, data: { title: "100% under_score \\ back" } });
});
afterAll(() => t?.close());

const lookup = (name: string) => t.runtime.service(name).resource;
type Row = Record<string, unknown>;
const delegate = (resource: ResolvedResource) =>
  (t.db.prisma as unknown as Record<string, { findMany(args: object): Promise<Row[]> }>)[resource.delegate] as {
    findMany(args: object): Promise<Row[]>;
  };

/** The ids the runtime lists, and the ids Prisma finds for the same checked condition and order. */
async function both_(
  resource: ResolvedResource,
  filter: Filter | undefined,
  sort: { field: string; direction: "asc" | "desc" }[] = [],
  offset = 0,
  limit = resource.maxPageSize,
): Promise<[unknown[], unknown[]]> {
  const { records } = await t.runtime.service(resource.name).list(admin(), { filter, sort, offset, limit });
  const where = both(compileFilter(resource, filter, DEFAULT_QUERY_LIMITS, lookup), liveCondition(resource));
  const expected = await delegate(resource).findMany({
    where,
    orderBy: compileSort(resource, sort, lookup),
    skip: offset,
    take: limit,
    select: { [resource.id.name]: true },
  });
  return [records.map((r) => r[resource.id.name]), expected.map((r) => r[resource.id.name])];
}

/** Values of `field` worth filtering by: some the rows hold, and a few edge cases of its kind. */
function samples(field: ResolvedField, rows: readonly Row[]): unknown[] {
  const held = [...new Set(rows.map((r) => r[field.name]).filter((v) => v !== null && v !== undefined))].slice(0, 3);
  const out: unknown[] = held.map((v) => (v instanceof Date ? v.toISOString() : v));
  if (field.kind === "String") out.push("%", "_", "\\", "100%");
  if (field.kind === "Int") out.push(0, -1);
  return out;
}

function valuesFor(op: Operator, field: ResolvedField, rows: readonly Row[]): unknown[] {
  const s = samples(field, rows);
  switch (op) {
    case "in":
    case "notIn":
      return [s.slice(0, 2), s.slice(0, 1), []];
    case "isNull":
      return [true, false];
    case "contains":
    case "startsWith":
    case "endsWith":
      return s
        .filter((v): v is string => typeof v === "string")
        .flatMap((v) => [v, v.slice(0, 3), v.slice(-3).toUpperCase()]);
    case "eq":
    case "ne":
      return field.isRequired ? s : [...s, null];
    default:
      return s;
  }
}

const RESOURCES = ["post", "user", "comment", "tag", "ticket", "ticketReply"];

describe("every operator of every resource", () => {
  it("answers what Prisma answers for the same condition", async () => {
    let cases = 0;
    for (const name of RESOURCES) {
      const resource = lookup(name);
      const rows = await delegate(resource).findMany({ take: 50 });
      for (const field of resource.fields) {
        for (const op of field.filter) {
          // Prisma has no like or regex filter: test/server/parity-qb.test.ts checks those against SQL.
          if (op === "like" || op === "regex") continue;
          for (const value of valuesFor(op, field, rows)) {
            const filter: Filter = { field: field.name, op, value };
            const [actual, expected] = await both_(resource, filter);
            expect(actual, `${name}.${field.name} ${op} ${JSON.stringify(value)}`).toEqual(expected);
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(150);
  });

  it("and/or/not, relation filters with some/every/none, and to-one relation filters", async () => {
    const post = lookup("post");
    const filters: Filter[] = [
      {
        and: [
          { field: "status", op: "eq", value: "published" },
          { field: "views", op: "gte", value: 100 },
        ],
      },
      { or: [{ field: "status", op: "eq", value: "draft" }, { not: { field: "views", op: "lt", value: 500 } }] },
      { relation: "author", filter: { field: "role", op: "in", value: ["admin", "editor"] } },
      { relation: "comments", quantifier: "some", filter: { field: "body", op: "contains", value: "a" } },
      { relation: "comments", quantifier: "every", filter: { field: "body", op: "contains", value: "e" } },
      { relation: "comments", quantifier: "none", filter: { field: "body", op: "contains", value: "z" } },
      { relation: "tags", quantifier: "some", filter: { field: "name", op: "startsWith", value: "p" } },
      { relation: "tags", quantifier: "every", filter: { field: "name", op: "contains", value: "a" } },
      {
        not: {
          relation: "author",
          filter: { relation: "posts", quantifier: "some", filter: { field: "views", op: "gt", value: 1000 } },
        },
      },
    ];
    for (const filter of filters) {
      const [actual, expected] = await both_(post, filter);
      expect(actual, JSON.stringify(filter)).toEqual(expected);
    }
  });
});

describe("sorts and pages", () => {
  it("every sortable field, both ways, and through relations, with offset pages", async () => {
    let cases = 0;
    for (const name of RESOURCES) {
      const resource = lookup(name);
      const keys = [...resource.fields.filter((f) => f.sortable).map((f) => f.name)];
      for (const relation of resource.relations) {
        if (relation.kind !== "belongsTo" || !relation.sortable) continue;
        const target = lookup(relation.target);
        keys.push(
          ...target.fields
            .filter((f) => f.sortable)
            .slice(0, 2)
            .map((f) => `${relation.name}.${f.name}`),
        );
      }
      for (const key of keys) {
        for (const direction of ["asc", "desc"] as const) {
          for (const [offset, limit] of [
            [0, 7],
            [5, 3],
            [0, resource.maxPageSize],
          ] as const) {
            const [actual, expected] = await both_(resource, undefined, [{ field: key, direction }], offset, limit);
            expect(actual, `${name} by ${key} ${direction} [${offset}, ${limit}]`).toEqual(expected);
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(100);
  });

  it("keyset pages, forward and backward, walk the same rows as the whole list", async () => {
    const posts = t.runtime.service("post");
    for (const sort of [
      [{ field: "views", direction: "desc" as const }],
      [{ field: "publishedAt", direction: "asc" as const }],
      [
        { field: "author.name", direction: "asc" as const },
        { field: "status", direction: "desc" as const },
      ],
    ]) {
      const whole = (await posts.list(admin(), { sort, limit: 1000 })).records.map((r) => r.id);
      const forward: unknown[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await posts.page(admin(), { sort, first: 37, ...(after ? { after } : {}), withTotal: true });
        expect(page.totalCount).toBe(whole.length);
        forward.push(...page.records.map((r) => r.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(forward, JSON.stringify(sort)).toEqual(whole);
      const backward: unknown[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await posts.page(admin(), { sort, last: 41, ...(before ? { before } : {}) });
        backward.unshift(...page.records.map((r) => r.id));
        if (!page.pageInfo.hasPreviousPage) break;
        before = page.pageInfo.startCursor;
      }
      expect(backward, JSON.stringify(sort)).toEqual(whole);
    }
  });
});

describe("projections", () => {
  it("relations at two levels equal Prisma's includes, the trash left out at every level", async () => {
    const posts = t.runtime.service("post");
    const projection = {
      fields: new Set(["title"]),
      relations: new Map([
        ["author", { fields: new Set(["name"]) }],
        ["comments", { fields: new Set(["body"]), relations: new Map([["author", { fields: new Set(["email"]) }]]) }],
        ["tags", { fields: new Set(["name"]) }],
      ]),
    };
    const { records } = await posts.list(
      admin(),
      { sort: [{ field: "id", direction: "asc" }], limit: 100 },
      projection,
    );
    const expected = await t.db.prisma.post.findMany({
      where: { deletedAt: null },
      orderBy: { id: "asc" },
      take: 100,
      select: {
        id: true,
        title: true,
        author: { select: { name: true } },
        comments: {
          where: { deletedAt: null },
          orderBy: { id: "asc" },
          select: { body: true, author: { select: { email: true } } },
        },
        tags: { orderBy: { tagId: "asc" }, select: { tag: { select: { name: true } } } },
      },
    });
    // Records carry the keys relations follow too (the id, foreign keys, the trash column): compare what was asked.
    type R = Record<string, any>;
    const shape = (r: R) => ({
      id: r.id,
      title: r.title,
      author: { name: r.author.name },
      comments: r.comments.map((c: R) => ({ body: c.body, author: { email: c.author.email } })),
      tags: r.tags.map((x: R) => ({ name: x.name })),
    });
    expect(records.map(shape)).toEqual(
      expected.map((p) => ({
        id: p.id,
        title: p.title,
        author: p.author,
        comments: p.comments,
        tags: p.tags.map((x) => x.tag),
      })),
    );
    expect(records.some((r) => (r.comments as unknown[]).length > 0)).toBe(true);
  });
});

describe("to-one relations", () => {
  it("are null where the related row is in the trash, and carry relations of their own", async () => {
    const comments = t.runtime.service("comment");
    const projection = {
      fields: new Set(["body"]),
      relations: new Map([
        [
          "post",
          {
            fields: new Set(["title"]),
            relations: new Map([
              [
                "author",
                { fields: new Set(["name"]), relations: new Map([["posts", { fields: new Set(["title"]) }]]) },
              ],
            ]),
          },
        ],
      ]),
    };
    // Comments of a few posts, one of them put in the trash behind its comments' back (deleting it
    // through the runtime would take its comments along).
    const postIds = (
      await t.db.prisma.post.findMany({
        where: { deletedAt: null, comments: { some: { deletedAt: null } } },
        take: 8,
        orderBy: { id: "asc" },
        select: { id: true },
      })
    ).map((p) => p.id);
    await t.db.prisma.post.update({ where: { id: postIds[0] }, data: { deletedAt: new Date() } });
    const { records } = await comments.list(
      admin(),
      { filter: { field: "postId", op: "in", value: postIds }, sort: [{ field: "id", direction: "asc" }], limit: 100 },
      projection,
    );
    const expected = await t.db.prisma.comment.findMany({
      where: { deletedAt: null, postId: { in: postIds } },
      orderBy: { id: "asc" },
      select: {
        id: true,
        post: {
          select: {
            title: true,
            deletedAt: true,
            author: {
              select: {
                name: true,
                posts: { where: { deletedAt: null }, orderBy: { id: "asc" }, select: { title: true } },
              },
            },
          },
        },
      },
    });
    type R = Record<string, any>;
    const shape = (r: R) => ({
      id: r.id,
      post: r.post && {
        title: r.post.title,
        author: { name: r.post.author.name, posts: r.post.author.posts.map((p: R) => ({ title: p.title })) },
      },
    });
    // The trash filter of a to-one is the row's own: a comment of a deleted post has no post.
    expect(records.map(shape)).toEqual(expected.map((c) => shape({ ...c, post: c.post.deletedAt ? null : c.post })));
    expect(records.some((r) => r.post === null)).toBe(true);
    expect(records.some((r) => (r.post as { author: { posts: unknown[] } } | null)?.author.posts.length)).toBeTruthy();
  });
});

describe("the statement", () => {
  const models = new SqlModels(datamodel);
  const level: ReadLevel = { model: "Post", fields: ["id"], relations: [] };
  const run = async (query: ReadQuery) => {
    const compiled = compileRead(models, query);
    const { rows } = await t.db.pool.query<{ rows: string }>(compiled.text, compiled.values);
    return { text: compiled.text, rows: JSON.parse(rows[0]?.rows ?? "[]") as Record<string, unknown>[] };
  };

  it("sorts the page's rows again by the same keys, nulls placed the same way, without a window", async () => {
    for (const direction of ["asc", "desc"] as const) {
      for (const nulls of ["first", "last"] as const) {
        for (const [offset, limit] of [
          [0, 10],
          [30, 25],
          [150, 40],
        ] as const) {
          const { text, rows } = await run({
            level,
            where: { deletedAt: null },
            orderBy: [{ path: [], field: "publishedAt", direction, nulls }],
            offset,
            limit,
            total: false,
          });
          expect(text).not.toContain("row_number");
          expect(text).toContain(
            `ORDER BY p."publishedAt" ${direction.toUpperCase()} NULLS ${nulls.toUpperCase()}, p."id" ASC)`,
          );
          const expected = await t.db.prisma.post.findMany({
            where: { deletedAt: null },
            orderBy: [{ publishedAt: { sort: direction, nulls } }, { id: "asc" }],
            skip: offset,
            take: limit,
            select: { id: true },
          });
          expect(
            rows.map((r) => r.id),
            `publishedAt ${direction} nulls ${nulls} [${offset}, ${limit}]`,
          ).toEqual(expected.map((p) => p.id));
        }
      }
    }
  });

  it("carries keys through relations and the search rank as columns of the page", async () => {
    const byAuthor = await run({
      level,
      where: { deletedAt: null },
      orderBy: [{ path: ["author"], field: "name", direction: "desc" }],
      offset: 3,
      limit: 40,
      total: false,
    });
    expect(byAuthor.text).not.toContain("row_number");
    expect(byAuthor.text).toContain(`ORDER BY p."$o0" DESC, p."id" ASC)`);
    const expected = await t.db.prisma.post.findMany({
      where: { deletedAt: null },
      orderBy: [{ author: { name: "desc" } }, { id: "asc" }],
      skip: 3,
      take: 40,
      select: { id: true },
    });
    expect(byAuthor.rows.map((r) => r.id)).toEqual(expected.map((p) => p.id));

    const search = { text: "pagination", columns: ["title", "body"], language: "english" };
    const ranked = await run({
      level,
      where: { AND: [{ deletedAt: null }, { $search: search }] },
      orderBy: [],
      rank: search,
      offset: 0,
      limit: 100,
      total: false,
    });
    expect(ranked.text).toContain(`ORDER BY p."$o0" DESC, p."id" ASC)`);
    const vector = searchVectorSql(search.columns, search.language);
    const byRank = await t.db.prisma.$queryRawUnsafe<{ id: number }[]>(
      `select id from "Post" where "deletedAt" is null and ${vector} @@ websearch_to_tsquery('english', $1) order by ts_rank(${vector}, websearch_to_tsquery('english', $1)) desc, id asc limit 100`,
      search.text,
    );
    expect(byRank.length).toBeGreaterThan(1);
    expect(ranked.rows.map((r) => r.id)).toEqual(byRank.map((r) => r.id));
  });

  it("keeps the page's row numbers for a model without a one-column id", async () => {
    const { text, rows } = await run({
      level: { model: "PostTag", fields: ["postId", "tagId"], relations: [] },
      where: {},
      orderBy: [{ path: [], field: "tagId", direction: "desc" }],
      offset: 0,
      limit: 20,
      total: false,
    });
    expect(text).toContain('row_number() OVER (ORDER BY t."tagId" DESC)');
    const tags = rows.map((r) => r.tagId as number);
    expect(tags).toEqual([...tags].sort((a, b) => b - a));
    expect(rows).toHaveLength(20);
  });

  it("writes any key a client may name, those too long for a column name through json_build_object", async () => {
    const long = `k${"x".repeat(70)}`;
    const odd = ['a "quoted" key', "ключ", "$k", "Upper", long];
    const outputs = [
      ...odd.map((key) => ({ key, field: "title" })),
      { key: "typename", constant: "Post" },
      { key: "hidden" },
    ];
    const nested: ReadLevel = { model: "User", fields: [], relations: [], outputs: [{ key: "name", field: "name" }] };
    const { text, rows } = await run({
      level: {
        model: "Post",
        fields: [],
        relations: [{ key: "author", field: "author", many: false, where: undefined, level: nested }],
        outputs: [{ key: "id", field: "id", as: "text" }, ...outputs, { key: "author", relation: "author" }],
      },
      where: { deletedAt: null },
      orderBy: [],
      offset: 0,
      limit: 5,
      total: false,
    });
    // The root level has a key longer than PostgreSQL's identifiers; its author's level does not.
    expect(text).toContain(`json_agg(json_build_object('id'`);
    expect(text).toContain("row_to_json(");
    const expected = await t.db.prisma.post.findMany({
      where: { deletedAt: null },
      orderBy: { id: "asc" },
      take: 5,
      select: { id: true, title: true, author: { select: { name: true } } },
    });
    expect(rows).toEqual(
      expected.map((p) => ({
        id: String(p.id),
        ...Object.fromEntries(odd.map((key) => [key, p.title])),
        typename: "Post",
        hidden: null,
        author: { name: p.author.name },
      })),
    );
    expect(Object.keys(rows[0] ?? {})).toEqual(["id", ...odd, "typename", "hidden", "author"]);

    // Without the long key, the same values come from records (json_agg writes a newline between them).
    const short = await run({
      level: {
        model: "Post",
        fields: [],
        relations: [],
        outputs: [{ key: "id", field: "id", as: "text" }, ...outputs.filter((o) => o.key !== long)],
      },
      where: { deletedAt: null },
      orderBy: [],
      offset: 0,
      limit: 5,
      total: false,
    });
    expect(short.text).not.toContain("json_build_object");
    expect(short.rows).toEqual(rows.map(({ [long]: _, author: __, ...rest }) => rest));
  });
});
