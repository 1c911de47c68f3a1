// GraphQL type names beyond the per-resource ones (per-field filter inputs, enums, shared types) are
// computed in names.ts and checked for collisions at boot, like every other public name.
import { describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { aggregateTypeNames, fieldFilterInputName, relationFilterInputName } from "../../src/metadata/names.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { datamodel } from "../../demo/datamodel.ts";

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
    const issues = issuesOf([
      { model: "Post", fields: { authorId: { filter: ["eq"] } } },
      { model: "User", name: "postAuthor" },
    ]);
    expect(issues).toContainEqual(
      expect.objectContaining({ message: expect.stringContaining('"PostAuthorIdFilter"') }),
    );
  });

  it("rejects a resource type named like an enum", () => {
    const issues = issuesOf([
      { model: "User", fields: { role: { filter: ["eq"] } } },
      { model: "Tag", name: "role", plural: "roleList" },
    ]);
    expect(issues).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/"Role" \(enum Role\) is also used by resource role/) }),
    );
  });

  it("rejects a resource type named like a shared type", () => {
    const issues = issuesOf([{ model: "Tag", name: "dateTime" }]);
    expect(issues).toEqual([
      expect.objectContaining({
        path: "dateTime",
        message: expect.stringContaining('"DateTime"'),
        fix: "set `name` on the resource",
      }),
    ]);
  });

  it("names relation filters, connections and aggregate types from the resource type", () => {
    const post = resolveResources(resources, datamodel).resource.get("post");
    if (!post) throw new Error("no post");
    expect(relationFilterInputName(post.names, "comments")).toBe("PostCommentsRelationFilter");
    expect(post.names).toMatchObject({
      connection: "postsConnection",
      aggregate: "postsAggregate",
      connectionType: "PostConnection",
      edgeType: "PostEdge",
    });
    expect(aggregateTypeNames(post.names)).toMatchObject({
      group: "PostAggregateGroup",
      groupByField: "PostGroupByField",
      having: "PostHavingInput",
      functions: { sum: { type: "PostSumAggregates", orderBy: "PostSumAggregatesOrderByInput" } },
    });
  });

  it("rejects a resource type named like a relation filter input", () => {
    const issues = issuesOf([
      { model: "Post", relations: { comments: { filter: true } } },
      { model: "Comment", id: "uuid" },
      { model: "Tag", name: "postCommentsRelationFilter" },
    ]);
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: "post.relations.comments",
        message: expect.stringContaining('"PostCommentsRelationFilter" (the filter of post.comments)'),
      }),
    );
  });

  it("rejects a resource type named like a connection or an edge of another", () => {
    const issues = issuesOf([{ model: "Post" }, { model: "Tag", name: "postEdge" }]);
    expect(issues).toContainEqual(expect.objectContaining({ message: expect.stringContaining('"PostEdge"') }));
  });

  it("rejects a resource type named like an aggregate type, only when that type exists", () => {
    const issues = issuesOf([
      { model: "Post", fields: { views: { aggregate: ["sum"] } } },
      { model: "Tag", name: "postSumAggregates" },
    ]);
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: "post",
        message: expect.stringContaining('"PostSumAggregates" (the aggregates of post)'),
      }),
    );
    expect(() =>
      resolveResources(
        [
          { model: "Post", fields: { views: { aggregate: ["max"] } } },
          { model: "Tag", name: "postSumAggregates" },
        ],
        datamodel,
      ),
    ).not.toThrow();
  });

  it("reserves the shared types of connections and aggregates", () => {
    for (const name of ["pageInfo", "comparisonOperator", "aggregateFunction"]) {
      expect(issuesOf([{ model: "Tag", name }])).toEqual([
        expect.objectContaining({ path: name, fix: "set `name` on the resource" }),
      ]);
    }
  });

  it("names the lifecycle fields and types from the resource", () => {
    const post = resolveResources(resources, datamodel).resource.get("post");
    expect(post?.names).toMatchObject({
      restore: "restorePost",
      purge: "purgePost",
      revert: "revertPost",
      publish: "publishPost",
      revisions: "postRevisions",
      revision: "postRevision",
      revisionDiff: "postRevisionDiff",
      asOf: "postAsOf",
      lock: "lockPost",
      unlock: "unlockPost",
      recordLock: "postLock",
      recordLocks: "postLocks",
      createMany: "createPosts",
      updateMany: "updatePosts",
      deleteMany: "deletePosts",
      restoreMany: "restorePosts",
      purgeMany: "purgePosts",
      revisionType: "PostRevision",
      snapshotType: "PostSnapshot",
      batchUpdateInput: "PostBatchUpdateInput",
      batchResultType: "PostBatchResult",
      batchItemType: "PostBatchItem",
    });
  });

  it("rejects a resource named like another's lifecycle type or field", () => {
    const revision = issuesOf([
      { model: "Post", revisions: true },
      { model: "Tag", name: "postRevision", plural: "postRevisionList" },
    ]);
    expect(revision).toContainEqual(
      expect.objectContaining({
        message: expect.stringContaining('"PostRevision" (type) of model Tag is also used by model Post'),
      }),
    );
    const batch = issuesOf([{ model: "Post" }, { model: "Tag", name: "postBatchItem" }]);
    expect(batch).toContainEqual(expect.objectContaining({ message: expect.stringContaining('"PostBatchItem"') }));
  });

  it("reserves the shared lifecycle types", () => {
    for (const name of [
      "deletedRecords",
      "asOf",
      "revisionStatus",
      "revisionDiff",
      "fieldChange",
      "batchFailure",
      "recordLock",
    ]) {
      expect(issuesOf([{ model: "Tag", name }])).toEqual([
        expect.objectContaining({ path: name, fix: "set `name` on the resource" }),
      ]);
    }
  });

  it("rejects two root fields of one resource with the same name, only when both exist", () => {
    // The list query "postRevisions" is also the revision query of a post with revisions.
    const issues = issuesOf([{ model: "Post", plural: "postRevisions", revisions: true }]);
    expect(issues).toEqual([
      expect.objectContaining({
        path: "post",
        message: 'GraphQL field name "postRevisions" is both the list and the revisions field of post',
      }),
    ]);
    expect(() => resolveResources([{ model: "Post", plural: "postRevisions" }], datamodel)).not.toThrow();
  });
});
