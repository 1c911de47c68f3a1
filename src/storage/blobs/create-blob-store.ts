/**
 * Picks the blob store the configuration names: files on local disk or an S3 bucket. The S3 store and
 * its client (minio, about 35 MB of a process's memory) are loaded at the store's first use, so a server
 * on local files never loads them.
 */
import type { BlobStore } from "./blob-store.ts";
import { createLocalBlobStore, type LocalBlobStoreOptions } from "./local-blob-store.ts";
import type { S3BlobStoreOptions } from "./s3-blob-store.ts";

/**
 * Which blob store to use and its settings (the server reads it from `BLOB_STORE`, `BLOB_DIR` and `S3_*`).
 * @example
 * ```ts
 * const local: BlobStoreConfig = { kind: "local", dir: ".data/blobs" };
 * ```
 */
export type BlobStoreConfig =
  | ({ readonly kind: "local" } & LocalBlobStoreOptions)
  | ({ readonly kind: "s3" } & S3BlobStoreOptions);

/**
 * The {@link BlobStore} `config` describes.
 * @example
 * ```ts
 * const blobs = createBlobStore(loadConfig().blobStore);
 * ```
 */
export function createBlobStore(config: BlobStoreConfig): BlobStore {
  switch (config.kind) {
    case "local":
      return createLocalBlobStore(config);
    case "s3":
      return lazyBlobStore(async () => (await import("./s3-blob-store.ts")).createS3BlobStore(config));
  }
}

/** A store made by `load` at its first call; `close` before any call loads nothing. */
function lazyBlobStore(load: () => Promise<BlobStore>): BlobStore {
  let store: Promise<BlobStore> | undefined;
  const loaded = () => {
    store ??= load();
    return store;
  };
  return {
    put: async (body, options) => (await loaded()).put(body, options),
    stat: async (id) => (await loaded()).stat(id),
    get: async (id, range) => (await loaded()).get(id, range),
    delete: async (id) => (await loaded()).delete(id),
    async *list() {
      yield* (await loaded()).list();
    },
    async presignedUrl(id, options) {
      const s = await loaded();
      if (!s.presignedUrl) throw new Error("this blob store gives no presigned URLs");
      return s.presignedUrl(id, options);
    },
    close: async () => {
      if (store) await (await store).close?.();
    },
  };
}
