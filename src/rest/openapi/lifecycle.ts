/** The trash (§18) and revisions (§19) of one record in the document: their paths and schemas. */
import type { ResolvedResource } from "../../metadata/resolved.ts";
import { errorResponses, type Json, jsonContent, operation, parameter, recordResponse, ref } from "./builders.ts";
import { idParameter, revisionParameter } from "./parameters.ts";
import { schemaNames } from "./schemas.ts";

/** The trash and revision paths of a record, for the resources that have them. */
export function lifecyclePaths(resource: ResolvedResource, tags: readonly string[]): Json {
  const n = schemaNames(resource);
  const type = resource.names.type;
  const base = `/${resource.names.path}/{id}`;
  const id = [idParameter(resource)];
  const versionBody = resource.version
    ? {
        required: false,
        description: `Optional: the ${resource.version.field} you read, like If-Match (but 409 when stale).`,
        content: jsonContent({
          type: "object",
          properties: { [resource.version.field]: { type: "integer" } },
          additionalProperties: false,
        }),
      }
    : undefined;
  const stale = resource.version ? errorResponses("409", "412") : errorResponses("409");
  const out: Json = {};
  if (resource.softDelete) {
    out[`${base}/restore`] = {
      parameters: id,
      post: operation({
        id: `restore${type}`,
        tags,
        summary: `Bring a ${resource.name} back from the trash, with the records its delete cascaded to`,
        description: `409 when it is not in the trash, or when a record it belongs to is still in the trash. If-Match is honoured (412).`,
        ...(versionBody ? { requestBody: versionBody } : {}),
        responses: {
          "200": recordResponse(n.one, `The restored ${resource.name}.`),
          ...errorResponses("400", "404"),
          ...stale,
        },
      }),
    };
    out[`${base}/purge`] = {
      parameters: id,
      post: operation({
        id: `purge${type}`,
        tags,
        summary: `Delete a ${resource.name} for good, live or in the trash (relations' onDelete rules apply)`,
        ...(versionBody ? { requestBody: versionBody } : {}),
        responses: {
          "200": recordResponse(n.one, `The removed ${resource.name}, as it was.`),
          ...errorResponses("400", "404"),
          ...stale,
        },
      }),
    };
  }
  if (resource.revisions) {
    const rev = revisionParameter("rev", "A revision number: 1 for the first.");
    out[`${base}/revisions`] = {
      parameters: id,
      get: operation({
        id: `list${type}Revisions`,
        tags,
        summary: `Every revision of a ${resource.name}, oldest first (also in the trash)`,
        responses: {
          "200": {
            description: `The revisions; Content-Range is revisions 0-<n-1>/<n> (revisions */0 for none).`,
            headers: {
              "Content-Range": { $ref: "#/components/headers/ContentRange" },
              "X-Total-Count": { $ref: "#/components/headers/XTotalCount" },
            },
            content: jsonContent({ type: "array", items: ref(`${type}Revision`) }),
          },
          ...errorResponses("400", "404"),
        },
      }),
    };
    out[`${base}/revisions/{rev}`] = {
      parameters: [...id, rev],
      get: operation({
        id: `get${type}Revision`,
        tags,
        summary: `One revision of a ${resource.name}`,
        responses: {
          "200": recordResponse(`${type}Revision`, "The revision, its data upgraded to the current schema version."),
          ...errorResponses("400", "404"),
        },
      }),
    };
    out[`${base}/revisions/{rev}/diff`] = {
      parameters: [...id, rev],
      get: operation({
        id: `diff${type}Revisions`,
        tags,
        summary: `What changed from another revision (by default its parent) to this one`,
        parameters: [
          parameter(
            "query",
            "against",
            "The revision to compare with; default: the revision's parent (none for the first: every field changed from null).",
            { schema: { type: "integer", minimum: 1 } },
          ),
        ],
        responses: {
          "200": recordResponse("RevisionDiff", "The fields whose values differ."),
          ...errorResponses("400", "404"),
        },
      }),
    };
    out[`${base}/revert/{rev}`] = {
      parameters: [...id, revisionParameter("rev", "The revision whose values to write again.")],
      post: operation({
        id: `revert${type}`,
        tags,
        summary: `Make a ${resource.name} equal to one of its revisions again, as a new revision`,
        ...(versionBody ? { requestBody: versionBody } : {}),
        responses: {
          "200": recordResponse(n.one, `The ${resource.name} as stored.`),
          ...errorResponses("400", "404"),
          ...stale,
          ...errorResponses("422"),
        },
      }),
    };
    if (resource.revisions.draft) {
      out[`${base}/publish`] = {
        parameters: id,
        post: operation({
          id: `publish${type}`,
          tags,
          summary: `Make the ${resource.name}'s draft revision stable (draft mode). No body.`,
          responses: {
            "200": recordResponse(n.one, `The ${resource.name}.`),
            ...errorResponses("400", "404", "409"),
          },
        }),
      };
    }
  }
  return out;
}

/** The schema of a resource's revision, for the resources that have revisions. */
export function revisionSchemas(resource: ResolvedResource): Record<string, Json> {
  if (!resource.revisions) return {};
  return {
    [`${resource.names.type}Revision`]: {
      type: "object",
      description: `One revision of a ${resource.name}: an immutable snapshot written with a write.`,
      properties: {
        id: { type: "string", format: "uuid" },
        number: { type: "integer", minimum: 1, description: "1, 2, 3… per record." },
        parentNumber: { type: ["integer", "null"], description: "The revision this one follows; null for the first." },
        action: {
          type: "string",
          description: "The write that made it: create, update, patch, delete, restore, revert, purge.",
        },
        status: { type: "string", enum: ["stable", "draft"] },
        actorId: { type: ["string", "null"], description: "Who wrote it (the default actor when anonymous)." },
        createdAt: { type: "string", format: "date-time" },
        schemaVersion: {
          type: "integer",
          description: "The schema version it was written under; data is upgraded to the current one.",
        },
        data: { ...ref(schemaNames(resource).one), description: `The ${resource.name} after the write.` },
      },
      required: ["id", "number", "parentNumber", "action", "status", "actorId", "createdAt", "schemaVersion", "data"],
      additionalProperties: false,
    },
  };
}

/** What changed between two revisions. */
export function revisionDiffSchema(): Json {
  return {
    type: "object",
    description: "What changed between two revisions, field by field.",
    properties: {
      from: { type: "integer", description: "The revision compared with (0: before the first)." },
      to: { type: "integer" },
      changes: {
        type: "array",
        items: {
          type: "object",
          properties: { field: { type: "string" }, from: {}, to: {} },
          required: ["field", "from", "to"],
          additionalProperties: false,
        },
      },
    },
    required: ["from", "to", "changes"],
    additionalProperties: false,
  };
}
