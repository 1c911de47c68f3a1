/**
 * The value of a file field (docs/guides/files.md): the metadata of a blob, kept in the record's own
 * `Json?` column. Only an upload makes one: {@link uploadedBlob} marks the value a transport built from
 * stored bytes, and the input check refuses any other (a JSON body could otherwise point a record at
 * bytes its client never sent, or at another tenant's file).
 */
import type { ResolvedField, ResolvedResource } from "../metadata/resolved.ts";

/** What the column holds. */
export interface BlobValue {
  /** sha256 of the bytes, lowercase hex: the object's name in the blob store. */
  readonly id: string;
  readonly size: number;
  readonly contentType: string;
  readonly filename: string | null;
}

const UPLOADED = new WeakSet<object>();

/** Marks `value` as made from an upload, so a write may set a file field to it. */
export function uploadedBlob(value: BlobValue): BlobValue {
  const copy = { id: value.id, size: value.size, contentType: value.contentType, filename: value.filename };
  UPLOADED.add(copy);
  return copy;
}

/** Whether `value` came from {@link uploadedBlob}. */
export function isUploadedBlob(value: unknown): boolean {
  return typeof value === "object" && value !== null && UPLOADED.has(value);
}

/** Reads a stored column as a {@link BlobValue}, or undefined when it holds none. */
export function blobValueOf(stored: unknown): BlobValue | undefined {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return undefined;
  const v = stored as Record<string, unknown>;
  if (typeof v.id !== "string" || typeof v.size !== "number" || typeof v.contentType !== "string") return undefined;
  return {
    id: v.id,
    size: v.size,
    contentType: v.contentType,
    filename: typeof v.filename === "string" ? v.filename : null,
  };
}

/** The path the bytes of a record's file field are served at, under the REST base path. */
export function blobPath(resource: ResolvedResource, id: unknown, field: ResolvedField): string {
  return `/${resource.names.path}/${encodeURIComponent(String(id))}/${field.name}`;
}
