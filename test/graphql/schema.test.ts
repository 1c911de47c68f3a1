// The shape of the generated schema, read from resolved metadata: which fields, inputs and operators
// exist, their nullability, and names taken from `resource.names`. No database: the runtime's store
// refuses every call, and building a schema makes none.
import {
  type GraphQLInputObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
  isNonNullType,
  printType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { offlineStore } from "../../scripts/print-schema.ts";
import { resources } from "../../demo/schema/index.ts";
import { buildGraphQLSchema } from "../../src/graphql/schema.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRuntime } from "../../src/runtime/runtime.ts";
import { datamodel } from "../../demo/datamodel.ts";

function schemaOf(definitions: ResourceDefinition[]): GraphQLSchema {
  return buildGraphQLSchema(createRuntime({ schema: resolveResources(definitions, datamodel), store: offlineStore }));
}
const demo = schemaOf(resources);
const object = (schema: GraphQLSchema, name: string) => schema.getType(name) as GraphQLObjectType;
const input = (schema: GraphQLSchema, name: string) => schema.getType(name) as GraphQLInputObjectType | undefined;
const fieldNames = (type: GraphQLObjectType | GraphQLInputObjectType | undefined) =>
  Object.keys(type?.getFields() ?? {}).sort();

describe("object types", () => {
  it("has every field visible in one or list, relations included, and never a field hidden in both", () => {
    expect(fieldNames(object(demo, "User"))).toEqual([
      "comments",
      "createdAt",
      "email",
      "id",
      "name",
      "posts",
      "role",
      "tickets",
      "updatedAt",
    ]);
    // Audit and trash columns are readable (read-only): who created, changed and trashed a post, and when.
    expect(fieldNames(object(demo, "Post"))).toEqual([
      "author",
      "authorId",
      "body",
      "comments",
      "cover",
      "createdAt",
      "createdBy",
      "deletedAt",
      "deletedBy",
      "id",
      "publishedAt",
      "status",
      "tags",
      "title",
      "updatedAt",
      "updatedBy",
      "version",
      "views",
    ]);
  });

  it("types ids as ID, enums as enums, dates as DateTime; nullable columns are nullable", () => {
    const post = object(demo, "Post").getFields();
    expect(String(post.id?.type)).toBe("ID!");
    expect(String(object(demo, "Comment").getFields().id?.type)).toBe("ID!");
    expect(String(post.status?.type)).toBe("PostStatus!");
    expect(String(post.createdAt?.type)).toBe("DateTime!");
    expect(String(post.publishedAt?.type)).toBe("DateTime");
    expect(String(post.views?.type)).toBe("Int!");
  });

  it("types belongsTo by its foreign key's nullability and to-many relations as non-null lists", () => {
    const post = object(demo, "Post").getFields();
    expect(String(post.author?.type)).toBe("User!");
    expect(String(post.comments?.type)).toBe("[Comment!]!");
    expect(String(post.tags?.type)).toBe("[Tag!]!");
  });

  it("makes a field hidden in only one view nullable", () => {
    const schema = schemaOf([
      { model: "Post", fields: { title: { hidden: ["list"] }, body: { hidden: ["one", "list"] } } },
    ]);
    const post = object(schema, "Post").getFields();
    expect(String(post.title?.type)).toBe("String");
    expect(post.body).toBeUndefined();
  });

  it("carries descriptions from the metadata", () => {
    expect(object(demo, "Post").description).toBe("A blog post.");
    expect(input(demo, "UserCreateInput")?.getFields().passwordHash?.description).toBe(
      "Accepted on create, never returned.",
    );
  });
});

describe("where inputs", () => {
  it("has one filter per filterable field, the combinators, and search when fields are searchable", () => {
    expect(fieldNames(input(demo, "PostWhereInput"))).toEqual([
      "AND",
      "NOT",
      "OR",
      "author",
      "authorId",
      "body",
      "comments",
      "createdAt",
      "deletedAt",
      "id",
      "publishedAt",
      "search",
      "status",
      "tags",
      "title",
      "updatedAt",
      "views",
    ]);
    const noSearch = schemaOf([{ model: "Tag", fields: { name: { filter: ["eq"] } } }]);
    expect(fieldNames(input(noSearch, "TagWhereInput"))).toEqual(["AND", "NOT", "OR", "id", "name"]);
  });

  it("exposes exactly the operators a field declares, typed by the field", () => {
    expect(fieldNames(input(demo, "CommentBodyFilter"))).toEqual(["contains"]);
    expect(fieldNames(input(demo, "PostAuthorIdFilter"))).toEqual(["eq", "in", "ne", "notIn"]);
    expect(fieldNames(input(demo, "PostTitleFilter"))).toEqual([
      "contains",
      "endsWith",
      "eq",
      "gt",
      "gte",
      "in",
      "like",
      "lt",
      "lte",
      "ne",
      "notIn",
      "regex",
      "startsWith",
    ]);
    const publishedAt = input(demo, "PostPublishedAtFilter")?.getFields();
    expect(String(publishedAt?.gte?.type)).toBe("DateTime");
    expect(String(publishedAt?.in?.type)).toBe("[DateTime!]");
    expect(String(publishedAt?.isNull?.type)).toBe("Boolean");
    expect(String(input(demo, "PostStatusFilter")?.getFields().in?.type)).toBe("[PostStatus!]");
  });

  it("never offers a hidden field, even one declared filterable", () => {
    const schema = schemaOf([
      { model: "User", fields: { passwordHash: { hidden: ["one", "list"], filter: ["eq"], sort: true } } },
    ]);
    expect(input(schema, "UserWhereInput")?.getFields().passwordHash).toBeUndefined();
    expect(input(schema, "UserOrderByInput")?.getFields().passwordHash).toBeUndefined();
    expect(schema.getType("UserPasswordHashFilter")).toBeUndefined();
  });
});

describe("relation filters", () => {
  it("add a to-one relation's where input, and some / every / none of a to-many one's, only when declared", () => {
    const post = input(demo, "PostWhereInput")?.getFields();
    expect(String(post?.author?.type)).toBe("UserWhereInput");
    expect(String(post?.comments?.type)).toBe("PostCommentsRelationFilter");
    expect(String(post?.tags?.type)).toBe("PostTagsRelationFilter");
    expect(fieldNames(input(demo, "PostCommentsRelationFilter"))).toEqual(["every", "none", "some"]);
    expect(String(input(demo, "PostTagsRelationFilter")?.getFields().some?.type)).toBe("TagWhereInput");
    // user.comments and tag.posts are exposed but not declared filterable.
    expect(input(demo, "UserWhereInput")?.getFields().comments).toBeUndefined();
    expect(input(demo, "TagWhereInput")?.getFields().posts).toBeUndefined();
    expect(demo.getType("UserCommentsRelationFilter")).toBeUndefined();
  });
});

describe("order-by inputs", () => {
  it("add the target's order-by input for each to-one relation declared sortable", () => {
    expect(String(input(demo, "PostOrderByInput")?.getFields().author?.type)).toBe("UserOrderByInput");
    expect(String(input(demo, "CommentOrderByInput")?.getFields().post?.type)).toBe("PostOrderByInput");
    expect(input(demo, "PostOrderByInput")?.getFields().comments).toBeUndefined();
    const undeclared = schemaOf([{ model: "Post", relations: { author: { filter: true } } }, { model: "User" }]);
    expect(input(undeclared, "PostOrderByInput")?.getFields().author).toBeUndefined();
  });

  it("has one SortDirection per sortable field (the id always)", () => {
    expect(fieldNames(input(demo, "TagOrderByInput"))).toEqual(["createdAt", "id", "name", "updatedAt"]);
    expect(String(input(demo, "TagOrderByInput")?.getFields().name?.type)).toBe("SortDirection");
    expect(printType(demo.getType("SortDirection") ?? object(demo, "missing"))).toContain("asc\n  desc");
  });
});

describe("connections", () => {
  it("serve every resource as a Relay connection with the shared PageInfo", () => {
    const query = demo.getQueryType()?.getFields() ?? {};
    const args = Object.fromEntries((query.postsConnection?.args ?? []).map((a) => [a.name, String(a.type)]));
    expect(args).toEqual({
      first: "Int",
      after: "String",
      last: "Int",
      before: "String",
      where: "PostWhereInput",
      orderBy: "[PostOrderByInput!]",
      qb: "String",
      deleted: "DeletedRecords",
    });
    expect(String(query.postsConnection?.type)).toBe("PostConnection!");
    expect(String(query.tagsConnection?.type)).toBe("TagConnection!");
    const sdl = ["PostConnection", "PostEdge", "PageInfo"].map((name) => printType(object(demo, name))).join("\n");
    expect(sdl).toContain("edges: [PostEdge!]!\n");
    expect(sdl).toContain("nodes: [Post!]!\n");
    expect(sdl).toContain("totalCount: Int!\n");
    expect(sdl).toContain("cursor: String!\n");
    expect(sdl).toContain("node: Post!\n");
    expect(fieldNames(object(demo, "PageInfo"))).toEqual([
      "endCursor",
      "hasNextPage",
      "hasPreviousPage",
      "startCursor",
    ]);
  });
});

describe("aggregates", () => {
  it("type each function's values: sums and averages as Float, min and max as the field", () => {
    const types = (name: string) =>
      Object.fromEntries(Object.values(object(demo, name).getFields()).map((f) => [f.name, String(f.type)]));
    expect(types("PostSumAggregates")).toEqual({ views: "Float" });
    expect(types("PostAvgAggregates")).toEqual({ views: "Float" });
    expect(types("PostMinAggregates")).toEqual({ createdAt: "DateTime", publishedAt: "DateTime", views: "Int" });
    expect(types("PostAggregateKey")).toEqual({ authorId: "ID", status: "PostStatus" });
    expect(types("PostAggregateGroup")).toEqual({
      avg: "PostAvgAggregates!",
      count: "Int!",
      key: "PostAggregateKey",
      max: "PostMaxAggregates!",
      min: "PostMinAggregates!",
      sum: "PostSumAggregates!",
    });
  });

  it("take groupBy, having, orderBy, take and skip when the resource has a field to group by", () => {
    const args = (field: string) =>
      (demo.getQueryType()?.getFields()[field]?.args ?? []).map((a) => `${a.name}: ${String(a.type)}`).sort();
    expect(args("postsAggregate")).toEqual([
      "groupBy: [PostGroupByField!]",
      "having: [PostHavingInput!]",
      "orderBy: [PostAggregateOrderByInput!]",
      "skip: Int",
      "take: Int",
      "where: PostWhereInput",
    ]);
    expect(fieldNames(input(demo, "PostHavingInput"))).toEqual(["field", "fn", "op", "value"]);
    expect(fieldNames(input(demo, "PostAggregateOrderByInput"))).toEqual(["avg", "count", "key", "max", "min", "sum"]);
  });

  it("leave out what nothing declares: functions, group-by types, or the whole query", () => {
    const schema = schemaOf([{ model: "Post", fields: { views: { aggregate: ["max"] } } }]);
    expect(fieldNames(object(schema, "PostAggregateGroup"))).toEqual(["count", "max"]);
    expect((schema.getQueryType()?.getFields().postsAggregate?.args ?? []).map((a) => a.name)).toEqual(["where"]);
    for (const type of [
      "PostSumAggregates",
      "PostAggregateKey",
      "PostGroupByField",
      "PostHavingInput",
      "AggregateFunction",
      "ComparisonOperator",
    ])
      expect(schema.getType(type), type).toBeUndefined();
    // users group by role but have no field with aggregates: having takes the count only.
    expect(fieldNames(input(demo, "UserHavingInput"))).toEqual(["fn", "op", "value"]);
    expect(fieldNames(object(demo, "UserAggregateGroup"))).toEqual(["count", "key"]);
    expect(demo.getQueryType()?.getFields().commentsAggregate).toBeUndefined();
    expect(demo.getType("CommentAggregateGroup")).toBeUndefined();
  });

  it("never offer a hidden field, even one declared for aggregates", () => {
    const schema = schemaOf([
      { model: "User", fields: { passwordHash: { hidden: ["one", "list"], aggregate: ["min"], groupBy: true } } },
    ]);
    expect(schema.getQueryType()?.getFields().usersAggregate).toBeUndefined();
  });
});

describe("create and update inputs", () => {
  it("holds writable fields only: no id, no read-only fields", () => {
    // Relations with nestedWrites (§28) add their nested-write fields beside the fields.
    const postFields = [
      "author",
      "authorId",
      "body",
      "comments",
      "cover",
      "publishedAt",
      "status",
      "tags",
      "title",
      "views",
    ];
    expect(fieldNames(input(demo, "PostCreateInput"))).toEqual(postFields);
    expect(fieldNames(input(demo, "PostUpdateInput"))).toEqual(postFields);
    expect(fieldNames(input(demo, "CommentCreateInput"))).toEqual(["authorId", "body", "parentId", "postId"]);
  });

  it("requires on create what the metadata requires, and nothing on update", () => {
    const create = input(demo, "PostCreateInput")?.getFields() ?? {};
    expect(
      Object.values(create)
        .filter((f) => isNonNullType(f.type))
        .map((f) => f.name)
        .sort(),
    ).toEqual(["title"]); // authorId or author (a nested write, §28): the runtime requires one of them
    const update = input(demo, "PostUpdateInput")?.getFields() ?? {};
    expect(Object.values(update).filter((f) => isNonNullType(f.type))).toEqual([]);
  });

  it("accepts a write-only field on create only", () => {
    expect(String(input(demo, "UserCreateInput")?.getFields().passwordHash?.type)).toBe("String!");
    expect(input(demo, "UserUpdateInput")?.getFields().passwordHash).toBeUndefined();
  });

  it("leaves out the update mutation when nothing can be updated, and `data` of create when nothing can be written", () => {
    const readOnly = { readOnly: true } as const;
    const schema = schemaOf([
      {
        model: "Tag",
        concurrency: { field: "version" },
        fields: { name: { readOnly: true, default: "untitled" }, createdAt: readOnly, updatedAt: readOnly },
      },
    ]);
    expect(schema.getMutationType()?.getFields().updateTag).toBeUndefined();
    expect(schema.getMutationType()?.getFields().createTag?.args).toEqual([]);
    expect(schema.getType("TagCreateInput")).toBeUndefined();
  });
});

describe("names", () => {
  it("come from resource.names, so a renamed resource renames every type and field", () => {
    const schema = schemaOf([
      { model: "Post", name: "article", plural: "articles", fields: { title: { filter: ["eq"] } } },
    ]);
    expect(fieldNames(schema.getQueryType() ?? undefined)).toEqual([
      "article",
      "articleLock",
      "articleLocks",
      "articles",
      "articlesConnection",
      "articlesCount",
    ]);
    // Batch writes, purge and locks exist on every resource; nothing of the trash or of revisions without them.
    expect(fieldNames(schema.getMutationType() ?? undefined)).toEqual([
      "createArticle",
      "createArticles",
      "deleteArticle",
      "deleteArticles",
      "deleteArticlesWhere",
      "lockArticle",
      "purgeArticle",
      "purgeArticles",
      "unlockArticle",
      "updateArticle",
      "updateArticles",
    ]);
    for (const type of [
      "Article",
      "ArticleWhereInput",
      "ArticleOrderByInput",
      "ArticleCreateInput",
      "ArticleUpdateInput",
      "ArticleTitleFilter",
      "ArticleConnection",
      "ArticleEdge",
      "ArticleBatchResult",
      "ArticleBatchItem",
      "ArticleBatchUpdateInput",
      "RecordLock",
    ]) {
      expect(schema.getType(type), type).toBeDefined();
    }
  });

  it("name relation filters and aggregate types after the resource too", () => {
    const schema = schemaOf([
      {
        model: "Post",
        name: "article",
        plural: "articles",
        fields: { views: { aggregate: ["sum"] }, status: { groupBy: true } },
        relations: { comments: { filter: true } },
      },
      { model: "Comment", id: "uuid" },
    ]);
    expect(fieldNames(schema.getQueryType() ?? undefined)).toContain("articlesAggregate");
    for (const type of [
      "ArticleCommentsRelationFilter",
      "ArticleAggregateGroup",
      "ArticleAggregateKey",
      "ArticleGroupByField",
      "ArticleAggregateField",
      "ArticleHavingInput",
      "ArticleAggregateOrderByInput",
      "ArticleAggregateKeyOrderByInput",
      "ArticleSumAggregates",
      "ArticleSumAggregatesOrderByInput",
    ]) {
      expect(schema.getType(type), type).toBeDefined();
    }
  });
});

describe("record lifecycle", () => {
  const args = (schema: GraphQLSchema, root: "query" | "mutation", field: string) => {
    const fields = (root === "query" ? schema.getQueryType() : schema.getMutationType())?.getFields() ?? {};
    return Object.fromEntries(
      (fields[field]?.args ?? []).map((a) => [
        a.name,
        `${String(a.type)}${a.defaultValue !== undefined ? ` = ${String(a.defaultValue)}` : ""}`,
      ]),
    );
  };

  it("takes `deleted` on the reads of soft-deleted resources only, defaulting to the live records", () => {
    for (const field of ["posts", "postsConnection", "postsCount", "post", "comments", "comment"])
      expect(args(demo, "query", field).deleted, field).toBe("DeletedRecords = exclude");
    for (const field of ["tags", "tagsConnection", "tagsCount", "tag", "users", "user"])
      expect(args(demo, "query", field).deleted, field).toBeUndefined();
    expect(printType(demo.getType("DeletedRecords") ?? object(demo, "missing"))).toContain("EXCLUDE");
  });

  it("makes a required relation to a soft-deleted resource nullable: a trashed record reads as absent", () => {
    expect(String(object(demo, "Comment").getFields().post?.type)).toBe("Post");
    expect(String(object(demo, "Post").getFields().author?.type)).toBe("User!");
  });

  it("serves revisions and `postAsOf` (as snapshots, never the live type) on resources with revisions only", () => {
    expect(args(demo, "query", "postAsOf")).toEqual({ id: "ID!", asOf: "AsOf!", deleted: "DeletedRecords = exclude" });
    expect(args(demo, "query", "tagAsOf")).toEqual({ id: "ID!", asOf: "AsOf!" });
    expect(String(demo.getQueryType()?.getFields().tagAsOf?.type)).toBe("TagSnapshot");
    expect(args(demo, "query", "post").asOf).toBeUndefined();
    expect(demo.getQueryType()?.getFields().commentAsOf).toBeUndefined();
    expect(fieldNames(input(demo, "AsOf"))).toEqual(["revision", "time"]);
    expect(args(demo, "query", "postRevisions")).toEqual({ id: "ID!" });
    expect(args(demo, "query", "postRevision")).toEqual({ id: "ID!", revision: "Int!" });
    expect(args(demo, "query", "postRevisionDiff")).toEqual({ id: "ID!", revision: "Int!", against: "Int" });
    expect(args(demo, "mutation", "revertPost")).toEqual({ id: "ID!", toRevision: "Int!", expectedVersion: "Int" });
    expect(String(demo.getQueryType()?.getFields().postRevisions?.type)).toBe("[PostRevision!]!");
    const revision = Object.fromEntries(
      Object.values(object(demo, "PostRevision").getFields()).map((f) => [f.name, String(f.type)]),
    );
    expect(revision).toEqual({
      id: "ID!",
      number: "Int!",
      parentNumber: "Int",
      action: "String!",
      status: "RevisionStatus!",
      actorId: "String",
      createdAt: "DateTime!",
      schemaVersion: "Int!",
      data: "PostSnapshot!",
    });
    // A snapshot has no `id` (a normalised cache would store it as the live post), and no relations.
    const snapshot = object(demo, "PostSnapshot").getFields();
    expect(String(snapshot.recordId?.type)).toBe("ID!");
    expect(snapshot.id).toBeUndefined();
    expect(snapshot.author).toBeUndefined();
    expect(String(snapshot.title?.type)).toBe("String");
    expect(
      Object.fromEntries(Object.values(object(demo, "FieldChange").getFields()).map((f) => [f.name, String(f.type)])),
    ).toEqual({ field: "String!", from: "JSON", to: "JSON" });
    for (const name of ["commentRevisions", "userRevisions"])
      expect(demo.getQueryType()?.getFields()[name], name).toBeUndefined();
    expect(demo.getMutationType()?.getFields().revertComment).toBeUndefined();
  });

  it("restores only where there is a trash, purges everywhere, publishes only in draft mode", () => {
    const mutations = demo.getMutationType()?.getFields() ?? {};
    expect(args(demo, "mutation", "restorePost")).toEqual({ id: "ID!", expectedVersion: "Int" });
    expect(args(demo, "mutation", "purgePost")).toEqual({ id: "ID!", expectedVersion: "Int" });
    expect(args(demo, "mutation", "restoreComment")).toEqual({ id: "ID!" });
    expect(mutations.restoreTag).toBeUndefined();
    expect(mutations.restoreTags).toBeUndefined();
    expect(String(mutations.purgeTag?.type)).toBe("Tag!");
    expect(mutations.publishPost).toBeUndefined();
    const drafts = schemaOf([{ model: "Post", revisions: { draft: true } }]);
    expect(args(drafts, "mutation", "publishPost")).toEqual({ id: "ID!" });
  });

  it("has batch writes on every resource, with the expected version per item where versioned", () => {
    expect(args(demo, "mutation", "createPosts")).toEqual({ data: "[PostCreateInput!]!", partial: "Boolean = false" });
    expect(args(demo, "mutation", "updatePosts")).toEqual({
      data: "[PostBatchUpdateInput!]!",
      partial: "Boolean = false",
    });
    for (const action of ["delete", "restore", "purge"])
      expect(args(demo, "mutation", `${action}Posts`)).toEqual({ ids: "[ID!]!", partial: "Boolean = false" });
    expect(String(demo.getMutationType()?.getFields().createUsers?.type)).toBe("UserBatchResult!");
    const item = input(demo, "PostBatchUpdateInput")?.getFields() ?? {};
    expect(String(item.id?.type)).toBe("ID!");
    expect(String(item.expectedVersion?.type)).toBe("Int");
    expect(fieldNames(input(demo, "PostBatchUpdateInput"))).toEqual([
      "authorId",
      "body",
      "expectedVersion",
      "id",
      "publishedAt",
      "status",
      "title",
      "views",
    ]);
    expect(input(demo, "UserBatchUpdateInput")?.getFields().expectedVersion).toBeUndefined();
    const required = schemaOf([{ model: "Tag", concurrency: { required: true } }]);
    expect(String(input(required, "TagBatchUpdateInput")?.getFields().expectedVersion?.type)).toBe("Int!");
    expect(
      Object.fromEntries(Object.values(object(demo, "BatchFailure").getFields()).map((f) => [f.name, String(f.type)])),
    ).toEqual({ index: "Int!", code: "String!", message: "String!", fields: "JSON", details: "JSON" });
  });

  it("adds no shared trash or revision type when no resource uses it", () => {
    const plain = schemaOf([{ model: "Tag" }]);
    for (const type of ["DeletedRecords", "AsOf", "RevisionStatus", "RevisionDiff", "FieldChange", "TagRevision"])
      expect(plain.getType(type), type).toBeUndefined();
    expect(plain.getType("BatchFailure")).toBeDefined();
  });
});
