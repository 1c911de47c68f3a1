// What real GraphQL clients trip on (issue 17 item 9; docs/guides/graphql-clients.md): normalised caches (Apollo
// Client, urql's graphcache) store every object with `__typename` and `id` under that key, so a past version must not
// look like the live record; ids and the fields pointing at them share one type; and a variable of the wrong type
// carries a code like any other bad input.
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

/**
 * What a normalised cache does with a response: every object with `__typename` and `id` is one entity, stored under
 * `Type:id`, its fields merged over what the cache holds. Returns the entities, and the keys whose objects
 * disagreed on a field within the response (the cache would show one of them in every place).
 */
function normalise(data: unknown): { entities: Map<string, Record<string, unknown>>; conflicts: string[] } {
  const entities = new Map<string, Record<string, unknown>>();
  const conflicts: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== "object" || value === null) return;
    const object = value as Record<string, unknown>;
    if (typeof object.__typename === "string" && object.id !== undefined) {
      const key = `${object.__typename}:${String(object.id)}`;
      const held = entities.get(key) ?? {};
      for (const [field, v] of Object.entries(object)) {
        if (typeof v === "object" && v !== null) continue;
        if (field in held && held[field] !== v) conflicts.push(`${key}.${field}`);
        held[field] = v;
      }
      entities.set(key, held);
    }
    for (const v of Object.values(object)) walk(v);
  };
  walk(data);
  return { entities, conflicts };
}

describe("revision snapshots in a normalised cache", () => {
  let postId: string;
  beforeAll(async () => {
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { deletedAt: null }, orderBy: { id: "asc" } });
    postId = String(post.id);
    for (const [i, title] of ["Snapshot one", "Snapshot two", "Snapshot three"].entries())
      await gql.data(
        `mutation($id: ID!, $v: Int, $title: String) { updatePost(id: $id, data: { title: $title }, expectedVersion: $v) { id } }`,
        {
          id: postId,
          title,
          v: post.version + i,
        },
      );
  });

  it("keeps each revision's version apart from the live post, which the history never overwrites", async () => {
    const data = await gql.data<{
      post: { __typename: string; id: string; title: string };
      postRevisions: {
        __typename: string;
        id: string;
        number: number;
        data: { __typename: string; recordId: string; title: string };
      }[];
      old: { __typename: string; recordId: string; title: string };
    }>(
      `query($id: ID!) {
        post(id: $id) { __typename id title }
        postRevisions(id: $id) { __typename id number data { __typename recordId title } }
        old: postAsOf(id: $id, asOf: { revision: 2 }) { __typename recordId title }
      }`,
      { id: postId },
    );
    const { entities, conflicts } = normalise(data);
    expect(conflicts).toEqual([]);
    // The live post is the only Post entity, with its live title.
    expect(entities.get(`Post:${postId}`)?.title).toBe("Snapshot three");
    expect([...entities.keys()].filter((k) => k.startsWith("Post:"))).toEqual([`Post:${postId}`]);
    // Each snapshot is a PostSnapshot, naming its record under recordId: three titles stay three.
    const titles = data.postRevisions.map((r) => r.data.title);
    expect(titles.slice(-3)).toEqual(["Snapshot one", "Snapshot two", "Snapshot three"]);
    expect(data.postRevisions.every((r) => r.data.__typename === "PostSnapshot" && r.data.recordId === postId)).toBe(
      true,
    );
    expect(data.old).toEqual({
      __typename: "PostSnapshot",
      recordId: postId,
      title: data.postRevisions[1]?.data.title,
    });
  });
});

describe("variables of the wrong type", () => {
  it("answer 400 with BAD_REQUEST, as other bad input does", async () => {
    for (const [query, variables, message] of [
      [`query($id: ID!) { post(id: $id) { id } }`, { id: { a: 1 } }, 'Variable "$id" got invalid value { a: 1 }'],
      [`query($take: Int) { posts(take: $take) { id } }`, { take: "ten" }, 'Variable "$take" got invalid value "ten"'],
      [
        `query($take: Int!) { posts(take: $take) { id } }`,
        {},
        'Variable "$take" of required type "Int!" was not provided.',
      ],
    ] as const) {
      const { status, body } = await gql.post(query, variables);
      expect(status).toBe(400);
      expect(body.errors).toHaveLength(1);
      expect(body.errors?.[0]?.extensions?.code, query).toBe("BAD_REQUEST");
      expect(body.errors?.[0]?.message.startsWith(message), body.errors?.[0]?.message).toBe(true);
    }
  });
});

describe("fields holding an id are typed like that id", () => {
  it("lets a client send an id it read as the key of a new record, compare it, and filter by it", async () => {
    const { user } = await gql.data<{ user: { id: string } }>(`{ user(id: 7) { id } }`);
    const { createPost } = await gql.data<{ createPost: { id: string; authorId: string; author: { id: string } } }>(
      `mutation($author: ID!) { createPost(data: { title: "Keys alike", authorId: $author }) { id authorId author { id } } }`,
      { author: user.id },
    );
    expect(createPost.authorId).toBe(user.id);
    expect(createPost.author.id).toBe(createPost.authorId);
    const row = await t.db.prisma.post.findUniqueOrThrow({ where: { id: Number(createPost.id) } });
    expect(row.authorId).toBe(7);
    const { posts } = await gql.data<{ posts: { authorId: string }[] }>(
      `query($author: ID!) { posts(where: { authorId: { eq: $author } }, take: 1000) { authorId } }`,
      { author: user.id },
    );
    expect(posts.length).toBe(await t.db.prisma.post.count({ where: { authorId: 7, deletedAt: null } }));
    expect(new Set(posts.map((p) => p.authorId))).toEqual(new Set([user.id]));
  });

  it("types every key of a belongs-to relation as ID, a UUID one too, on output, input and filters", () => {
    const type = (name: string, field: string) => {
      const found = gql.handler.schema.getType(name) as unknown as { getFields(): Record<string, { type: unknown }> };
      return String(found.getFields()[field]?.type);
    };
    expect(type("Post", "authorId")).toBe("ID!");
    expect(type("Comment", "postId")).toBe("ID!");
    expect(type("Comment", "parentId")).toBe("ID");
    expect(type("PostSnapshot", "authorId")).toBe("ID");
    // Optional: a post may name its author by `author` instead (a nested write, §28).
    expect(type("PostCreateInput", "authorId")).toBe("ID");
    expect(type("CommentAuthorIdFilter", "eq")).toBe("ID");
  });
});
