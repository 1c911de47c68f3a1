/**
 * Reading an upload into the blob store (docs/guides/files.md): the declared type must be one the field
 * accepts and the bytes must be sniffed as that type (415), the body may not exceed the field's
 * `maxBytes` (413, counted while streaming when there is no Content-Length), and the sha256 is computed
 * on the way through. Nothing is stored until the first bytes passed the sniffing.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { fileTypeFromBuffer } from "file-type";
import type { ResolvedField } from "../../metadata/resolved.ts";
import type { BlobValue } from "../../runtime/blob-value.ts";
import { AppError, show } from "../../runtime/errors.ts";
import type { BlobStore } from "../../storage/blobs/blob-store.ts";

/** How many bytes file-type reads to tell a type (its `reasonableDetectionSizeInBytes`, not in its typings). */
const SNIFF_BYTES = 4100;

/** The media type of a `Content-Type` header, lowercase and without parameters. */
export function mediaType(header: string | null): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * The file name an upload gives: `Content-Disposition`'s `filename*` or `filename`, else `?filename=`;
 * reduced to its last path segment, without control characters, at most 255 characters.
 */
export function uploadFilename(request: Request, query: string | null): string | null {
  const disposition = request.headers.get("content-disposition") ?? "";
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)?.[1];
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(disposition);
  let name: string | null | undefined = query;
  try {
    if (extended) name = decodeURIComponent(extended.trim());
    else if (plain) name = (plain[1] ?? plain[2] ?? "").replace(/\\(.)/g, "$1");
  } catch {
    throw new AppError("BAD_REQUEST", `Content-Disposition has a malformed filename*: ${show(disposition)}.`);
  }
  const printable = [...(name ?? "")].filter((ch) => ch >= " " && ch !== "\u007f").join("");
  const clean = printable.split(/[\\/]/).pop()?.trim().slice(0, 255);
  return clean ? clean : null;
}

function tooLarge(field: ResolvedField, maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The file for ${field.name} is too large: at most ${maxBytes} bytes.`, {
    details: { maxBytes },
  });
}

/** Streams the request's body into `store`, checked against the field's limits, and returns the column's value. */
export async function storeUpload(
  store: BlobStore,
  field: ResolvedField & { blob: NonNullable<ResolvedField["blob"]> },
  request: Request,
  filename: string | null,
): Promise<BlobValue> {
  const { maxBytes, contentTypes } = field.blob;
  const contentType = mediaType(request.headers.get("content-type"));
  if (!contentTypes.includes(contentType))
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `${field.name} accepts ${contentTypes.join(", ")}; the upload's Content-Type is ${show(contentType || "missing")}.`,
      { details: { accepted: contentTypes } },
    );
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > maxBytes) throw tooLarge(field, maxBytes);
  if (!request.body)
    throw new AppError("BAD_REQUEST", `The upload for ${field.name} has no body: send the file's bytes.`);
  const reader = request.body.getReader();
  // The head, for sniffing: the store sees no byte before the type is known.
  const parts: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (size < SNIFF_BYTES) {
    const chunk = await reader.read();
    if (chunk.done) {
      ended = true;
      break;
    }
    parts.push(chunk.value);
    size += chunk.value.byteLength;
    if (size > maxBytes) throw tooLarge(field, maxBytes);
  }
  const head = Buffer.concat(parts);
  if (head.length === 0) throw new AppError("BAD_REQUEST", `The upload for ${field.name} is empty.`);
  const sniffed = (await fileTypeFromBuffer(head))?.mime;
  if (sniffed !== contentType)
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `The upload for ${field.name} is declared ${contentType}, but its bytes are ${sniffed ?? "of no recognised type"}.`,
      { details: { accepted: contentTypes } },
    );
  const hash = createHash("sha256").update(head);
  let over = false;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield head;
    while (!ended) {
      const chunk = await reader.read();
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        over = true;
        throw tooLarge(field, maxBytes);
      }
      hash.update(chunk.value);
      yield chunk.value;
    }
  }
  let object: Awaited<ReturnType<BlobStore["put"]>>;
  try {
    object = await store.put(Readable.from(bytes()), { contentType });
  } catch (error) {
    if (over) throw tooLarge(field, maxBytes);
    throw error;
  }
  const id = hash.digest("hex");
  if (object.id !== id || object.size !== size)
    throw new Error(`Blob store returned ${object.id} (${object.size} bytes) for ${id} (${size} bytes).`);
  return { id, size, contentType, filename };
}
