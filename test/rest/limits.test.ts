// Limits: each one holds at its edge (the largest allowed request passes, one more is refused) with the
// status of §9, at the defaults and where configurable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestHandler } from "../../src/rest/handler.ts";
import { SUFFIX_OPERATORS } from "../../src/rest/operators.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture();
});
afterAll(() => t?.close());

async function status(response: Response): Promise<{ status: number; message: string }> {
  const body = (await response.json()) as { message?: string };
  return { status: response.status, message: body.message ?? "" };
}

/** Valid `[key, value]` filter conditions on posts, one per field and accepted suffix (aliases included). */
function everyCondition(): [string, string][] {
  const posts = t.runtime.schema.resource.get("post")!;
  const sample = { String: "a", Int: "1", DateTime: "2025-01-01T00:00:00.000Z", Enum: "draft" } as Record<
    string,
    string
  >;
  const out: [string, string][] = [];
  for (const field of posts.fields) {
    for (const [suffix, op] of SUFFIX_OPERATORS) {
      if (!field.filter.has(op)) continue;
      out.push([`${field.name}_${suffix}`, op === "isNull" ? "false" : (sample[field.kind] ?? "1")]);
    }
  }
  return out;
}

describe("§9 limits (runtime limits, checked through REST)", () => {
  it("page size: the resource's maxPageSize passes, one more is a 400", async () => {
    expect((await t.get(`/api/posts?${query({ range: [0, 999] })}`)).status).toBe(200);
    expect(await status(await t.get(`/api/posts?${query({ range: [0, 1000] })}`))).toEqual({
      status: 400,
      message: expect.stringContaining("at most 1000"),
    });
    expect((await t.get("/api/users?per_page=200")).status).toBe(200);
    expect(await status(await t.get("/api/users?per_page=201"))).toEqual({
      status: 400,
      message: expect.stringContaining("at most 200"),
    });
  });

  it("offset: 1e6 passes, beyond is a 400", async () => {
    const ok = await t.get(`/api/posts?${query({ range: [1_000_000, 1_000_009] })}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-range")).toBe(`posts */${await t.db.prisma.post.count()}`);
    expect(await status(await t.get(`/api/posts?${query({ range: [1_000_001, 1_000_010] })}`))).toEqual({
      status: 400,
      message: expect.stringContaining("Offset"),
    });
  });

  it("filter conditions: 100 (query parameters and filter keys together) pass, 101 are a 400", async () => {
    const conditions = everyCondition();
    const inQuery = conditions.slice(0, 60);
    const inFilter = conditions.slice(0, 40);
    expect(conditions.length).toBeGreaterThanOrEqual(61);
    const url = (filterCount: number) =>
      `/api/posts?${inQuery.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}&${query({ filter: Object.fromEntries(conditions.slice(0, filterCount)) })}`;
    expect((await t.get(url(inFilter.length))).status).toBe(200);
    expect(await status(await t.get(url(inFilter.length + 1)))).toEqual({
      status: 400,
      message: expect.stringContaining("at most 100"),
    });
  });

  it("filter value: 10 240 bytes of JSON pass, one more byte is a 400", async () => {
    const fits = "x".repeat(10_240 - 2); // JSON adds the two quotes
    expect((await t.get(`/api/posts?title=${fits}`)).status).toBe(200);
    expect(await status(await t.get(`/api/posts?title=${fits}x`))).toEqual({
      status: 400,
      message: expect.stringContaining("too large"),
    });
  });

  it("in lists and getMany: 1000 values pass, 1001 are a 400", async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect((await t.get(`/api/posts?id_in=${ids(1000).join(",")}`)).status).toBe(200);
    expect((await status(await t.get(`/api/posts?id_in=${ids(1001).join(",")}`))).status).toBe(400);
    expect((await t.get(`/api/posts?${query({ filter: { id: ids(1000) } })}`)).status).toBe(200);
    expect(await status(await t.get(`/api/posts?${query({ filter: { id: ids(1001) } })}`))).toEqual({
      status: 400,
      message: expect.stringContaining("at most 1000"),
    });
  });

  it("sort keys: 10 pass, 11 are a 400", async () => {
    const keys = [
      "title",
      "status",
      "views",
      "publishedAt",
      "authorId",
      "createdAt",
      "updatedAt",
      "id",
      "-title",
      "-views",
      "-status",
    ];
    expect((await t.get(`/api/posts?sort=${keys.slice(0, 10).join(",")}`)).status).toBe(200);
    expect((await status(await t.get(`/api/posts?sort=${keys.join(",")}`))).status).toBe(400);
  });
});

describe("§9 limits (REST limits)", () => {
  it("query string: 16 KiB passes, longer is a 400 (configurable)", async () => {
    // Two conditions, each under the runtime's 10 KB value limit, adding up to the size asked for.
    const sized = (bytes: number) => {
      const first = `title_ne=${"a".repeat(10_000)}&body_like=`;
      return `/api/posts?${first}${"b".repeat(bytes - first.length)}`;
    };
    expect((await t.get(sized(16 * 1024))).status).toBe(200);
    expect(await status(await t.get(sized(16 * 1024 + 1)))).toEqual({
      status: 400,
      message: expect.stringContaining("Query string is too long"),
    });
    const small = createRestHandler({ runtime: t.runtime, contextFor: () => t.runtime.context(), maxQueryBytes: 100 });
    expect((await small.fetch(new Request(`http://test/api/posts?q=${"a".repeat(200)}`))).status).toBe(400);
  });

  it("embed paths: 20 distinct pass, 21 are a 400", async () => {
    const many = (n: number) => [
      "author",
      "comments",
      "tags",
      "comments.author",
      "comments.post",
      "comments.post.author",
      ...Array.from({ length: n - 6 }, (_, i) => `x${i}`),
    ];
    expect(await status(await t.get(`/api/posts?embed=${many(21).join(",")}`))).toEqual({
      status: 400,
      message: expect.stringContaining("at most 20"),
    });
    const twenty = await status(await t.get(`/api/posts?embed=${many(20).join(",")}`));
    // 20 paths pass the count; the made-up ones then fail as unknown relations.
    expect(twenty).toEqual({ status: 400, message: expect.stringContaining('Cannot embed "x0"') });
    expect((await t.get(`/api/posts?range=[0,1]&embed=${many(6).join(",")}`)).status).toBe(200);
  });

  // The default limit is the secure profile's, 1 MiB (§22; the other profiles' in security-profiles.test.ts).
  it("request body: a declared Content-Length over 1 MiB is a 413 before reading", async () => {
    const response = await t.send(
      "POST",
      "/api/tags",
      { name: "declared" },
      { "Content-Length": String(1024 * 1024 + 1) },
    );
    expect(await status(response)).toEqual({ status: 413, message: expect.stringContaining("1048576") });
    expect(await t.db.prisma.tag.count({ where: { name: "declared" } })).toBe(0);
  });

  it("request body: exactly 1 MiB is read, one byte more is a 413", async () => {
    const body = (bytes: number) => {
      const text = JSON.stringify({ name: "big", pad: "" });
      return text.replace('"pad":""', `"pad":"${"x".repeat(bytes - text.length)}"`);
    };
    const fits = await status(await t.send("POST", "/api/tags", body(1024 * 1024)));
    expect(fits.status).toBe(400); // read and parsed; then "pad" is an unknown field
    expect(fits.message).toContain('"pad"');
    expect((await status(await t.send("POST", "/api/tags", body(1024 * 1024 + 1)))).status).toBe(413);
  });

  it("request body: a stream with no Content-Length is cut off once past the limit (configurable)", async () => {
    const small = createRestHandler({ runtime: t.runtime, contextFor: () => t.runtime.context(), maxBodyBytes: 1024 });
    let pulled = 0;
    // An endless body: only stopping at the limit lets this request finish.
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new TextEncoder().encode(pulled === 1 ? '{"name":"' : "x".repeat(256)));
      },
    });
    const response = await small.fetch(
      new Request("http://test/api/tags", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: endless,
        duplex: "half",
      } as RequestInit),
    );
    expect(await status(response)).toEqual({ status: 413, message: expect.stringContaining("1024") });
    expect(pulled).toBeLessThan(10);
  });
});
