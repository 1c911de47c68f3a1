// File fields in metadata (docs/guides/files.md): resolved limits on a nullable Json column; boot errors
// that name the path and the fix otherwise. Pure: no database.
import { describe, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";

function issuesOf(fields: Record<string, unknown>): { path: string; message: string; fix: string }[] {
  const definitions = [
    { model: "User", relations: { posts: true } },
    { model: "Post", relations: { author: true }, fields },
  ] as ResourceDefinition[];
  try {
    resolveResources(definitions, datamodel);
  } catch (error) {
    expect(error).toBeInstanceOf(MetadataError);
    return [...(error as MetadataError).issues];
  }
  throw new Error("expected resolution to fail");
}

describe("blob fields", () => {
  it("the demo's posts.cover resolves with its limits, media types lowercased", () => {
    const cover = resolveResources(resources, datamodel).resource.get("post")?.field.get("cover");
    expect(cover?.blob).toEqual({ maxBytes: 5_000_000, contentTypes: ["image/png", "image/jpeg", "image/webp"] });
    expect(Object.isFrozen(cover?.blob)).toBe(true);
  });

  it("needs a nullable Json column", () => {
    const issues = issuesOf({ title: { blob: { maxBytes: 10, contentTypes: ["image/png"] } } });
    expect(issues).toEqual([
      expect.objectContaining({ path: "post.fields.title.blob", fix: expect.stringContaining("title Json?") }),
    ]);
  });

  it("needs a positive maxBytes and some media types", () => {
    const issues = issuesOf({ cover: { blob: { maxBytes: 0, contentTypes: [] } } });
    expect(issues.map((i) => i.path)).toEqual([
      "post.fields.cover.blob.maxBytes",
      "post.fields.cover.blob.contentTypes",
    ]);
  });
});
