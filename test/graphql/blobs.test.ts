/**
 * File fields over GraphQL (docs/guides/files.md): `File` arguments of the multipart request spec in
 * `createPost(data: { cover })` and `updatePost(id, data: { cover })`, the `FileInfo` a record's file
 * reads as, and the same limits and rules as REST, checked in the database and the store.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGraphQLHandler, type GraphQLHandler } from "../../src/graphql/handler.ts";
import type { BlobStore } from "../../src/storage/blobs/blob-store.ts";
import { EDITOR } from "../support/actors.ts";
import { createTestBlobStore } from "../support/blob-store.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import type { GraphQLBody } from "./client.ts";

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let t: TestRuntime;
let store: BlobStore & { folder: string };
let graphql: GraphQLHandler;
let bare: GraphQLHandler;
const unexpected: unknown[] = [];

/** A multipart request (GraphQL multipart request spec) with `file` at `variables.<at>`. */
async function multipart(
  handler: GraphQLHandler,
  query: string,
  variables: Record<string, unknown>,
  at: string,
  file: File,
): Promise<GraphQLBody> {
  const form = new FormData();
  form.set("operations", JSON.stringify({ query, variables: { ...variables, [at]: null } }));
  form.set("map", JSON.stringify({ 0: [`variables.${at}`] }));
  form.set("0", file);
  const response = await handler.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      body: form,
      headers: { accept: "application/json", "x-graphql-csrf": "1" },
    }),
  );
  return (await response.json()) as GraphQLBody;
}
const png = (name = "cover.png") => new File([new Uint8Array(PNG)], name, { type: "image/png" });
const column = async (id: number | string) =>
  (await t.db.prisma.post.findUniqueOrThrow({ where: { id: Number(id) } })).cover;
const COVER = "cover { id size contentType filename url }";

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  store = await createTestBlobStore();
  const options = {
    runtime: t.runtime,
    contextFor: () => t.runtime.context({ actor: EDITOR }),
    onUnexpectedError: (e: unknown) => unexpected.push(e),
  };
  graphql = createGraphQLHandler({ ...options, blobStore: store });
  bare = createGraphQLHandler(options);
});
afterAll(async () => {
  expect(unexpected.map(String)).toEqual([]);
  await store?.close?.();
  await t?.close();
});

describe("GraphQL file fields", () => {
  it("createPost takes the cover as a File; the record reads it as FileInfo and the column keeps its metadata", async () => {
    const body = await multipart(
      graphql,
      `mutation ($cover: File) { createPost(data: { title: "With a cover", authorId: 3, cover: $cover }) { id ${COVER} } }`,
      {},
      "cover",
      png(),
    );
    expect(body.errors).toBeUndefined();
    const post = body.data?.createPost as { id: string; cover: unknown };
    const expected = { id: sha(PNG), size: PNG.length, contentType: "image/png", filename: "cover.png" };
    expect(post.cover).toEqual({ ...expected, url: `/api/posts/${post.id}/cover` });
    expect(await column(post.id)).toEqual(expected);
    expect(await store.stat(sha(PNG))).toEqual({ id: sha(PNG), size: PNG.length });
  });

  it("updatePost sets and, with null, clears the cover", async () => {
    const set = await multipart(
      graphql,
      `mutation ($cover: File) { updatePost(id: 2, data: { cover: $cover }) { id ${COVER} } }`,
      {},
      "cover",
      png("two.png"),
    );
    expect(set.errors).toBeUndefined();
    expect(await column(2)).toMatchObject({ id: sha(PNG), filename: "two.png" });
    const read = await graphql.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ post(id: 2) { ${COVER} } }` }),
      }),
    );
    expect(((await read.json()) as GraphQLBody).data?.post).toMatchObject({ cover: { url: "/api/posts/2/cover" } });
    const cleared = await graphql.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "mutation { updatePost(id: 2, data: { cover: null }) { cover { id } } }" }),
      }),
    );
    expect(((await cleared.json()) as GraphQLBody).data?.updatePost).toEqual({ cover: null });
    expect(await column(2)).toBeNull();
  });

  it("bytes that are not the declared type are refused (415) and nothing is written", async () => {
    const fake = new File([new TextEncoder().encode("not a png at all")], "x.png", { type: "image/png" });
    const body = await multipart(
      graphql,
      `mutation ($cover: File) { updatePost(id: 3, data: { cover: $cover }) { id } }`,
      {},
      "cover",
      fake,
    );
    expect(body.errors?.[0]?.extensions?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await column(3)).toBeNull();
  });

  it("a type the field does not accept is refused", async () => {
    const text = new File([new TextEncoder().encode("hello")], "x.txt", { type: "text/plain" });
    const body = await multipart(
      graphql,
      `mutation ($cover: File) { updatePost(id: 3, data: { cover: $cover }) { id } }`,
      {},
      "cover",
      text,
    );
    expect(body.errors?.[0]?.extensions?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await column(3)).toBeNull();
  });

  it("without a blob store an upload fails with NOT_IMPLEMENTED", async () => {
    const body = await multipart(
      bare,
      `mutation ($cover: File) { updatePost(id: 3, data: { cover: $cover }) { id } }`,
      {},
      "cover",
      png(),
    );
    expect(body.errors?.[0]?.extensions?.code).toBe("NOT_IMPLEMENTED");
    expect(await column(3)).toBeNull();
  });
});
