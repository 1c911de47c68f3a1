// Routing (§1) and errors (§7): every rejection has the status of its code and the body react-admin
// reads; nothing is silently ignored; nothing internal or hidden leaks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestHandler } from "../../src/rest/handler.ts";
import { createRestFixture, query, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

interface ErrorBody {
  message: string;
  code: string;
  errors?: Record<string, string>;
  details?: Record<string, unknown>;
}

async function error(response: Response, status: number): Promise<ErrorBody> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return (await response.json()) as ErrorBody;
}

describe("§1 resources and paths", () => {
  it("a bad id is a 400, a missing one a 404", async () => {
    expect(await error(await t.get("/api/posts/abc"), 400)).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining('"abc"'),
    });
    expect((await error(await t.get("/api/comments/not-a-uuid"), 400)).message).toContain("UUID");
    expect(await error(await t.get("/api/posts/999999"), 404)).toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("999999"),
    });
    const whole = { title: "x", body: "", status: "draft", views: 0, publishedAt: null, authorId: 1 };
    expect((await t.send("PUT", "/api/posts/999999", whole)).status).toBe(404);
    expect((await t.send("PATCH", "/api/posts/999999", { views: 1 })).status).toBe(404);
    expect((await t.send("DELETE", "/api/posts/999999")).status).toBe(404);
  });

  it("an unknown resource or sub-path is a 404 listing the resources", async () => {
    const body = await error(await t.get("/api/widgets"), 404);
    expect(body.code).toBe("NOT_FOUND");
    expect(body.message).toContain("/api/posts");
    await error(await t.get("/api/posts/1/comments"), 404);
    await error(await t.get("/api/posts/"), 404);
  });

  it("a method the path does not support is a 405 with Allow (§1.5)", async () => {
    const collection = await t.send("PATCH", "/api/posts");
    expect((await error(collection, 405)).details).toEqual({ allowed: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"] });
    expect(collection.headers.get("allow")).toBe("GET, HEAD, POST, DELETE, OPTIONS");
    const member = await t.send("POST", "/api/posts/1", { title: "x" });
    expect((await error(member, 405)).message).toContain("PUT, PATCH, DELETE");
    expect(await t.db.prisma.post.count({ where: { title: "x" } })).toBe(0);
  });

  it("HEAD answers like GET without a body", async () => {
    const response = await t.rest.fetch(new Request("http://test/api/posts?range=[0,4]", { method: "HEAD" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBe(`posts 0-4/${await t.db.prisma.post.count()}`);
    expect(await response.text()).toBe("");
  });
});

describe("§7 errors and status codes: 400 for what is not understood", () => {
  it("unknown query parameters are named, all at once; hidden fields count as unknown", async () => {
    const body = await error(await t.get("/api/posts?colour=red&size=3&status=draft"), 400);
    expect(body.message).toContain('"colour", "size"');
    expect(body.message).not.toContain('"status"');
    const hidden = await error(await t.get("/api/users?passwordHash=x"), 400);
    expect(hidden.message).toContain('Unknown query parameter "passwordHash"');
    expect(hidden.message.split("Accepted:")[1]).not.toContain("passwordHash");
  });

  it("an unknown operator suffix is named", async () => {
    expect((await error(await t.get("/api/posts?views_between=1,5"), 400)).message).toContain('"_between"');
    expect((await error(await t.get(`/api/posts?${query({ filter: { views_approx: 5 } })}`), 400)).message).toContain(
      '"_approx"',
    );
  });

  it("unknown and hidden fields inside filter JSON are rejected", async () => {
    expect((await error(await t.get(`/api/posts?${query({ filter: { colour: "red" } })}`), 400)).message).toContain(
      '"colour"',
    );
    const hidden = await error(await t.get(`/api/users?${query({ filter: { passwordHash: "x" } })}`), 400);
    expect(hidden.message.split("Filterable fields:")[1]).not.toContain("passwordHash");
  });

  it("malformed JSON in filter, sort or range names the parameter", async () => {
    for (const name of ["filter", "sort", "range"]) {
      const body = await error(
        await t.get(`/api/posts?${name}=${encodeURIComponent(name === "filter" ? "{bad" : "[")}`),
        400,
      );
      expect(body.message).toContain(`"${name}"`);
      expect(body.message).toContain("not valid JSON");
    }
  });

  it("well-formed JSON of the wrong shape names the parameter", async () => {
    const cases: [string, string][] = [
      ["filter", "[1,2]"],
      ["filter", '"q"'],
      ["sort", '["title","UP"]'],
      ["range", "[0]"],
      ["range", "[5,2]"],
      ["range", "[-1,5]"],
      ["range", "[0.5,3]"],
    ];
    for (const [name, value] of cases) {
      const body = await error(await t.get(`/api/posts?${name}=${encodeURIComponent(value)}`), 400);
      expect(body.message, `${name}=${value}`).toContain(`"${name}"`);
    }
  });

  it("sorting by an unknown or unsortable field is a 400 listing the sortable ones", async () => {
    for (const field of ["colour", "body", "passwordHash"]) {
      const body = await error(await t.get(`/api/users?${query({ sort: [field, "ASC"] })}`), 400);
      expect(body.message).toContain("Sortable fields: ");
      expect(body.message.split("Sortable fields:")[1]).not.toContain("passwordHash");
    }
  });

  it("writes take no query parameters", async () => {
    expect((await error(await t.send("POST", "/api/tags?embed=posts", { name: "with-query" }), 400)).message).toContain(
      '"embed"',
    );
    expect((await error(await t.send("DELETE", "/api/tags/1?force=true"), 400)).message).toContain('"force"');
    expect(await t.db.prisma.tag.count({ where: { name: "with-query" } })).toBe(0);
    expect(await t.db.prisma.tag.count({ where: { id: 1 } })).toBe(1);
  });

  it("bodies must be JSON objects sent as application/json", async () => {
    const before = await t.db.prisma.tag.count();
    const wrongType = await error(
      await t.send("POST", "/api/tags", '{"name":"typed"}', { "Content-Type": "text/plain" }),
      400,
    );
    expect(wrongType.message).toContain("application/json");
    expect((await error(await t.send("POST", "/api/tags", "{not json", {}), 400)).message).toContain("not valid JSON");
    expect((await error(await t.send("POST", "/api/tags", "", {}), 400)).message).toContain("empty");
    expect((await error(await t.send("POST", "/api/tags", [{ name: "a" }]), 400)).message).toContain("JSON object");
    expect(
      (
        await t.send("POST", "/api/tags", '{"name":"vendor-json"}', {
          "Content-Type": "application/vnd.api+json; charset=utf-8",
        })
      ).status,
    ).toBe(201);
    expect(await t.db.prisma.tag.count()).toBe(before + 1);
  });

  it("unknown and hidden fields in a body are a 400", async () => {
    expect(
      (await error(await t.send("POST", "/api/posts", { title: "t", authorId: 1, colour: "red" }), 400)).message,
    ).toContain('"colour"');
    expect((await error(await t.send("PATCH", "/api/users/1", { passwordHash: "new" }), 400)).message).toContain(
      "cannot be written",
    );
    expect(await t.db.prisma.post.count({ where: { title: "t" } })).toBe(0);
  });
});

describe("§7 errors and status codes: 409, 422, 500", () => {
  it("a duplicate email is a 409 with errors.email, and the user is not created", async () => {
    const existing = await t.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } });
    const before = await t.db.prisma.user.count();
    const body = await error(
      await t.send("POST", "/api/users", { email: existing.email, name: "Copy", passwordHash: "another-secret" }),
      409,
    );
    expect(body).toEqual({
      message: expect.stringContaining("email"),
      code: "CONFLICT",
      errors: { email: "must be unique" },
    });
    expect(JSON.stringify(body)).not.toContain("another-secret");
    expect(JSON.stringify(body)).not.toContain(existing.passwordHash);
    expect(await t.db.prisma.user.count()).toBe(before);
  });

  it("invalid values are a 422 with one message per field", async () => {
    const body = await error(await t.send("POST", "/api/posts", { title: 42, views: "many", status: "secret" }), 422);
    expect(body.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(body.errors ?? {}).sort()).toEqual(["authorId", "status", "title", "views"]);
    expect(body.errors?.status).toContain("draft, published, archived");
    expect(body.errors?.authorId).toBe("is required");
  });

  it("a reference to a missing record is a 422 on the foreign key field", async () => {
    const body = await error(await t.send("POST", "/api/posts", { title: "Orphan", authorId: 987654 }), 422);
    expect(body.errors).toEqual({ authorId: expect.any(String) });
    expect(await t.db.prisma.post.count({ where: { title: "Orphan" } })).toBe(0);
  });

  it("an unexpected error is a bare 500, reported to onUnexpectedError, and the write rolls back", async () => {
    const hooks = t.runtime.on("tag").before("create", () => {
      throw new TypeError("connection string postgres://admin:hunter2@db");
    });
    try {
      const response = await t.send("POST", "/api/tags", { name: "doomed" });
      const body = await error(response, 500);
      expect(body).toEqual({ message: "Internal server error", code: "INTERNAL" });
      expect(t.unexpected.at(-1)).toBeInstanceOf(TypeError);
      expect(await t.db.prisma.tag.count({ where: { name: "doomed" } })).toBe(0);
    } finally {
      hooks.off();
    }
  });

  it("a failing contextFor is a 500 too, with CORS headers", async () => {
    const reported: unknown[] = [];
    const rest = createRestHandler({
      runtime: t.runtime,
      contextFor: () => {
        throw new Error("session store down: redis://secret");
      },
      onUnexpectedError: (e) => reported.push(e),
    });
    const response = await rest.fetch(
      new Request("http://test/api/posts", { headers: { Origin: "http://admin.example" } }),
    );
    expect(await error(response, 500)).toEqual({ message: "Internal server error", code: "INTERNAL" });
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(reported).toHaveLength(1);
  });
});

describe("§7 errors and status codes: passwordHash never leaves", () => {
  it("not in lists, single records, create responses, getMany or error bodies", async () => {
    const hashes = (await t.db.prisma.user.findMany({ select: { passwordHash: true } })).map((u) => u.passwordHash);
    const responses = [
      await t.get(`/api/users?${query({ range: [0, 199] })}`),
      await t.get("/api/users/1?embed=posts,comments"),
      await t.get(`/api/users?${query({ filter: { id: [1, 2, 3] } })}`),
      await t.get("/api/users?page=1&per_page=5&sort=-email"),
      await t.send("POST", "/api/users", {
        email: "leak-check@example.com",
        name: "Leak Check",
        passwordHash: "plain-value-1",
      }),
      await t.send("PATCH", "/api/users/2", { name: "Renamed" }),
      await t.send("POST", "/api/users", {
        email: "leak-check@example.com",
        name: "Again",
        passwordHash: "plain-value-2",
      }),
      await t.send("POST", "/api/users", { email: 5, name: "Bad", passwordHash: "plain-value-3" }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 201, 200, 409, 422]);
    for (const response of responses) {
      const text = await response.text();
      expect(text).not.toContain('"passwordHash"');
      expect(text).not.toContain("plain-value");
      for (const hash of hashes) expect(text).not.toContain(hash);
    }
  });
});
