// GraphQL type names beyond the per-resource ones (per-field filter inputs, enums, shared types) are
// computed in names.ts and checked for collisions at boot, like every other public name.
import { describe, expect, it } from "vitest";
import { resources } from "../../schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { fieldFilterInputName } from "../../src/metadata/names.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { datamodel } from "../../src/storage/datamodel.ts";

function issuesOf(definitions: ResourceDefinition[]): { path: string; message: string; fix: string }[] {
  try {
    resolveResources(definitions, datamodel);
  } catch (error) {
    expect(error).toBeInstanceOf(MetadataError);
    return [...(error as MetadataError).issues];
  }
  throw new Error("expected resolution to fail");
}

describe("GraphQL type names", () => {
  it("names a field's filter input from the resource type and the field", () => {
    const post = resolveResources(resources, datamodel).resource.get("post");
    expect(post && fieldFilterInputName(post.names, "title")).toBe("PostTitleFilter");
    expect(post && fieldFilterInputName(post.names, "publishedAt")).toBe("PostPublishedAtFilter");
  });

  it("resolves the demo without collisions", () => {
    expect(() => resolveResources(resources, datamodel)).not.toThrow();
  });

  it("rejects a filter input named like another resource's filter input", () => {
    // Post.authorId → PostAuthorIdFilter; a resource named postAuthor has an id → PostAuthorIdFilter.
    const issues = issuesOf([{ model: "Post", fields: { authorId: { filter: ["eq"] } } }, { model: "User", name: "postAuthor" }]);
    expect(issues).toContainEqual(expect.objectContaining({ message: expect.stringContaining('"PostAuthorIdFilter"') }));
  });

  it("rejects a resource type named like an enum", () => {
    const issues = issuesOf([{ model: "User", fields: { role: { filter: ["eq"] } } }, { model: "Tag", name: "role", plural: "roleList" }]);
    expect(issues).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/"Role" \(enum Role\) is also used by resource role/) }));
  });

  it("rejects a resource type named like a shared type", () => {
    const issues = issuesOf([{ model: "Tag", name: "dateTime" }]);
    expect(issues).toEqual([expect.objectContaining({ path: "dateTime", message: expect.stringContaining('"DateTime"'), fix: "set `name` on the resource" })]);
  });
});
