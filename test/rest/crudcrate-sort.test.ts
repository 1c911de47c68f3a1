// The rest of CRUDCrate's query dialect on lists: `_neq` (§3.1), the sort spellings of §2.1 and §3.3
// (["name"] alone, `createdAt_desc`, `sort_by` + `order`), and sorting by a to-many relation's field
// (§3.3), each compared with the same order computed from the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestFixture, query, type RestFixture } from "./harness.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture();
});
afterAll(() => t?.close());

async function listIds(params: string): Promise<number[]> {
  const response = await t.get(`/api/posts?${params}`);
  expect(response.status, params).toBe(200);
  return ((await response.json()) as { id: number }[]).map((p) => p.id);
}

async function message(params: string): Promise<string> {
  const response = await t.get(`/api/posts?${params}`);
  expect(response.status, params).toBe(400);
  return ((await response.json()) as { message: string }).message;
}

describe("§3.1 _neq", () => {
  it("status_neq is status_ne, as a query parameter and as a filter key", async () => {
    const want = (
      await t.db.prisma.post.findMany({
        where: { status: { not: "draft" } },
        select: { id: true },
        orderBy: { id: "asc" },
      })
    ).map((p) => p.id);
    expect(want.length).toBeGreaterThan(0);
    expect(await listIds("status_neq=draft&sort=id&range=[0,999]")).toEqual(want);
    expect(await listIds(`${query({ filter: { status_neq: "draft" } })}&sort=id&range=[0,999]`)).toEqual(want);
  });
});

describe("§3.3 sort spellings", () => {
  const byTitle = async (direction: "asc" | "desc") =>
    (
      await t.db.prisma.post.findMany({
        orderBy: [{ title: direction }, { id: direction }],
        take: 30,
        select: { id: true },
      })
    ).map((p) => p.id);

  it('sort=["title"] without a direction is ascending', async () => {
    expect(await listIds(`${query({ sort: ["title"] })}&per_page=30`)).toEqual(await byTitle("asc"));
  });

  it("sort=title_desc and sort=title_asc take the direction from the suffix", async () => {
    expect(await listIds("sort=title_desc&per_page=30")).toEqual(await byTitle("desc"));
    expect(await listIds("sort=title_asc&per_page=30")).toEqual(await byTitle("asc"));
    // Several keys, mixed spellings: views descending, then title ascending.
    const want = await t.db.prisma.post.findMany({
      orderBy: [{ views: "desc" }, { title: "asc" }, { id: "asc" }],
      take: 30,
      select: { id: true },
    });
    expect(await listIds("sort=views_desc,title&per_page=30")).toEqual(want.map((p) => p.id));
  });

  it("sort_by=title&order=DESC is sort=title&order=DESC", async () => {
    expect(await listIds("sort_by=title&order=DESC&per_page=30")).toEqual(await byTitle("desc"));
    expect(await listIds("sort_by=title&per_page=30")).toEqual(await byTitle("asc"));
  });

  it("refuses a direction given twice, sort with sort_by, JSON in sort_by, and an unknown field with a suffix", async () => {
    expect(await message("sort=-title_desc")).toContain("gives its direction twice");
    expect(await message("sort=title&sort_by=views")).toContain('"sort" and "sort_by" cannot be combined');
    expect(await message(`sort_by=${encodeURIComponent('["title","ASC"]')}`)).toContain('"sort_by" takes a comma list');
    // The field's own name takes the suffix: created_at is no field of posts (createdAt is).
    expect(await message("sort=created_at_desc")).toContain('Cannot sort posts by "created_at"');
    expect(await message(`${query({ sort: ["title", "ASC", "x"] })}`)).toContain('"sort" must be');
  });
});

describe("§3.3 sorting by a to-many relation's field", () => {
  /** Post ids ordered by the least (asc) or greatest (desc) createdAt of their live comments, none last/first. */
  async function byComments(direction: "asc" | "desc"): Promise<number[]> {
    const posts = await t.db.prisma.post.findMany({
      where: { deletedAt: null },
      select: { id: true, comments: { where: { deletedAt: null }, select: { createdAt: true } } },
    });
    const key = (p: (typeof posts)[number]) => {
      const times = p.comments.map((c) => c.createdAt.getTime());
      if (times.length === 0) return null;
      return direction === "asc" ? Math.min(...times) : Math.max(...times);
    };
    const sign = direction === "asc" ? 1 : -1;
    return posts
      .map((p) => ({ id: p.id, key: key(p) }))
      .sort((a, b) => {
        // Nulls first ascending, last descending (§13.3): a null is "smallest" both ways.
        if (a.key !== b.key) {
          if (a.key === null) return -sign;
          if (b.key === null) return sign;
          return sign * (a.key - b.key);
        }
        return sign * (a.id - b.id);
      })
      .map((p) => p.id);
  }

  it("descending sorts by each post's newest comment, ascending by its oldest, in every spelling", async () => {
    const desc = await byComments("desc");
    const asc = await byComments("asc");
    expect(await listIds(`${query({ sort: ["comments.createdAt", "DESC"] })}&range=[0,999]`)).toEqual(desc);
    expect(await listIds("sort=-comments.createdAt&range=[0,999]")).toEqual(desc);
    expect(await listIds("sort=comments.createdAt_desc&range=[0,999]")).toEqual(desc);
    expect(await listIds("sort_by=comments.createdAt&order=ASC&range=[0,999]")).toEqual(asc);
  });

  it("leaves comments in the trash out of the value", async () => {
    const [first] = await listIds("sort=-comments.createdAt&per_page=1");
    const newest = await t.db.prisma.comment.findFirstOrThrow({
      where: { postId: first, deletedAt: null },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    await t.db.prisma.comment.updateMany({
      where: { postId: first, deletedAt: null },
      data: { deletedAt: new Date() },
    });
    try {
      const after = await listIds("sort=-comments.createdAt&range=[0,999]");
      expect(after).toEqual(await byComments("desc"));
      expect(after[0]).not.toBe(first);
    } finally {
      await t.db.prisma.comment.updateMany({ where: { postId: first }, data: { deletedAt: null } });
    }
    expect(newest.postId).toBe(first);
  });

  it("refuses fields that are not sortable, hidden fields, deeper paths, and cursor pages", async () => {
    expect(await message("sort=comments.body")).toContain('Cannot sort comments by "body"');
    expect(await message("sort=comments.post.title")).toContain('"comments" is not a relation you can sort by');
    expect(await message("sort=tags.name")).toContain('"tags" is not a relation you can sort by');
    const cursor = await t.get("/api/posts?sort=-comments.createdAt&cursor=");
    expect(cursor.status).toBe(400);
  });
});
