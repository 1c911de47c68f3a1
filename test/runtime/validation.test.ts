// Declarative validation: field rules and the resource rule, applied by the runtime on
// create, update and patch against a real database; every error collected into one VALIDATION_FAILED,
// nothing written. Boot errors for rules that do not fit their field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineResource } from "../../demo/schema/define.ts";
import type { ResourceDefinition, ValidationContext } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { failure } from "../support/failure.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

const seen: { field: ValidationContext[]; resource: ValidationContext[] } = { field: [], resource: [] };

const resources = [
  defineResource("User", {
    fields: {
      email: { validate: { email: true } },
      name: { validate: { required: [true, "Tell us your name"], maxLength: 20 } },
    },
  }),
  defineResource("Post", {
    concurrency: { field: "version" },
    fields: {
      title: { validate: { required: true, minLength: 3, maxLength: [20, "Keep titles under 20 characters"] } },
      body: {
        validate: {
          pattern: "^[^<>]*$",
          custom: (value, context) => {
            seen.field.push(context);
            return String(value).includes("lorem") ? "looks like placeholder text" : undefined;
          },
        },
      },
      status: { validate: { oneOf: [["draft", "published"], "archived posts cannot be written"] } },
      views: { validate: { min: 0, max: 1000 } },
      publishedAt: { validate: { min: "2020-01-01T00:00:00Z", max: new Date("2030-01-01T00:00:00Z") } },
      createdAt: { readOnly: true, onCreate: "now" },
      updatedAt: { readOnly: true, onCreate: "now", onUpdate: "now" },
    },
    validate: async (post, context) => {
      seen.resource.push(context);
      if (post.title === "form-level") return "This post cannot be saved.";
      return post.status === "draft" && post.publishedAt != null
        ? { publishedAt: "must be empty while the post is a draft" }
        : undefined;
    },
  }),
  defineResource("Tag", {
    concurrency: { field: "version" },
    fields: { name: { validate: { url: [true, "A tag here is a link"], pattern: /^(?!http:)/ } } },
  }),
];

let t: TestRuntime;
let authorId: number;
beforeAll(async () => {
  t = await createTestRuntime({ resources });
  authorId = (
    await t.db.prisma.user.create({ data: { email: "writer@example.com", name: "Writer", passwordHash: "x" } })
  ).id;
});
afterAll(() => t?.close());

const ctx = () => t.runtime.context({ actor: { id: 7, roles: [] } });
const post = () => t.runtime.service("post");

describe("every rule, with its message", () => {
  const good = () => ({ title: "Fine title", authorId });
  it.each([
    ["required (null)", { title: null }, { title: "expected a String (the field is required), got null" }],
    ["required (blank text)", { title: "   " }, { title: "is required (blank text does not count)" }],
    ["minLength", { title: "ab" }, { title: "must be at least 3 characters, got 2" }],
    ["maxLength (own message)", { title: "x".repeat(21) }, { title: "Keep titles under 20 characters" }],
    ["pattern (string)", { body: "<script>" }, { body: 'must match /^[^<>]*$/u, got "<script>"' }],
    ["custom", { body: "lorem ipsum" }, { body: "looks like placeholder text" }],
    ["oneOf (own message)", { status: "archived" }, { status: "archived posts cannot be written" }],
    ["min", { views: -1 }, { views: "must be at least 0, got -1" }],
    ["max", { views: 1001 }, { views: "must be at most 1000, got 1001" }],
    [
      "min (date)",
      { publishedAt: "2019-12-31T23:59:59Z", status: "published" },
      { publishedAt: "must be on or after 2020-01-01T00:00:00.000Z, got 2019-12-31T23:59:59.000Z" },
    ],
    [
      "max (date)",
      { publishedAt: "2030-01-02T00:00:00Z", status: "published" },
      { publishedAt: "must be on or before 2030-01-01T00:00:00.000Z, got 2030-01-02T00:00:00.000Z" },
    ],
  ])("%s", async (_name, change, fields) => {
    const before = await t.db.prisma.post.count();
    const error = await failure(post().create(ctx(), { ...good(), ...change }));
    expect(error).toMatchObject({ code: "VALIDATION_FAILED", fields });
    expect(error.message).toBe(
      `Invalid post: ${Object.entries(fields)
        .map(([k, m]) => `${k} ${m}`)
        .join("; ")}.`,
    );
    expect(await t.db.prisma.post.count()).toBe(before);
  });

  it("values inside the bounds pass, and null passes every rule but required", async () => {
    const created = await post().create(ctx(), {
      title: "abc",
      body: "plain",
      status: "published",
      views: 1000,
      publishedAt: "2020-01-01T00:00:00Z",
      authorId,
    });
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: created.id as number } })).toMatchObject({
      title: "abc",
      views: 1000,
    });
    expect((await post().patch(ctx(), created.id, { publishedAt: null })).publishedAt).toBeNull();
  });

  it("email, required with its own message, maxLength on users; url and a RegExp pattern on tags", async () => {
    const user = await failure(
      t.runtime.service("user").create(ctx(), { email: "not-an-email", name: " ", passwordHash: "x" }),
    );
    expect(user.fields).toEqual({
      email: 'must be an email address (name@example.com), got "not-an-email"',
      name: "Tell us your name",
    });
    expect(
      (
        await failure(
          t.runtime.service("user").create(ctx(), { email: "a@example.com", name: "x".repeat(21), passwordHash: "x" }),
        )
      ).fields,
    ).toEqual({ name: "must be at most 20 characters, got 21" });
    expect(await t.db.prisma.user.count({ where: { email: { in: ["not-an-email", "a@example.com"] } } })).toBe(0);
    for (const name of ["postgres", "javascript:alert(1)", "mailto:a@example.com"]) {
      expect((await failure(t.runtime.service("tag").create(ctx(), { name }))).fields, name).toEqual({
        name: "A tag here is a link",
      });
    }
    expect((await failure(t.runtime.service("tag").create(ctx(), { name: "http://example.com" }))).fields).toEqual({
      name: 'must match /^(?!http:)/, got "http://example.com"',
    });
    expect((await t.runtime.service("tag").create(ctx(), { name: "https://example.com/tags/postgres" })).name).toBe(
      "https://example.com/tags/postgres",
    );
  });
});

describe("all errors at once", () => {
  it("collects wrong types, field rules and the resource rule into one VALIDATION_FAILED; nothing is written", async () => {
    const before = await t.db.prisma.post.count();
    const error = await failure(
      post().create(ctx(), {
        title: "ab",
        body: "lorem",
        status: "draft",
        views: "many",
        publishedAt: "2025-01-01T00:00:00Z",
      }),
    );
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.fields).toEqual({
      title: "must be at least 3 characters, got 2",
      body: "looks like placeholder text",
      views: 'expected an integer, got "many"',
      authorId: "is required",
      publishedAt: "must be empty while the post is a draft",
    });
    expect(await t.db.prisma.post.count()).toBe(before);
  });

  it("a resource rule's string is a form-level message, first in the message, with no field of its own", async () => {
    const error = await failure(post().create(ctx(), { title: "form-level", views: -5, authorId }));
    expect(error.message).toBe("Invalid post: This post cannot be saved; views must be at least 0, got -5.");
    expect(error.fields).toEqual({ views: "must be at least 0, got -5" });
    const alone = await failure(post().create(ctx(), { title: "form-level", authorId }));
    expect(alone).toMatchObject({
      code: "VALIDATION_FAILED",
      message: "Invalid post: This post cannot be saved.",
      fields: undefined,
    });
  });
});

describe("update and patch", () => {
  let id: number;
  beforeAll(async () => {
    // Written around the runtime: a row that breaks today's rules (title too short, a draft with a date).
    id = (
      await t.db.prisma.post.create({
        data: { title: "ab", status: "draft", publishedAt: new Date("2025-01-01T00:00:00Z"), authorId },
      })
    ).id;
  });

  it("patch checks only the fields it sends, and the resource rule on the existing row merged with them", async () => {
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id } });
    // The short title is not sent, so its rule does not run; the merged record is still a dated draft.
    const error = await failure(post().patch(ctx(), id, { views: 5 }));
    expect(error.fields).toEqual({ publishedAt: "must be empty while the post is a draft" });
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).toEqual(row);
    const published = await post().patch(ctx(), id, { status: "published", views: 5 });
    expect(published).toMatchObject({ title: "ab", status: "published", views: 5 });
    // Back to draft with the date still set: only the merged record shows the conflict.
    expect((await failure(post().patch(ctx(), id, { status: "draft" }))).fields).toEqual({
      publishedAt: "must be empty while the post is a draft",
    });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).status).toBe("published");
  });

  it("update replaces the record, so every field's rules run", async () => {
    const error = await failure(
      post().update(ctx(), id, { title: "ab", body: "", status: "published", views: 0, authorId }),
    );
    expect(error.fields).toEqual({ title: "must be at least 3 characters, got 2" });
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).status).toBe("published");
    expect(
      await post().update(ctx(), id, { title: "Replaced", body: "", status: "draft", views: 0, authorId }),
    ).toMatchObject({ title: "Replaced", publishedAt: null, views: 0 });
  });

  it("validators see the merged record, the existing row, the actor and the action", async () => {
    seen.field.length = 0;
    seen.resource.length = 0;
    await post().patch(ctx(), id, { body: "new body" });
    expect(seen.field).toHaveLength(1);
    const [context] = seen.resource;
    expect(context).toMatchObject({
      action: "patch",
      actorId: 7,
      data: { id, title: "Replaced", body: "new body", status: "draft" },
      existing: { id, body: "" },
    });
    expect(seen.field[0]).toBe(context);
  });

  it("a missing record is NOT_FOUND before any validation", async () => {
    expect((await failure(post().patch(ctx(), 999999, { title: "x" }))).code).toBe("NOT_FOUND");
    expect((await failure(post().update(ctx(), 999999, { views: -1 }))).code).toBe("NOT_FOUND");
  });
});

describe("boot errors for rules that do not fit", () => {
  function issuesOf(definitions: unknown[]) {
    try {
      resolveResources(definitions as ResourceDefinition[], datamodel);
    } catch (error) {
      expect(error).toBeInstanceOf(MetadataError);
      return (error as MetadataError).issues.map((i) => ({ ...i }));
    }
    throw new Error("expected resolution to fail");
  }
  const postWith = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => [
    { model: "User" },
    { model: "Post", fields, ...extra },
  ];

  it.each([
    [
      { views: { validate: { minLength: 2 } } },
      "post.fields.views.validate.minLength",
      "minLength does not fit an Int field (it checks text)",
      "use min / max, or remove `minLength`",
    ],
    [
      { views: { validate: { email: true } } },
      "post.fields.views.validate.email",
      "email does not fit an Int field (it checks text)",
      "use min / max, or remove `email`",
    ],
    [
      { title: { validate: { min: 1 } } },
      "post.fields.title.validate.min",
      "min 1 does not fit a String field",
      "use minLength / maxLength for text, or remove `min`",
    ],
    [
      { publishedAt: { validate: { max: "tomorrow" } } },
      "post.fields.publishedAt.validate.max",
      'max "tomorrow" does not fit a DateTime field',
      'give an ISO 8601 date-time, e.g. max: "2025-01-01T00:00:00Z"',
    ],
    [
      { views: { validate: { min: "0" } } },
      "post.fields.views.validate.min",
      'min "0" does not fit an Int field',
      "give a number, e.g. min: 0",
    ],
    [
      { views: { validate: { min: 10, max: 1 } } },
      "post.fields.views.validate",
      "min 10 is greater than max 1: no value could pass",
      "lower min or raise max",
    ],
    [
      { title: { validate: { minLength: 5, maxLength: 2 } } },
      "post.fields.title.validate",
      "minLength 5 is greater than maxLength 2: no value could pass",
      "lower minLength or raise maxLength",
    ],
    [
      { title: { validate: { pattern: "([a-z]" } } },
      "post.fields.title.validate.pattern",
      expect.stringContaining('pattern "([a-z]" does not compile'),
      "fix the regular expression (strings are compiled with the u flag)",
    ],
    [
      { title: { validate: { pattern: /^a/g } } },
      "post.fields.title.validate.pattern",
      "pattern /^a/g has the g flag, which makes test() remember where it stopped",
      "remove the g and y flags",
    ],
    [
      { status: { validate: { oneOf: ["draft", "live"] } } },
      "post.fields.status.validate.oneOf",
      '"live" cannot be a value of an Enum field',
      "use some of: draft, published, archived",
    ],
    [
      { views: { validate: { oneOf: ["1"] } } },
      "post.fields.views.validate.oneOf",
      '"1" cannot be a value of an Int field',
      "give numbers",
    ],
    [
      { createdAt: { readOnly: true, validate: { required: true } } },
      "post.fields.createdAt.validate",
      "clients never write createdAt, so its rules would never run",
      "remove `validate`, or make the field writable",
    ],
    [
      { title: { validate: { maxLength: [80, ""] } } },
      "post.fields.title.validate.maxLength.1",
      expect.any(String),
      expect.stringContaining("validation rules are: required, minLength"),
    ],
    [
      { title: { validate: { between: [1, 2] } } },
      "post.fields.title.validate",
      expect.stringContaining("between"),
      expect.stringContaining(
        "validation rules are: required, minLength, maxLength, pattern, min, max, email, url, oneOf, custom",
      ),
    ],
  ])("%j", (fields, path, message, fix) => {
    expect(issuesOf(postWith(fields))).toEqual([{ path, message, fix }]);
  });

  it("a resource's validate must be a function", () => {
    expect(issuesOf(postWith({}, { validate: { title: "required" } }))).toEqual([
      { path: "post.validate", message: expect.any(String), fix: expect.stringContaining("resource options are:") },
    ]);
  });

  it("resolves the rules into a frozen form: patterns compiled, bounds in the field's terms, off rules absent", () => {
    const schema = resolveResources(resources, datamodel);
    const p = schema.resource.get("post");
    expect(p?.field.get("title")?.validation).toEqual({
      required: { value: true, message: undefined },
      minLength: { value: 3, message: undefined },
      maxLength: { value: 20, message: "Keep titles under 20 characters" },
    });
    expect(p?.field.get("body")?.validation?.pattern?.value).toEqual(/^[^<>]*$/u);
    expect(p?.field.get("publishedAt")?.validation?.min?.value).toEqual(new Date("2020-01-01T00:00:00Z"));
    expect(p?.field.get("status")?.validation?.oneOf).toEqual({
      value: ["draft", "published"],
      message: "archived posts cannot be written",
    });
    expect(Object.isFrozen(p?.field.get("title")?.validation)).toBe(true);
    expect(p?.field.get("authorId")?.validation).toBeUndefined();
    expect(typeof p?.validate).toBe("function");
    expect(
      resolveResources([{ model: "Tag", fields: { name: { validate: { required: false, email: false } } } }], datamodel)
        .resource.get("tag")
        ?.field.get("name")?.validation,
    ).toBeUndefined();
  });
});
