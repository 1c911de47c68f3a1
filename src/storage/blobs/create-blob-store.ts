/**
 * Picks the blob store the configuration names: files on local disk or an S3 bucket.
 */
import type { BlobStore } from "./blob-store.ts";
import { createLocalBlobStore, type LocalBlobStoreOptions } from "./local-blob-store.ts";
import { createS3BlobStore, type S3BlobStoreOptions } from "./s3-blob-store.ts";

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
      return createS3BlobStore(config);
  }
}
