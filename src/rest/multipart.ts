/**
 * A record and its files in one request (rest-dialect.md §6.8, docs/guides/files.md): `POST`, `PUT` and
 * `PATCH` of a resource with file fields also take `multipart/form-data` with
 * - an optional part `data`: the record as JSON text (a plain field or a file part, whatever its type);
 * - one part per file to upload, named after its file field (`cover`), with a filename and the file's type.
 * Nothing else: scalar fields go in `data`, never as parts of their own, so every value has one place and
 * one syntax (JSON's types, not form strings to guess from). The files come back as `File`s in the record,
 * the shape a GraphQL mutation's `data` has, for the runtime's `withUploads` to store.
 *
 * The body is parsed by the Fetch API (`formData()`), which holds it in memory; it is counted while it
 * streams and refused (413) once it passes the JSON limit plus the `maxBytes` of every file field, so it
 * never holds more than that. Larger files stream through `PUT <member>/<field>` instead.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import { AppError, isAppError, show } from "../runtime/errors.ts";
import { isFile, noBlobStore } from "../runtime/uploads.ts";
import type { BlobStore } from "../storage/blobs/blob-store.ts";
import { bodyTooLarge, parseJson, readJsonBody } from "./body.ts";

/** The name of the part that holds the record's JSON. */
export const DATA_PART = "data";

const MULTIPART = /^multipart\/form-data\s*(?:;|$)/i;

/** Whether the request's body is `multipart/form-data`. */
export function isMultipart(request: Request): boolean {
  return MULTIPART.test(request.headers.get("content-type") ?? "");
}

/** The largest multipart body of a resource: the JSON limit plus the `maxBytes` of each of its file fields. */
export function multipartLimit(resource: ResolvedResource, maxBodyBytes: number): number {
  return resource.fields.reduce((sum, field) => sum + (field.blob?.maxBytes ?? 0), maxBodyBytes);
}

/**
 * The body of a write of one record: JSON, or, on a resource with file fields, `multipart/form-data`,
 * whose file parts are `File`s under their field's name (nothing is stored yet). A multipart body on a
 * server without a blob store is a 501 before it is read.
 */
export async function readRecordBody(
  request: Request,
  resource: ResolvedResource,
  maxBodyBytes: number,
  store: BlobStore | undefined,
): Promise<unknown> {
  // A resource without file fields takes JSON only: readJsonBody's 400 names the type to send.
  if (!isMultipart(request) || !resource.fields.some((f) => f.blob)) return readJsonBody(request, maxBodyBytes);
  if (!store) throw noBlobStore();
  return readMultipartRecord(request, resource, maxBodyBytes);
}

async function readMultipartRecord(
  request: Request,
  resource: ResolvedResource,
  maxBodyBytes: number,
): Promise<Record<string, unknown>> {
  const form = await readForm(request, multipartLimit(resource, maxBodyBytes));
  let data: Record<string, unknown> = {};
  const files: Record<string, File> = {};
  const seen = new Set<string>();
  for (const [name, value] of form) {
    if (seen.has(name)) throw new AppError("BAD_REQUEST", `The part ${show(name)} is sent twice: send each part once.`);
    seen.add(name);
    if (name === DATA_PART) {
      data = await recordOf(value, maxBodyBytes);
      continue;
    }
    const field = resource.field.get(name);
    if (!field?.blob) throw unexpectedPart(resource, name);
    if (!isFile(value))
      throw new AppError(
        "BAD_REQUEST",
        `The part ${show(name)} must be a file: a part with a filename and the file's Content-Type.`,
        { fields: { [name]: "must be a file part" } },
      );
    files[name] = value;
  }
  for (const name of Object.keys(files)) {
    if (name in data)
      throw new AppError(
        "BAD_REQUEST",
        `${name} is sent twice, in the "${DATA_PART}" part and as a file part: leave it out of "${DATA_PART}".`,
        { fields: { [name]: `is also in the "${DATA_PART}" part` } },
      );
  }
  return { ...data, ...files };
}

/** Parses the form, counting its bytes as they stream: past `limit` it stops reading and answers 413. */
async function readForm(request: Request, limit: number): Promise<FormData> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw bodyTooLarge(limit);
  const type = request.headers.get("content-type") ?? "";
  if (!/;\s*boundary=/i.test(type))
    throw new AppError(
      "BAD_REQUEST",
      `Content-Type ${show(type)} has no boundary parameter: multipart/form-data needs one (let the client library build the body).`,
    );
  let size = 0;
  const counted = request.body?.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > limit) controller.error(bodyTooLarge(limit));
        else controller.enqueue(chunk);
      },
    }),
  );
  try {
    return await new Response(counted ?? null, { headers: { "Content-Type": type } }).formData();
  } catch (error) {
    if (size > limit) throw bodyTooLarge(limit);
    if (isAppError(error)) throw error;
    throw new AppError(
      "BAD_REQUEST",
      "Request body is not valid multipart/form-data: expected parts that each start with the boundary of the Content-Type and carry a Content-Disposition with a name, then a closing boundary.",
    );
  }
}

/** The record of the `data` part: a JSON object of at most `maxBodyBytes` bytes. */
async function recordOf(value: FormDataEntryValue, maxBodyBytes: number): Promise<Record<string, unknown>> {
  const size = typeof value === "string" ? Buffer.byteLength(value) : value.size;
  if (size > maxBodyBytes)
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `The "${DATA_PART}" part is too large: at most ${maxBodyBytes} bytes of JSON.`,
      { details: { maxBytes: maxBodyBytes } },
    );
  const text = typeof value === "string" ? value : await value.text();
  const record = parseJson(text, `The "${DATA_PART}" part`);
  if (typeof record !== "object" || record === null || Array.isArray(record))
    throw new AppError(
      "BAD_REQUEST",
      `The "${DATA_PART}" part must be a JSON object (the record's fields), got ${show(record)}.`,
    );
  return record as Record<string, unknown>;
}

/**
 * The 400 of a part that is neither `data` nor a file field's. It does not tell a field of the record from
 * a name that is none, so it cannot confirm a field hidden from the actor.
 */
function unexpectedPart(resource: ResolvedResource, name: string): AppError {
  const fileFields = resource.fields.filter((f) => f.blob).map((f) => f.name);
  return new AppError(
    "BAD_REQUEST",
    `Unexpected part ${show(name)}: a multipart write of ${resource.plural} takes the part "${DATA_PART}" (the record as JSON, where every other field goes) and one file part per file field (${fileFields.join(", ")}).`,
  );
}
