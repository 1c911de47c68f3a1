/**
 * A blob store over a temp folder, for tests until the real local store (src/storage/blobs/) lands: the
 * same content addressing (files named by their sha256), written to a temp name and renamed, so a
 * failed upload keeps nothing. It implements the port, nothing more (no presigned URLs).
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobObject, BlobStore, ByteRange } from "../../src/storage/blobs/blob-store.ts";

/** A {@link BlobStore} over a fresh temp folder; `close()` removes the folder. */
export async function createTestBlobStore(): Promise<BlobStore & { readonly folder: string }> {
  const folder = await mkdtemp(join(tmpdir(), "autograph-blobs-"));
  const path = (id: string) => {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`Not a blob id: ${id}`);
    return join(folder, id);
  };
  const statOf = async (id: string): Promise<BlobObject | undefined> => {
    try {
      return { id, size: (await stat(path(id))).size };
    } catch {
      return undefined;
    }
  };
  return {
    folder,
    async put(body, options = {}) {
      const temp = join(folder, `.upload-${randomBytes(8).toString("hex")}`);
      const hash = createHash("sha256");
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(body instanceof Uint8Array ? Readable.from([body]) : body, hashing, createWriteStream(temp));
        const id = hash.digest("hex");
        if (options.expectedId !== undefined && options.expectedId !== id)
          throw new Error(`Expected blob ${options.expectedId}, got ${id}`);
        await rename(temp, path(id));
        return (await statOf(id)) as BlobObject;
      } finally {
        await rm(temp, { force: true });
      }
    },
    stat: statOf,
    async get(id: string, range?: ByteRange) {
      if (!(await statOf(id))) throw new Error(`No blob ${id}`);
      return createReadStream(path(id), range ? { start: range.start, end: range.end } : {});
    },
    async delete(id) {
      await rm(path(id), { force: true });
    },
    async *list() {
      for (const name of await readdir(folder)) {
        if (name.startsWith(".")) continue;
        const s = await stat(join(folder, name));
        yield { id: name, size: s.size, modifiedAt: s.mtime };
      }
    },
    async close() {
      await rm(folder, { recursive: true, force: true });
    },
  };
}
