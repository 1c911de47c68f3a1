/**
 * The blob store on local disk: each object is the file `<dir>/<first 2 hex>/<sha256>`. Writes stream into
 * `<dir>/tmp/` while hashing and are renamed into place, so a reader never sees a half-written object and
 * a crash leaves at most a stray temp file.
 */
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobObject, BlobStore, ByteRange } from "./blob-store.ts";
import { assertBlobId, assertByteRange, BLOB_ID, hashingStream } from "./blob-id.ts";

/** Options of {@link createLocalBlobStore}. */
export interface LocalBlobStoreOptions {
  /** Folder holding the objects; created when missing. @example ".data/blobs" */
  readonly dir: string;
}

/**
 * A {@link BlobStore} keeping objects as files under `dir`.
 * @example
 * ```ts
 * const blobs = createLocalBlobStore({ dir: ".data/blobs" });
 * const { id } = await blobs.put(new TextEncoder().encode("hello"));
 * ```
 */
export function createLocalBlobStore(options: LocalBlobStoreOptions): BlobStore {
  const { dir } = options;
  const tmpDir = join(dir, "tmp");
  const pathOf = (id: string) => join(dir, id.slice(0, 2), id);

  return {
    async put(body, { expectedId } = {}) {
      if (expectedId !== undefined) assertBlobId(expectedId);
      await mkdir(tmpDir, { recursive: true });
      const tmp = join(tmpDir, randomUUID());
      try {
        const hashing = hashingStream();
        const source = body instanceof Uint8Array ? Readable.from([body]) : body;
        await pipeline(source, hashing, createWriteStream(tmp, { flags: "wx" }));
        const { id, size } = hashing.result();
        if (expectedId !== undefined && id !== expectedId)
          throw new Error(`Blob bytes hash to ${id}, expected ${expectedId}`);
        // Bytes stored already are replaced by the same bytes (atomically): one object, and its time is
        // now, so the garbage collector's grace period protects an object a write is about to reference.
        await mkdir(join(dir, id.slice(0, 2)), { recursive: true });
        await rename(tmp, pathOf(id));
        return { id, size };
      } finally {
        // After the rename there is nothing left to remove; on any failure the partial file goes.
        await rm(tmp, { force: true });
      }
    },

    async stat(id) {
      assertBlobId(id);
      try {
        const { size } = await stat(pathOf(id));
        return { id, size };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async get(id, range?: ByteRange) {
      assertBlobId(id);
      if (range !== undefined) assertByteRange(range);
      // Opening first makes a missing object reject here rather than error later on the stream.
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(pathOf(id), "r");
      } catch (error) {
        if (isMissing(error)) throw new Error(`No blob ${id}`);
        throw error;
      }
      return handle.createReadStream(range === undefined ? {} : { start: range.start, end: range.end });
    },

    async delete(id) {
      assertBlobId(id);
      await rm(pathOf(id), { force: true });
    },

    async *list(): AsyncGenerator<BlobObject & { readonly modifiedAt: Date }> {
      for (const folder of await readdirOrEmpty(dir)) {
        if (!/^[0-9a-f]{2}$/.test(folder)) continue;
        for (const name of await readdirOrEmpty(join(dir, folder))) {
          if (!BLOB_ID.test(name) || !name.startsWith(folder)) continue;
          try {
            const { size, mtime } = await stat(join(dir, folder, name));
            yield { id: name, size, modifiedAt: mtime };
          } catch (error) {
            // Deleted between the listing and the stat: it is not there any more.
            if (!isMissing(error)) throw error;
          }
        }
      }
    },
  };
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
