/**
 * Files in a write's input (docs/guides/files.md), whatever the transport: GraphQL's `File` arguments
 * (multipart request spec) and REST's multipart parts both arrive as Fetch API `File`s in the record's
 * data. {@link withUploads} stores each one through {@link storeUpload} (the field's limits apply) and
 * puts the value the column keeps in its place, so the write that follows sees a file field as an upload
 * made it. The bytes are stored before the write: when the write then fails (validation, access), they
 * stay unreferenced and the blob collector removes them.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { BlobStore } from "../storage/blobs/blob-store.ts";
import { storeUpload } from "./blob-upload.ts";
import { uploadedBlob } from "./blob-value.ts";
import { AppError } from "./errors.ts";

/** Whether `value` is a Fetch API `File`; duck-typed, as yoga's may come from its fetch ponyfill rather than the global class. */
export function isFile(value: unknown): value is File {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as File).stream === "function" &&
    typeof (value as File).name === "string" &&
    typeof (value as File).size === "number"
  );
}

/** The 501 of a server started without a blob store, for a request that carries a file. */
export function noBlobStore(): AppError {
  return new AppError(
    "NOT_IMPLEMENTED",
    "File uploads are not configured on this server: start it with a blob store (`blobStore`).",
  );
}

/**
 * The write input with each `File` of a file field stored (checked against the field's limits) and
 * replaced by the value the column keeps. Anything else stays as it is: `null` clears the field, and an
 * input that is not an object is the write's to refuse.
 * @example const data = await withUploads(resource, { title: "Hello", cover: file }, store);
 */
export async function withUploads<T>(resource: ResolvedResource, input: T, store: BlobStore | undefined): Promise<T> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const field of resource.fields) {
    const file = out[field.name];
    if (!field.blob || !isFile(file)) continue;
    if (!store) throw noBlobStore();
    const value = await storeUpload(store, field, {
      body: file.stream(),
      contentType: file.type.split(";")[0]?.trim().toLowerCase() ?? "",
      length: file.size,
      filename: file.name || null,
    });
    out[field.name] = uploadedBlob(value);
  }
  return out as T;
}
