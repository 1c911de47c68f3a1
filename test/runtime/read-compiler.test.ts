// The read compiler against an independent reading of the same request: every declared operator of
// every resource, every sort key (through relations too), offset and keyset pages, and projections with
// relations, each compared with what Prisma's own query engine answers for the same condition on the
// same database (Prisma no longer serves any read of the runtime, so it is an independent oracle).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Operator } from "../../src/metadata/definition.ts";
import type { ResolvedField, ResolvedResource } from "../../src/metadata/resolved.ts";
import { both, compileFilter, compileSort, DEFAULT_QUERY_LIMITS, type Filter, liveCondition } from "../../src/runtime/query.ts";
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
const delegate = (resource: ResolvedResource) => (t.db.prisma as unknown as Record<string, { findMany(args: object): Promise<Row[]> }>)[resource.delegate] as { findMany(args: object): Promise<Row[]> };

/** The ids the runtime lists, and the ids Prisma finds for the same checked condition and order. */
async function both_(resource: ResolvedResource, filter: Filter | undefined, sort: { field: string; direction: "asc" | "desc" }[] = [], offset = 0, limit = resource.maxPageSize): Promise<[unknown[], unknown[]]> {
  const { records } = await t.runtime.service(resource.name).list(admin(), { filter, sort, offset, limit });
  const where = both(compileFilter(resource, filter, DEFAULT_QUERY_LIMITS, lookup), liveCondition(resource));
  const expected = await delegate(resource).findMany({ where, orderBy: compileSort(resource, sort, lookup), skip: offset, take: limit, select: { [resource.id.name]: true } });
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
      return s.filter((v): v is string => typeof v === "string").flatMap((v) => [v, v.slice(0, 3), v.slice(-3).toUpperCase()]);
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
      { and: [{ field: "status", op: "eq", value: "published" }, { field: "views", op: "gte", value: 100 }] },
      { or: [{ field: "status", op: "eq", value: "draft" }, { not: { field: "views", op: "lt", value: 500 } }] },
      { relation: "author", filter: { field: "role", op: "in", value: ["admin", "editor"] } },
      { relation: "comments", quantifier: "some", filter: { field: "body", op: "contains", value: "a" } },
      { relation: "comments", quantifier: "every", filter: { field: "body", op: "contains", value: "e" } },
      { relation: "comments", quantifier: "none", filter: { field: "body", op: "contains", value: "z" } },
      { relation: "tags", quantifier: "some", filter: { field: "name", op: "startsWith", value: "p" } },
      { relation: "tags", quantifier: "every", filter: { field: "name", op: "contains", value: "a" } },
      { not: { relation: "author", filter: { relation: "posts", quantifier: "some", filter: { field: "views", op: "gt", value: 1000 } } } },
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
        keys.push(...target.fields.filter((f) => f.sortable).slice(0, 2).map((f) => `${relation.name}.${f.name}`));
      }
      for (const key of keys) {
        for (const direction of ["asc", "desc"] as const) {
          for (const [offset, limit] of [[0, 7], [5, 3], [0, resource.maxPageSize]] as const) {
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
    for (const sort of [[{ field: "views", direction: "desc" as const }], [{ field: "publishedAt", direction: "asc" as const }], [{ field: "author.name", direction: "asc" as const }, { field: "status", direction: "desc" as const }]]) {
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
    const { records } = await posts.list(admin(), { sort: [{ field: "id", direction: "asc" }], limit: 100 }, projection);
    const expected = await t.db.prisma.post.findMany({
      where: { deletedAt: null },
      orderBy: { id: "asc" },
      take: 100,
      select: {
        id: true,
        title: true,
        author: { select: { name: true } },
        comments: { where: { deletedAt: null }, orderBy: { id: "asc" }, select: { body: true, author: { select: { email: true } } } },
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
      expected.map((p) => ({ id: p.id, title: p.title, author: p.author, comments: p.comments, tags: p.tags.map((x) => x.tag) })),
    );
    expect(records.some((r) => (r.comments as unknown[]).length > 0)).toBe(true);
  });
});
