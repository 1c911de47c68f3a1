/**
 * What both blob stores check and compute the same way: the shape of an id (a sha256 in lowercase hex, so
 * no id can name a path or key outside the store), byte ranges, and hashing bytes as they stream past.
 */
import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import type { ByteRange } from "./blob-store.ts";

/** A blob id: 64 lowercase hex characters. */
export const BLOB_ID = /^[0-9a-f]{64}$/;

/** Throws unless `id` is a blob id ({@link BLOB_ID}). */
export function assertBlobId(id: string): void {
  if (typeof id !== "string" || !BLOB_ID.test(id))
    throw new TypeError(`A blob id must be a sha256 in 64 lowercase hex characters, got ${JSON.stringify(id)}`);
}

/** Throws unless `range` has whole, non-negative ends with `start <= end`. */
export function assertByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new RangeError(`A byte range needs whole numbers 0 <= start <= end, got ${JSON.stringify(range)}`);
}

/** A pass-through stream that hashes and counts what flows through it; `result()` once it has ended. */
export function hashingStream(): Transform & { result(): { id: string; size: number } } {
  const hash = createHash("sha256");
  let size = 0;
  let id: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      id = hash.digest("hex");
      callback();
    },
  });
  return Object.assign(stream, {
    result() {
      if (id === undefined) throw new Error("hashingStream: result() called before the stream ended");
      return { id, size };
    },
  });
}
