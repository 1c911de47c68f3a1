/**
 * File fields in the document (docs/guides/files.md): per field the paths of upload, download and
 * clearing, and the multipart/form-data body of a write that carries the record's files (§6.8).
 */
import type { ResolvedField, ResolvedResource } from "../../metadata/resolved.ts";
import {
  errorResponses,
  type Json,
  jsonContent,
  operation,
  parameter,
  recordResponse,
  ref,
  requestBody,
} from "./builders.ts";
import { DATA_PART } from "../multipart.ts";
import { idParameter } from "./parameters.ts";
import { schemaNames } from "./schemas.ts";

const binary = (field: ResolvedField): Json =>
  Object.fromEntries(
    (field.blob?.contentTypes ?? []).map((type) => [type, { schema: { type: "string", format: "binary" } }]),
  );

/** The answer to a file of a type the field does not take, or whose bytes are of another. */
const unsupported = (): Json => ({
  description: "A type not on the list, or bytes that are not of the type sent.",
  content: jsonContent(ref("Error")),
});

/**
 * The request body of a write of one record: JSON of the component schema `name`, and on a resource with
 * file fields also multipart/form-data, the record as JSON in the part `data` and one part per file.
 */
export function writeBody(resource: ResolvedResource, name: string): Json {
  const body = requestBody(name);
  const files = resource.fields.filter((f) => f.blob);
  if (files.length === 0) return body;
  const properties: Json = {
    [DATA_PART]: {
      ...ref(name),
      description: `The record as JSON; a file sent as a part of its own is left out of it.`,
    },
  };
  const encoding: Json = { [DATA_PART]: { contentType: "application/json" } };
  for (const field of files) {
    const types = field.blob?.contentTypes ?? [];
    properties[field.name] = {
      type: "string",
      format: "binary",
      description: `The ${field.name}: up to ${field.blob?.maxBytes} bytes of ${types.join(", ")}, with a filename.`,
    };
    encoding[field.name] = { contentType: types.join(", ") };
  }
  return {
    ...body,
    content: {
      ...(body.content as Json),
      "multipart/form-data": { schema: { type: "object", properties, additionalProperties: false }, encoding },
    },
  };
}

/** The extra answers of a write that may carry files: 415 for a file of the wrong type. */
export function writeFileResponses(resource: ResolvedResource): Json {
  return resource.fields.some((f) => f.blob) ? { "415": unsupported() } : {};
}

/** `/{resource}/{id}/{field}` for each file field of `resource`. */
export function filePaths(resource: ResolvedResource, plural: string, tags: readonly string[]): Json {
  const out: Json = {};
  for (const field of resource.fields) {
    if (!field.blob) continue;
    const name = `${plural}${field.name.charAt(0).toUpperCase()}${field.name.slice(1)}`;
    const record = recordResponse(schemaNames(resource).one, `The ${resource.name}, with the file's metadata.`);
    out[`/${resource.names.path}/{id}/${field.name}`] = {
      parameters: [idParameter(resource)],
      get: operation({
        id: `get${name}`,
        tags,
        summary: `The bytes of a ${resource.name}'s ${field.name}`,
        description:
          "Readable exactly when the record is. Answers Range with 206 (416 when unsatisfiable) and If-None-Match with 304; with BLOB_REDIRECT on a store that can presign, a 307 to a time-limited URL.",
        parameters: [
          parameter("header", "Range", "A byte range: bytes=start-end.", { schema: { type: "string" } }),
          parameter("header", "If-None-Match", "The ETag (the sha256) already held.", { schema: { type: "string" } }),
        ],
        responses: {
          "200": { description: "The bytes.", content: binary(field) },
          "206": { description: "The range asked for.", content: binary(field) },
          "304": { description: "Not modified." },
          "307": { description: "The bytes are at the Location given (a presigned URL)." },
          ...errorResponses("404"),
        },
      }),
      put: operation({
        id: `put${name}`,
        tags,
        summary: `Upload a ${resource.name}'s ${field.name}`,
        description: `Up to ${field.blob.maxBytes} bytes; the filename from Content-Disposition or ?filename=. A write of the record like a PATCH: access, If-Match, audit, revisions and events apply.`,
        requestBody: { required: true, content: binary(field) },
        responses: {
          "200": record,
          ...errorResponses("400", "401", "403", "404", "412", "413"),
          "415": unsupported(),
        },
      }),
      delete: operation({
        id: `delete${name}`,
        tags,
        summary: `Clear a ${resource.name}'s ${field.name}`,
        responses: { "200": record, ...errorResponses("401", "403", "404", "412") },
      }),
    };
  }
  return out;
}
