/**
 * An upload as HTTP sends it (docs/guides/files.md): the raw body, its `Content-Type` and
 * `Content-Length`, and a file name from `Content-Disposition` or `?filename=`.
 */
import type { Upload } from "../../runtime/blob-upload.ts";
import { AppError, show } from "../../runtime/errors.ts";

/** The media type of a `Content-Type` header, lowercase and without parameters. */
function mediaType(header: string | null): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * The file name an upload gives: `Content-Disposition`'s `filename*` or `filename`, else `?filename=`
 * (storeUpload keeps only a safe part of it).
 */
function uploadFilename(request: Request, query: string | null): string | null {
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
  return name ?? null;
}

/** The upload a request carries. */
export function uploadOf(request: Request, filenameParam: string | null): Upload {
  const length = request.headers.get("content-length");
  return {
    body: request.body,
    contentType: mediaType(request.headers.get("content-type")),
    length: length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
    filename: uploadFilename(request, filenameParam),
  };
}
