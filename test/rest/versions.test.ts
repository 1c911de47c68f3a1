// §17 optimistic concurrency over REST: ETag on reads and writes, If-Match (412) and a version in the
// body (409) make writes conditional; GraphQL's expectedVersion does the same (409 CONFLICT).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphqlClient } from "../graphql/client.ts";
import { createRestFixture, type RestFixture } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture({ actor: ADMIN });
});
afterAll(() => t?.close());

describe("§17 optimistic concurrency", () => {
  it("reads and writes carry the version as ETag; If-Match guards writes (412 when stale)", async () => {
    const read = await t.get("/api/posts/2");
    const version = (await t.db.prisma.post.findUniqueOrThrow({ where: { id: 2 } })).version;
    expect(read.headers.get("etag")).toBe(`"${version}"`);
    const ok = await t.send("PATCH", "/api/posts/2", { views: 11 }, { "If-Match": `"${version}"` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("etag")).toBe(`"${version + 1}"`);
    const stale = await t.send("PATCH", "/api/posts/2", { views: 12 }, { "If-Match": `"${version}"` });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ code: "PRECONDITION_FAILED", details: { currentVersion: version + 1 } });
    const gone = await t.send("DELETE", "/api/posts/2", undefined, { "If-Match": `W/"${version}"` });
    expect(gone.status).toBe(412);
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: 2 } })).toMatchObject({
      views: 11,
      version: version + 1,
    });
  });

  it("a create answers 201 with the new record's ETag, which a write can name at once", async () => {
    const created = await t.send("POST", "/api/posts", {
      title: "ETag on create",
      body: "Its first version.",
      authorId: 1,
    });
    expect(created.status).toBe(201);
    const record = (await created.json()) as { id: number; version: number };
    expect(created.headers.get("etag")).toBe(`"${record.version}"`);
    const next = await t.send(
      "PATCH",
      `/api/posts/${record.id}`,
      { views: 3 },
      { "If-Match": created.headers.get("etag") as string },
    );
    expect(next.status).toBe(200);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: record.id } })).views).toBe(3);
  });

  it("a version sent back in the body (react-admin's edit form) is checked: 409 when stale", async () => {
    const record = (await (await t.get("/api/posts/3")).json()) as Record<string, unknown>;
    expect((await t.send("PUT", "/api/posts/3", { ...record, title: "First editor wins" })).status).toBe(200);
    const second = await t.send("PUT", "/api/posts/3", { ...record, title: "Second editor loses" });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { message: string }).message).toContain("changed by someone else");
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: 3 } })).title).toBe("First editor wins");
  });

  it("bad If-Match values and disagreeing versions are 400s; a well-formed tag naming no version is a 412", async () => {
    const before = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 4 } });
    expect((await t.send("PATCH", "/api/posts/4", { views: 1 }, { "If-Match": "3" })).status).toBe(400);
    expect((await t.send("PATCH", "/api/posts/4", { views: 1 }, { "If-Match": '"1", "2"' })).status).toBe(400);
    const foreign = await t.send("PATCH", "/api/posts/4", { views: 1 }, { "If-Match": '"stale-version"' });
    expect(foreign.status).toBe(412);
    expect(await foreign.json()).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(await t.db.prisma.post.findUniqueOrThrow({ where: { id: 4 } })).toMatchObject({
      views: before.views,
      version: before.version,
    });
    // A list with this API's tag among others is checked against that one.
    expect(
      (await t.send("PATCH", "/api/posts/4", { views: before.views }, { "If-Match": `"other", "${before.version}"` }))
        .status,
    ).toBe(200);
    expect((await t.send("PATCH", "/api/posts/4", { views: 1, version: 1 }, { "If-Match": '"2"' })).status).toBe(400);
    expect((await t.send("PATCH", "/api/posts/4", { views: 1, version: "x" })).status).toBe(400);
    expect((await t.send("PATCH", "/api/posts/4", { views: 1 }, { "If-Match": "*" })).status).toBe(200);
  });

  it("GraphQL expectedVersion: a stale version is a CONFLICT with the current version", async () => {
    const gql = graphqlClient(t, { actor: ADMIN });
    const { version } = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 5 } });
    await gql.data("mutation($v: Int) { updatePost(id: 5, data: { views: 1 }, expectedVersion: $v) { id } }", {
      v: version,
    });
    const error = await gql.error(
      "mutation($v: Int) { updatePost(id: 5, data: { views: 2 }, expectedVersion: $v) { id } }",
      { v: version },
    );
    expect(error.extensions).toMatchObject({ code: "CONFLICT" });
    expect(error.message).toContain(`it is now at ${version + 1}`);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: 5 } })).views).toBe(1);
  });
});
