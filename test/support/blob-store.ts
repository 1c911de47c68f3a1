/** The local blob store (src/storage/blobs/local-blob-store.ts) over a fresh temp folder, for tests. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlobStore } from "../../src/storage/blobs/blob-store.ts";
import { createLocalBlobStore } from "../../src/storage/blobs/local-blob-store.ts";

/** A local {@link BlobStore} in a temp folder; `close()` removes the folder. */
export async function createTestBlobStore(): Promise<BlobStore & { readonly folder: string }> {
  const folder = await mkdtemp(join(tmpdir(), "autograph-blobs-"));
  const store = createLocalBlobStore({ dir: folder });
  return {
    ...store,
    folder,
    async close() {
      await store.close?.();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
