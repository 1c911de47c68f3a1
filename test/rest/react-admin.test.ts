// The calls ra-data-simple-rest 5 makes, byte for byte (query-string encoding, Range header, DELETE with
// Content-Type text/plain), answered as react-admin expects; each checked against the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestFixture, query, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

/** `getList` as ra-data-simple-rest builds it (page and perPage are 1-based react-admin pagination). */
function getList(
  resource: string,
  params: { page: number; perPage: number; field: string; order: "ASC" | "DESC"; filter: object },
) {
  const first = (params.page - 1) * params.perPage;
  const last = params.page * params.perPage - 1;
  return t.get(
    `/api/${resource}?${query({ sort: [params.field, params.order], range: [first, last], filter: params.filter })}`,
    { Range: `${resource}=${first}-${last}` },
  );
}

/** ra-data-simple-rest reads the total as the number after the last slash. */
const totalOf = (response: Response) =>
  Number.parseInt(response.headers.get("content-range")?.split("/").pop() ?? "", 10);

describe("§2 list params (react-admin getList)", () => {
  it("answers sort + range + filter with the rows and an exact Content-Range, 200 despite the Range header", async () => {
    const response = await getList("posts", { page: 1, perPage: 25, field: "title", order: "ASC", filter: {} });
    expect(response.status).toBe(200);
    const total = await t.db.prisma.post.count();
    expect(response.headers.get("content-range")).toBe(`posts 0-24/${total}`);
    expect(response.headers.get("x-total-count")).toBe(String(total));
    const expected = await t.db.prisma.post.findMany({
      orderBy: [{ title: "asc" }, { id: "asc" }],
      take: 25,
      select: { id: true },
    });
    const body = (await response.json()) as { id: number }[];
    expect(body.map((p) => p.id)).toEqual(expected.map((p) => p.id));
  });

  it("pages with range (inclusive both ends) and DESC", async () => {
    const response = await getList("posts", { page: 3, perPage: 10, field: "views", order: "DESC", filter: {} });
    const expected = await t.db.prisma.post.findMany({
      orderBy: [{ views: "desc" }, { id: "asc" }],
      skip: 20,
      take: 10,
      select: { id: true },
    });
    expect(((await response.json()) as { id: number }[]).map((p) => p.id)).toEqual(expected.map((p) => p.id));
    expect(response.headers.get("content-range")).toBe(`posts 20-29/${await t.db.prisma.post.count()}`);
  });

  it("filters by q (search) plus field equality, and counts the filtered total", async () => {
    const response = await getList("posts", {
      page: 1,
      perPage: 10,
      field: "id",
      order: "ASC",
      filter: { q: "GUIDE", status: "published" },
    });
    const where = {
      status: "published" as const,
      OR: [
        { title: { contains: "guide", mode: "insensitive" as const } },
        { body: { contains: "guide", mode: "insensitive" as const } },
      ],
    };
    const total = await t.db.prisma.post.count({ where });
    expect(total).toBeGreaterThan(0);
    expect(totalOf(response)).toBe(total);
    const body = (await response.json()) as { id: number; status: string; title: string }[];
    expect(body.every((p) => p.status === "published")).toBe(true);
    const expected = await t.db.prisma.post.findMany({ where, orderBy: { id: "asc" }, take: 10, select: { id: true } });
    expect(body.map((p) => p.id)).toEqual(expected.map((p) => p.id));
  });

  it('reads suffix operators inside filter keys ({"views_gte": 500})', async () => {
    const response = await getList("posts", {
      page: 1,
      perPage: 50,
      field: "id",
      order: "ASC",
      filter: { views_gte: 500, status_in: ["draft", "archived"] },
    });
    expect(totalOf(response)).toBe(
      await t.db.prisma.post.count({ where: { views: { gte: 500 }, status: { in: ["draft", "archived"] } } }),
    );
  });

  it("answers an empty page with Content-Range <resource> */<total>", async () => {
    const empty = await getList("posts", {
      page: 1,
      perPage: 10,
      field: "id",
      order: "ASC",
      filter: { title: "no such title" },
    });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual([]);
    expect(empty.headers.get("content-range")).toBe("posts */0");
    const total = await t.db.prisma.post.count();
    const pastEnd = await t.get(`/api/posts?${query({ range: [total + 10, total + 19] })}`);
    expect(pastEnd.headers.get("content-range")).toBe(`posts */${total}`);
  });

  it("shortens the range to the rows returned on the last page", async () => {
    const total = await t.db.prisma.post.count();
    const response = await t.get(`/api/posts?${query({ range: [total - 3, total + 6] })}`);
    expect(((await response.json()) as unknown[]).length).toBe(3);
    expect(response.headers.get("content-range")).toBe(`posts ${total - 3}-${total - 1}/${total}`);
  });

  it("uses the resource's default page size when no range is given", async () => {
    const response = await t.get("/api/posts");
    expect(((await response.json()) as unknown[]).length).toBe(25);
    expect(response.headers.get("content-range")).toBe(`posts 0-24/${await t.db.prisma.post.count()}`);
  });
});

describe("§2 list params (react-admin getOne, getMany, getManyReference)", () => {
  it("getOne answers the record with every visible field", async () => {
    const response = await t.get("/api/posts/7");
    expect(response.status).toBe(200);
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 7 } });
    expect(await response.json()).toEqual({
      ...row,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      publishedAt: row.publishedAt?.toISOString() ?? null,
    });
  });

  it("getMany takes ids as numbers and as strings and skips missing ones, beyond the default page size", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    const mixed = [...ids.map((id) => (id % 2 === 0 ? String(id) : id)), 999_999];
    const response = await t.get(`/api/posts?${query({ filter: { id: mixed } })}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: number }[];
    expect(body.map((p) => p.id).sort((a, b) => a - b)).toEqual(ids);
    expect(response.headers.get("content-range")).toBe("posts 0-29/30");
  });

  it("getMany works for UUID ids", async () => {
    const rows = await t.db.prisma.comment.findMany({ take: 3, orderBy: { id: "asc" }, select: { id: true } });
    const response = await t.get(`/api/comments?${query({ filter: { id: rows.map((r) => r.id.toUpperCase()) } })}`);
    expect(((await response.json()) as { id: string }[]).map((c) => c.id).sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it("getManyReference: comments of one post, sorted and ranged, total from the database", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({
      where: { comments: { some: {} } },
      orderBy: { comments: { _count: "desc" } },
    });
    const response = await t.get(
      `/api/comments?${query({ sort: ["createdAt", "DESC"], range: [0, 4], filter: { postId: post.id } })}`,
      { Range: "comments=0-4" },
    );
    const total = await t.db.prisma.comment.count({ where: { postId: post.id } });
    const body = (await response.json()) as { postId: number; id: string }[];
    expect(body.every((c) => c.postId === post.id)).toBe(true);
    expect(response.headers.get("content-range")).toBe(`comments 0-${Math.min(total, 5) - 1}/${total}`);
    const expected = await t.db.prisma.comment.findMany({
      where: { postId: post.id },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: 5,
      select: { id: true },
    });
    expect(body.map((c) => c.id)).toEqual(expected.map((c) => c.id));
  });
});

describe("§6 writes (react-admin create, update, delete)", () => {
  it("create answers 201 with the stored record, id included, and a Location", async () => {
    const response = await t.send("POST", "/api/posts", { title: "Hello from react-admin", authorId: 3, views: 5 });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: number; title: string; status: string; createdAt: string };
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: body.id } });
    expect(row.title).toBe("Hello from react-admin");
    expect(body.status).toBe("draft");
    expect(body.createdAt).toBe(row.createdAt.toISOString());
    expect(response.headers.get("location")).toBe(`/api/posts/${body.id}`);
  });

  it("update (PUT) takes the whole record back, id, createdAt and embedded author included, and ignores those", async () => {
    const record = (await (await t.get("/api/posts/5?embed=author,comments")).json()) as Record<string, unknown>;
    expect(record.author).toMatchObject({ id: expect.any(Number) });
    const before = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 5 } });
    // A read-only field sent back with another value than the stored one is refused (§6.3), and nothing is written.
    const forged = await t.send("PUT", "/api/posts/5", {
      ...record,
      title: "Forged",
      createdAt: "2000-01-01T00:00:00.000Z",
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ code: "BAD_REQUEST", errors: { createdAt: "is read-only" } });
    const response = await t.send("PUT", "/api/posts/5", { ...record, title: "Edited in the admin" });
    expect(response.status).toBe(200);
    const after = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 5 } });
    expect(after.title).toBe("Edited in the admin");
    expect(after.createdAt).toEqual(before.createdAt);
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    expect(await response.json()).toMatchObject({
      id: 5,
      title: "Edited in the admin",
      createdAt: before.createdAt.toISOString(),
    });
  });

  it("update with the id as a string in the body (as react-admin may send it) is accepted", async () => {
    const record = (await (await t.get("/api/posts/6")).json()) as Record<string, unknown>;
    const response = await t.send("PUT", "/api/posts/6", { ...record, id: "6", views: 77 });
    expect(response.status).toBe(200);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: 6 } })).views).toBe(77);
  });

  it("PUT and PATCH change only the fields sent; null clears an optional field", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { publishedAt: { not: null } } });
    const patch = await t.send("PATCH", `/api/posts/${post.id}`, { views: 1234 });
    expect(patch.status).toBe(200);
    const patched = await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } });
    expect(patched.views).toBe(1234);
    expect(patched.publishedAt).toEqual(post.publishedAt);

    const { publishedAt: _dropped, ...rest } = (await (await t.get(`/api/posts/${post.id}`)).json()) as Record<
      string,
      unknown
    >;
    expect((await t.send("PUT", `/api/posts/${post.id}`, rest)).status).toBe(200);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).publishedAt).toEqual(
      post.publishedAt,
    );
    expect((await t.send("PUT", `/api/posts/${post.id}`, { publishedAt: null })).status).toBe(200);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: post.id } })).publishedAt).toBeNull();
    const cleared = await t.send("PUT", `/api/posts/${post.id}`, { title: null });
    expect(cleared.status).toBe(422);
    expect(((await cleared.json()) as { errors: Record<string, string> }).errors).toHaveProperty("title");
  });

  it("PUT with only the changed fields (ra-data-simple-rest's updateMany) updates them and keeps the rest", async () => {
    const before = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 8 } });
    const response = await t.send("PUT", "/api/posts/8", { views: 0 });
    expect(response.status).toBe(200);
    const after = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 8 } });
    expect(after).toMatchObject({ views: 0, title: before.title, body: before.body, authorId: before.authorId });
  });

  it("POST with a cloned record's read-only fields and id (react-admin Clone) ignores them", async () => {
    const source = (await (await t.get("/api/posts/3")).json()) as Record<string, unknown>;
    const response = await t.send("POST", "/api/posts", { ...source, title: "Cloned" });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: number; createdAt: string };
    expect(created.id).not.toBe(3);
    expect(created.createdAt).not.toBe(source.createdAt);
    expect(await t.db.prisma.post.count({ where: { title: "Cloned" } })).toBe(1);
  });

  it("an id in the body that differs from the path is a 400 and changes nothing", async () => {
    const record = (await (await t.get("/api/posts/9")).json()) as Record<string, unknown>;
    const response = await t.send("PUT", "/api/posts/9", { ...record, id: 10, title: "Wrong target" });
    expect(response.status).toBe(400);
    expect((await response.json()) as { message: string }).toMatchObject({
      message: expect.stringContaining("does not match"),
    });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: 9 } })).title).not.toBe("Wrong target");
  });

  it("delete answers the deleted record (DELETE with Content-Type text/plain and no body); posts go to the trash (§18.1)", async () => {
    const { id } = (await (await t.send("POST", "/api/posts", { title: "Short-lived", authorId: 1 })).json()) as {
      id: number;
    };
    const response = await t.send("DELETE", `/api/posts/${id}`, undefined, { "Content-Type": "text/plain" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { deletedAt: string | null };
    expect(body).toMatchObject({ id, title: "Short-lived" });
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id } });
    expect(row.deletedAt).not.toBeNull();
    expect(body.deletedAt).toBe(row.deletedAt?.toISOString());
    expect((await t.get(`/api/posts/${id}`)).status).toBe(404);
  });

  it("deleteMany: repeated concurrent DELETEs each answer their record", async () => {
    const created = await Promise.all(
      ["a", "b", "c"].map(
        async (title) =>
          ((await (await t.send("POST", "/api/tags", { name: `bulk-${title}` })).json()) as { id: number }).id,
      ),
    );
    const before = await t.db.prisma.tag.count();
    const responses = await Promise.all(
      created.map((id) => t.send("DELETE", `/api/tags/${id}`, undefined, { "Content-Type": "text/plain" })),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { id: number }[];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(bodies.map((b) => b.id)).toEqual(created);
    expect(await t.db.prisma.tag.count()).toBe(before - 3);
  });

  it("a second DELETE of the same record is a 404", async () => {
    const { id } = (await (await t.send("POST", "/api/tags", { name: "twice" })).json()) as { id: number };
    expect((await t.send("DELETE", `/api/tags/${id}`)).status).toBe(200);
    const again = await t.send("DELETE", `/api/tags/${id}`);
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ code: "NOT_FOUND" });
  });

  it("creating a user accepts passwordHash and never returns it; it is stored", async () => {
    const response = await t.send("POST", "/api/users", {
      email: "new.user@example.com",
      name: "New User",
      passwordHash: "secret-hash-value",
    });
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(text).not.toContain("passwordHash");
    expect(text).not.toContain("secret-hash-value");
    const row = await t.db.prisma.user.findUniqueOrThrow({ where: { email: "new.user@example.com" } });
    expect(row.passwordHash).toBe("secret-hash-value");
  });

  it("deleting a record others refer to is a 409 and deletes nothing", async () => {
    const author = await t.db.prisma.user.findFirstOrThrow({ where: { posts: { some: {} } } });
    const response = await t.send("DELETE", `/api/users/${author.id}`);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: "CONFLICT" });
    expect(await t.db.prisma.user.findUnique({ where: { id: author.id } })).not.toBeNull();
  });
});
