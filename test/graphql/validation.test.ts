// Declarative validation over GraphQL: a mutation that breaks several of the demo's rules fails with
// one error whose extensions carry the code and a message per field; nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { type GraphQLTestClient, graphqlClient } from "./client.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let gql: GraphQLTestClient;
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  gql = graphqlClient(t, { actor: ADMIN });
});
afterAll(() => t?.close());

describe("validation rules over GraphQL", () => {
  it("updatePost breaking field rules and the resource rule: extensions.fields has each message; the row is unchanged", async () => {
    const draft = await t.db.prisma.post.findFirstOrThrow({ where: { status: "draft" }, orderBy: { id: "asc" } });
    const error = await gql.error(
      `mutation($id: ID!) { updatePost(id: $id, data: { title: "ab", views: -3, publishedAt: "2025-06-01T00:00:00Z" }) { id } }`,
      { id: draft.id },
    );
    expect(error.extensions).toEqual({
      code: "VALIDATION_FAILED",
      fields: {
        title: "must be at least 3 characters, got 2",
        views: "must be at least 0, got -3",
        publishedAt: "must be empty while the post is a draft (publish it, or clear the date)",
      },
    });
    expect(error.message).toContain(
      "Invalid post: title must be at least 3 characters, got 2; views must be at least 0, got -3;",
    );
    expect(error.path).toEqual(["updatePost"]);
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: draft.id } })).toEqual(draft);
  });

  it("createUser with a bad email and a blank name: both fields at once; no user is created", async () => {
    const before = await t.db.prisma.user.count();
    const error = await gql.error(
      `mutation { createUser(data: { email: "nobody", name: "  ", passwordHash: "secret" }) { id } }`,
    );
    expect(error.extensions).toEqual({
      code: "VALIDATION_FAILED",
      fields: {
        email: 'must be an email address (name@example.com), got "nobody"',
        name: "is required (blank text does not count)",
      },
    });
    expect(await t.db.prisma.user.count()).toBe(before);
  });
});
