/**
 * §6.8 A record and its files in one multipart/form-data write (docs/guides/files.md): `POST /api/posts`
 * with a `data` part and a `cover` part creates the post with its cover, `PUT`/`PATCH` change both; the
 * field limits (413, 415), the body limit (413 without reading it all), malformed and unexpected parts
 * (400) and access (403, 404) hold, acting through HTTP and checking the database's column and the store.
 */
import { createHash, randomUUID } from "node:crypto";
import { Client } from "minio";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { createRestHandler, type RestHandler } from "../../src/rest/handler.ts";
import type { Actor } from "../../src/runtime/context.ts";
import type { BlobStore } from "../../src/storage/blobs/blob-store.ts";
import { collectBlobs } from "../../src/storage/blobs/gc.ts";
import { blobReferences } from "../../src/storage/blobs/references.ts";
import { createS3BlobStore } from "../../src/storage/blobs/s3-blob-store.ts";
import { ADMIN, EDITOR, READER } from "../support/actors.ts";
import { createTestBlobStore } from "../support/blob-store.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { haveS3, S3_TEST_SETTINGS } from "../support/s3.ts";

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
/** Bytes file-type reads as JPEG. */
const jpeg = (size: number, fill = 1) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, fill)]);
const file = (bytes: Uint8Array, type: string, name = "cover.png") => new File([new Uint8Array(bytes)], name, { type });
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let t: TestRuntime;
let store: BlobStore & { readonly folder: string };
let rest: RestHandler;
let bare: RestHandler;
const unexpected: unknown[] = [];
const actors = new Map<string, Actor>([
  ["admin", ADMIN],
  ["editor", EDITOR],
  ["reader", READER],
]);
const contextFor = (r: Request) => t.runtime.context({ actor: actors.get(r.headers.get("x-as") ?? "") ?? EDITOR });
const onUnexpectedError = (e: unknown) => unexpected.push(e);

type Init = RequestInit & { as?: string };
function request(handler: RestHandler, method: string, path: string, init: Init = {}) {
  const headers = new Headers(init.headers);
  headers.set("x-as", init.as ?? "editor");
  return handler.fetch(new Request(`http://test${path}`, { ...init, method, headers, duplex: "half" } as RequestInit));
}
/** A form of `parts`: strings as plain fields, Files and Blobs as file parts. */
function form(parts: [string, string | Blob][]): FormData {
  const body = new FormData();
  for (const [name, value] of parts) body.append(name, value);
  return body;
}
const post = (parts: [string, string | Blob][], init: Init = {}, handler = rest) =>
  request(handler, "POST", "/api/posts", { ...init, body: form(parts) });
const data = (record: Record<string, unknown>): [string, string] => ["data", JSON.stringify(record)];
const column = async (id: number) => (await t.db.prisma.post.findUniqueOrThrow({ where: { id } })).cover;
const posts = () => t.db.prisma.post.count();
const objects = async (of: BlobStore = store) => {
  const ids: string[] = [];
  for await (const o of of.list()) ids.push(o.id);
  return ids.sort();
};
/** The 400/413/415 answer, and that nothing was created or stored. */
async function refused(response: Response, status: number, message: string | RegExp, before: number, stored: string[]) {
  const body = (await response.json()) as { message: string };
  expect({ status: response.status, message: body.message }).toEqual({
    status,
    message: typeof message === "string" ? expect.stringContaining(message) : expect.stringMatching(message),
  });
  expect(await posts()).toBe(before);
  expect(await objects()).toEqual(stored);
  return body;
}

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  store = await createTestBlobStore();
  rest = createRestHandler({ runtime: t.runtime, contextFor, blobs: { store }, onUnexpectedError });
  bare = createRestHandler({ runtime: t.runtime, contextFor, onUnexpectedError });
});
afterAll(async () => {
  expect(unexpected).toEqual([]);
  await store?.close?.();
  await t?.close();
});

describe("§6.8 create with files", () => {
  it("POST with a data part and a cover part creates the post with its cover in one write", async () => {
    const response = await post([data({ title: "One request", authorId: 3 }), ["cover", file(PNG, "image/png")]]);
    expect(response.status).toBe(201);
    const record = (await response.json()) as { id: number; version: number; title: string; cover: unknown };
    const expected = { id: sha(PNG), size: PNG.length, contentType: "image/png", filename: "cover.png" };
    expect(record).toMatchObject({ title: "One request", version: 1 });
    expect(record.cover).toEqual({ ...expected, url: `/api/posts/${record.id}/cover` });
    expect(response.headers.get("location")).toBe(`/api/posts/${record.id}`);
    expect(await column(record.id)).toEqual(expected);
    expect(await objects()).toEqual([sha(PNG)]);
    // One write: one revision, holding the cover.
    const revisions = await t.db.prisma.revision.findMany({ where: { resource: "post", recordId: String(record.id) } });
    expect(revisions.map((r) => (r.data as { cover: unknown }).cover)).toEqual([expected]);
    const download = await request(rest, "GET", `/api/posts/${record.id}/cover`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
    const read = (await (await request(rest, "GET", `/api/posts/${record.id}`)).json()) as { cover: unknown };
    expect(read.cover).toEqual(record.cover);
  });

  it("the data part may be a JSON file part; the filename is cut to its last segment", async () => {
    const json = new Blob([JSON.stringify({ title: "Data as a file", authorId: 3 })], { type: "application/json" });
    const response = await post([
      ["data", json],
      ["cover", file(jpeg(300), "image/jpeg", "C:\\photos\\x.jpg")],
    ]);
    expect(response.status).toBe(201);
    const record = (await response.json()) as { id: number };
    expect(await column(record.id)).toMatchObject({ id: sha(jpeg(300)), contentType: "image/jpeg", filename: "x.jpg" });
  });

  it("without a file part it is a plain create; a JSON create is unchanged", async () => {
    const response = await post([data({ title: "No cover", authorId: 3 })]);
    expect(response.status).toBe(201);
    expect(await column(((await response.json()) as { id: number }).id)).toBeNull();
    const json = await request(rest, "POST", "/api/posts", {
      body: JSON.stringify({ title: "As JSON", authorId: 3 }),
      headers: { "Content-Type": "application/json" },
    });
    expect(json.status).toBe(201);
  });

  it("a failed create (422) keeps no record; its bytes are unreferenced and the collector removes them", async () => {
    const before = await posts();
    const orphan = jpeg(500, 9);
    const response = await post([data({ title: "x", authorId: 3 }), ["cover", file(orphan, "image/jpeg")]]);
    expect(response.status).toBe(422);
    expect(await posts()).toBe(before);
    expect(await objects()).toContain(sha(orphan));
    const pool = new pg.Pool({ connectionString: t.testDb.url, max: 1 });
    try {
      const references = blobReferences(t.runtime.schema, datamodel);
      const result = await collectBlobs(pool, store, references, { graceMs: 0, now: Date.now() + 1000 });
      expect(result.deleted).toEqual([sha(orphan)]);
    } finally {
      await pool.end();
    }
    expect(await objects()).not.toContain(sha(orphan));
    expect(await objects()).toContain(sha(PNG));
  });
});

describe("§6.8 limits", () => {
  it("a type the field does not take, or bytes of another type, is a 415 and creates nothing", async () => {
    const before = await posts();
    const stored = await objects();
    const record = data({ title: "Refused", authorId: 3 });
    await refused(
      await post([record, ["cover", file(Buffer.from("hello"), "text/plain", "a.txt")]]),
      415,
      "image/png, image/jpeg, image/webp",
      before,
      stored,
    );
    await refused(
      await post([record, ["cover", file(jpeg(64), "image/png")]]),
      415,
      "declared image/png, but its bytes are image/jpeg",
      before,
      stored,
    );
  });

  it("a file over the field's maxBytes is a 413 and creates nothing", async () => {
    const before = await posts();
    const stored = await objects();
    const big = await post([data({ title: "Too big", authorId: 3 }), ["cover", file(jpeg(5_000_001), "image/jpeg")]]);
    const body = await refused(big, 413, "The file for cover is too large: at most 5000000 bytes", before, stored);
    expect(body).toMatchObject({ code: "PAYLOAD_TOO_LARGE", details: { maxBytes: 5_000_000 } });
  });

  it("a body over the JSON limit plus the file limits is a 413 by Content-Length, before it is read", async () => {
    const small = createRestHandler({ runtime: t.runtime, contextFor, blobs: { store }, maxBodyBytes: 1000 });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 65_536;
        controller.enqueue(new Uint8Array(65_536));
      },
    });
    const response = await request(small, "POST", "/api/posts", {
      body,
      headers: { "Content-Type": "multipart/form-data; boundary=x", "Content-Length": String(5_001_001) },
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ details: { maxBytes: 5_001_000 } });
    expect(pulled).toBeLessThanOrEqual(65_536);
  });

  it("a body without Content-Length is counted while it streams and refused once past the limit", async () => {
    const small = createRestHandler({ runtime: t.runtime, contextFor, blobs: { store }, maxBodyBytes: 1000 });
    const before = await posts();
    const head = new TextEncoder().encode(
      `--x\r\nContent-Disposition: form-data; name="cover"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    let pulled = 0;
    // An endless body: a parser that buffered it all would never answer.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = pulled === 0 ? head : new Uint8Array(65_536);
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await request(small, "POST", "/api/posts", {
      body,
      headers: { "Content-Type": "multipart/form-data; boundary=x" },
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toBe(
      "Request body is too large: at most 5001000 bytes.",
    );
    expect(pulled).toBeLessThan(5_001_000 + 4 * 65_536);
    expect(await posts()).toBe(before);
  });

  it("a data part over the JSON limit is a 413", async () => {
    const small = createRestHandler({ runtime: t.runtime, contextFor, blobs: { store }, maxBodyBytes: 1000 });
    const response = await post([data({ title: "x".repeat(1000), authorId: 3 })], {}, small);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toContain('The "data" part is too large');
  });
});

describe("§6.8 bad requests", () => {
  const record = () => data({ title: "Bad request", authorId: 3 });
  const cover = (): [string, File] => ["cover", file(PNG, "image/png")];
  const raw = (body: string, type = "multipart/form-data; boundary=x") =>
    request(rest, "POST", "/api/posts", { body, headers: { "Content-Type": type } });
  const cases: [string, () => Promise<Response>, string | RegExp][] = [
    ["a malformed body", () => raw("not a multipart body"), "Request body is not valid multipart/form-data"],
    [
      "a body that ends before its closing boundary",
      () => raw(`--x\r\nContent-Disposition: form-data; name="data"\r\n\r\n{}`),
      "not valid multipart/form-data",
    ],
    ["no boundary", () => raw("--x--", "multipart/form-data"), "has no boundary parameter"],
    ["an unknown part", () => post([record(), ["caption", "hi"]]), /^Unexpected part "caption": .*"data".*\(cover\)/],
    ["a scalar field as a part", () => post([record(), ["title", "Hello"]]), 'Unexpected part "title"'],
    [
      "a file for a field that is not a file",
      () => post([record(), ["title", file(PNG, "image/png")]]),
      'Unexpected part "title"',
    ],
    [
      "a file field as a plain value",
      () => post([record(), ["cover", "not a file"]]),
      'The part "cover" must be a file',
    ],
    [
      "a file field in data and as a part",
      () => post([data({ title: "Twice", authorId: 3, cover: null }), cover()]),
      'cover is sent twice, in the "data" part and as a file part',
    ],
    ["a part twice", () => post([record(), cover(), cover()]), 'The part "cover" is sent twice'],
    ["data that is not JSON", () => post([["data", "{title:"], cover()]), /^The "data" part is not valid JSON/],
    ["data that is not an object", () => post([["data", "[1]"], cover()]), 'The "data" part must be a JSON object'],
  ];
  it.each(cases)("%s is a 400 saying so, and nothing is created or stored", async (_name, send, message) => {
    const before = await posts();
    const stored = await objects();
    const body = await refused(await send(), 400, message, before, stored);
    expect(body).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("a resource without file fields takes JSON only (400 naming the type)", async () => {
    const response = await request(rest, "POST", "/api/tags", { body: form([data({ name: "multipart" })]) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain("Content-Type: application/json");
  });

  it("without a blob store a multipart write is a 501", async () => {
    const before = await posts();
    const response = await post([data({ title: "No store", authorId: 3 }), cover()], {}, bare);
    expect(response.status).toBe(501);
    expect(((await response.json()) as { message: string }).message).toContain("blob store");
    expect(await posts()).toBe(before);
  });
});

describe("§6.8 access", () => {
  it("an actor who may not create posts gets a 403 and no record", async () => {
    const before = await posts();
    const response = await post(
      [data({ title: "Not mine to write", authorId: 25 }), ["cover", file(PNG, "image/png")]],
      {
        as: "reader",
      },
    );
    expect(response.status).toBe(403);
    expect(await posts()).toBe(before);
  });

  it("a multipart change of a record the actor cannot see is a 404 before any byte is stored", async () => {
    const stored = await objects();
    await t.db.prisma.post.update({ where: { id: 2 }, data: { deletedAt: new Date() } });
    try {
      const response = await request(rest, "PATCH", "/api/posts/2", {
        body: form([data({ title: "Trashed" }), ["cover", file(jpeg(200, 7), "image/jpeg")]]),
      });
      expect(response.status).toBe(404);
      expect(await objects()).toEqual(stored);
    } finally {
      await t.db.prisma.post.update({ where: { id: 2 }, data: { deletedAt: null } });
    }
  });
});

describe("§6.8 change with files", () => {
  it("PATCH and PUT change fields and the cover in one write; If-Match applies", async () => {
    const second = jpeg(400, 5);
    const patched = await request(rest, "PATCH", "/api/posts/1", {
      body: form([data({ title: "New title" }), ["cover", file(second, "image/jpeg", "second.jpg")]]),
    });
    expect(patched.status).toBe(200);
    const record = (await patched.json()) as { title: string; version: number; cover: unknown };
    expect(record.title).toBe("New title");
    expect(await column(1)).toEqual({ id: sha(second), size: 400, contentType: "image/jpeg", filename: "second.jpg" });
    const stale = await request(rest, "PUT", "/api/posts/1", {
      body: form([["cover", file(PNG, "image/png")]]),
      headers: { "If-Match": `"${record.version - 1}"` },
    });
    expect(stale.status).toBe(412);
    expect(await column(1)).toMatchObject({ id: sha(second) });
    const put = await request(rest, "PUT", "/api/posts/1", {
      body: form([["cover", file(PNG, "image/png")]]),
      headers: { "If-Match": `"${record.version}"` },
    });
    expect(put.status).toBe(200);
    expect(await column(1)).toMatchObject({ id: sha(PNG), filename: "cover.png" });
    // The id in data must still be the path's.
    const other = await request(rest, "PATCH", "/api/posts/1", { body: form([data({ id: 2, title: "Elsewhere" })]) });
    expect(other.status).toBe(400);
  });
});

describe.skipIf(!(await haveS3()))("§6.8 with S3", () => {
  it("POST with a cover stores it in the bucket and serves it back", async () => {
    const bucket = `blobs-multipart-${randomUUID().slice(0, 8)}`;
    const s3 = createS3BlobStore({ ...S3_TEST_SETTINGS, bucket });
    const client = new Client(S3_TEST_SETTINGS);
    const onS3 = createRestHandler({ runtime: t.runtime, contextFor, blobs: { store: s3 }, onUnexpectedError });
    try {
      const bytes = jpeg(300_000, 6);
      const response = await post(
        [data({ title: "On S3", authorId: 3 }), ["cover", file(bytes, "image/jpeg")]],
        {},
        onS3,
      );
      expect(response.status).toBe(201);
      const { id } = (await response.json()) as { id: number };
      expect(await column(id)).toMatchObject({ id: sha(bytes), size: bytes.length });
      expect(await objects(s3)).toEqual([sha(bytes)]);
      const download = await request(onS3, "GET", `/api/posts/${id}/cover`);
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      const names: string[] = [];
      for await (const o of client.listObjectsV2(bucket, "", true)) if (o.name) names.push(o.name);
      if (names.length > 0) await client.removeObjects(bucket, names);
      if (await client.bucketExists(bucket)) await client.removeBucket(bucket);
    }
  });
});
