// Headers react-admin depends on: Content-Range (and X-Total-Count) on lists, CORS on every answer and
// on preflights, the Range request header answered 200.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentRange, rangeUnit } from "../../src/rest/content-range.ts";
import { createRestHandler } from "../../src/rest/handler.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

const list = (header: string | null) => (header ?? "").split(",").map((h) => h.trim().toLowerCase());

describe("§8 headers: Content-Range", () => {
  it("formats first-last/total and */total, and keeps only [A-Za-z0-9_-] of the unit", () => {
    expect(contentRange("posts", 0, 25, 319)).toBe("posts 0-24/319");
    expect(contentRange("posts", 300, 19, 319)).toBe("posts 300-318/319");
    expect(contentRange("posts", 0, 0, 0)).toBe("posts */0");
    expect(contentRange("po sts\r\nX-Evil: 1", 0, 1, 1)).toBe("postsX-Evil1 0-0/1");
    expect(rangeUnit("blog_posts-2")).toBe("blog_posts-2");
    expect(rangeUnit("ä/ö")).toBe("items");
  });

  it("a list request with ra-data-simple-rest's Range header answers 200 (never 206) with Content-Range and X-Total-Count", async () => {
    const response = await t.get(`/api/comments?${query({ sort: ["id", "ASC"], range: [10, 19], filter: {} })}`, {
      Range: "comments=10-19",
    });
    const total = await t.db.prisma.comment.count();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBe(`comments 10-19/${total}`);
    expect(response.headers.get("x-total-count")).toBe(String(total));
  });
});

describe("§8 headers: CORS", () => {
  it("answers a preflight 204 allowing the headers and methods react-admin uses", async () => {
    const response = await t.rest.fetch(
      new Request("http://test/api/posts/5", {
        method: "OPTIONS",
        headers: {
          Origin: "http://admin.example",
          "Access-Control-Request-Method": "PUT",
          "Access-Control-Request-Headers": "content-type,range,authorization",
        },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const allowHeaders = list(response.headers.get("access-control-allow-headers"));
    // X-API-Key: the other credential docs/guides/security.md documents (GraphQL's preflight allows it too).
    for (const h of ["content-type", "authorization", "x-api-key", "range", "if-match"])
      expect(allowHeaders).toContain(h);
    const methods = list(response.headers.get("access-control-allow-methods"));
    for (const m of ["get", "post", "put", "patch", "delete"]) expect(methods).toContain(m);
    expect(list(response.headers.get("access-control-expose-headers"))).toEqual(
      expect.arrayContaining(["content-range", "etag", "link", "x-total-count"]),
    );
    expect(await response.text()).toBe("");
  });

  it("exposes Content-Range, ETag, Link and X-Total-Count on answers, errors included", async () => {
    for (const [path, status] of [
      ["/api/posts?range=[0,1]", 200],
      ["/api/posts/abc", 400],
      ["/api/nothing-here", 404],
    ] as const) {
      const response = await t.get(path, { Origin: "http://admin.example" });
      expect(response.status).toBe(status);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(list(response.headers.get("access-control-expose-headers"))).toEqual(
        expect.arrayContaining(["content-range", "etag", "link", "x-total-count"]),
      );
    }
  });

  it("with configured origins, echoes an allowed origin and omits the header for others", async () => {
    const rest = createRestHandler({
      runtime: t.runtime,
      contextFor: () => t.runtime.context({ actor: ADMIN }),
      cors: { origin: ["http://admin.example", "http://other.example"] },
    });
    const allowed = await rest.fetch(
      new Request("http://test/api/tags?range=[0,0]", { headers: { Origin: "http://other.example" } }),
    );
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://other.example");
    expect(list(allowed.headers.get("vary"))).toContain("origin");
    const refused = await rest.fetch(
      new Request("http://test/api/tags?range=[0,0]", { headers: { Origin: "http://evil.example" } }),
    );
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await rest.fetch(
      new Request("http://test/api/tags", {
        method: "OPTIONS",
        headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "DELETE" },
      }),
    );
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("honours a base path other than /api", async () => {
    const rest = createRestHandler({
      runtime: t.runtime,
      contextFor: () => t.runtime.context({ actor: ADMIN }),
      basePath: "/admin/rest/",
    });
    const response = await rest.fetch(new Request("http://test/admin/rest/tags?range=[0,4]"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBe(`tags 0-4/${await t.db.prisma.tag.count()}`);
    expect((await rest.fetch(new Request("http://test/api/tags"))).status).toBe(404);
    const created = await rest.fetch(
      new Request("http://test/admin/rest/tags", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: '{"name":"based"}',
      }),
    );
    expect(created.headers.get("location")).toMatch(/^\/admin\/rest\/tags\/\d+$/);
  });
});
