// Declarative validation over REST (rest-dialect.md §7): a write that breaks several of the demo's rules
// is one 422 whose body carries a message per field, the shape react-admin forms read; nothing is
// written. The OpenAPI input schemas show the rules JSON Schema can express.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApi } from "../../src/rest/openapi.ts";
import { createRestFixture, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

const DRAFT_DATED = "must be empty while the post is a draft (publish it, or clear the date)";

describe("validation rules over REST", () => {
  it("POST breaking several rules is one 422 with every field's message; no row is written", async () => {
    const author = await t.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } });
    const before = await t.db.prisma.post.count();
    const response = await t.send("POST", "/api/posts", {
      title: "ab",
      views: -1,
      status: "draft",
      publishedAt: "2025-06-01T00:00:00Z",
      authorId: author.id,
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      message: `Invalid post: title must be at least 3 characters, got 2; views must be at least 0, got -1; publishedAt ${DRAFT_DATED}.`,
      code: "VALIDATION_FAILED",
      errors: {
        title: "must be at least 3 characters, got 2",
        views: "must be at least 0, got -1",
        publishedAt: DRAFT_DATED,
      },
    });
    expect(await t.db.prisma.post.count()).toBe(before);
  });

  it("PUT (a patch) is judged on the merged record; the row is unchanged", async () => {
    const draft = await t.db.prisma.post.findFirstOrThrow({ where: { status: "draft" }, orderBy: { id: "asc" } });
    const response = await t.send("PUT", `/api/posts/${draft.id}`, {
      title: " ".repeat(4),
      publishedAt: "2025-06-01T00:00:00Z",
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { errors: Record<string, string> }).errors).toEqual({
      title: "is required (blank text does not count)",
      publishedAt: DRAFT_DATED,
    });
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: draft.id } })).toEqual(draft);
    // Publishing without a date is fine (react-admin's bulk action sends { status } alone).
    expect((await t.send("PUT", `/api/posts/${draft.id}`, { status: "published" })).status).toBe(200);
  });

  it("users and tags: email, maxLength and pattern", async () => {
    const users = await t.db.prisma.user.count();
    const user = await t.send("POST", "/api/users", {
      email: "ada-at-example.com",
      name: "A".repeat(101),
      passwordHash: "secret",
    });
    expect(user.status).toBe(422);
    expect(((await user.json()) as { errors: Record<string, string> }).errors).toEqual({
      email: 'must be an email address (name@example.com), got "ada-at-example.com"',
      name: "must be at most 100 characters, got 101",
    });
    expect(await t.db.prisma.user.count()).toBe(users);
    const tag = await t.send("POST", "/api/tags", { name: "Open Source" });
    expect(tag.status).toBe(422);
    expect(((await tag.json()) as { errors: Record<string, string> }).errors).toEqual({
      name: "use lowercase letters, digits and single dashes, e.g. open-source",
    });
    expect(await t.db.prisma.tag.count({ where: { name: "Open Source" } })).toBe(0);
  });

  it("OpenAPI input schemas carry the rules JSON Schema can say", () => {
    const doc = buildOpenApi(t.runtime.schema) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const schemas = doc.components.schemas;
    expect(schemas.PostCreate?.properties.title).toEqual({ type: "string", minLength: 3, maxLength: 200 });
    expect(schemas.PostUpdate?.properties.views).toEqual({ type: "integer", format: "int32", minimum: 0 });
    expect(schemas.TagCreate?.properties.name).toEqual({
      type: "string",
      maxLength: 40,
      pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$",
    });
    expect(schemas.UserCreate?.properties.email).toEqual({ type: "string", format: "email" });
    expect(schemas.UserCreate?.properties.name).toEqual({ type: "string", minLength: 1, maxLength: 100 });
  });
});
