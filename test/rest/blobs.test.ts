/**
 * File fields over REST (docs/guides/files.md): upload, download (whole, ranges, 304), limits (413, 415),
 * access (scope, trash, a guessed id), revisions and dedupe, acting through HTTP and checking the
 * database's column and the store.
 */
import { createHash, randomUUID } from "node:crypto";
import { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources as demoResources } from "../../demo/schema/index.ts";
import { actorUserId } from "../../demo/schema/actor-user-id.ts";
import { createRestHandler, type RestHandler } from "../../src/rest/handler.ts";
import type { Actor } from "../../src/runtime/context.ts";
import type { BlobStore } from "../../src/storage/blobs/blob-store.ts";
import { ADMIN, EDITOR } from "../support/actors.ts";
import { createTestBlobStore } from "../support/blob-store.ts";
import { haveS3, S3_TEST_SETTINGS } from "../support/s3.ts";
import { createS3BlobStore } from "../../src/storage/blobs/s3-blob-store.ts";
import { Prisma } from "../../demo/generated/client.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
/** Bytes file-type reads as JPEG. */
const jpeg = (size: number, fill = 1) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, fill)]);

// Posts scoped to their author for authors (the demo lets anyone read every post): another author's post is a 404.
const resources = demoResources.map((r) =>
  r.model === "Post"
    ? {
        ...r,
        scope: (actor: Actor) => (actor.roles.includes("author") ? { authorId: actorUserId(actor.id) } : undefined),
      }
    : r,
);

let t: TestRuntime;
let store: BlobStore & { readonly folder: string };
let rest: RestHandler;
let bare: RestHandler;
const unexpected: unknown[] = [];
const actors = new Map<string, Actor>([
  ["admin", ADMIN],
  ["editor", EDITOR],
]);

function request(handler: RestHandler, method: string, path: string, init: RequestInit & { as?: string } = {}) {
  const headers = new Headers(init.headers);
  headers.set("x-as", init.as ?? "editor");
  return handler.fetch(new Request(`http://test${path}`, { ...init, method, headers, duplex: "half" } as RequestInit));
}
const send = (method: string, path: string, init: RequestInit & { as?: string } = {}) =>
  request(rest, method, path, init);
const upload = (path: string, bytes: Uint8Array, type: string, headers: Record<string, string> = {}) =>
  send("PUT", path, { body: bytes as Uint8Array<ArrayBuffer>, headers: { "Content-Type": type, ...headers } });
const column = async (id: number) => (await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).cover;
const objects = async () => {
  const ids: string[] = [];
  for await (const o of store.list()) ids.push(o.id);
  return ids.sort();
};
const sha = async (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  t = await createTestRuntime({ seed: true, resources });
  store = await createTestBlobStore();
  const contextFor = (r: Request) => {
    const as = r.headers.get("x-as") ?? "editor";
    const actor = actors.get(as) ?? { id: as, roles: ["author"] };
    return t.runtime.context({ actor });
  };
  const onUnexpectedError = (e: unknown) => unexpected.push(e);
  rest = createRestHandler({ runtime: t.runtime, contextFor, blobs: { store }, onUnexpectedError });
  bare = createRestHandler({ runtime: t.runtime, contextFor, onUnexpectedError });
});
afterAll(async () => {
  expect(unexpected).toEqual([]);
  await store?.close?.();
  await t?.close();
});

describe("upload and download", () => {
  it("PUT stores the bytes and the record keeps their metadata and a url, never the bytes", async () => {
    const response = await upload("/api/posts/1/cover?filename=dot.png", PNG, "image/png");
    expect(response.status).toBe(200);
    const id = await sha(PNG);
    const expected = { id, size: PNG.length, contentType: "image/png", filename: "dot.png" };
    const record = (await response.json()) as { cover: unknown; version: number };
    expect(record.cover).toEqual({ ...expected, url: "/api/posts/1/cover" });
    expect(response.headers.get("etag")).toBe(`"${record.version}"`);
    expect(await column(1)).toEqual(expected);
    expect(await objects()).toContain(id);
    const read = (await (await send("GET", "/api/posts/1")).json()) as { cover: unknown };
    expect(read.cover).toEqual({ ...expected, url: "/api/posts/1/cover" });
    const list = (await (await send("GET", "/api/posts?filter=%7B%22id%22%3A%5B1%5D%7D")).json()) as {
      cover: unknown;
    }[];
    expect(list.map((p) => p.cover)).toEqual([{ ...expected, url: "/api/posts/1/cover" }]);
  });

  it("GET streams the bytes with their ETag, type, length, name and ranges", async () => {
    const response = await send("GET", "/api/posts/1/cover");
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      etag: `"${await sha(PNG)}"`,
      "content-type": "image/png",
      "content-length": String(PNG.length),
      "content-disposition": `inline; filename="dot.png"; filename*=UTF-8''dot.png`,
      "accept-ranges": "bytes",
    });
  });

  it("Range answers 206 with Content-Range; a range past the end is 416", async () => {
    const part = await send("GET", "/api/posts/1/cover", { headers: { Range: "bytes=1-3" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 1-3/${PNG.length}`);
    expect(part.headers.get("content-length")).toBe("3");
    expect(Buffer.from(await part.arrayBuffer())).toEqual(PNG.subarray(1, 4));
    const suffix = await send("GET", "/api/posts/1/cover", { headers: { Range: "bytes=-4" } });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(PNG.subarray(PNG.length - 4));
    const past = await send("GET", "/api/posts/1/cover", { headers: { Range: `bytes=${PNG.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${PNG.length}`);
  });

  it("If-None-Match with the sha256 is a 304", async () => {
    const response = await send("GET", "/api/posts/1/cover", { headers: { "If-None-Match": `"${await sha(PNG)}"` } });
    expect(response.status).toBe(304);
    expect(await response.text()).toBe("");
  });

  it("the name comes from Content-Disposition, filename* first", async () => {
    const response = await upload("/api/posts/2/cover", PNG, "image/png", {
      "Content-Disposition": `attachment; filename="x.png"; filename*=UTF-8''caf%C3%A9.png`,
    });
    expect(response.status).toBe(200);
    expect(await column(2)).toMatchObject({ filename: "café.png" });
    const download = await send("GET", "/api/posts/2/cover");
    expect(download.headers.get("content-disposition")).toBe(
      `inline; filename="caf_.png"; filename*=UTF-8''caf%C3%A9.png`,
    );
  });

  it("two uploads of the same bytes keep one object", async () => {
    const before = await objects();
    expect(before).toContain(await sha(PNG));
    expect((await upload("/api/posts/3/cover", PNG, "image/png")).status).toBe(200);
    expect(await objects()).toEqual(before);
    expect(await column(3)).toMatchObject({ id: await sha(PNG) });
  });

  it("DELETE clears the field; the record then has no file (404)", async () => {
    expect((await upload("/api/posts/4/cover", PNG, "image/png")).status).toBe(200);
    const response = await send("DELETE", "/api/posts/4/cover");
    expect(response.status).toBe(200);
    expect(((await response.json()) as { cover: unknown }).cover).toBeNull();
    expect(await column(4)).toBeNull();
    expect((await send("GET", "/api/posts/4/cover")).status).toBe(404);
  });

  it("the upload is a versioned write: a stale If-Match is a 412 and nothing changes", async () => {
    const response = await upload("/api/posts/5/cover", PNG, "image/png", { "If-Match": `"999"` });
    expect(response.status).toBe(412);
    expect(await column(5)).toBeNull();
  });
});

describe("limits", () => {
  it("over maxBytes is a 413, by Content-Length", async () => {
    const response = await upload("/api/posts/6/cover", jpeg(5_000_001), "image/jpeg");
    expect(response.status).toBe(413);
    expect(await column(6)).toBeNull();
  });

  it("over maxBytes is a 413 without a Content-Length too, counted while streaming; nothing is kept", async () => {
    const before = await objects();
    const bytes = jpeg(5_000_001, 2);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 65_536) controller.enqueue(bytes.subarray(at, at + 65_536));
        controller.close();
      },
    });
    const response = await send("PUT", "/api/posts/6/cover", { body, headers: { "Content-Type": "image/jpeg" } });
    expect(response.status).toBe(413);
    expect(await column(6)).toBeNull();
    expect(await objects()).toEqual(before);
  });

  it("a type the field does not accept is a 415", async () => {
    const response = await upload("/api/posts/6/cover", Buffer.from("hello"), "text/plain");
    expect(response.status).toBe(415);
    expect(((await response.json()) as { message: string }).message).toContain("image/png, image/jpeg, image/webp");
  });

  it("an accepted type whose bytes are another is a 415, and the store keeps nothing", async () => {
    const before = await objects();
    const response = await upload("/api/posts/6/cover", jpeg(64), "image/png");
    expect(response.status).toBe(415);
    expect(((await response.json()) as { message: string }).message).toContain("image/jpeg");
    expect(await column(6)).toBeNull();
    expect(await objects()).toEqual(before);
  });

  it("a JSON body cannot set a file (400 naming it), only clear it with null", async () => {
    const forged = { cover: { id: "0".repeat(64), size: 1, contentType: "image/png", filename: "x.png" } };
    const response = await send("PATCH", "/api/posts/7", {
      body: JSON.stringify(forged),
      headers: { "Content-Type": "application/json" },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: { cover: expect.any(String) } });
    const created = await send("POST", "/api/posts", {
      body: JSON.stringify({ title: "with a forged cover", authorId: 3, ...forged }),
      headers: { "Content-Type": "application/json" },
    });
    expect(created.status).toBe(400);
    expect(await column(7)).toBeNull();
    expect((await upload("/api/posts/7/cover", PNG, "image/png")).status).toBe(200);
    const cleared = await send("PATCH", "/api/posts/7", {
      body: JSON.stringify({ cover: null }),
      headers: { "Content-Type": "application/json" },
    });
    expect(cleared.status).toBe(200);
    expect(await column(7)).toBeNull();
  });

  it("react-admin sending the record back whole (its cover unchanged) passes; a changed one does not", async () => {
    const record = (await (await send("GET", "/api/posts/1")).json()) as Record<string, unknown>;
    const put = (body: unknown) =>
      send("PUT", "/api/posts/1", { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    const same = await put({ ...record, title: "Same cover, new title" });
    expect(same.status).toBe(200);
    const fresh = (await same.json()) as Record<string, unknown>;
    const changed = await put({ ...fresh, cover: { ...(fresh.cover as object), id: "f".repeat(64) } });
    expect(changed.status).toBe(400);
    expect(await column(1)).toMatchObject({ id: await sha(PNG) });
  });

  it("without a blob store the file routes answer 501", async () => {
    const response = await request(bare, "GET", "/api/posts/1/cover");
    expect(response.status).toBe(501);
    expect(((await response.json()) as { message: string }).message).toContain("blob store");
  });
});

describe("access, trash and revisions", () => {
  it("a file is readable exactly when its record is: another author's post and a guessed id are 404", async () => {
    const post = await t.db.prisma.post.findUniqueOrThrow({ where: { id: 1 } });
    const owner = String(post.authorId);
    const other = String(
      (await t.db.prisma.post.findFirstOrThrow({ where: { authorId: { not: post.authorId } } })).authorId,
    );
    expect((await send("GET", "/api/posts/1/cover", { as: owner })).status).toBe(200);
    const foreign = await send("GET", "/api/posts/1/cover", { as: other });
    expect(foreign.status).toBe(404);
    expect((await send("GET", "/api/posts/1", { as: other })).status).toBe(404);
    expect((await send("GET", "/api/posts/999999/cover")).status).toBe(404);
    // Nor may they upload onto it, or clear it.
    const onto = await send("PUT", "/api/posts/1/cover", {
      as: other,
      body: PNG,
      headers: { "Content-Type": "image/png" },
    });
    expect(onto.status).toBe(404);
    expect((await send("DELETE", "/api/posts/1/cover", { as: other })).status).toBe(404);
    expect(await column(1)).toMatchObject({ id: await sha(PNG) });
  });

  it("reverting to an earlier revision restores the earlier cover", async () => {
    const first = jpeg(100, 3);
    const second = jpeg(100, 4);
    expect((await upload("/api/posts/8/cover", first, "image/jpeg")).status).toBe(200);
    expect((await upload("/api/posts/8/cover", second, "image/jpeg")).status).toBe(200);
    expect(await column(8)).toMatchObject({ id: await sha(second) });
    const revisions = (await (await send("GET", "/api/posts/8/revisions")).json()) as { number: number }[];
    const withFirst = Math.max(...revisions.map((r) => r.number)) - 1;
    const reverted = await send("POST", `/api/posts/8/revert/${withFirst}`);
    expect(reverted.status).toBe(200);
    expect(await column(8)).toMatchObject({ id: await sha(first) });
    const download = await send("GET", "/api/posts/8/cover");
    expect(Buffer.from(await download.arrayBuffer())).toEqual(first);
  });

  it("a trashed post's cover is a 404, and back with the post", async () => {
    expect((await upload("/api/posts/9/cover", PNG, "image/png")).status).toBe(200);
    expect((await send("DELETE", "/api/posts/9")).status).toBe(200);
    expect((await send("GET", "/api/posts/9/cover")).status).toBe(404);
    expect(await column(9)).toMatchObject({ id: await sha(PNG) });
    expect((await send("POST", "/api/posts/9/restore")).status).toBe(200);
    expect((await send("GET", "/api/posts/9/cover")).status).toBe(200);
  });
});

describe.skipIf(!(await haveS3()))("with S3 and BLOB_REDIRECT", () => {
  it("GET answers 307 to a presigned URL that serves the bytes with their type and name", async () => {
    const bucket = `blobs-redirect-${randomUUID().slice(0, 8)}`;
    const s3 = createS3BlobStore({ ...S3_TEST_SETTINGS, bucket });
    const client = new Client(S3_TEST_SETTINGS);
    const redirecting = createRestHandler({
      runtime: t.runtime,
      contextFor: (r: Request) => t.runtime.context({ actor: actors.get(r.headers.get("x-as") ?? "") ?? EDITOR }),
      blobs: { store: s3, redirect: true },
      onUnexpectedError: (e: unknown) => unexpected.push(e),
    });
    try {
      const put = await request(redirecting, "PUT", "/api/posts/7/cover?filename=seven.png", {
        body: PNG as Uint8Array<ArrayBuffer>,
        headers: { "Content-Type": "image/png" },
      });
      expect(put.status).toBe(200);
      const got = await request(redirecting, "GET", "/api/posts/7/cover");
      expect(got.status).toBe(307);
      const location = got.headers.get("location") ?? "";
      expect(location).toContain(bucket);
      const direct = await fetch(location);
      expect(direct.status).toBe(200);
      expect(direct.headers.get("content-type")).toBe("image/png");
      expect(direct.headers.get("content-disposition")).toContain("seven.png");
      expect(Buffer.from(await direct.arrayBuffer()).equals(PNG)).toBe(true);
      // A reader who may not see the record gets its 404, not a URL.
      await t.db.prisma.post.update({ where: { id: 7 }, data: { deletedAt: new Date() } });
      expect((await request(redirecting, "GET", "/api/posts/7/cover")).status).toBe(404);
    } finally {
      await t.db.prisma.post.update({ where: { id: 7 }, data: { deletedAt: null, cover: Prisma.DbNull } });
      const names: string[] = [];
      for await (const o of client.listObjectsV2(bucket, "", true)) if (o.name) names.push(o.name);
      if (names.length > 0) await client.removeObjects(bucket, names);
      if (await client.bucketExists(bucket)) await client.removeBucket(bucket);
    }
  });
});
