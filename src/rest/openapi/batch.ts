/** The batch writes of a resource (§20) in the document: their paths and schemas. */
import type { SecurityProfile } from "../../metadata/definition.ts";
import type { ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import { ERROR_STATUS } from "../../runtime/errors.ts";
import { rulesFor } from "../security-profile.ts";
import {
  type Json,
  jsonContent,
  operation,
  parameter,
  recordResponse,
  ref,
  responseRef,
  valueSchema,
} from "./builders.ts";
import { inputSchema, schemaNames } from "./schemas.ts";

/** The batch paths of a resource: `/<resource>/batch`, and its restore and purge on a soft-deleted one. */
export function batchPaths(
  resource: ResolvedResource,
  plural: string,
  tags: readonly string[],
  profile: SecurityProfile | undefined,
): Json {
  const type = resource.names.type;
  const base = `/${resource.names.path}/batch`;
  const max = resource.maxBatchSize;
  const partial = parameter(
    "query",
    "partial",
    "true: each item on its own (200 all succeeded, 207 some failed, 400 all failed). Default false: all or nothing, in one transaction.",
    { schema: { type: "boolean", default: false } },
  );
  const items = (schema: Json, description: string): Json => ({
    required: true,
    description,
    content: jsonContent({ type: "array", items: schema, maxItems: max }),
  });
  // What deletes and purges answer per item is the security profile's (§22.3): ids, or the records.
  const byId = rulesFor(resource, profile).batchDeleteReturns === "ids";
  const batchOperation = (id: string, summary: string, requestBody: Json, deleting = false): Json => {
    const result = deleting && byId ? `${type}BatchDeleteResult` : `${type}BatchResult`;
    return operation({
      id,
      tags,
      summary,
      parameters: [partial],
      requestBody,
      responses: {
        "200": recordResponse(result, `Every item succeeded: each ${deleting && byId ? "id" : "record"} by its index.`),
        "207": recordResponse(result, "partial=true: some items failed, the others were written."),
        "400": responseRef("BatchFailed"),
        "404": responseRef("BatchFailed"),
        "409": responseRef("BatchFailed"),
        "413": responseRef("PayloadTooLarge"),
        "422": responseRef("BatchFailed"),
      },
    });
  };
  const targets = items(
    ref(`${type}BatchTarget`),
    `Ids, or { id${resource.version ? `, ${resource.version.field}` : ""} } objects; at most ${max}.`,
  );
  const out: Json = {
    [base]: {
      post: batchOperation(
        `batchCreate${plural}`,
        `Create many ${resource.plural}`,
        items(ref(`${type}Create`), `The new ${resource.plural}; at most ${max}.`),
      ),
      put: batchOperation(
        `batchUpdate${plural}`,
        `Change the fields sent of many ${resource.plural} (as PUT on one)`,
        items(ref(`${type}BatchUpdateItem`), `{ id, ...fields } per record; at most ${max}.`),
      ),
      patch: batchOperation(
        `batchPatch${plural}`,
        `Change the fields sent of many ${resource.plural} (same as PUT)`,
        items(ref(`${type}BatchUpdateItem`), `{ id, ...fields } per record; at most ${max}.`),
      ),
      delete: batchOperation(
        `batchDelete${plural}`,
        resource.softDelete ? `Move many ${resource.plural} to the trash` : `Delete many ${resource.plural}`,
        targets,
        true,
      ),
    },
  };
  if (resource.softDelete) {
    out[`${base}/restore`] = {
      post: batchOperation(`batchRestore${plural}`, `Bring many ${resource.plural} back from the trash`, targets),
    };
    out[`${base}/purge`] = {
      post: batchOperation(
        `batchPurge${plural}`,
        `Delete many ${resource.plural} for good, live or in the trash`,
        targets,
        true,
      ),
    };
  }
  return out;
}

/** The outcome of a batch: each item's record (or, for deletes under some profiles, id) or error, by index. */
function batchResultSchema(description: string, key: "record" | "id", item: Json): Json {
  return {
    type: "object",
    description,
    properties: {
      succeeded: {
        type: "array",
        items: {
          type: "object",
          properties: { index: { type: "integer" }, [key]: item },
          required: ["index", key],
          additionalProperties: false,
        },
      },
      failed: { type: "array", items: ref("BatchFailure") },
    },
    required: ["succeeded", "failed"],
    additionalProperties: false,
  };
}

/** The schemas of a resource's batches: results, the items of an update, the targets of a delete. */
export function batchSchemas(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  profile: SecurityProfile | undefined,
): Record<string, Json> {
  const n = schemaNames(resource);
  const type = resource.names.type;
  const idName = resource.id.name;
  const idValue = valueSchema(resource.id, true);
  const versionField = resource.version?.field;
  const expected = versionField
    ? {
        [versionField]: {
          type: "integer",
          description: `The ${versionField} you read: when the record has moved on, the item fails (409).`,
        },
      }
    : {};
  const update = inputSchema(schema, resource, "update");
  return {
    [`${type}BatchResult`]: batchResultSchema(
      `The outcome of a batch of ${resource.plural}: each item's record or error, by its index in the request.`,
      "record",
      ref(n.one),
    ),
    ...(rulesFor(resource, profile).batchDeleteReturns === "ids"
      ? {
          [`${type}BatchDeleteResult`]: batchResultSchema(
            `The outcome of a batch delete or purge of ${resource.plural}: each item's ${idName} or error, by its index in the request (the security profile answers ids, not records).`,
            "id",
            idValue,
          ),
        }
      : {}),
    [`${type}BatchUpdateItem`]: {
      ...update,
      description: `One record of a batch PUT or PATCH: its ${idName} and the fields to change.`,
      properties: {
        ...(update.properties as Json),
        [idName]: { ...idValue, description: "The record to change." },
        ...expected,
      },
      required: [idName],
    },
    [`${type}BatchTarget`]: {
      description: `A ${resource.name} to delete, restore or purge: its ${idName}, or an object with it${versionField ? ` and the ${versionField} you read` : ""}.`,
      oneOf: [
        idValue,
        {
          type: "object",
          properties: { [idName]: idValue, ...expected },
          required: [idName],
          additionalProperties: false,
        },
      ],
    },
  };
}

/** The failure of one batch item, and the answer of a batch that failed. */
export function batchErrorSchemas(): Record<string, Json> {
  return {
    BatchFailure: {
      type: "object",
      description: "The failure of one batch item: its index in the request and its error.",
      properties: {
        index: { type: "integer" },
        error: {
          type: "object",
          properties: {
            code: { type: "string", enum: Object.keys(ERROR_STATUS) },
            message: { type: "string" },
            fields: { type: "object", additionalProperties: { type: "string" }, description: "Per-field messages." },
            details: { type: "object", additionalProperties: true },
          },
          required: ["code", "message"],
        },
      },
      required: ["index", "error"],
      additionalProperties: false,
    },
    BatchError: {
      description:
        "A batch that failed: all or nothing, the failing item's error (its status) and nothing written; or partial=true with every item failed (400). failed names the items.",
      allOf: [ref("Error")],
      properties: { succeeded: { type: "array", maxItems: 0 }, failed: { type: "array", items: ref("BatchFailure") } },
    },
  };
}
