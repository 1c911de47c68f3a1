/** The paths of file fields (docs/guides/files.md): upload, download and clearing, per field. */
import type { ResolvedField, ResolvedResource } from "../../metadata/resolved.ts";
import { errorResponses, type Json, jsonContent, operation, parameter, recordResponse, ref } from "./builders.ts";
import { idParameter } from "./parameters.ts";
import { schemaNames } from "./schemas.ts";

const binary = (field: ResolvedField): Json =>
  Object.fromEntries(
    (field.blob?.contentTypes ?? []).map((type) => [type, { schema: { type: "string", format: "binary" } }]),
  );

/** `/{resource}/{id}/{field}` for each file field of `resource`. */
export function filePaths(resource: ResolvedResource, plural: string, tags: readonly string[]): Json {
  const out: Json = {};
  for (const field of resource.fields) {
    if (!field.blob) continue;
    const name = `${plural}${field.name.charAt(0).toUpperCase()}${field.name.slice(1)}`;
    const record = recordResponse(schemaNames(resource).one, `The ${resource.name}, with the file's metadata.`);
    const unsupported = {
      description: "A type not on the list, or bytes that are not of the type sent.",
      content: jsonContent(ref("Error")),
    };
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
          "415": unsupported,
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
