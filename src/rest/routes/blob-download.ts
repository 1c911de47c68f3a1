/**
 * Serving a file's bytes (docs/guides/files.md): the sha256 is the ETag (`If-None-Match` → 304), one
 * byte range (`Range` → 206 with `Content-Range`, 416 when it lies outside the file), and the type and
 * name the upload gave. With `redirect` and a store that presigns, a 307 to the store instead.
 */
import { Readable } from "node:stream";
import type { BlobValue } from "../../runtime/blob-value.ts";
import type { BlobStore, ByteRange } from "../../storage/blobs/blob-store.ts";

/** How long a presigned URL of a redirect stays valid. */
const PRESIGNED_SECONDS = 300;

/** The one range of a `Range` header: undefined to send it whole (absent, or not one bytes range), "unsatisfiable" for 416. */
export function byteRange(header: string | null, size: number): ByteRange | "unsatisfiable" | undefined {
  const m = header ? /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header) : null;
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** Whether `If-None-Match` names this ETag (or `*`). */
function matches(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/** `Content-Disposition: inline` with the file's name for any client (ASCII fallback and RFC 8187 `filename*`). */
function disposition(filename: string | null): string {
  if (!filename) return "inline";
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** The response to a GET of a file. */
export async function blobResponse(
  store: BlobStore,
  blob: BlobValue,
  request: Request,
  redirect: boolean,
): Promise<Response> {
  const etag = `"${blob.id}"`;
  const common = {
    ETag: etag,
    "Accept-Ranges": "bytes",
    // The record's access decides who may read: no shared cache may keep it.
    "Cache-Control": "private, no-cache",
  };
  if (matches(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers: common });
  if (redirect && store.presignedUrl) {
    const url = await store.presignedUrl(blob.id, {
      expiresSeconds: PRESIGNED_SECONDS,
      contentType: blob.contentType,
      ...(blob.filename ? { filename: blob.filename } : {}),
    });
    return new Response(null, { status: 307, headers: { ...common, Location: url } });
  }
  const headers = {
    ...common,
    "Content-Type": blob.contentType,
    "Content-Disposition": disposition(blob.filename),
    "X-Content-Type-Options": "nosniff",
  };
  const range = request.headers.get("if-range") ? undefined : byteRange(request.headers.get("range"), blob.size);
  if (range === "unsatisfiable")
    return new Response(null, { status: 416, headers: { ...common, "Content-Range": `bytes */${blob.size}` } });
  const body = Readable.toWeb(await store.get(blob.id, range)) as ReadableStream<Uint8Array>;
  if (!range) return new Response(body, { status: 200, headers: { ...headers, "Content-Length": String(blob.size) } });
  return new Response(body, {
    status: 206,
    headers: {
      ...headers,
      "Content-Length": String(range.end - range.start + 1),
      "Content-Range": `bytes ${range.start}-${range.end}/${blob.size}`,
    },
  });
}
