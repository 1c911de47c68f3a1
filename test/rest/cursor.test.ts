// Cursor (keyset) pages (§14): the body stays the plain array react-admin reads, the way on is in the
// Link header, Content-Range gives the total with `*` for the range. Walks are checked against the
// order Prisma gives for the same sort.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestFixture, query, type RestFixture } from "./harness.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture();
});
afterAll(() => t?.close());

interface Post {
  id: number;
  author?: { id: number };
}

/** The Link header as rel → URL path. */
function links(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (response.headers.get("link") ?? "").split(", ")) {
    const m = /^<([^>]+)>; rel="([a-z]+)"$/.exec(part);
    if (m) out[m[2] as string] = m[1] as string;
  }
  return out;
}

async function page(path: string): Promise<{ ids: number[]; links: Record<string, string>; response: Response }> {
  const response = await t.get(path);
  expect(response.status, path).toBe(200);
  const body = (await response.json()) as Post[];
  expect(Array.isArray(body)).toBe(true);
  return { ids: body.map((p) => p.id), links: links(response), response };
}

/** Follows `rel` links from `start` to the end; returns every page's ids, in the order visited. */
async function walk(start: string, rel: "next" | "prev"): Promise<number[][]> {
  const pages: number[][] = [];
  let path: string | undefined = start;
  while (path !== undefined) {
    const p = await page(path);
    pages.push(p.ids);
    path = p.links[rel];
    expect(pages.length).toBeLessThan(100);
  }
  return pages;
}

describe("§14 cursor pages", () => {
  it("cursor= starts at the first page: a plain array, Content-Range */total, Link first/next/last", async () => {
    const total = await t.db.prisma.post.count();
    const first = await page("/api/posts?cursor=&per_page=25&sort=-views,id");
    const want = await t.db.prisma.post.findMany({
      orderBy: [{ views: "desc" }, { id: "asc" }],
      take: 25,
      select: { id: true },
    });
    expect(first.ids).toEqual(want.map((p) => p.id));
    expect(first.response.headers.get("content-range")).toBe(`posts */${total}`);
    expect(first.response.headers.get("x-total-count")).toBe(String(total));
    expect(Object.keys(first.links).sort()).toEqual(["first", "last", "next"]);
    expect(first.links.first).toBe("/api/posts?per_page=25&sort=-views%2Cid&cursor=");
    expect(first.links.last).toBe("/api/posts?per_page=25&sort=-views%2Cid&before=");
    expect(first.links.next).toMatch(
      /^\/api\/posts\?per_page=25&sort=-views%2Cid&cursor=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    );
  });

  it("walking Link next visits every row once in Prisma's order, and Link prev walks the same pages back", async () => {
    const sorts: [string, object[]][] = [
      ["sort=-publishedAt,-id", [{ publishedAt: { sort: "desc", nulls: "last" } }, { id: "desc" }]],
      [
        query({
          sort: [
            ["status", "ASC"],
            ["views", "DESC"],
            ["id", "ASC"],
          ],
        }),
        [{ status: "asc" }, { views: "desc" }, { id: "asc" }],
      ],
      ["sort=createdAt", [{ createdAt: "asc" }]],
    ];
    for (const [sort, orderBy] of sorts) {
      const forward = await walk(`/api/posts?${sort}&per_page=37&cursor=`, "next");
      const want = (await t.db.prisma.post.findMany({ orderBy: orderBy as never, select: { id: true } })).map(
        (p) => p.id,
      );
      expect(forward.flat(), sort).toEqual(want);
      expect(
        forward.slice(0, -1).every((p) => p.length === 37),
        sort,
      ).toBe(true);
      // Back from the last page (before=) to the first: the same pages, in reverse.
      const backward = await walk(`/api/posts?${sort}&per_page=37&before=`, "prev");
      expect(backward.flat().length, sort).toBe(want.length);
      expect([...backward].reverse().flat(), sort).toEqual(want);
    }
  });

  it("a page reached going back links both ways: prev to the page before it, next to the page after it", async () => {
    const first = await page("/api/posts?per_page=10&sort=views&cursor=");
    const second = await page(first.links.next as string);
    const third = await page(second.links.next as string);
    const back = await page(third.links.prev as string);
    expect(back.ids).toEqual(second.ids);
    expect(back.links.prev).toBeDefined();
    expect((await page(back.links.next as string)).ids).toEqual(third.ids);
    expect((await page(back.links.prev as string)).ids).toEqual(first.ids);
    expect(first.links.prev).toBeUndefined();
  });

  it("keeps the filter on every page: the total and the rows are the filtered ones", async () => {
    const where = { status: "published" as const, author: { role: { in: ["author" as const, "editor" as const] } } };
    const want = (await t.db.prisma.post.findMany({ where, orderBy: { id: "asc" }, select: { id: true } })).map(
      (p) => p.id,
    );
    const start = `/api/posts?status=published&author.role_in=author,editor&per_page=20&cursor=`;
    const first = await page(start);
    expect(first.response.headers.get("content-range")).toBe(`posts */${want.length}`);
    expect((await walk(start, "next")).flat()).toEqual(want);
  });

  it("per_page defaults to the resource's page size; the last page has no next link, the first no prev", async () => {
    const all = await walk("/api/posts?cursor=", "next");
    expect(all[0]?.length).toBe(25);
    const last = await page("/api/posts?before=");
    expect(last.links.next).toBeUndefined();
    expect(last.links.prev).toBeDefined();
    expect(last.ids).toEqual(all.flat().slice(-25));
  });

  it("a cursor that was altered, made for another sort, or is not one is a 400", async () => {
    const first = await page("/api/posts?per_page=5&sort=-views&cursor=");
    const cursor = new URL(`http://x${first.links.next}`).searchParams.get("cursor") as string;
    const [payload, mac] = cursor.split(".") as [string, string];
    const edited = Buffer.from(Buffer.from(payload, "base64url").toString().replace(/\d+\]/, "1]")).toString(
      "base64url",
    );
    for (const [path, text] of [
      [`/api/posts?per_page=5&sort=-views&cursor=${edited}.${mac}`, "Invalid cursor"],
      [`/api/posts?per_page=5&sort=-views&before=${edited}.${mac}`, "Invalid cursor"],
      [`/api/posts?per_page=5&sort=title&cursor=${cursor}`, "another sort"],
      ["/api/posts?cursor=garbage", "Invalid cursor"],
      ["/api/posts?cursor=a.b.c", "Invalid cursor"],
    ] as const) {
      const response = await t.get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(((await response.json()) as { message: string }).message, path).toContain(text);
    }
  });

  it("a relation sort pages by cursor too (through a required relation)", async () => {
    const response = await t.get("/api/posts?sort=author.name,-views&cursor=&per_page=20");
    expect(response.status).toBe(200);
    const got = ((await response.json()) as { id: number }[]).map((p) => p.id);
    const want = await t.db.prisma.post.findMany({
      orderBy: [{ author: { name: "asc" } }, { views: "desc" }, { id: "desc" }],
      take: 20,
      select: { id: true },
    });
    expect(got).toEqual(want.map((p) => p.id));
  });

  it("offsets and contradictory parameters are 400s", async () => {
    for (const [path, text] of [
      [`/api/posts?${query({ range: [0, 9] })}&cursor=`, '"cursor" cannot be combined with "range"'],
      ["/api/posts?page=2&before=", '"before" cannot be combined with "page"'],
      ["/api/posts?cursor=&before=", '"cursor" and "before" cannot be combined'],
      ["/api/posts?cursor=&cursor=", "more than once"],
      ["/api/posts?cursor=&per_page=1001", "Page size 1001 is too large"],
    ] as const) {
      const response = await t.get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(((await response.json()) as { message: string }).message, path).toContain(text);
    }
  });

  it("a page of 50 posts with embed=author is 1 statement (rows, total, authors), on the first page and deep in", async () => {
    const count = async (path: string) => {
      await t.get(path);
      t.db.statements.reset();
      const response = await t.get(path);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Post[];
      expect(body).toHaveLength(50);
      expect(body.every((p) => typeof p.author?.id === "number")).toBe(true);
      return { count: t.db.statements.count, log: [...t.db.statements.log], next: links(response).next as string };
    };
    const first = await count("/api/posts?per_page=50&sort=-createdAt&embed=author&cursor=");
    expect(first.count).toBe(1);
    expect(first.log[0]).toContain("(SELECT count(*) FROM");
    const deeper = await count((await page((await page(first.next)).links.next as string)).links.next as string);
    expect(deeper.count).toBe(1);
  });
});
