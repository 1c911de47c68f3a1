/**
 * Taking an upload into the blob store (docs/guides/files.md), whatever the transport: the declared type
 * must be one the field accepts and the bytes must be sniffed as that type (415), the body may not exceed
 * the field's `maxBytes` (413, counted while streaming when no length was declared), and the sha256 is
 * computed on the way through. The store sees no byte before the sniffing passed. The file name kept is
 * the one given, reduced to what is safe to show and to send back in `Content-Disposition`.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { ResolvedField } from "../metadata/resolved.ts";
import type { BlobStore } from "../storage/blobs/blob-store.ts";
import type { BlobValue } from "./blob-value.ts";
import { AppError, show } from "./errors.ts";

/** How many bytes file-type reads to tell a type (its `reasonableDetectionSizeInBytes`, not in its typings). */
const SNIFF_BYTES = 4100;

function tooLarge(field: ResolvedField, maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The file for ${field.name} is too large: at most ${maxBytes} bytes.`, {
    details: { maxBytes },
  });
}

/** The last path segment of a client's file name, without control characters, at most 255 characters; null when nothing is left. */
function safeFilename(name: string | null): string | null {
  const printable = [...(name ?? "")].filter((ch) => ch >= " " && ch !== "\u007f").join("");
  const clean = printable.split(/[\\/]/).pop()?.trim().slice(0, 255);
  return clean ? clean : null;
}

/** An upload as a transport received it. */
export interface Upload {
  readonly body: ReadableStream<Uint8Array> | null;
  /** The declared media type, lowercase, without parameters. */
  readonly contentType: string;
  /** The declared length, when the transport knows it. */
  readonly length: number | undefined;
  /** The client's file name, as sent (it is made safe here). */
  readonly filename: string | null;
}

/** Streams an upload into `store`, checked against the field's limits, and returns the column's value. */
export async function storeUpload(store: BlobStore, field: ResolvedField, upload: Upload): Promise<BlobValue> {
  if (!field.blob) throw new Error(`${field.name} is not a file field`);
  const { maxBytes, contentTypes } = field.blob;
  const { contentType } = upload;
  const filename = safeFilename(upload.filename);
  if (!contentTypes.includes(contentType))
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `${field.name} accepts ${contentTypes.join(", ")}; the upload's type is ${show(contentType || "missing")}.`,
      { details: { accepted: contentTypes } },
    );
  if (upload.length !== undefined && upload.length > maxBytes) throw tooLarge(field, maxBytes);
  if (!upload.body)
    throw new AppError("BAD_REQUEST", `The upload for ${field.name} has no body: send the file's bytes.`);
  const reader = upload.body.getReader();
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
  // Loaded at the first upload: file-type's signatures cost a process about 11 MB it may never need.
  const { fileTypeFromBuffer } = await import("file-type");
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
