/**
 * The blob store on S3 (any S3-compatible server) through the minio client: each object is the key
 * `<prefix>blobs/<sha256>`. A stream's hash is known only once it has been read, so a streamed put uploads
 * to `<prefix>tmp/<uuid>` while hashing, then copies server-side to its final key; readers never see an
 * object under a name its bytes do not hash to.
 */
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BucketItem, Client, CopyDestinationOptions, CopySourceOptions } from "minio";
import type { BlobObject, BlobStore, ByteRange } from "./blob-store.ts";
import { assertBlobId, assertByteRange, BLOB_ID, hashingStream } from "./blob-id.ts";

/** Options of {@link createS3BlobStore}. */
export interface S3BlobStoreOptions {
  /** Host name or IP of the S3 server. @example "s3.eu-west-1.amazonaws.com" */
  readonly endPoint: string;
  /** Port of the S3 server. @example 7480 */
  readonly port: number;
  /** Whether to speak HTTPS. */
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Region of the bucket (also used to sign requests). @example "us-east-1" */
  readonly region: string;
  /** Bucket holding the objects; created at first use when missing. */
  readonly bucket: string;
  /** Key prefix, so several stores can share a bucket. @default "" */
  readonly prefix?: string;
  /**
   * A stream up to this many bytes is read into memory, hashed, and written once under its final key;
   * a longer one goes to a temporary key while it is hashed, then is copied to its name (an upload
   * plus a server-side copy). @default 8 MiB
   */
  readonly inMemoryBytes?: number;
}

/**
 * Size of multipart upload parts: S3's minimum, as AWS's own upload helper uses. minio holds about three
 * parts in memory per upload (one filling, one queued, one sending), and without a size of its own it picks
 * ~560 MiB parts for a stream of unknown length. 5 MiB parts allow objects up to 48 GiB (10,000 parts).
 */
const PART_SIZE = 5 * 1024 * 1024;

/**
 * A {@link BlobStore} keeping objects in an S3 bucket.
 * @example
 * ```ts
 * const blobs = createS3BlobStore({
 *   endPoint: "127.0.0.1", port: 7480, useSSL: false, accessKey: "…", secretKey: "…",
 *   region: "us-east-1", bucket: "autograph-blobs",
 * });
 * ```
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { bucket, region, prefix = "", inMemoryBytes = 8 * 1024 * 1024 } = options;
  const client = new Client({
    endPoint: options.endPoint,
    port: options.port,
    useSSL: options.useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region,
    partSize: PART_SIZE,
  });
  const keyOf = (id: string) => `${prefix}blobs/${id}`;

  let bucketReady: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    bucketReady ??= (async () => {
      if (await client.bucketExists(bucket)) return;
      try {
        await client.makeBucket(bucket, region);
      } catch (error) {
        // Another instance created it in the meantime.
        if (errorCode(error) !== "BucketAlreadyOwnedByYou") throw error;
      }
    })().catch((error: unknown) => {
      bucketReady = undefined; // try again on the next call
      throw error;
    });
    return bucketReady;
  };

  const statKey = async (key: string): Promise<number | undefined> => {
    try {
      return (await client.statObject(bucket, key)).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };

  const metadataOf = (contentType: string | undefined) =>
    contentType === undefined ? {} : { "Content-Type": contentType };

  return {
    async put(input, { expectedId, contentType } = {}) {
      if (expectedId !== undefined) assertBlobId(expectedId);
      await ready();
      let body = input;
      if (!(body instanceof Uint8Array)) {
        // Small files (most uploads) are written once, under their name; a longer stream goes on from
        // what was read so far.
        const head = await readUpTo(body, inMemoryBytes);
        body = head.rest === undefined ? head.bytes : Readable.from(prepend(head.bytes, head.rest));
      }
      if (body instanceof Uint8Array) {
        const id = createHash("sha256").update(body).digest("hex");
        if (expectedId !== undefined && id !== expectedId)
          throw new Error(`Blob bytes hash to ${id}, expected ${expectedId}`);
        // Written even when the object is there (the same bytes under the same key: one object), so its
        // time is now and the garbage collector's grace period protects an object a write is about to reference.
        await client.putObject(
          bucket,
          keyOf(id),
          Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          body.length,
          metadataOf(contentType),
        );
        return { id, size: body.length };
      }
      const tmp = `${prefix}tmp/${randomUUID()}`;
      try {
        const hashing = hashingStream();
        const piped = pipeline(body, hashing);
        const upload = client.putObject(bucket, tmp, hashing, undefined, metadataOf(contentType));
        // minio's multipart upload does not listen for errors of the stream it reads, so a failing `body`
        // would leave it waiting forever: the pipeline's rejection answers instead. The abandoned upload
        // never completes (the server drops incomplete multipart uploads per the bucket's lifecycle).
        upload.catch(() => {});
        await Promise.all([upload, piped]);
        const { id, size } = hashing.result();
        if (expectedId !== undefined && id !== expectedId)
          throw new Error(`Blob bytes hash to ${id}, expected ${expectedId}`);
        // Copied even over an existing object (same bytes, same key), to refresh its time (see above).
        await client.copyObject(
          new CopySourceOptions({ Bucket: bucket, Object: tmp }),
          new CopyDestinationOptions({ Bucket: bucket, Object: keyOf(id) }),
        );
        return { id, size };
      } finally {
        await client.removeObject(bucket, tmp);
      }
    },

    async stat(id) {
      assertBlobId(id);
      await ready();
      const size = await statKey(keyOf(id));
      return size === undefined ? undefined : { id, size };
    },

    async get(id, range?: ByteRange) {
      assertBlobId(id);
      if (range !== undefined) assertByteRange(range);
      await ready();
      try {
        return range === undefined
          ? await client.getObject(bucket, keyOf(id))
          : await client.getPartialObject(bucket, keyOf(id), range.start, range.end - range.start + 1);
      } catch (error) {
        if (isMissing(error)) throw new Error(`No blob ${id}`);
        throw error;
      }
    },

    async delete(id) {
      assertBlobId(id);
      await ready();
      await client.removeObject(bucket, keyOf(id));
    },

    async *list(): AsyncGenerator<BlobObject & { readonly modifiedAt: Date }> {
      await ready();
      const start = `${prefix}blobs/`;
      for await (const item of client.listObjectsV2(bucket, start, true) as AsyncIterable<BucketItem>) {
        const id = item.name?.slice(start.length);
        if (id === undefined || !BLOB_ID.test(id)) continue;
        yield { id, size: item.size, modifiedAt: item.lastModified ?? new Date(0) };
      }
    },

    async presignedUrl(id, { expiresSeconds, filename, contentType }) {
      assertBlobId(id);
      await ready();
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers["response-content-type"] = contentType;
      if (filename !== undefined) headers["response-content-disposition"] = contentDisposition(filename);
      return client.presignedGetObject(bucket, keyOf(id), expiresSeconds, headers);
    },
  };
}

/**
 * `attachment` with the name twice: an ASCII fallback for old clients and the exact name in RFC 5987
 * form (`filename*`), so quotes, slashes or non-ASCII characters in a user's file name cannot break the
 * header.
 */
function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\/]/g, "_");
  const exact = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === "NotFound" || code === "NoSuchKey";
}

/** Reads `body` until `limit` bytes: all of it (`rest` undefined), or the first chunks and the stream left. */
async function readUpTo(
  body: Readable,
  limit: number,
): Promise<{ bytes: Uint8Array; rest?: AsyncIterator<Buffer> | undefined }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { bytes: Buffer.concat(chunks, size) };
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) return { bytes: Buffer.concat(chunks, size), rest: iterator };
  }
}

/** The bytes read so far, then the rest of the stream. */
async function* prepend(head: Uint8Array, rest: AsyncIterator<Buffer>): AsyncGenerator<Uint8Array> {
  yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
