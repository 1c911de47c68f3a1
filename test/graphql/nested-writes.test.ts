// Nested writes over GraphQL (rest-dialect.md §28 is the shared contract): createPost / updatePost with
// author, tags and comments written in the same mutation, checked in the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN } from "../support/actors.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLTestClient, graphqlClient } from "./client.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t, { actor: ADMIN });
});
afterAll(() => t?.close());

async function tagIdsOf(postId: number): Promise<number[]> {
  return (await t.db.prisma.postTag.findMany({ where: { postId }, orderBy: { tagId: "asc" } })).map((l) => l.tagId);
}

describe("§28 nested writes in createPost and updatePost", () => {
  it("createPost connects the author and tags, creates a tag and a comment; the answer shows them", async () => {
    const data = await gql.data<{
      createPost: { id: string; author: { id: string }; tags: { name: string }[]; comments: { body: string }[] };
    }>(
      `mutation($data: PostCreateInput!) { createPost(data: $data) { id author { id } tags { name } comments { body } } }`,
      {
        data: {
          title: "Nested over GraphQL",
          author: { connect: { id: "3" } },
          tags: { connect: [{ id: "1" }], create: [{ name: "graphql-nested" }] },
          comments: { create: [{ body: "From GraphQL", authorId: 4 }] },
        },
      },
    );
    const id = Number(data.createPost.id);
    expect(data.createPost.author.id).toBe("3");
    expect(data.createPost.tags.map((tag) => tag.name)).toContain("graphql-nested");
    expect(data.createPost.comments.map((c) => c.body)).toEqual(["From GraphQL"]);
    const tag = await t.db.prisma.tag.findUniqueOrThrow({ where: { name: "graphql-nested" } });
    expect(await tagIdsOf(id)).toEqual([1, tag.id]);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).authorId).toBe(3);
  });

  it("a failing child names its path in extensions.fields and leaves every table unchanged", async () => {
    const p = t.db.prisma;
    const counts = () =>
      Promise.all([p.post.count(), p.tag.count(), p.postTag.count(), p.revision.count(), p.event.count()]);
    const before = await counts();
    const error = await gql.error(`mutation($data: PostCreateInput!) { createPost(data: $data) { id } }`, {
      data: {
        title: "Never",
        authorId: 3,
        tags: { connect: [{ id: "2" }], create: [{ name: "fine-one" }, { name: "Bad Name" }] },
      },
    });
    expect(error.extensions?.code).toBe("VALIDATION_FAILED");
    expect(error.extensions?.fields).toEqual({
      "tags.create[1].name": "use lowercase letters, digits and single dashes, e.g. open-source",
    });
    expect(error.extensions?.details).toMatchObject({ path: "tags.create[1]" });
    expect(await counts()).toEqual(before);
  });

  it("updatePost sets the links (a patch: other fields keep their value); the post's event names tags", async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { deletedAt: null }, orderBy: { id: "asc" } });
    const data = await gql.data<{ updatePost: { title: string; tags: { id: string }[] } }>(
      `mutation { updatePost(id: ${post.id}, data: { tags: { set: [{ id: "2" }, { id: "4" }] } }) { title tags { id } } }`,
    );
    expect(data.updatePost.title).toBe(post.title);
    expect(data.updatePost.tags.map((tag) => tag.id).sort()).toEqual(["2", "4"]);
    expect(await tagIdsOf(post.id)).toEqual([2, 4]);
    const last = await t.db.prisma.event.findFirstOrThrow({
      where: { resource: "post", recordId: String(post.id) },
      orderBy: { id: "desc" },
    });
    expect(last.changed).toContain("tags");
  });

  it("a connect to a record that does not exist is VALIDATION_FAILED at its path", async () => {
    const error = await gql.error(
      `mutation { createPost(data: { title: "Ghost author", author: { connect: { id: "999999" } } }) { id } }`,
    );
    expect(error.extensions?.code).toBe("VALIDATION_FAILED");
    expect(error.extensions?.fields).toEqual({ "author.connect.id": "no user with this id" });
    expect(await t.db.prisma.post.count({ where: { title: "Ghost author" } })).toBe(0);
  });

  it("the schema offers disconnect on to-many relations, not on a required to-one", async () => {
    const types = await gql.data<{
      one: { inputFields: { name: string }[] };
      many: { inputFields: { name: string }[] };
    }>(
      `{ one: __type(name: "PostAuthorNestedInput") { inputFields { name } } many: __type(name: "PostTagsNestedInput") { inputFields { name } } }`,
    );
    expect(types.one.inputFields.map((f) => f.name).sort()).toEqual(["connect", "create"]);
    expect(types.many.inputFields.map((f) => f.name).sort()).toEqual([
      "connect",
      "create",
      "disconnect",
      "set",
      "update",
    ]);
  });
});
