/**
 * Where blob bytes live: content-addressed objects named by the sha256 of their bytes (lowercase hex).
 * One port, two implementations (local-blob-store.ts: files under a folder; s3-blob-store.ts: a bucket
 * through the minio client), held to one contract (test/storage/blob-store.test.ts).
 */
import type { Readable } from "node:stream";

/** What a store knows of an object. */
export interface BlobObject {
  /** sha256 of the bytes, lowercase hex: the object's name. */
  readonly id: string;
  /** Length in bytes. */
  readonly size: number;
}

/** A byte range, both ends inclusive (as HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A store of content-addressed blobs. */
export interface BlobStore {
  /**
   * Stores bytes under their sha256 and resolves to the object. With `expectedId`, a different hash
   * rejects and nothing is kept. Storing bytes that are there already keeps one object.
   */
  put(body: Readable | Uint8Array, options?: { expectedId?: string; contentType?: string }): Promise<BlobObject>;
  /** The object, or undefined when there is none by that id. */
  stat(id: string): Promise<BlobObject | undefined>;
  /** The bytes, or a range of them. Rejects when there is no object by that id. */
  get(id: string, range?: ByteRange): Promise<Readable>;
  /** Deletes the object; no error when it is not there. */
  delete(id: string): Promise<void>;
  /** Every stored object with when it was written (for the garbage collector and dumps). */
  list(): AsyncIterable<BlobObject & { readonly modifiedAt: Date }>;
  /** A time-limited URL a client may GET the bytes from directly; only stores that can (S3). */
  presignedUrl?(
    id: string,
    options: { expiresSeconds: number; filename?: string; contentType?: string },
  ): Promise<string>;
  /** Releases what the store holds open. */
  close?(): Promise<void>;
}
