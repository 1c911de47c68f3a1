// The BlobStore contract (src/storage/blobs/blob-store.ts), run against every implementation: files in a
// temp folder, and a real S3 (Ceph radosgw; test/support/s3.ts) in a fresh bucket removed afterwards.
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Client } from "minio";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BlobStore } from "../../src/storage/blobs/blob-store.ts";
import { createLocalBlobStore } from "../../src/storage/blobs/local-blob-store.ts";
import { createBlobStore } from "../../src/storage/blobs/create-blob-store.ts";
import { haveS3, S3_TEST_SETTINGS } from "../support/s3.ts";

const HAVE_S3 = await haveS3();
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const bytes = (s: string) => new TextEncoder().encode(s);
const collect = async (store: BlobStore) => {
  const all = [];
  for await (const object of store.list()) all.push(object);
  return all;
};

interface Harness {
  store: BlobStore;
  /** Whatever the store keeps besides its objects (temp files, temp keys): must be empty between puts. */
  leftovers(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const implementations: { name: string; run: boolean; make(): Promise<Harness> }[] = [
  {
    name: "local",
    run: true,
    async make() {
      const dir = await mkdtemp(join(tmpdir(), "blobs-"));
      return {
        store: createLocalBlobStore({ dir }),
        leftovers: async () => readdir(join(dir, "tmp")).catch(() => []),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "s3",
    run: HAVE_S3,
    async make() {
      const bucket = `blobs-test-${randomUUID().slice(0, 8)}`;
      const client = new Client(S3_TEST_SETTINGS);
      const keys = async (prefix: string) => {
        const found: string[] = [];
        for await (const item of client.listObjectsV2(bucket, prefix, true)) if (item.name) found.push(item.name);
        return found;
      };
      return {
        // As the server makes it: through createBlobStore, which loads the S3 store at its first call.
        store: createBlobStore({ kind: "s3", ...S3_TEST_SETTINGS, bucket, prefix: "app/", inMemoryBytes: 1024 * 1024 }),
        leftovers: () => keys("app/tmp/"),
        async cleanup() {
          if (!(await client.bucketExists(bucket))) return;
          await client.removeObjects(bucket, await keys(""));
          await client.removeBucket(bucket);
        },
      };
    },
  },
];

describe.each(implementations)("$name blob store", ({ name, run, make }) => {
  let harness: Harness;
  let store: BlobStore;
  beforeAll(async () => {
    if (!run) return;
    harness = await make();
    store = harness.store;
  });
  afterAll(async () => {
    await store?.close?.();
    await harness?.cleanup();
  });
  const it = test.skipIf(!run);

  it("stores bytes under their sha256, then stats and reads them back", async () => {
    const body = bytes("hello, blobs");
    const object = await store.put(body, { contentType: "text/plain" });
    expect(object).toEqual({ id: sha256(body), size: body.length });
    expect(await store.stat(object.id)).toEqual(object);
    expect(await text(await store.get(object.id))).toBe("hello, blobs");
    const streamed = await store.put(Readable.from([bytes("hello, "), bytes("blobs")]));
    expect(streamed).toEqual(object);
    expect(await harness.leftovers()).toEqual([]);
  });

  it("keeps one object for the same bytes put twice", async () => {
    const body = bytes(`twice ${randomUUID()}`);
    const first = await store.put(body);
    const second = await store.put(Readable.from([body]));
    expect(second).toEqual(first);
    expect((await collect(store)).filter((o) => o.id === first.id)).toEqual([
      { id: first.id, size: body.length, modifiedAt: expect.any(Date) },
    ]);
  });

  it("rejects bytes that do not hash to expectedId and keeps nothing", async () => {
    const body = bytes(`unexpected ${randomUUID()}`);
    const wrong = sha256("something else");
    const before = await collect(store);
    await expect(store.put(body, { expectedId: wrong })).rejects.toThrow(wrong);
    await expect(store.put(Readable.from([body]), { expectedId: wrong })).rejects.toThrow(wrong);
    expect(await store.stat(sha256(body))).toBeUndefined();
    expect(await store.stat(wrong)).toBeUndefined();
    expect(await collect(store)).toHaveLength(before.length);
    expect(await harness.leftovers()).toEqual([]);
    expect(await store.put(body, { expectedId: sha256(body) })).toEqual({ id: sha256(body), size: body.length });
  });

  it("rejects a put whose stream fails midway and keeps nothing", async () => {
    const before = await collect(store);
    async function* failing() {
      yield Buffer.alloc(64 * 1024, 1);
      throw new Error("client went away");
    }
    await expect(store.put(Readable.from(failing()))).rejects.toThrow("client went away");
    expect(await collect(store)).toHaveLength(before.length);
    expect(await harness.leftovers()).toEqual([]);
  });

  it("reads ranges, both ends inclusive", async () => {
    const { id } = await store.put(bytes("0123456789"));
    expect(await text(await store.get(id, { start: 0, end: 0 }))).toBe("0");
    expect(await text(await store.get(id, { start: 3, end: 6 }))).toBe("3456");
    expect(await text(await store.get(id, { start: 9, end: 9 }))).toBe("9");
    await expect(store.get(id, { start: 5, end: 4 })).rejects.toThrow(/start <= end/);
  });

  it("rejects a get of a missing id; stat answers undefined", async () => {
    const missing = sha256(`never stored ${randomUUID()}`);
    await expect(store.get(missing)).rejects.toThrow(missing);
    await expect(store.get(missing, { start: 0, end: 1 })).rejects.toThrow(missing);
    expect(await store.stat(missing)).toBeUndefined();
  });

  it("deletes, and deleting a missing id resolves", async () => {
    const { id } = await store.put(bytes(`doomed ${randomUUID()}`));
    await store.delete(id);
    expect(await store.stat(id)).toBeUndefined();
    expect((await collect(store)).map((o) => o.id)).not.toContain(id);
    await expect(store.delete(id)).resolves.toBeUndefined();
  });

  it("lists every object with its size and when it was written", async () => {
    const before = Date.now();
    const a = await store.put(bytes(`list a ${randomUUID()}`));
    const b = await store.put(bytes(`list b ${randomUUID()}!`));
    const listed = await collect(store);
    for (const object of [a, b]) {
      const found = listed.find((o) => o.id === object.id);
      expect(found).toMatchObject(object);
      // Servers keep whole seconds: allow for the truncation and a little clock skew.
      expect(found?.modifiedAt.getTime()).toBeGreaterThan(before - 5000);
    }
    expect(new Set(listed.map((o) => o.id)).size).toBe(listed.length);
  });

  it("puts an 80 MB stream in bounded memory", { timeout: 120_000 }, async () => {
    // A gc() of our own (vitest does not expose one) so the samples count live memory, not garbage.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const hash = createHash("sha256");
    const size = 80 * 1024 * 1024;
    const chunk = 64 * 1024;
    async function* generate() {
      for (let offset = 0; offset < size; offset += chunk) {
        const part = Buffer.alloc(chunk, offset / chunk);
        part.writeUInt32BE(offset, 0);
        hash.update(part);
        if (offset % (1024 * 1024) === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
        }
        yield part;
      }
    }
    const object = await store.put(Readable.from(generate()));
    expect(object).toEqual({ id: hash.digest("hex"), size });
    expect(await store.stat(object.id)).toEqual(object);
    // A store that buffered the whole stream would hold 79 MiB at the last sample. The local store holds a
    // few stream buffers; the S3 store its first MiB (this test's inMemoryBytes), then up to three or four
    // 5 MiB multipart parts (filling, queued, sending), and what the garbage collector has not yet freed.
    expect(peak).toBeLessThan(name === "local" ? 4 * 1024 * 1024 : 32 * 1024 * 1024);
    expect(await harness.leftovers()).toEqual([]);
    await store.delete(object.id);
  });

  it("rejects ids that are not 64 lowercase hex characters", async () => {
    const valid = sha256("x");
    for (const bad of ["../../etc/passwd", valid.toUpperCase(), valid.slice(1), `${valid}0`, `../${valid.slice(3)}`]) {
      await expect(store.stat(bad), bad).rejects.toThrow(/64 lowercase hex/);
      await expect(store.get(bad), bad).rejects.toThrow(/64 lowercase hex/);
      await expect(store.delete(bad), bad).rejects.toThrow(/64 lowercase hex/);
      await expect(store.put(bytes("x"), { expectedId: bad }), bad).rejects.toThrow(/64 lowercase hex/);
    }
  });

  test.skipIf(!run || name !== "s3")("gives a presigned URL that serves the bytes", async () => {
    const body = bytes("<h1>a report</h1>");
    const { id } = await store.put(body);
    const presignedUrl = store.presignedUrl;
    if (presignedUrl === undefined) throw new Error("the S3 store must give presigned URLs");
    const url = await presignedUrl(id, {
      expiresSeconds: 60,
      filename: 'résumé "final".html',
      contentType: "text/html; charset=utf-8",
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("<h1>a report</h1>");
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const disposition = response.headers.get("content-disposition") ?? "";
    expect(disposition).toMatch(/^attachment; /);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('résumé "final".html')}`);
    // A tampered signature is refused, so the URL grants exactly this object.
    expect((await fetch(url.replace(/blobs%2F|blobs\//, "blobs/0"))).status).toBe(403);
  });
});
